"""Column types of the extension's tables: aware UTC datetimes and encrypted text."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from .crypto import TokenCipher

__all__ = ["EncryptedText", "UTCDateTime", "aware", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime (a naive one is taken to be UTC)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite drops the zone, PostgreSQL keeps it)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return aware(value)


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
