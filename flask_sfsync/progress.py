"""The push status of a tenant as plain data: the Integrations page and its JSON endpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from .connections import connection_for
from .push_settings import settings_for
from .sync_models import RunKind, SyncRunMixin
from .sync_service import active_run, open_error_count, push_state

__all__ = ["run_dict", "sync_status"]


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def run_dict(run: SyncRunMixin | None) -> dict[str, Any] | None:
    if run is None:
        return None
    done = min(run.done, run.total) if run.total else run.done
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "active": run.active,
        "total": run.total,
        "done": done,
        "percent": run.percent,
        "pushed": run.pushed,
        "skipped": run.skipped,
        "unchanged": run.unchanged,
        "failed": run.failed,
        "api_calls": run.api_calls,
        "message": run.message,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "paused_until": _iso(run.paused_until),
    }


def last_run(tenant_id: str, kind: RunKind | None = None) -> SyncRunMixin | None:
    state = push_state()
    run = state.models.SyncRun
    query = sa.select(run).where(run.tenant_id == tenant_id)
    if kind is not None:
        query = query.where(run.kind == kind.value)
    result: SyncRunMixin | None = state.db.session.scalar(query.order_by(run.id.desc()).limit(1))
    return result


def sync_status(tenant_id: str) -> dict[str, Any]:
    """Everything the progress panel shows; polled while a sync runs."""
    conn = connection_for(tenant_id)
    row = settings_for(tenant_id)
    running = active_run(tenant_id)
    latest = last_run(tenant_id)
    paused_until = row.paused_until if row is not None else None
    if paused_until is not None and (
        paused_until if paused_until.tzinfo else paused_until.replace(tzinfo=UTC)
    ) <= datetime.now(UTC):
        paused_until = None
    return {
        "connection": conn.status if conn is not None else "none",
        "settings_saved": bool(row is not None and row.saved),
        "auto_sync": bool(row is not None and row.saved and row.auto_sync),
        "syncing": running is not None,
        "run": run_dict(running or latest),
        "last_full": run_dict(last_run(tenant_id, RunKind.FULL)),
        "last_sync_at": _iso(conn.last_sync_at) if conn is not None else None,
        "paused_until": _iso(paused_until),
        "pause_reason": row.pause_reason if row is not None and paused_until else None,
        "open_errors": open_error_count(tenant_id),
    }
