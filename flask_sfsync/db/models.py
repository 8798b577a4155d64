"""Every table the extension owns, in one registry, created in the host's database.

The columns live in typed mixins at module level; :func:`models_for` binds them to the host's
``db.Model`` once per ``SQLAlchemy`` object, so our tables share the host's metadata (its
``db.create_all()`` and engine) without the extension owning a declarative base. Every table
name starts with ``sfsync_`` and every row carries ``tenant_id``. Host ids are stored as
strings, so any primary-key type of the host works.

* ``sfsync_connections`` - one Salesforce org connection per tenant, tokens encrypted;
* ``sfsync_settings`` - what the tenant chose on the settings page (nothing is pushed
  before it is saved), which of our custom fields the org has, and the connection's pause;
* ``sfsync_links`` - host contact <-> the one Salesforce record all its updates go to;
* ``sfsync_outbox`` - contacts changed since their last push, written in the host's own
  transaction (see :mod:`flask_sfsync.db.tracking`);
* ``sfsync_sync_runs`` - one Sync Now, Auto Sync drain or Retry, with its direction and progress;
* ``sfsync_sync_errors`` - the error log;
* ``sfsync_sync_history`` - what happened to each contact, run by run;
* ``sfsync_oauth_states`` - Connects in progress, each callback's state usable once;
* ``sfsync_mirror`` - what was pulled: per Salesforce record its system fields and mapped
  values (the base of matching, badges, dedupe and of telling a change from our own echo);
* ``sfsync_pull_state`` - per tenant and object: the pull's watermark and its last counts.
"""

from __future__ import annotations

import enum
import weakref
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .types import EncryptedText, UTCDateTime, utcnow

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "CONNECTION_TABLE",
    "TABLE_PREFIX",
    "ConnectionStatus",
    "DeleteBehaviour",
    "Direction",
    "Models",
    "OutboxOp",
    "RunKind",
    "RunStatus",
    "extension_tables",
    "models_for",
]

TABLE_PREFIX = "sfsync_"
CONNECTION_TABLE = "sfsync_connections"


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
    #: The org's name (its Organization record), read when it was connected.
    org_name: Mapped[str | None] = mapped_column(sa.String(255))
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


class OutboxOp(enum.StrEnum):
    UPSERT = "upsert"  # created or changed: push its current values
    DELETE = "delete"  # deleted in the host
    RETRY = "retry"  # Retry from the error log: pushed like an upsert
    # Push anyway (the error log, a duplicate rule's alert): pushed like an upsert, with
    # Salesforce's duplicate alert acknowledged for this contact only. (10 characters: the
    # column's size.)
    ALLOW_SAVE = "allow_save"


class DeleteBehaviour(enum.StrEnum):
    LEAVE = "leave"  # the Salesforce record stays (default: Salesforce data is the customer's)
    DELETE = "delete"  # the linked record goes to Salesforce's recycle bin


class Direction(enum.StrEnum):
    PUSH = "push"  # host to Salesforce
    PULL = "pull"  # Salesforce to host


class RunKind(enum.StrEnum):
    FULL = "full"  # Sync Now, or Auto Sync switched on: every contact
    AUTO = "auto"  # an Auto Sync drain of the outbox
    RETRY = "retry"  # Retry / Retry all from the error log


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"  # API budget or the org's daily limit: resumes by itself
    FINISHED = "finished"
    STOPPED = "stopped"  # Reconnect needed, or Salesforce kept failing


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED)
ONE_ACTIVE_FULL_RUN = "uq_sfsync_sync_runs_one_active_full"
_ACTIVE_FULL = "kind = 'full' AND status IN ('queued', 'running', 'paused')"


