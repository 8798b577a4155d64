"""What a drain job does for one tenant, under its lock: full syncs, then the outbox.

Failures (issue 4, point 7), as the sync core raises them:

* transient errors were already retried with backoff by ``SalesforceApi``; when retries ran
  out the connection pauses for ``SFSYNC_TRANSIENT_PAUSE`` seconds and resumes by itself;
* ``INVALID_SESSION_ID`` was refreshed once by the client factory;
* ``ConnectionPaused`` (our API budget, or the org's ``REQUEST_LIMIT_EXCEEDED``): the run
  pauses, the page says why and until when, and a drain is scheduled for then;
* ``ReconnectNeeded`` (``invalid_grant``): the run stops and the Integrations page shows
  "Reconnect needed" (the client factory marked the connection);
* per-record errors and any other failure: error-log entries.

Outbox rows are deleted only after their push was recorded, so a pause, a stop or a crash
leaves them for the next drain.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy import SQLAlchemy

from . import outbox, signals
from .adapters import ContactAdapter
from .budget_ledger import RedisLedger
from .connections import client_for, connection_for
from .ext import get_state
from .models import ConnectionStatus, SalesforceConnectionMixin, utcnow
from .push_settings import core_settings, settings_for
from .salesforce.api import RetryPolicy, SalesforceApi
from .salesforce.budget import ApiBudget
from .salesforce.describe import DescribeCache
from .salesforce.errors import (
    ConnectionPaused,
    PermanentFailure,
    ReconnectNeeded,
    RecordError,
    RequestLimitExceeded,
    TransientFailure,
)
from .salesforce.exceptions import ReconnectNeeded as ClientReconnectNeeded
from .salesforce.owners import default_directory
from .sync.mapping import HostContact
from .sync.results import Outcome, OutcomeStatus
from .sync.settings import PushSettings
from .sync.stream import PushStream
from .sync_jobs import enqueue_drain, enqueue_drain_at, redis_for, tenant_lock
from .sync_models import (
    ACTIVE_RUN_STATUSES,
    DeleteBehaviour,
    PushSettingsMixin,
    RunKind,
    RunStatus,
    SyncModels,
    SyncRunMixin,
)
from .sync_records import DbLinkStore, OutcomeRecorder

__all__ = ["PushContext", "drain", "make_api", "pending_work"]

log = logging.getLogger(__name__)

# Contacts read from the host at once by a full sync (its memory is about this many).
READ_BATCH = 2000

# Describes per tenant, dropped when "Set up fields" ran since (possibly in another process).
_describes: dict[str, tuple[datetime | None, DescribeCache]] = {}


def describe_cache(row: PushSettingsMixin) -> DescribeCache:
    seen = _describes.get(row.tenant_id)
    if seen is None or seen[0] != row.fields_checked_at:
        seen = (row.fields_checked_at, DescribeCache())
        _describes[row.tenant_id] = seen
    return seen[1]


def make_api(conn: SalesforceConnectionMixin) -> SalesforceApi:
    cfg = current_app.config
    budget = ApiBudget(
        float(cfg["SFSYNC_API_BUDGET_SHARE"]), ledger=RedisLedger(redis_for(), conn.tenant_id)
    )
    retry = RetryPolicy(
        attempts=int(cfg["SFSYNC_RETRY_ATTEMPTS"]),
        base_delay=float(cfg["SFSYNC_RETRY_BASE_DELAY"]),
        max_delay=float(cfg["SFSYNC_RETRY_MAX_DELAY"]),
    )
    return SalesforceApi(
        client_for(conn),
        budget=budget,
        retry=retry,
        timeout=float(cfg["SFSYNC_HTTP_TIMEOUT"]),
        org_key=conn.org_id or conn.instance_url,
        # Parallel writes' threads: a token refresh there stores the token in the database.
        thread_context=current_app._get_current_object().app_context,  # type: ignore[attr-defined]
    )


@dataclass
class PushContext:
    tenant_id: str
    db: SQLAlchemy
    models: SyncModels
    adapter: ContactAdapter
    row: PushSettingsMixin
    conn: SalesforceConnectionMixin
    settings: PushSettings
    api: SalesforceApi

    @property
    def session(self) -> Any:
        return self.db.session


class _Halt(Exception):
    """The drain must stop now (paused or stopped); the run already says why."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# -- the job ----------------------------------------------------------------------------------


