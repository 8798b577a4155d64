"""A tenant's ``sfsync_settings`` row: what it chose, our fields in its org, the pause.

The pause of a connection (API budget, the org's daily limit, Salesforce not answering) is
kept here and only here: runs say they are paused, this row says until when and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from ..host import SessionLike
from ..sync import PushAs
from .models import DeleteBehaviour, Models, SyncSettingsMixin
from .types import aware, utcnow

__all__ = [
    "active_pause",
    "clear_pause",
    "pause_ended",
    "set_pause",
    "settings_for",
    "settings_row",
]


def settings_for(session: SessionLike, models: Models, tenant_id: str) -> SyncSettingsMixin | None:
    return session.get(models.SyncSettings, tenant_id)


def settings_row(
    session: SessionLike, models: Models, tenant_id: str, *, lead_source: str | None
) -> SyncSettingsMixin:
    """The tenant's row, created (unsaved: nothing is pushed) when missing."""
    row = settings_for(session, models, tenant_id)
    if row is None:
        row = cast(Any, models.SyncSettings)(
            tenant_id=tenant_id,
            saved=False,
            push_as=PushAs.LEAD.value,
            lead_source=lead_source,
            stages=None,
            require_email=True,
            auto_sync=False,
            delete_behaviour=DeleteBehaviour.LEAVE.value,
            match_other_type=True,
        )
        session.add(row)
    return row


def active_pause(row: SyncSettingsMixin | None) -> datetime | None:
    """Until when the connection must not call Salesforce (None: it may)."""
    until = aware(row.paused_until) if row is not None else None
    return until if until is not None and until > utcnow() else None


def set_pause(row: SyncSettingsMixin, until: datetime, reason: str) -> None:
    row.paused_until = until
    row.pause_reason = reason


def clear_pause(row: SyncSettingsMixin) -> None:
    row.paused_until = None
    row.pause_reason = None


def pause_ended(session: SessionLike, models: Models, now: datetime) -> list[str]:
    """Tenants whose connection's pause has ended (their work waits for a drain)."""
    row = models.SyncSettings
    query = sa.select(row.tenant_id).where(row.paused_until.is_not(None), row.paused_until <= now)
    return list(session.scalars(query))


def pulls_overdue(session: SessionLike, models: Models, before: datetime) -> list[str]:
    """Connected tenants whose next pull was due before ``before`` (or never scheduled): their
    schedule was lost (Redis flushed, a worker killed between a pull and its next schedule)."""
    row, conn = models.SyncSettings, models.SalesforceConnection
    query = (
        sa.select(row.tenant_id)
        .join(conn, conn.tenant_id == row.tenant_id)
        .where(
            conn.status == "connected",
            sa.or_(row.next_pull_at.is_(None), row.next_pull_at < before),
        )
    )
    return list(session.scalars(query))
