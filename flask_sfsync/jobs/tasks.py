"""The RQ jobs: ids in, never ORM objects; each runs in the app context the worker provides.

A job only takes the tenant's lock and calls the service that does the work, so the same work
runs the same way from a worker, a test or the CLI.
"""

from __future__ import annotations

from typing import Any

from ..services.fields import set_up_fields
from ..services.push import drain_locked, pending_work
from ..state import get_state
from .keys import clear_marker
from .lock import tenant_lock

__all__ = ["drain_job", "field_setup_job"]


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