def drain(tenant_id: str) -> dict[str, Any]:
    with tenant_lock(tenant_id) as held:
        if not held:
            return {"tenant": tenant_id, "drained": False, "reason": "another worker has it"}
        try:
            clean = _drain_locked(tenant_id)
        finally:
            get_state().db.session.remove()
    # A change committed between our last look and the release found the lock taken.
    if clean and pending_work(tenant_id):
        enqueue_drain(tenant_id)
    get_state().db.session.remove()
    return {"tenant": tenant_id, "drained": clean}


def pending_work(tenant_id: str) -> bool:
    state = current_app.extensions["sfsync_push"]
    session = state.db.session
    run = state.models.SyncRun
    queued = session.scalar(
        sa.select(sa.func.count())
        .select_from(run)
        .where(run.tenant_id == tenant_id, run.kind == RunKind.FULL, run.status == RunStatus.QUEUED)
    )
    return bool(queued) or outbox.count(session, state.models, tenant_id) > 0


def _drain_locked(tenant_id: str) -> bool:
    """True when everything pending was pushed (or recorded as failed)."""
    from .sync_service import fields_need_setup, set_up_fields

    if fields_need_setup(tenant_id):
        set_up_fields(tenant_id)
    ctx = _context(tenant_id)
    if ctx is None:
        return False
    try:
        for run in _active_runs(ctx, (RunKind.FULL,)):
            _run_full(ctx, run)
        _drain_outbox(ctx)
    except _Halt:
        return False
    return True


def _context(tenant_id: str) -> PushContext | None:
    state = current_app.extensions["sfsync_push"]
    db = state.db
    row = settings_for(tenant_id)
    if row is None or not row.saved:
        return None  # pushes are off until the tenant saves the settings page
    conn = connection_for(tenant_id)
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        _stop_active(state.models, db, tenant_id, _not_connected(conn))
        return None
    paused_until = _aware(row.paused_until)
    if paused_until is not None and paused_until > _now():
        return None  # the scheduled drain or the sweep comes back then
    if paused_until is not None:
        row.paused_until = None
        row.pause_reason = None
        db.session.commit()
    try:
        api = make_api(conn)
    except ClientReconnectNeeded as exc:
        _stop_active(state.models, db, tenant_id, f"Reconnect needed: {exc}")
        return None
    return PushContext(
        tenant_id, db, state.models, state.adapter, row, conn, core_settings(row), api
    )


def _not_connected(conn: SalesforceConnectionMixin | None) -> str:
    if conn is not None and conn.status == ConnectionStatus.RECONNECT_NEEDED:
        return "Reconnect needed: Salesforce no longer accepts this connection."
    return "Salesforce is not connected."


def _active_runs(ctx: PushContext, kinds: tuple[RunKind, ...]) -> list[SyncRunMixin]:
    run = ctx.models.SyncRun
    return list(
        ctx.session.scalars(
            sa.select(run)
            .where(
                run.tenant_id == ctx.tenant_id,
                run.kind.in_([k.value for k in kinds]),
                run.status.in_([s.value for s in ACTIVE_RUN_STATUSES]),
            )
            .order_by(run.id)
        )
    )


def _stop_active(models: SyncModels, db: SQLAlchemy, tenant_id: str, message: str) -> None:
    run = models.SyncRun
    db.session.execute(
        sa.update(run)
        .where(run.tenant_id == tenant_id, run.status.in_([s.value for s in ACTIVE_RUN_STATUSES]))
        .values(status=RunStatus.STOPPED.value, message=message, finished_at=utcnow())
    )
    db.session.commit()


# -- full sync --------------------------------------------------------------------------------


def _run_full(ctx: PushContext, run: SyncRunMixin) -> None:
    """Every contact of the tenant, read in batches and fed to one :class:`PushStream`.

    The stream plans each batch at once and writes what it can (a group past the Bulk
    threshold becomes one Bulk job for the whole sync, filled batch by batch on disk), so
    memory stays flat however many contacts there are. The run's cursor (where a new worker
    resumes after a crash) moves at the end of a page when nothing planned is left unwritten.
    """
    session = ctx.session
    first = run.started_at is None
    if first:
        run.started_at = utcnow()
        run.total = ctx.adapter.count(session, ctx.tenant_id)
        # Every change committed so far is covered by this sync's fresh read of the contacts.
        outbox.remove_upserts(session, ctx.models, ctx.tenant_id)
    run.status = RunStatus.RUNNING.value
    run.paused_until = None
    run.message = None
    session.commit()
    if first:
        _signal_started(ctx, run)
    page_size = int(current_app.config["SFSYNC_PUSH_PAGE_SIZE"])
    with _pushing(ctx, run, expected=max(0, run.total - run.done)) as feed:
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


