"""The RQ jobs: ids in, never ORM objects; each runs in the app context the worker provides.

A job only takes the tenant's lock and calls the service that does the work, so the same work
runs the same way from a worker, a test or the CLI.

The pull job also owns the tenant's pull schedule: after each pull the next one is scheduled
after the tenant's interval (``pull_interval``; None: ``SFSYNC_PULL_INTERVAL``; 0: only when
asked), stretched when the API budget runs low (:mod:`flask_sfsync.sync.pull.schedule`) and
recorded as ``next_pull_at`` with the reason, for the Overview.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from ..db import mirror, tenant_settings
from ..db.types import aware, utcnow
from ..salesforce import DAY, ConnectionPaused, ReconnectNeeded, SalesforceFailure
from ..salesforce.budget import ORG_CEILING, UsageStore
from ..services.context import default_lead_source
from ..services.fields import set_up_fields
from ..services.pull import pull_locked
from ..services.push import drain_locked, pending_work
from ..state import get_state
from ..sync.pull.schedule import budget_use, pull_schedule
from .keys import PULL_MARKER, clear_marker
from .lock import tenant_lock

__all__ = ["drain_job", "field_setup_job", "pull_job"]

log = logging.getLogger(__name__)

#: Seconds before a pull that found the tenant's lock taken (a push running) tries again.
LOCKED_RETRY = 2.0


def drain_job(tenant_id: str) -> dict[str, Any]:
    """Push everything pending for the tenant: its full sync, then the outbox."""
    state = get_state()
    redis = state.jobs.redis
    clear_marker(redis, tenant_id)  # from now on, a new change enqueues the next drain
    with tenant_lock(redis, tenant_id, state.settings.lock_timeout) as held:
        if not held:
            return {"tenant": tenant_id, "drained": False, "reason": "another worker has it"}
        try:
            clean = drain_locked(tenant_id)
        finally:
            state.db.session.remove()
    # A change committed between our last look and the release found the lock taken.
    if clean and pending_work(tenant_id):
        state.jobs.enqueue_drain(tenant_id)
    state.db.session.remove()
    return {"tenant": tenant_id, "drained": clean}


def field_setup_job(tenant_id: str) -> dict[str, Any]:
    """Create our custom fields in the tenant's org (enqueued when a connection is made)."""
    setup = set_up_fields(tenant_id)
    return {"fields": setup["fields"], "message": setup["message"]}


def pull_job(
    tenant_id: str, full: bool = False, retry: list[str] | None = None,
    schedule: str | None = None,
) -> dict[str, Any]:
    """Pull the tenant's Salesforce changes (``full``: every record), then schedule the next
    pull after the tenant's interval, stretched when the API budget runs low.

    ``retry``: pull only these Salesforce ids again (the error log's Retry): beside the
    schedule, which it neither clears nor moves. A pause Salesforce or the budget reports is
    recorded on the connection, as a push records it, so it holds pushes too."""
    state = get_state()
    redis = state.jobs.redis
    result: dict[str, Any] = {"tenant": tenant_id, "pulled": False}
    if schedule is not None and not _holds(redis, tenant_id, schedule):
        # A newer schedule replaced this one (a new interval, "only when asked").
        return {**result, "reason": "superseded"}
    owner = schedule is not None
    with tenant_lock(redis, tenant_id, state.settings.lock_timeout) as held:
        if not held:
            state.jobs.enqueue_pull(tenant_id, full=full, delay=LOCKED_RETRY, retry=retry,
                                    replace=owner)
            return {**result, "reason": "another worker has it"}
        wait: float | None = None
        paused = _pause_of(tenant_id)
        if paused is not None:  # the connection's pause (budget, daily limit) holds pulls too
            state.jobs.enqueue_pull(tenant_id, full=full, retry=retry, replace=owner,
                                    delay=max(1.0, (paused - utcnow()).total_seconds()))
            state.db.session.remove()
            return {**result, "reason": "paused"}
        try:
            result["counts"] = _pull(tenant_id, full, retry)
            result["pulled"] = True
        except ReconnectNeeded as exc:
            # invalid_grant: the connection says "Reconnect needed"; reconnecting pulls again.
            state.db.session.remove()
            return {**result, "reason": str(exc)}
        except ConnectionPaused as exc:
            # The API budget or the org's daily limit: no call (pull or push) before it is over.
            until = _record_pause(tenant_id, exc)
            wait = max(1.0, (until - utcnow()).total_seconds())
            result["reason"] = str(exc)
        except SalesforceFailure as exc:
            # Salesforce kept failing after the retries: the next pull looks again.
            result["reason"] = str(exc)
        finally:
            state.db.session.remove()
    _schedule_next(tenant_id, retry, wait, owner=owner)
    if pending_work(tenant_id):  # a push that found the lock taken waits for no one else
        state.jobs.enqueue_drain(tenant_id)
    state.db.session.remove()
    return result


