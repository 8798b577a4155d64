"""Pushing a tenant's pending work, under its lock: full syncs, then the outbox.

Called by the drain job (:mod:`flask_sfsync.jobs.tasks`) with the tenant's lock held. Failures,
as the sync core raises them:

* transient errors were already retried with backoff by ``SalesforceApi``; when retries ran
  out the connection pauses for ``SFSYNC_TRANSIENT_PAUSE`` seconds and resumes by itself;
* ``INVALID_SESSION_ID`` was refreshed once by ``SalesforceApi``;
* ``ConnectionPaused`` (our API budget, or the org's ``REQUEST_LIMIT_EXCEEDED``): the run
  pauses, the page says why and until when, and a drain is scheduled for then;
* ``ReconnectNeeded`` (``invalid_grant``): the run stops and the Integrations page shows
  "Reconnect needed" (the client marked the connection);
* per-record errors and any other failure: error-log entries.

Outbox rows are deleted only after their push was recorded, so a pause, a stop or a crash
leaves them for the next drain.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .. import signals
from ..db import outbox, runs, tenant_settings
from ..db.connections import connection_for
from ..db.errorlog import record_history
from ..db.links import DbLinkStore
from ..db.models import (
    ConnectionStatus,
    DeleteBehaviour,
    RunKind,
    SalesforceConnectionMixin,
    SyncRunMixin,
)
from ..db.results import OutcomeRecorder
from ..salesforce import (
    ConnectionPaused,
    PermanentFailure,
    ReconnectNeeded,
    RecordError,
    RequestLimitExceeded,
    TransientFailure,
)
from ..state import get_state
from ..sync import HostContact, Outcome, OutcomeStatus, PushStream
from .context import SyncContext, open_context
from .fields import fields_need_setup, set_up_fields_in

__all__ = ["drain_locked", "pending_work"]

log = logging.getLogger(__name__)

# Contacts read from the host at once by a full sync (its memory is about this many).
READ_BATCH = 2000
# Seconds between two updates of a running push's phase (what its progress bar says).
PHASE_EVERY = 1.0


class _Halt(Exception):
    """The drain must stop now (paused or stopped); the run already says why."""


def pending_work(tenant_id: str) -> bool:
    """A full sync queued, or changes in the outbox."""
    state = get_state()
    session = state.db.session
    return bool(
        runs.queued_full_runs(session, state.models, tenant_id)
        or outbox.count(session, state.models, tenant_id)
    )


def drain_locked(tenant_id: str) -> bool:
    """Push what is pending; True when everything was pushed (or recorded as failed)."""
    ctx = _open(tenant_id)
    if ctx is None:
        return False
    try:
        if fields_need_setup(tenant_id):
            set_up_fields_in(ctx)
        for run in runs.active_runs(ctx.session, ctx.models, tenant_id, (RunKind.FULL,)):
            _run_full(ctx, run)
        _drain_outbox(ctx)
    except _Halt:
        return False
    finally:
        ctx.close()
    return True


def _open(tenant_id: str) -> SyncContext | None:
    """The job's context, or None when nothing may be pushed now (and why is recorded)."""
    state = get_state()
    session, models = state.db.session, state.models
    row = tenant_settings.settings_for(session, models, tenant_id)
    if row is None or not row.saved:
        return None  # pushes are off until the tenant saves the settings page
    conn = connection_for(session, models, tenant_id)
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        runs.stop_active(session, models, tenant_id, _not_connected(conn))
        return None
    if tenant_settings.active_pause(row) is not None:
        return None  # the scheduled drain or the sweep comes back then
    if row.paused_until is not None:
        tenant_settings.clear_pause(row)
        session.commit()
    try:
        return open_context(tenant_id)
    except ReconnectNeeded as exc:
        runs.stop_active(session, models, tenant_id, f"Reconnect needed: {exc}")
        return None


def _not_connected(conn: SalesforceConnectionMixin | None) -> str:
    if conn is not None and conn.status == ConnectionStatus.RECONNECT_NEEDED:
        return "Reconnect needed: Salesforce no longer accepts this connection."
    return "Salesforce is not connected."


# -- full sync --------------------------------------------------------------------------------