def _reload(ctx: PushContext, run: SyncRunMixin) -> SyncRunMixin:
    fresh: SyncRunMixin | None = ctx.session.get(ctx.models.SyncRun, run.id)
    assert fresh is not None
    row: PushSettingsMixin | None = ctx.session.get(ctx.models.PushSettings, ctx.tenant_id)
    assert row is not None
    ctx.row = row
    return fresh


def _finish(ctx: PushContext, run: SyncRunMixin) -> None:
    run.status = RunStatus.FINISHED.value
    run.finished_at = utcnow()
    run.total = max(run.total, run.done)
    run.message = None
    conn = connection_for(ctx.tenant_id)
    if conn is not None:
        conn.last_sync_at = run.finished_at
    ctx.session.commit()
    signals.send(
        signals.sync_finished,
        tenant_id=ctx.tenant_id, connection=conn, kind=run.kind, run_id=run.id,
        pushed=run.pushed, failed=run.failed, skipped=run.skipped,
    )


def _signal_started(ctx: PushContext, run: SyncRunMixin) -> None:
    signals.send(
        signals.sync_started,
        tenant_id=ctx.tenant_id, connection=ctx.conn, kind=run.kind, run_id=run.id,
        total=run.total,
    )


# -- the outbox -------------------------------------------------------------------------------


def _drain_outbox(ctx: PushContext) -> None:
    """Rounds until the outbox is empty.

    A single edit goes out at once (Auto Sync latency). When several changes arrived while a
    round was being pushed, a burst is under way: the next round waits a little, longer each
    time (up to 4x ``SFSYNC_COALESCE_SECONDS``), so that the burst travels in a few calls.
    """
    cfg = current_app.config
    base = float(cfg["SFSYNC_COALESCE_SECONDS"])
    limit = int(cfg["SFSYNC_DRAIN_BATCH"])
    bursts = 0
    while True:
        batch = outbox.take(ctx.session, ctx.models, ctx.tenant_id, limit)
        if batch is None:
            return
        _push_batch(ctx, batch)
        if base > 0 and outbox.count(ctx.session, ctx.models, ctx.tenant_id) > 1:
            time.sleep(min(4 * base, base * 2**bursts))
            bursts += 1


def _auto_run(ctx: PushContext, kind: RunKind, total: int) -> SyncRunMixin:
    """The tenant's open Auto Sync run (one left paused or by a dead worker), else a new one."""
    leftovers = _active_runs(ctx, (RunKind.AUTO, RunKind.RETRY))
    if leftovers:
        run = leftovers[-1]
        run.total += total
    else:
        run = cast(Any, ctx.models.SyncRun)(
            tenant_id=ctx.tenant_id, kind=kind.value, total=total, started_at=utcnow(),
            done=0, pushed=0, skipped=0, unchanged=0, failed=0, api_calls=0,
        )
        ctx.session.add(run)
    run.status = RunStatus.RUNNING.value
    run.paused_until = None
    run.message = None
    ctx.session.commit()
    return run


def _push_batch(ctx: PushContext, batch: outbox.Batch) -> None:
    kind = RunKind.RETRY if batch.retry_only else RunKind.AUTO
    run = _auto_run(ctx, kind, len(batch.host_ids))
    if run.done == 0:
        _signal_started(ctx, run)
    values = ctx.adapter.load_sync(ctx.session, ctx.tenant_id, batch.upserts)
    gone = len(batch.upserts) - len(values)  # deleted since, or not this tenant's
    _push(ctx, run, values)
    if batch.deletes:
        _delete(ctx, run, batch.deletes)
    run.done += gone
    outbox.remove(ctx.session, ctx.models, ctx.tenant_id, batch)
    _finish(ctx, run)


def _push(ctx: PushContext, run: SyncRunMixin, values: list[HostContact]) -> None:
    """Push ``values``; raises :class:`_Halt` when the connection paused or stopped."""
    if not values:
        return
    with _pushing(ctx, run, expected=len(values)) as feed:
        feed(values)


