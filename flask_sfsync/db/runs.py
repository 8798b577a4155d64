"""The run lifecycle: one Sync Now, Auto Sync drain or Retry (a push), or one pull.

::

    queue_run ──> QUEUED ──start──> RUNNING ──finish──> FINISHED
                                     │  ▲
                               pause │  │ start (the pause ended)
                                     ▼  │
                                    PAUSED            stop ──> STOPPED (from any active state)

A run only says *that* it is paused and why; until when is the connection's pause, kept once
on the tenant's settings row (:mod:`.tenant_settings`). Every function here changes the row
and leaves the commit to the caller, except :func:`stop_active` (a statement of its own).

Runs have a direction. The push's reads (:func:`active_run`, :func:`active_runs`,
:func:`last_run`, :func:`queued_full_runs`, :func:`stale_run_tenants`, :func:`stop_active`) see
push runs unless told otherwise, so a pull running beside a push is never drained, resumed or
stopped as if it were one. The database allows one active full run per tenant *and direction*
(``ONE_ACTIVE_FULL_RUN``): a Sync Now and a Pull now run at once.

A pull run (:func:`new_pull_run`, made by the pull under the tenant's lock) uses the columns
as a pull means them:

=========== ==========================================================================
``total``   records the pull will read, when it can tell (0: not known)
``done``    records read so far, over every object
``phase``   the object being read (``"Lead"``), while it runs
``pushed``  records written to the host (created + updated)
``skipped`` / ``failed`` as the pull's counts say
``cursor``  ``"created:updated:deleted"`` (:func:`pull_counts` reads it back); a pull
            resumes from its watermark, never from a cursor
=========== ==========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from ..host import SessionLike
from .models import ACTIVE_RUN_STATUSES, Direction, Models, RunKind, RunStatus, SyncRunMixin
from .types import utcnow

__all__ = [
    "PULL_COUNTS",
    "active_run",
    "active_run_ids",
    "active_runs",
    "finish",
    "last_run",
    "new_pull_run",
    "new_run",
    "pause",
    "pull_counts",
    "queue_pull_retry",
    "queued_full_runs",
    "recent_runs",
    "record_pull_progress",
    "stale_run_tenants",
    "start",
    "stop",
    "stop_active",
]

_ACTIVE = [s.value for s in ACTIVE_RUN_STATUSES]

#: What a running push is doing (``SyncRun.phase``), in the order a page goes through them.
READING, MATCHING, WRITING, RECORDING = "reading", "matching", "writing", "recording"

#: A pull run's counts, in the order the pages show them.
PULL_COUNTS = ("created", "updated", "deleted", "skipped", "failed")
#: Why a pull left running is closed when the next one starts (the tenant's lock is held, so
#: nobody else is pulling: its worker died).
PULL_ABANDONED = "The worker stopped before this pull finished; the next pull goes on from there."


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


def stop(run: SyncRunMixin, message: str) -> None:
    """This run -> STOPPED with ``message`` (Salesforce kept failing, Reconnect needed)."""
    run.phase = None
    run.status = RunStatus.STOPPED.value
    run.finished_at = utcnow()
    run.message = message


def stop_active(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    message: str,
    direction: Direction | None = Direction.PUSH,
) -> None:
    """Every active run of the tenant (of ``direction``; None: both) -> STOPPED with
    ``message``; commits."""
    run = models.SyncRun
    where = [run.tenant_id == tenant_id, run.status.in_(_ACTIVE)]
    if direction is not None:
        where.append(run.direction == direction.value)
    session.execute(
        sa.update(run)
        .where(*where)
        .values(status=RunStatus.STOPPED.value, message=message, finished_at=utcnow())
    )
    session.commit()


def active_runs(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    kinds: Sequence[RunKind],
    direction: Direction = Direction.PUSH,
) -> list[SyncRunMixin]:
    """The tenant's active runs of these kinds, oldest first."""
    run = models.SyncRun
    return list(
        session.scalars(
            sa.select(run)
            .where(
                run.tenant_id == tenant_id,
                run.direction == direction.value,
                run.kind.in_([k.value for k in kinds]),
                run.status.in_(_ACTIVE),
            )
            .order_by(run.id)
        )
    )


def active_run(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    kind: RunKind | None = RunKind.FULL,
    direction: Direction = Direction.PUSH,
) -> SyncRunMixin | None:
    """The tenant's newest active run (of ``kind``; None: of any kind)."""
    run = models.SyncRun
    query = sa.select(run).where(run.tenant_id == tenant_id, run.direction == direction.value,
                                 run.status.in_(_ACTIVE))
    if kind is not None:
        query = query.where(run.kind == kind.value)
    return session.scalar(query.order_by(run.id.desc()).limit(1))


def active_run_ids(
    session: SessionLike, models: Models, tenant_id: str, direction: Direction
) -> set[int]:
    """The ids of the tenant's active runs of ``direction`` (what an entry waits for)."""
    run = models.SyncRun
    return set(session.scalars(sa.select(run.id).where(
        run.tenant_id == tenant_id, run.direction == direction.value, run.status.in_(_ACTIVE))))