def _run_full(ctx: SyncContext, run: SyncRunMixin) -> None:
    """Every contact of the tenant, read in batches and fed to one :class:`PushStream`.

    The stream plans each batch at once and writes what it can (a group past the Bulk
    threshold becomes one Bulk job for the whole sync, filled batch by batch on disk), so
    memory stays flat however many contacts there are. The run's cursor (where a new worker
    resumes after a crash) moves at the end of a page when nothing planned is left unwritten.
    """
    session = ctx.session
    first = runs.start(run)
    run.phase = runs.READING
    if first:
        run.total = ctx.adapter.count(session, ctx.tenant_id)
        # Every change committed so far is covered by this sync's fresh read of the contacts.
        outbox.remove_upserts(session, ctx.models, ctx.tenant_id)
    session.commit()
    if first:
        _signal_started(ctx, run)
    page_size = ctx.settings.push_page_size
    # Push anyway clicked before this sync: those contacts are written so by it too.
    allowed = outbox.allowed_duplicates(session, ctx.models, ctx.tenant_id)
    with _pushing(ctx, run, expected=max(0, run.total - run.done),
                  allow_duplicates=allowed) as feed:
        cursor = run.cursor
        while True:
            fed, last = 0, None
            for batch in ctx.adapter.sync_pages(
                session, ctx.tenant_id, cursor, page_size, READ_BATCH
            ):
                fed += len(batch)
                last = str(batch[-1]["id"])
                feed(batch)
                if feed.stream.stopped is not None:
                    break
            if feed.stream.stopped is not None or last is None:
                break
            cursor = last
            if not feed.stream.pending:
                run.cursor = cursor
                session.commit()
            if fed < page_size:
                break
    _finish(ctx, run)


def _reload(ctx: SyncContext, run: SyncRunMixin) -> SyncRunMixin:
    fresh: SyncRunMixin | None = ctx.session.get(ctx.models.SyncRun, run.id)
    assert fresh is not None
    ctx.reload_row()
    return fresh


def _finish(ctx: SyncContext, run: SyncRunMixin) -> None:
    runs.finish(run)
    conn = connection_for(ctx.session, ctx.models, ctx.tenant_id)
    if conn is not None:
        conn.last_sync_at = run.finished_at
    ctx.session.commit()
    signals.send(
        signals.sync_finished,
        tenant_id=ctx.tenant_id, connection=conn, kind=run.kind, run_id=run.id,
        pushed=run.pushed, failed=run.failed, skipped=run.skipped,
    )


def _signal_started(ctx: SyncContext, run: SyncRunMixin) -> None:
    signals.send(
        signals.sync_started,
        tenant_id=ctx.tenant_id, connection=ctx.conn, kind=run.kind, run_id=run.id,
        total=run.total,
    )


# -- the outbox -------------------------------------------------------------------------------


def _drain_outbox(ctx: SyncContext) -> None:
    """Rounds until the outbox is empty.

    A single edit goes out at once (Auto Sync latency). When several changes arrived while a
    round was being pushed, a burst is under way: the next round waits a little, longer each
    time (up to 4x ``SFSYNC_COALESCE_SECONDS``), so that the burst travels in a few calls.
    """
    base = ctx.settings.coalesce_seconds
    limit = ctx.settings.drain_batch
    bursts = 0
    while True:
        batch = outbox.take(ctx.session, ctx.models, ctx.tenant_id, limit)
        if batch is None:
            return
        _push_batch(ctx, batch)
        if base > 0 and outbox.count(ctx.session, ctx.models, ctx.tenant_id) > 1:
            time.sleep(min(4 * base, base * 2**bursts))
            bursts += 1


def _auto_run(ctx: SyncContext, kind: RunKind, total: int) -> SyncRunMixin:
    """The tenant's open Auto Sync run (one left paused or by a dead worker), else a new one."""
    leftovers = runs.active_runs(ctx.session, ctx.models, ctx.tenant_id,
                                 (RunKind.AUTO, RunKind.RETRY))
    if leftovers:
        run = leftovers[-1]
        run.total += total
    else:
        run = runs.new_run(ctx.session, ctx.models, ctx.tenant_id, kind, total=total)
    runs.start(run)
    ctx.session.commit()
    return run


