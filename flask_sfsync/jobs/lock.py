"""The per-connection lock: one worker at a time pushes (or pulls) a tenant's data.

A Redis lock with a timeout of ``SFSYNC_LOCK_TIMEOUT`` seconds, renewed by a thread while its
holder works: a worker killed with ``kill -9`` stops renewing, the lock expires, and the sweep
(:mod:`.sweep`) enqueues the work again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from .keys import LOCK

__all__ = ["lock_held", "tenant_lock"]

log = logging.getLogger(__name__)


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
def tenant_lock(redis: Redis, tenant_id: str, ttl: float) -> Iterator[bool]:
    """``with tenant_lock(redis, t, ttl) as held:`` - held is False when another worker has it."""
    lock = redis.lock(LOCK.format(tenant=tenant_id), timeout=ttl, thread_local=False)
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


def lock_held(redis: Redis, tenant_id: str) -> bool:
    return bool(redis.exists(LOCK.format(tenant=tenant_id)))