def last_run(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    kind: RunKind | None = None,
    direction: Direction = Direction.PUSH,
) -> SyncRunMixin | None:
    run = models.SyncRun
    query = sa.select(run).where(run.tenant_id == tenant_id, run.direction == direction.value)
    if kind is not None:
        query = query.where(run.kind == kind.value)
    return session.scalar(query.order_by(run.id.desc()).limit(1))


def recent_runs(
    session: SessionLike, models: Models, tenant_id: str, limit: int = 20
) -> list[SyncRunMixin]:
    """The tenant's newest runs, pushes and pulls together (the History tab)."""
    run = models.SyncRun
    return list(
        session.scalars(
            sa.select(run).where(run.tenant_id == tenant_id).order_by(run.id.desc()).limit(limit)
        )
    )


def queued_full_runs(session: SessionLike, models: Models, tenant_id: str) -> int:
    """Full pushes waiting for a drain."""
    run = models.SyncRun
    query = sa.select(sa.func.count()).select_from(run).where(
        run.tenant_id == tenant_id,
        run.direction == Direction.PUSH.value,
        run.kind == RunKind.FULL.value,
        run.status == RunStatus.QUEUED.value,
    )
    return int(session.scalar(query) or 0)


def stale_run_tenants(session: SessionLike, models: Models, older_than: datetime) -> set[str]:
    """Tenants with a push queued or running since before ``older_than`` (a worker died?): a
    drain resumes it. (A pull resumes from its watermark with the next pull.)"""
    run = models.SyncRun
    query = sa.select(run.tenant_id).where(
        run.direction == Direction.PUSH.value,
        run.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value]),
        run.created_at < older_than,
    )
    return set(session.scalars(query))


# -- pull runs ----------------------------------------------------------------------------------


def new_pull_run(
    session: SessionLike, models: Models, tenant_id: str, kind: RunKind, *, total: int = 0
) -> SyncRunMixin:
    """The run of a pull starting now, RUNNING (``kind``: FULL for Pull now, AUTO for a
    scheduled pull, RETRY for the error log's Retry). Call it under the tenant's lock.

    A run of ``kind`` queued or paused before (a Retry's queued run, a pull paused by the
    API budget) is this one, resumed; pull runs left running are a dead worker's and are
    stopped (the watermark says where the pull is). Not committed."""
    run = models.SyncRun
    found = list(session.scalars(sa.select(run).where(
        run.tenant_id == tenant_id, run.direction == Direction.PULL.value,
        run.status.in_(_ACTIVE)).order_by(run.id)))
    resumed = next((r for r in found if r.kind == kind.value
                    and r.status != RunStatus.RUNNING.value), None)
    for left in found:
        if left.status == RunStatus.RUNNING.value:
            stop(left, PULL_ABANDONED)
    if resumed is None:
        # Flushed first: the stopped full run no longer counts for the one-active index.
        session.flush()
        resumed = new_run(session, models, tenant_id, kind, total=total,
                          status=RunStatus.RUNNING, direction=Direction.PULL)
    else:
        start(resumed)
        resumed.total = max(resumed.total, total)
    resumed.phase = None
    return resumed


def queue_pull_retry(session: SessionLike, models: Models, tenant_id: str) -> SyncRunMixin:
    """A queued pull Retry (one per Retry click, as each click is one job): the error-log
    entries that point at it show "queued" until the pull's :func:`new_pull_run` takes it
    (the oldest queued one first, as the queue runs jobs). Not committed (flushed: its id is
    known)."""
    run = new_run(session, models, tenant_id, RunKind.RETRY, total=0, direction=Direction.PULL)
    session.flush()
    return run


def record_pull_progress(
    run: SyncRunMixin, done: int, counts: Mapping[str, int], *, sobject: str | None = None
) -> None:
    """After a page: ``done`` records read so far, the pull's ``counts`` so far (keys of
    :data:`PULL_COUNTS`; missing ones are 0) and the object being read. Not committed: commit
    it with the page, so the progress never runs ahead of what was applied."""
    created, updated, deleted = (int(counts.get(k, 0)) for k in PULL_COUNTS[:3])
    run.done = done
    run.phase = sobject
    run.pushed = created + updated
    run.skipped = int(counts.get("skipped", 0))
    run.failed = int(counts.get("failed", 0))
    run.cursor = f"{created}:{updated}:{deleted}"


def pull_counts(run: SyncRunMixin) -> dict[str, int]:
    """A pull run's counts by :data:`PULL_COUNTS` name (what :func:`record_pull_progress`
    wrote)."""
    parts = (run.cursor or "").split(":")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        created, updated, deleted = (int(p) for p in parts)
    else:  # nothing recorded yet
        created, updated, deleted = 0, run.pushed, 0
    return {"created": created, "updated": updated, "deleted": deleted,
            "skipped": run.skipped, "failed": run.failed}
