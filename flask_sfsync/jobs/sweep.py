"""The sweep: enqueue pushes whose enqueue was lost, and resume what a dead worker left.

Work is in the database (outbox rows, sync runs), jobs are only reminders in Redis, so a
reminder can be lost without losing work: Redis down when the host committed, Redis restarted
without persistence, a worker killed mid-push. :func:`sweep` finds, for every tenant:

* outbox rows older than ``SFSYNC_SWEEP_AGE`` seconds;
* full syncs queued or running whose lock nobody holds (the worker died);
* connections whose pause has ended;

and enqueues a drain for each; and a pull for every connected tenant whose pull schedule was
lost (its next pull overdue by more than ``SFSYNC_SWEEP_AGE`` seconds), unless the tenant's
interval is 0 (pulls only when asked). The worker runs it
every ``SFSYNC_SWEEP_INTERVAL`` seconds (:mod:`.worker`); ``flask sfsync sweep --every 30``
runs it beside workers of another kind.
Two sweeps at once only enqueue a drain twice, which the per-tenant lock makes harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.exceptions import RedisError

from ..db import outbox, runs, tenant_settings
from ..db.types import utcnow
from ..state import get_state
from .keys import clear_marker
from .lock import lock_held

__all__ = ["sweep"]

log = logging.getLogger(__name__)


def sweep() -> list[str]:
    """Enqueue a drain for every tenant with forgotten work; returns those tenants."""
    state = get_state()
    session, models = state.db.session, state.models
    now = utcnow()
    older_than = now - timedelta(seconds=state.settings.sweep_age)
    tenants = set(outbox.tenants_waiting(session, models, older_than))
    tenants |= runs.stale_run_tenants(session, models, older_than)
    tenants.update(tenant_settings.pause_ended(session, models, now))
    redis = state.jobs.redis
    woken: list[str] = []
    for tenant_id in sorted(tenants):
        try:
            if lock_held(redis, tenant_id):
                continue  # a live worker is on it; it looks at the outbox again when done
            # A marker left by a job that never ran must not block this enqueue.
            clear_marker(redis, tenant_id)
        except RedisError as exc:
            log.warning("sweep: Redis unavailable: %s", exc)
            return woken
        if state.jobs.enqueue_drain(tenant_id):
            woken.append(tenant_id)
    if woken:
        log.info("sweep enqueued the pushes of %s", ", ".join(woken))
    # Tenants whose interval (theirs, else SFSYNC_PULL_INTERVAL) is 0 pull only when asked.
    overdue = tenant_settings.pulls_overdue(session, models, older_than,
                                            default_interval=state.settings.pull_interval)
    for tenant_id in overdue:
        state.jobs.enqueue_pull(tenant_id)  # one per tenant: the marker says if one waits
    return woken