class SyncSettingsMixin:
    """What the tenant chose on the settings page, our custom fields in its org, and the pause
    of its connection (the one place a pause is kept)."""

    __tablename__ = "sfsync_settings"

    tenant_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    #: False until the tenant saves the settings page: nothing is pushed before that.
    saved: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    push_as: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="Lead")
    lead_source: Mapped[str | None] = mapped_column(sa.String(255))
    #: JSON list of host stages to push; NULL pushes every stage.
    stages: Mapped[list[str] | None] = mapped_column(sa.JSON)
    require_email: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    auto_sync: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    delete_behaviour: Mapped[str] = mapped_column(
        sa.String(10), nullable=False, default=DeleteBehaviour.LEAVE.value
    )
    #: False after "push as" changed with "start new records": only records of ``push_as``'s
    #: object are matched and updated.
    match_other_type: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    #: Seconds between two pulls (None: ``SFSYNC_PULL_INTERVAL``), and when the next is due.
    pull_interval: Mapped[int | None] = mapped_column(sa.Integer)
    next_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A record deleted in Salesforce: "flag" its host contact, or "delete" it too.
    pulled_delete: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="flag")
    #: Our custom fields as last seen: [{"sobject","name","label","state","error"}].
    fields_state: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    fields_message: Mapped[str | None] = mapped_column(sa.Text)
    fields_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The connection must not call Salesforce before this (API budget, daily limit).
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class SyncLinkMixin:
    __tablename__ = "sfsync_links"
    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Fresh objects per binding: one mixin is mapped on several hosts' metadata.
        return (sa.UniqueConstraint("tenant_id", "host_id", name="uq_sfsync_links_tenant_host"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    host_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    sobject: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    sf_id: Mapped[str] = mapped_column(sa.String(18), nullable=False)
    #: Hash of the values last sent: an unchanged contact is not sent again.
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    last_pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Salesforce field -> the value both sides last agreed on (the pull's base: a field
    #: that differs from it changed on that side since).
    agreed: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class OutboxEntryMixin:
    __tablename__ = "sfsync_outbox"
    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Fresh objects per binding: one mixin is mapped on several hosts' metadata.
        return (sa.Index("ix_sfsync_outbox_tenant_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    host_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    op: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: For a delete: the Salesforce record, read from the link in the same transaction.
    sf_id: Mapped[str | None] = mapped_column(sa.String(18))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class SyncRunMixin:
    __tablename__ = "sfsync_sync_runs"
    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Fresh objects per binding: one mixin is mapped on several hosts' metadata.
        return (
            sa.Index("ix_sfsync_sync_runs_tenant", "tenant_id", "id"),
            # At most one full sync of a tenant queued, running or paused: fifty Sync Now
            # clicks at once start one (the database says no to the others).
            sa.Index(
                ONE_ACTIVE_FULL_RUN, "tenant_id", "direction", unique=True,
                sqlite_where=sa.text(_ACTIVE_FULL), postgresql_where=sa.text(_ACTIVE_FULL),
            ),
        )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    #: "push" (host to Salesforce) | "pull" (Salesforce to host).
    direction: Mapped[str] = mapped_column(
        sa.String(10), nullable=False, default=Direction.PUSH.value
    )
    kind: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="queued")
    total: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    pushed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    failed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    api_calls: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    #: A full run resumes after this host id when its worker died.
    cursor: Mapped[str | None] = mapped_column(sa.String(64))
    message: Mapped[str | None] = mapped_column(sa.Text)
    #: What a running push is doing: "reading" | "matching" | "writing" | "recording".
    phase: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, int(100 * self.done / self.total))


class SyncErrorMixin:
    __tablename__ = "sfsync_sync_errors"
    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Fresh objects per binding: one mixin is mapped on several hosts' metadata.
        return (sa.Index("ix_sfsync_sync_errors_open", "tenant_id", "resolved_at", "host_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    run_id: Mapped[int | None] = mapped_column(sa.Integer)
    host_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: "create" | "update" | "delete"
    action: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    sobject: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    sf_id: Mapped[str | None] = mapped_column(sa.String(18))
    error_code: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    message: Mapped[str] = mapped_column(sa.Text, nullable=False)
    fields: Mapped[str | None] = mapped_column(sa.String(255))
    #: DUPLICATES_DETECTED: the Salesforce record the duplicate rule matched.
    duplicate_id: Mapped[str | None] = mapped_column(sa.String(18))
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncHistoryMixin:
    __tablename__ = "sfsync_sync_history"
    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Fresh objects per binding: one mixin is mapped on several hosts' metadata.
        return (sa.Index("ix_sfsync_sync_history_host", "tenant_id", "host_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    host_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    run_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    #: "pushed" | "skipped" | "failed" | "deleted"
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    action: Mapped[str | None] = mapped_column(sa.String(10))
    sobject: Mapped[str | None] = mapped_column(sa.String(40))
    sf_id: Mapped[str | None] = mapped_column(sa.String(18))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class OAuthStateMixin:
    """A Connect in progress: its OAuth ``state`` (hashed), used once by the callback. The
    flow itself rides in the signed session cookie; this row makes a replayed cookie useless."""

    __tablename__ = "sfsync_oauth_states"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    state_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class MirrorRecordMixin:
    """One pulled Salesforce record: its system fields and the mapped values last read."""

    __tablename__ = "sfsync_mirror"
    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Fresh objects per binding: one mixin is mapped on several hosts' metadata.
        return (
            sa.UniqueConstraint("tenant_id", "sf_id", name="uq_sfsync_mirror_tenant_sf_id"),
            sa.Index("ix_sfsync_mirror_email", "tenant_id", "email"),
            sa.Index("ix_sfsync_mirror_host", "tenant_id", "host_id"),
        )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    sobject: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    sf_id: Mapped[str] = mapped_column(sa.String(18), nullable=False)
    #: The host contact this record is matched to (None: none; several records may name
    #: one contact: duplicates in Salesforce).
    host_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: Lower-cased: what matching and dedupe compare.
    email: Mapped[str | None] = mapped_column(sa.String(255))
    #: Salesforce field -> value, as last pulled.
    values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False, default=dict)
    system_modstamp: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_modified_by: Mapped[str | None] = mapped_column(sa.String(18))
    owner_id: Mapped[str | None] = mapped_column(sa.String(18))
    account_id: Mapped[str | None] = mapped_column(sa.String(18))
    is_deleted: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    is_converted: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    converted_contact_id: Mapped[str | None] = mapped_column(sa.String(18))
    converted_account_id: Mapped[str | None] = mapped_column(sa.String(18))
    master_record_id: Mapped[str | None] = mapped_column(sa.String(18))
    pulled_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PullStateMixin:
    """Per tenant and object: where the pull is (its watermark) and what the last one did."""

    __tablename__ = "sfsync_pull_state"

    tenant_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    sobject: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: Off: pulled records are kept for matching, badges and dedupe only; on: a record that
    #: matches no host contact creates one.
    show_in_host: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    #: The (SystemModstamp, Id) of the last record applied; None: nothing pulled yet.
    watermark_stamp: Mapped[datetime | None] = mapped_column(UTCDateTime)
    watermark_id: Mapped[str | None] = mapped_column(sa.String(18))
    #: Every record stamped before this was read and applied: the next read starts here.
    #: A record becomes visible to queries a little after its SystemModstamp, so this trails
    #: the time (Salesforce's) each read was made by the lookback; None: a pull from before
    #: this was kept (the next read starts at the watermark less the lookback).
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: getDeleted's ``latestDateCovered`` of the last check: deletes up to it are known.
    deletes_checked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    deleted: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    failed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    message: Mapped[str | None] = mapped_column(sa.Text)


@dataclass(frozen=True)
class Models:
    """The extension's mapped classes for one host ``SQLAlchemy`` object."""

    SalesforceConnection: type[SalesforceConnectionMixin]
    SyncSettings: type[SyncSettingsMixin]
    SyncLink: type[SyncLinkMixin]
    OutboxEntry: type[OutboxEntryMixin]
    SyncRun: type[SyncRunMixin]
    SyncError: type[SyncErrorMixin]
    SyncHistory: type[SyncHistoryMixin]
    OAuthState: type[OAuthStateMixin]
    MirrorRecord: type[MirrorRecordMixin]
    PullState: type[PullStateMixin]

    @property
    def tables(self) -> list[sa.Table]:
        return [table_of(getattr(self, f.name)) for f in fields(self)]


def table_of(model: type[Any]) -> sa.Table:
    return cast(sa.Table, getattr(model, "__table__"))  # noqa: B009


_models: weakref.WeakKeyDictionary[SQLAlchemy, Models] = weakref.WeakKeyDictionary()


def models_for(db: SQLAlchemy) -> Models:
    """Map the extension's tables on ``db.Model`` (once per ``db``) and return the classes."""
    if db not in _models:
        _models[db] = Models(
            SalesforceConnection=_bind(SalesforceConnectionMixin, db),
            SyncSettings=_bind(SyncSettingsMixin, db),
            SyncLink=_bind(SyncLinkMixin, db),
            OutboxEntry=_bind(OutboxEntryMixin, db),
            SyncRun=_bind(SyncRunMixin, db),
            SyncError=_bind(SyncErrorMixin, db),
            SyncHistory=_bind(SyncHistoryMixin, db),
            OAuthState=_bind(OAuthStateMixin, db),
            MirrorRecord=_bind(MirrorRecordMixin, db),
            PullState=_bind(PullStateMixin, db),
        )
    return _models[db]


def extension_tables(db: SQLAlchemy) -> list[sa.Table]:
    """Every ``sfsync_*`` table mapped on ``db``, in dependency order."""
    return [t for t in db.metadata.sorted_tables if t.name.startswith(TABLE_PREFIX)]


def _bind(mixin: type[Any], db: SQLAlchemy) -> Any:
    name = mixin.__name__.removesuffix("Mixin")
    return type(name, (mixin, db.Model), {"__module__": __name__})