def _holds(redis: Any, tenant_id: str, schedule: str) -> bool:
    """Whether ``schedule`` is still the tenant's schedule token."""
    current = redis.get(PULL_MARKER.format(tenant=tenant_id))
    text = current.decode() if isinstance(current, bytes) else current
    return bool(text == schedule)


def _schedule_next(tenant_id: str, retry: list[str] | None, wait: float | None, *,
                   owner: bool) -> None:
    """After a pull, the next periodic one (``wait``: not before a pause ends): the
    schedule's own pull passes it on (``owner``); any other pull (Pull now, one the CLI or
    a test enqueued) starts a schedule only where none waits. A retry is only enqueued
    again when a pause stopped it."""
    jobs = get_state().jobs
    if retry is not None:
        if wait is not None:
            jobs.enqueue_pull(tenant_id, retry=retry, delay=wait)
        return
    state = get_state()
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    waiting = aware(row.next_pull_at) if row is not None else None
    interval = _interval(tenant_id)
    if interval is None:
        if owner:
            jobs.stop_pull_schedule(tenant_id)
        return
    delay = max(interval, wait or 0.0)
    due = utcnow() + timedelta(seconds=delay)
    if owner or waiting is None or waiting > due:
        # The schedule's own next pull, or one nearer than the pull waiting (the budget was
        # freed since that one was stretched): it is the schedule from now on.
        jobs.enqueue_pull(tenant_id, delay=delay, replace=True)
    elif row is not None:
        row.next_pull_at = waiting  # the pull waiting stays the next one, and says so
        state.db.session.commit()
        jobs.enqueue_pull(tenant_id, delay=delay)  # (none waits after all: this starts one)


def _pull(tenant_id: str, full: bool, retry: list[str] | None) -> dict[str, dict[str, int]]:
    # ``retry`` is passed only when asked for, so a pull_locked without it keeps working.
    options: dict[str, Any] = {"full": full}
    if retry is not None:
        options["retry"] = retry
    return pull_locked(tenant_id, **options)


def _pause_of(tenant_id: str) -> datetime | None:
    """Until when the connection is paused (None: it is not). A pause that has ended is
    cleared here as the push clears it, and a drain is asked for: a tenant that only pulls
    (no saved push settings) must not leave the sweep finding it ended forever."""
    state = get_state()
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    paused = tenant_settings.active_pause(row)
    if paused is None and row is not None and row.paused_until is not None:
        tenant_settings.clear_pause(row)
        state.db.session.commit()
        state.jobs.enqueue_drain(tenant_id)  # what the pause held (the push owns its runs)
    return paused


def _record_pause(tenant_id: str, exc: ConnectionPaused) -> datetime:
    """Pause the connection as the push does: the row says until when and why (the pages
    show it, the push holds), and a drain is scheduled for then."""
    state = get_state()
    session = state.db.session
    session.rollback()  # what the pull left uncommitted is read again by the next pull
    row = tenant_settings.settings_row(session, state.models, tenant_id,
                                       lead_source=default_lead_source())
    until = tenant_settings.pause_for(row, exc, limit_pause=state.settings.limit_pause,
                                      now=time.time())
    session.commit()
    log.info("pull of tenant %s paused until %s: %s", tenant_id, until, row.pause_reason)
    state.jobs.enqueue_drain_at(tenant_id, until + timedelta(seconds=1))
    return until


def _interval(tenant_id: str) -> float | None:
    """Seconds to the tenant's next pull, recorded as its ``next_pull_at`` with why it is
    longer than its interval (None: nothing is scheduled: the tenant has no settings, or
    its interval is 0, pulls only when asked)."""
    state = get_state()
    session, models = state.db.session, state.models
    row = tenant_settings.settings_for(session, models, tenant_id)
    if row is None:
        return None
    interval = tenant_settings.pull_interval_of(row, state.settings.pull_interval)
    schedule = None
    if interval > 0:
        schedule = pull_schedule(interval, _budget_use(tenant_id),
                                 longest=state.settings.pull_stretch_max)
    row.next_pull_at = utcnow() + timedelta(seconds=schedule.seconds) if schedule else None
    mirror.set_schedule_note(session, models, tenant_id, schedule.note if schedule else None)
    session.commit()
    return schedule.seconds if schedule else None


def _budget_use(tenant_id: str) -> float | None:
    """How much of the tenant's API budget is used (None: not known yet), from the spend
    every worker counts and the org's last usage reading: no call to Salesforce."""
    state = get_state()
    ledger = state.jobs.spend_ledger(tenant_id)
    now = time.time()
    try:
        spent = ledger.spent_since(now - DAY)
        usage = ledger.last_usage() if isinstance(ledger, UsageStore) else None
    except RedisError:
        return None  # not stretched; the budget itself still guards every call
    return budget_use(spent, usage, share=state.settings.api_budget_share,
                      org_ceiling=ORG_CEILING, now=now)
