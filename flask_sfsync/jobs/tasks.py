"""The RQ jobs: ids in, never ORM objects; each runs in the app context the worker provides.

A job only takes the tenant's lock and calls the service that does the work, so the same work
runs the same way from a worker, a test or the CLI.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from ..db import tenant_settings
from ..db.types import utcnow
from ..salesforce import ConnectionPaused, ReconnectNeeded, SalesforceFailure
from ..services.fields import set_up_fields
from ..services.pull import pull_locked
from ..services.push import drain_locked, pending_work
from ..state import get_state
from .keys import PULL_MARKER, clear_marker
from .lock import tenant_lock

__all__ = ["drain_job", "field_setup_job", "pull_job"]

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


def pull_job(tenant_id: str, full: bool = False) -> dict[str, Any]:
    """Pull the tenant's Salesforce changes (``full``: every record), then schedule the next
    pull after the tenant's interval."""
    state = get_state()
    redis = state.jobs.redis
    redis.delete(PULL_MARKER.format(tenant=tenant_id))  # the next schedule may be set now
    result: dict[str, Any] = {"tenant": tenant_id, "pulled": False}
    with tenant_lock(redis, tenant_id, state.settings.lock_timeout) as held:
        if not held:
            state.jobs.enqueue_pull(tenant_id, full=full, delay=LOCKED_RETRY)
            return {**result, "reason": "another worker has it"}
        wait: float | None = None
        row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
        paused = tenant_settings.active_pause(row)
        if paused is not None:  # the connection's pause (budget, daily limit) holds pulls too
            state.jobs.enqueue_pull(tenant_id, full=full,
                                    delay=max(1.0, (paused - utcnow()).total_seconds()))
            state.db.session.remove()
            return {**result, "reason": "paused"}
        try:
            result["counts"] = pull_locked(tenant_id, full=full)
            result["pulled"] = True
        except ReconnectNeeded as exc:
            # invalid_grant: the connection says "Reconnect needed"; reconnecting pulls again.
            state.db.session.remove()
            return {**result, "reason": str(exc)}
        except ConnectionPaused as exc:
            # The API budget or the org's daily limit: no call before it is over.
            wait = max(exc.resume_at - time.time(), state.settings.transient_pause)
            result["reason"] = str(exc)
        except SalesforceFailure as exc:
            # Salesforce kept failing after the retries: the next pull looks again.
            result["reason"] = str(exc)
        finally:
            state.db.session.remove()
    interval = _interval(tenant_id)
    if interval is not None and wait is not None:
        interval = max(interval, wait)
    if interval is not None:
        state.jobs.enqueue_pull(tenant_id, delay=interval)
    if pending_work(tenant_id):  # a push that found the lock taken waits for no one else
        state.jobs.enqueue_drain(tenant_id)
    state.db.session.remove()
    return result


def _interval(tenant_id: str) -> float | None:
    """Seconds to the tenant's next pull, recorded as its ``next_pull_at`` (None: the tenant
    has no settings: nothing is scheduled)."""
    state = get_state()
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    seconds = float(row.pull_interval or state.settings.pull_interval) if row else 0.0
    if row is None or seconds <= 0:
        return None  # 0: pulls only when asked
    row.next_pull_at = utcnow() + timedelta(seconds=seconds)
    state.db.session.commit()
    return seconds
