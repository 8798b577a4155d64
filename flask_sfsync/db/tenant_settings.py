"""A tenant's ``sfsync_settings`` row: what it chose, our fields in its org, the pause.

The pause of a connection (API budget, the org's daily limit, Salesforce not answering) is
kept here and only here: runs say they are paused, this row says until when and why. The
push and the pull record it the same way (:func:`pause_for`), so a pause either of them met
holds the other too.

``pull_interval``: None is "not set" (``SFSYNC_PULL_INTERVAL`` applies), 0 is "pull only when
asked" for this tenant (:func:`pull_interval_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..host import SessionLike
from ..salesforce import ConnectionPaused, RequestLimitExceeded
from ..sync import PushAs
from .models import DeleteBehaviour, Models, SyncSettingsMixin, table_of
from .types import aware, utcnow

__all__ = [
    "active_pause",
    "clear_pause",
    "pause_ended",
    "pause_for",
    "pause_text",
    "pull_interval_of",
    "pulls_overdue",
    "set_pause",
    "settings_for",
    "settings_row",
]


def settings_for(session: SessionLike, models: Models, tenant_id: str) -> SyncSettingsMixin | None:
    return session.get(models.SyncSettings, tenant_id)


#: INSERT ... ON CONFLICT DO NOTHING, by dialect (others add the row through the session).
_UPSERTS: dict[str, Callable[[sa.Table], Any]] = {
    "sqlite": sqlite_insert, "postgresql": postgresql_insert}


def settings_row(
    session: SessionLike, models: Models, tenant_id: str, *, lead_source: str | None
) -> SyncSettingsMixin:
    """The tenant's row, created (unsaved: nothing is pushed) when missing."""
    row = settings_for(session, models, tenant_id)
    if row is not None:
        return row
    values: dict[str, Any] = {
        "tenant_id": tenant_id, "saved": False, "push_as": PushAs.LEAD.value,
        "lead_source": lead_source, "stages": None, "require_email": True,
        "auto_sync": False, "delete_behaviour": DeleteBehaviour.LEAVE.value,
        "match_other_type": True,
    }
    dialect = session.connection().dialect.name
    if dialect not in _UPSERTS:
        row = cast(Any, models.SyncSettings)(**values)
        session.add(row)
        return cast(SyncSettingsMixin, row)
    # A worker may create the row at the same moment (a pull, a pause): one of the two
    # inserts does nothing instead of failing the page on the unique tenant id.
    table = table_of(models.SyncSettings)
    insert = _UPSERTS[dialect](table).values(**values)
    session.execute(insert.on_conflict_do_nothing(index_elements=[table.c.tenant_id]))
    found = settings_for(session, models, tenant_id)
    assert found is not None
    return found


def active_pause(row: SyncSettingsMixin | None) -> datetime | None:
    """Until when the connection must not call Salesforce (None: it may)."""
    until = aware(row.paused_until) if row is not None else None
    return until if until is not None and until > utcnow() else None


def set_pause(row: SyncSettingsMixin, until: datetime, reason: str) -> None:
    row.paused_until = until
    row.pause_reason = reason


def pause_for(row: SyncSettingsMixin, exc: ConnectionPaused, *, limit_pause: float,
              now: float) -> datetime:
    """Record the pause ``exc`` asks for (not committed); until when.

    ``REQUEST_LIMIT_EXCEEDED``: Salesforce blocks calls "until usage for the preceding 24
    hours drops below the limit" and says nothing about when that is: look again after
    ``limit_pause`` seconds (``SFSYNC_LIMIT_PAUSE``). Our own budget knows when it frees calls.
    """
    resume_at = now + limit_pause if isinstance(exc, RequestLimitExceeded) else exc.resume_at
    until = datetime.fromtimestamp(resume_at, UTC)
    set_pause(row, until, pause_text(exc, until))
    return until


def pause_text(exc: ConnectionPaused, until: datetime) -> str:
    """What the pages say about a pause (the Integrations page and the sync's run)."""
    when = until.astimezone(UTC).strftime("%H:%M:%S UTC")
    if isinstance(exc, RequestLimitExceeded):
        return f"Salesforce's daily API limit for this org is used up; the sync resumes at {when}."
    return f"Paused to stay within the API budget ({exc}); the sync resumes at {when}."


def pull_interval_of(row: SyncSettingsMixin | None, default: int) -> int:
    """The tenant's seconds between two pulls: its own (0: only when asked), else
    ``default`` (``SFSYNC_PULL_INTERVAL``). Never negative."""
    chosen = row.pull_interval if row is not None else None
    return max(0, default if chosen is None else chosen)


def clear_pause(row: SyncSettingsMixin) -> None:
    row.paused_until = None
    row.pause_reason = None


def pause_ended(session: SessionLike, models: Models, now: datetime) -> list[str]:
    """Tenants whose connection's pause has ended (their work waits for a drain)."""
    row = models.SyncSettings
    query = sa.select(row.tenant_id).where(row.paused_until.is_not(None), row.paused_until <= now)
    return list(session.scalars(query))


def pulls_overdue(
    session: SessionLike, models: Models, before: datetime, *, default_interval: int
) -> list[str]:
    """Connected tenants with scheduled pulls (their interval, else ``default_interval``, is
    not 0) whose next pull was due before ``before`` (or never scheduled): their schedule was
    lost (Redis flushed, a worker killed between a pull and its next schedule)."""
    row, conn = models.SyncSettings, models.SalesforceConnection
    query = (
        sa.select(row.tenant_id)
        .join(conn, conn.tenant_id == row.tenant_id)
        .where(
            conn.status == "connected",
            sa.func.coalesce(row.pull_interval, default_interval) > 0,
            sa.or_(row.next_pull_at.is_(None), row.next_pull_at < before),
        )
    )
    return list(session.scalars(query))
