"""The job layer's Redis keys, and the drain marker kept under one of them.

* ``sfsync:drain-queued:<tenant>`` - a drain of the tenant waits in the queue (coalescing:
  see :mod:`.queue`); set with ``SET NX``, cleared when the drain starts, expires after
  :data:`MARKER_TTL` so a lost job cannot block enqueues for longer;
* ``sfsync:pull-queued:<tenant>`` - the tenant's next pull is queued or scheduled (one
  schedule per tenant however many workers run: see :meth:`.queue.Jobs.enqueue_pull`);
* ``sfsync:push-lock:<tenant>`` - the tenant's lock (:mod:`.lock`);
* ``sfsync:api-spend:<tenant>`` and ``sfsync:describe:<org>:<user>:<object>`` - the API budget's
  spend and the shared describe cache (:mod:`.ledger`);
* ``sfsync:api-usage:<tenant>`` - the org's last ``Sforce-Limit-Info`` reading (:mod:`.usage`),
  which stretches the tenant's pull schedule when the budget runs low.
"""

from __future__ import annotations

from redis import Redis

__all__ = [
    "API_USAGE",
    "LOCK",
    "MARKER",
    "MARKER_TTL",
    "PULL_MARKER",
    "clear_marker",
    "set_marker",
]

MARKER = "sfsync:drain-queued:{tenant}"
LOCK = "sfsync:push-lock:{tenant}"
PULL_MARKER = "sfsync:pull-queued:{tenant}"
API_USAGE = "sfsync:api-usage:{tenant}"
MARKER_TTL = 300


def set_marker(redis: Redis, tenant_id: str) -> bool:
    """True when no drain of the tenant was waiting (the caller enqueues one)."""
    return bool(redis.set(MARKER.format(tenant=tenant_id), "1", nx=True, ex=MARKER_TTL))


def clear_marker(redis: Redis, tenant_id: str) -> None:
    redis.delete(MARKER.format(tenant=tenant_id))