def _push_batch(ctx: SyncContext, batch: outbox.Batch) -> None:
    kind = RunKind.RETRY if batch.retry_only else RunKind.AUTO
    run = _auto_run(ctx, kind, len(batch.host_ids))
    if run.done == 0:
        _signal_started(ctx, run)
    values = ctx.adapter.load_sync(ctx.session, ctx.tenant_id, batch.upserts)
    gone = len(batch.upserts) - len(values)  # deleted since, or not this tenant's
    _push(ctx, run, values, batch.allow_duplicates)
    if batch.deletes:
        _delete(ctx, run, batch.deletes)
    run.done += gone
    outbox.remove(ctx.session, ctx.models, ctx.tenant_id, batch)
    _finish(ctx, run)


def _push(
    ctx: SyncContext,
    run: SyncRunMixin,
    values: list[HostContact],
    allow_duplicates: Collection[str] = (),
) -> None:
    """Push ``values``; raises :class:`_Halt` when the connection paused or stopped."""
    if not values:
        return
    with _pushing(ctx, run, expected=len(values), allow_duplicates=allow_duplicates) as feed:
        feed(values)


class _Feed:
    """Hands batches to the stream; a batch whose planning failed for good (a query of ours
    refused) gets that error as the outcome of each of its contacts, and the push goes on."""

    def __init__(self, ctx: SyncContext, stream: PushStream, recorder: OutcomeRecorder) -> None:
        self.ctx = ctx
        self.stream = stream
        self.recorder = recorder
        self.seen: set[str] = set()
        self._phase_shown = -PHASE_EVERY

    def sink(self, outcomes: Sequence[Outcome]) -> None:
        self.seen.update(o.host_id for o in outcomes)
        self.recorder.run.phase = runs.RECORDING  # committed with the outcomes
        self.recorder(outcomes)

    def _phase(self, phase: str) -> None:
        """Show what the push does now, at most once a second (the page polls about that
        often; a commit per page of a 100,000-contact push would cost seconds). Committed at
        once: a change left pending would hold SQLite's write lock while the writers' threads
        wait to store a refreshed token."""
        run = self.recorder.run
        now = time.monotonic()
        if run.phase != phase and now - self._phase_shown >= PHASE_EVERY:
            run.phase = phase
            self.ctx.session.commit()
            self._phase_shown = now

    def __call__(self, batch: list[HostContact]) -> None:
        ids = [str(v["id"]) for v in batch]
        self.seen = set()
        self._phase(runs.MATCHING)
        try:
            self.stream.add(batch)
            self._phase(runs.WRITING)
        except PermanentFailure as exc:
            self.ctx.session.rollback()
            error = exc.errors[0] if exc.errors else RecordError(exc.error_code, str(exc))
            self.recorder([
                Outcome(h, OutcomeStatus.FAILED, error=error) for h in ids if h not in self.seen
            ])
        finally:
            self.seen = set()


@contextmanager
def _pushing(
    ctx: SyncContext,
    run: SyncRunMixin,
    *,
    expected: int,
    allow_duplicates: Collection[str] = (),
) -> Iterator[_Feed]:
    """A stream for ``run``, finished on exit; what stopped it is handled here (pause, stop)."""
    store = DbLinkStore(ctx.session, ctx.models, ctx.tenant_id)
    recorder = OutcomeRecorder(ctx.session, ctx.models, run, store.had_link)
    stream = PushStream(
        ctx.api, ctx.push, store, describe=ctx.describe,
        owners=ctx.owners, expected=expected, keep_outcomes=False,
        allow_duplicates=allow_duplicates,
    )
    feed = _Feed(ctx, stream, recorder)
    stream.on_outcomes = feed.sink
    calls_before = ctx.api.meter.calls
    try:
        yield feed
        report = stream.finish()
        if report.stopped is not None:
            # Paused, reconnect needed or retries ran out: the rest waits (see below).
            raise report.stopped
    except ConnectionPaused as exc:
        resume_at = exc.resume_at
        if isinstance(exc, RequestLimitExceeded):
            # Salesforce says nothing about when its rolling window frees calls: look again.
            resume_at = time.time() + ctx.settings.limit_pause
        _pause(ctx, run, resume_at, _pause_text(exc, resume_at))
    except ReconnectNeeded as exc:
        _stop(ctx, run, f"Reconnect needed: {exc}")
    except TransientFailure as exc:
        pause = ctx.settings.transient_pause
        _pause(ctx, run, time.time() + pause, f"Salesforce is not answering ({exc}); "
               f"the sync resumes by itself.")
    finally:
        stream.close()
        _count_calls(ctx, run, ctx.api.meter.calls - calls_before)


