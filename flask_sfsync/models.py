"""Tables the extension owns, created in the host's Flask-SQLAlchemy database.

The columns live in typed mixins at module level; :func:`models_for` binds them to the host's
``db.Model`` once per ``SQLAlchemy`` object, so our tables share the host's metadata (its
``db.create_all()`` and engine) without the extension owning a declarative base. All table names
start with ``sfsync_``. Issue 4 (sync) adds its tables (links, outbox, error log) the same way:
a mixin here and one more attribute on :class:`Models`.
"""

from __future__ import annotations

import enum
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .crypto import TokenCipher

TABLE_PREFIX = "sfsync_"
CONNECTION_TABLE = "sfsync_connections"


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConnectionStatus(enum.StrEnum):
    CONNECTED = "connected"
    RECONNECT_NEEDED = "reconnect_needed"
    DISCONNECTED = "disconnected"

    @property
    def label(self) -> str:
        return {
            "connected": "Connected",
            "reconnect_needed": "Reconnect needed",
            "disconnected": "Disconnected",
        }[self.value]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite drops the zone, PostgreSQL keeps it)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _current_cipher() -> TokenCipher:
    # Tokens are read and written inside an app context (request or worker job); the cipher
    # comes from that app, so several apps with different keys can share one process.
    cipher: TokenCipher = current_app.extensions["sfsync"].cipher
    return cipher


class EncryptedText(TypeDecorator[str]):
    """A string stored as Fernet ciphertext; plaintext only ever exists in Python objects."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return _current_cipher().encrypt(value) if value is not None else None

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return _current_cipher().decrypt(value) if value is not None else None


class SalesforceConnectionMixin:
    """One Salesforce org connection per tenant."""

    __tablename__ = CONNECTION_TABLE
    __table_args__ = (sa.UniqueConstraint("tenant_id", name="uq_sfsync_connections_tenant_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    #: "production" | "sandbox" | "custom" (a My Domain).
    environment: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: Where the OAuth endpoints are: the environment's login URL or the My Domain URL.
    login_url: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    instance_url: Mapped[str | None] = mapped_column(sa.String(255))
    org_id: Mapped[str | None] = mapped_column(sa.String(18))
    sf_user_id: Mapped[str | None] = mapped_column(sa.String(18))
    username: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(255))
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, default=ConnectionStatus.DISCONNECTED.value
    )
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    @property
    def status_enum(self) -> ConnectionStatus:
        return ConnectionStatus(self.status)

    @property
    def status_label(self) -> str:
        return self.status_enum.label

    @property
    def is_connected(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED

    def forget_tokens(self) -> None:
        self.access_token = None
        self.refresh_token = None

    def __repr__(self) -> str:
        # Tokens deliberately absent: reprs end up in logs and tracebacks.
        return (
            f"<SalesforceConnection id={self.id} tenant={self.tenant_id!r} "
            f"status={self.status} org={self.org_id} user={self.username!r}>"
        )


@dataclass(frozen=True)
class Models:
    """The extension's mapped classes for one host ``SQLAlchemy`` object."""

    SalesforceConnection: type[SalesforceConnectionMixin]

    @property
    def tables(self) -> list[sa.Table]:
        return [cast(sa.Table, getattr(self.SalesforceConnection, "__table__"))]  # noqa: B009


_models: weakref.WeakKeyDictionary[SQLAlchemy, Models] = weakref.WeakKeyDictionary()


def models_for(db: SQLAlchemy) -> Models:
    """Map the extension's tables on ``db.Model`` (once per ``db``) and return the classes."""
    if db not in _models:
        _models[db] = Models(SalesforceConnection=_bind(SalesforceConnectionMixin, db))
    return _models[db]


def extension_tables(db: SQLAlchemy) -> list[sa.Table]:
    """Every ``sfsync_*`` table mapped on ``db`` (ours and the sync's), in dependency order."""
    return [t for t in db.metadata.sorted_tables if t.name.startswith(TABLE_PREFIX)]


def _bind(mixin: type[Any], db: SQLAlchemy) -> Any:
    name = mixin.__name__.removesuffix("Mixin")
    return type(name, (mixin, db.Model), {"__module__": __name__})
