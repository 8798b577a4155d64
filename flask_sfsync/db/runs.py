"""The run lifecycle: one Sync Now, Auto Sync drain or Retry, push now and pull next.

::

    queue_run ──> QUEUED ──start──> RUNNING ──finish──> FINISHED
                                     │  ▲
                               pause │  │ start (the pause ended)
                                     ▼  │
                                    PAUSED            stop ──> STOPPED (from any active state)

A run only says *that* it is paused and why; until when is the connection's pause, kept once
on the tenant's settings row (:mod:`.tenant_settings`). Every function here changes the row
and leaves the commit to the caller, except :func:`stop_active` (a statement of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from ..host import SessionLike
from .models import ACTIVE_RUN_STATUSES, Direction, Models, RunKind, RunStatus, SyncRunMixin
from .types import utcnow

__all__ = [
    "active_run",
    "active_runs",
    "finish",
    "last_run",
    "new_run",
    "pause",
    "queued_full_runs",
    "recent_runs",
    "stale_run_tenants",
    "start",
    "stop_active",
]

_ACTIVE = [s.value for s in ACTIVE_RUN_STATUSES]

#: What a running push is doing (``SyncRun.phase``), in the order a page goes through them.
READING, MATCHING, WRITING, RECORDING = "reading", "matching", "writing", "recording"


def new_run(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    kind: RunKind,
    *,
    total: int,
    status: RunStatus = RunStatus.QUEUED,
    direction: Direction = Direction.PUSH,
) -> SyncRunMixin:
    now = utcnow()
    run: SyncRunMixin = cast(Any, models.SyncRun)(
        tenant_id=tenant_id, direction=direction.value, kind=kind.value, status=status.value,
        total=total, done=0, pushed=0, skipped=0, unchanged=0, failed=0, api_calls=0,
        created_at=now, started_at=None if status is RunStatus.QUEUED else now,
    )
    session.add(run)
    return run


def start(run: SyncRunMixin) -> bool:
    """QUEUED or PAUSED -> RUNNING. True when the run starts for the first time."""
    first = run.started_at is None
    if first:
        run.started_at = utcnow()
    run.status = RunStatus.RUNNING.value
    run.message = None
    return first


def pause(run: SyncRunMixin, message: str) -> None:
    run.phase = None
    run.status = RunStatus.PAUSED.value
    run.message = message


def finish(run: SyncRunMixin) -> None:
    run.phase = None
    run.status = RunStatus.FINISHED.value
    run.finished_at = utcnow()
    run.total = max(run.total, run.done)
    run.message = None


def stop_active(session: SessionLike, models: Models, tenant_id: str, message: str) -> None:
    """Every active run of the tenant -> STOPPED with ``message``; commits."""
    run = models.SyncRun
    session.execute(
        sa.update(run)
        .where(run.tenant_id == tenant_id, run.status.in_(_ACTIVE))
        .values(status=RunStatus.STOPPED.value, message=message, finished_at=utcnow())
    )
    session.commit()


def active_runs(
    session: SessionLike, models: Models, tenant_id: str, kinds: Sequence[RunKind]
) -> list[SyncRunMixin]:
    """The tenant's active runs of these kinds, oldest first."""
    run = models.SyncRun
    return list(
        session.scalars(
            sa.select(run)
            .where(
                run.tenant_id == tenant_id,
                run.kind.in_([k.value for k in kinds]),
                run.status.in_(_ACTIVE),
            )
            .order_by(run.id)
        )
    )


def active_run(
    session: SessionLike, models: Models, tenant_id: str, kind: RunKind | None = RunKind.FULL
) -> SyncRunMixin | None:
    """The tenant's newest active run (of ``kind``; None: of any kind)."""
    run = models.SyncRun
    query = sa.select(run).where(run.tenant_id == tenant_id, run.status.in_(_ACTIVE))
    if kind is not None:
        query = query.where(run.kind == kind.value)
    return session.scalar(query.order_by(run.id.desc()).limit(1))


def last_run(
    session: SessionLike, models: Models, tenant_id: str, kind: RunKind | None = None
) -> SyncRunMixin | None:
    run = models.SyncRun
    query = sa.select(run).where(run.tenant_id == tenant_id)
    if kind is not None:
        query = query.where(run.kind == kind.value)
    return session.scalar(query.order_by(run.id.desc()).limit(1))


def recent_runs(
    session: SessionLike, models: Models, tenant_id: str, limit: int = 20
) -> list[SyncRunMixin]:
    run = models.SyncRun
    return list(
        session.scalars(
            sa.select(run).where(run.tenant_id == tenant_id).order_by(run.id.desc()).limit(limit)
        )
    )


def queued_full_runs(session: SessionLike, models: Models, tenant_id: str) -> int:
    run = models.SyncRun
    query = sa.select(sa.func.count()).select_from(run).where(
        run.tenant_id == tenant_id,
        run.kind == RunKind.FULL.value,
        run.status == RunStatus.QUEUED.value,
    )
    return int(session.scalar(query) or 0)


def stale_run_tenants(session: SessionLike, models: Models, older_than: datetime) -> set[str]:
    """Tenants with a run queued or running since before ``older_than`` (a worker died?)."""
    run = models.SyncRun
    query = sa.select(run.tenant_id).where(
        run.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value]),
        run.created_at < older_than,
    )
    return set(session.scalars(query))
