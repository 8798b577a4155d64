"""RQ jobs of the push sync, their enqueueing, and the per-connection lock.

Every push of a tenant goes through one job, :func:`drain_job` (ids in, never ORM objects):
it runs the tenant's pending full sync, then the outbox, under a Redis lock, so one
connection's pushes never run concurrently.

Coalescing: :func:`enqueue_drain` sets a "queued" marker with ``SET NX``; while one drain is
waiting in the queue, further commits add nothing to the queue (their outbox rows wait for
that drain). The job clears the marker when it starts, so a change committed during a drain
enqueues the next one. A drain that finds the lock taken returns at once: the holder looks at
the outbox again after releasing the lock and enqueues another drain if rows are left.

The lock expires ``SFSYNC_LOCK_TIMEOUT`` seconds after its holder stops renewing it (a worker
killed with ``kill -9``), and the sweep (:mod:`flask_sfsync.sweep`) then enqueues the work again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock
from rq import Queue

__all__ = [
    "drain_job",
    "enqueue_drain",
    "enqueue_drain_at",
    "lock_held",
    "setup_fields_job",
    "tenant_lock",
]

log = logging.getLogger(__name__)

MARKER = "sfsync:drain-queued:{tenant}"
LOCK = "sfsync:push-lock:{tenant}"
MARKER_TTL = 300  # a lost job's marker cannot block enqueues for longer than this


def redis_for(app: Flask | None = None) -> Redis:
    """A Redis client that gives up fast: a host's commit must not hang on a dead Redis."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached: Redis | None = app.extensions.get("sfsync_push_redis")
    if cached is None:
        cached = Redis.from_url(
            app.config["SFSYNC_REDIS_URL"], socket_connect_timeout=2, socket_timeout=10
        )
        app.extensions["sfsync_push_redis"] = cached
    return cached


def _queue(app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return Queue(app.config["SFSYNC_QUEUE_NAME"], connection=redis_for(app))


def enqueue_drain(tenant_id: str) -> bool:
    """Ask a worker to push the tenant's pending changes. Never raises: False when Redis is
    unreachable (the outbox keeps the changes; the sweep enqueues them later)."""
    redis = redis_for()
    marker = MARKER.format(tenant=tenant_id)
    try:
        if not redis.set(marker, "1", nx=True, ex=MARKER_TTL):
            return True  # a drain is already waiting in the queue: it will see these rows
        try:
            _queue().enqueue(
                drain_job, tenant_id, job_timeout=_job_timeout(), result_ttl=60, failure_ttl=86400
            )
        except RedisError:
            redis.delete(marker)
            raise
    except RedisError as exc:
        log.warning("could not enqueue the Salesforce push of tenant %s: %s", tenant_id, exc)
        return False
    return True


def enqueue_drain_at(tenant_id: str, when: datetime) -> bool:
    """Enqueue a drain at ``when`` (a paused connection resuming). Needs a worker started
    with the scheduler; without one the sweep does it."""
    try:
        _queue().enqueue_at(when, drain_job, tenant_id, job_timeout=_job_timeout())
    except RedisError as exc:
        log.warning("could not schedule the push of tenant %s: %s", tenant_id, exc)
        return False
    return True


def _job_timeout() -> int:
    # A 100,000-contact Bulk push runs for minutes; RQ's default of 180 s would kill it.
    return int(current_app.config["SFSYNC_PUSH_JOB_TIMEOUT"])


def clear_marker(tenant_id: str) -> None:
    redis_for().delete(MARKER.format(tenant=tenant_id))


class _Renewer(threading.Thread):
    """Keeps the lock alive while its holder works; dies with the process (kill -9)."""

    def __init__(self, lock: Lock, ttl: float) -> None:
        super().__init__(daemon=True, name="sfsync-lock-renewer")
        self.lock = lock
        self.ttl = ttl
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.ttl / 3):
            try:
                self.lock.reacquire()
            except (LockError, RedisError) as exc:
                log.warning("could not renew the push lock %s: %s", self.lock.name, exc)


@contextmanager
def tenant_lock(tenant_id: str) -> Iterator[bool]:
    """``with tenant_lock(t) as held:`` - held is False when another worker has it."""
    ttl = float(current_app.config["SFSYNC_LOCK_TIMEOUT"])
    lock = redis_for().lock(LOCK.format(tenant=tenant_id), timeout=ttl, thread_local=False)
    if not lock.acquire(blocking=False):
        yield False
        return
    renewer = _Renewer(lock, ttl)
    renewer.start()
    try:
        yield True
    finally:
        renewer.stopped.set()
        renewer.join()
        try:
            lock.release()
        except LockError:
            log.warning("the push lock of tenant %s expired while it was held", tenant_id)


def lock_held(tenant_id: str) -> bool:
    return bool(redis_for().exists(LOCK.format(tenant=tenant_id)))


# -- job entry points (run by flask_sfsync.worker's app-context workers) ----------------------


def drain_job(tenant_id: str) -> dict[str, Any]:
    """Push everything pending for the tenant: its full sync, then the outbox."""
    from .sync_runner import drain

    clear_marker(tenant_id)
    return drain(tenant_id)


def setup_fields_job(tenant_id: str) -> dict[str, Any]:
    """Create our custom fields in the tenant's org (enqueued when a connection is made)."""
    from .sync_service import set_up_fields

    setup = set_up_fields(tenant_id)
    return {"fields": setup["fields"], "message": setup["message"]}