def _count_calls(ctx: SyncContext, run: SyncRunMixin, calls: int) -> None:
    try:
        run.api_calls += calls
        ctx.session.commit()
    except sa.exc.SQLAlchemyError:
        ctx.session.rollback()


def _pause_text(exc: ConnectionPaused, resume_at: float) -> str:
    when = datetime.fromtimestamp(resume_at, UTC).strftime("%H:%M:%S UTC")
    if isinstance(exc, RequestLimitExceeded):
        return f"Salesforce's daily API limit for this org is used up; the sync resumes at {when}."
    return f"Paused to stay within the API budget ({exc}); the sync resumes at {when}."


def _pause(ctx: SyncContext, run: SyncRunMixin, resume_at: float, message: str) -> None:
    ctx.session.rollback()
    until = datetime.fromtimestamp(resume_at, UTC)
    run = _reload(ctx, run)
    tenant_settings.set_pause(ctx.row, until, message)
    runs.pause(run, message)
    ctx.session.commit()
    log.info("push of tenant %s paused until %s: %s", ctx.tenant_id, until, message)
    ctx.state.jobs.enqueue_drain_at(ctx.tenant_id, until + timedelta(seconds=1))
    raise _Halt(message)


def _stop(ctx: SyncContext, run: SyncRunMixin, message: str) -> None:
    ctx.session.rollback()
    conn = connection_for(ctx.session, ctx.models, ctx.tenant_id)
    if conn is not None and conn.status == ConnectionStatus.CONNECTED:
        conn.status = ConnectionStatus.RECONNECT_NEEDED.value
        conn.last_error = message
    ctx.session.commit()
    runs.stop_active(ctx.session, ctx.models, ctx.tenant_id, message)
    raise _Halt(message)


# -- deletes ----------------------------------------------------------------------------------


def _delete(ctx: SyncContext, run: SyncRunMixin, host_ids: list[str]) -> None:
    store = DbLinkStore(ctx.session, ctx.models, ctx.tenant_id)
    links = store.links_for(host_ids)
    rows: list[dict[str, Any]] = []
    if ctx.row.delete_behaviour == DeleteBehaviour.DELETE and links:
        results = _delete_records(ctx, [link.sf_id for link in links.values()])
        for host_id, link in links.items():
            error = results.get(link.sf_id)
            rows.append({
                "tenant_id": ctx.tenant_id, "host_id": host_id, "run_id": run.id,
                "status": "failed" if error else "deleted", "action": "delete",
                "sobject": link.sobject, "sf_id": link.sf_id,
                "detail": f"{error.status_code}: {error.message}" if error else
                "Deleted in the host: the Salesforce record went to the recycle bin",
            })
    else:
        for host_id, link in links.items():
            rows.append({
                "tenant_id": ctx.tenant_id, "host_id": host_id, "run_id": run.id,
                "status": "deleted", "action": None, "sobject": link.sobject,
                "sf_id": link.sf_id, "detail": "Deleted in the host: the Salesforce record "
                "was left as it is",
            })
    store.forget(list(links))
    record_history(ctx.session, ctx.models, rows)
    run.done += len(host_ids)
    ctx.session.commit()


def _delete_records(ctx: SyncContext, sf_ids: list[str]) -> dict[str, RecordError]:
    """DELETE through sObject Collections, 200 per call; an already deleted record is fine."""
    failures: dict[str, RecordError] = {}
    for start in range(0, len(sf_ids), 200):
        chunk = sf_ids[start : start + 200]
        replies = ctx.api.rest(
            "DELETE", "composite/sobjects", params={"ids": ",".join(chunk), "allOrNone": "false"}
        )
        for sf_id, reply in zip(chunk, replies, strict=True):
            if reply.get("success"):
                continue
            errors = reply.get("errors") or [{}]
            code = str(errors[0].get("statusCode") or "UNKNOWN_EXCEPTION")
            if code != "ENTITY_IS_DELETED":
                failures[sf_id] = RecordError(code, str(errors[0].get("message") or ""))
    return failures