class _Feed:
    """Hands batches to the stream; a batch whose planning failed for good (a query of ours
    refused) gets that error as the outcome of each of its contacts, and the push goes on."""

    def __init__(self, ctx: PushContext, stream: PushStream, recorder: OutcomeRecorder) -> None:
        self.ctx = ctx
        self.stream = stream
        self.recorder = recorder
        self.seen: set[str] = set()

    def sink(self, outcomes: Sequence[Outcome]) -> None:
        self.seen.update(o.host_id for o in outcomes)
        self.recorder(outcomes)

    def __call__(self, batch: list[HostContact]) -> None:
        ids = [str(v["id"]) for v in batch]
        self.seen = set()
        try:
            self.stream.add(batch)
        except PermanentFailure as exc:
            self.ctx.session.rollback()
            error = exc.errors[0] if exc.errors else RecordError(exc.error_code, str(exc))
            self.recorder([
                Outcome(h, OutcomeStatus.FAILED, error=error) for h in ids if h not in self.seen
            ])
        finally:
            self.seen = set()


@contextmanager
def _pushing(ctx: PushContext, run: SyncRunMixin, *, expected: int) -> Iterator[_Feed]:
    """A stream for ``run``, finished on exit; what stopped it is handled here (pause, stop)."""
    store = DbLinkStore(ctx.session, ctx.models, ctx.tenant_id)
    recorder = OutcomeRecorder(ctx.session, ctx.models, run, store.had_link)
    stream = PushStream(
        ctx.api, ctx.settings, store, describe=describe_cache(ctx.row),
        owners=default_directory, expected=expected, keep_outcomes=False,
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
            resume_at = time.time() + float(current_app.config["SFSYNC_LIMIT_PAUSE"])
        _pause(ctx, run, resume_at, _pause_text(exc, resume_at))
    except (ReconnectNeeded, ClientReconnectNeeded) as exc:
        _stop(ctx, run, f"Reconnect needed: {exc}")
    except TransientFailure as exc:
        pause = float(current_app.config["SFSYNC_TRANSIENT_PAUSE"])
        _pause(ctx, run, time.time() + pause, f"Salesforce is not answering ({exc}); "
               f"the sync resumes by itself.")
    finally:
        stream.close()
        _count_calls(ctx, run, ctx.api.meter.calls - calls_before)


def _count_calls(ctx: PushContext, run: SyncRunMixin, calls: int) -> None:
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


def _pause(ctx: PushContext, run: SyncRunMixin, resume_at: float, message: str) -> None:
    ctx.session.rollback()
    until = datetime.fromtimestamp(resume_at, UTC)
    row = ctx.session.get(ctx.models.PushSettings, ctx.tenant_id)
    assert row is not None
    row.paused_until = until
    row.pause_reason = message
    run = _reload(ctx, run)
    run.status = RunStatus.PAUSED.value
    run.paused_until = until
    run.message = message
    ctx.session.commit()
    log.info("push of tenant %s paused until %s: %s", ctx.tenant_id, until, message)
    enqueue_drain_at(ctx.tenant_id, until + timedelta(seconds=1))
    raise _Halt(message)


def _stop(ctx: PushContext, run: SyncRunMixin, message: str) -> None:
    ctx.session.rollback()
    conn = connection_for(ctx.tenant_id)
    if conn is not None and conn.status == ConnectionStatus.CONNECTED:
        conn.status = ConnectionStatus.RECONNECT_NEEDED.value
        conn.last_error = message
    ctx.session.commit()
    _stop_active(ctx.models, ctx.db, ctx.tenant_id, message)
    raise _Halt(message)


# -- deletes ----------------------------------------------------------------------------------


def _delete(ctx: PushContext, run: SyncRunMixin, host_ids: list[str]) -> None:
    store = DbLinkStore(ctx.session, ctx.models, ctx.tenant_id)
    links = store.links_for(host_ids)
    history_table: sa.Table = getattr(ctx.models.SyncHistory, "__table__")  # noqa: B009
    now = utcnow()
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
                "created_at": now,
            })
    else:
        for host_id, link in links.items():
            rows.append({
                "tenant_id": ctx.tenant_id, "host_id": host_id, "run_id": run.id,
                "status": "deleted", "action": None, "sobject": link.sobject,
                "sf_id": link.sf_id, "detail": "Deleted in the host: the Salesforce record "
                "was left as it is", "created_at": now,
            })
    store.forget(list(links))
    if rows:
        ctx.session.execute(sa.insert(history_table), rows)
    run.done += len(host_ids)
    ctx.session.commit()


def _delete_records(ctx: PushContext, sf_ids: list[str]) -> dict[str, RecordError]:
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
