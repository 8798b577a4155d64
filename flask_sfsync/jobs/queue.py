"""The job layer's one Redis client and one RQ queue per application, and how work is enqueued.

Every push of a tenant goes through one job, :func:`~flask_sfsync.jobs.tasks.drain_job` (ids in,
never ORM objects): it runs the tenant's pending full sync, then the outbox, under the tenant's
lock (:mod:`.lock`), so one connection's pushes never run concurrently.

Coalescing: :meth:`Jobs.enqueue_drain` sets a "queued" marker with ``SET NX``; while one drain
waits in the queue, further commits add nothing to the queue (their outbox rows wait for that
drain). The job clears the marker when it starts, so a change committed during a drain enqueues
the next one. RQ's own ``unique=True`` / fixed ``job_id`` cannot do this: they refuse a new job
while the running one still exists (its key lives until it finishes and its result expires),
which would drop the drain a change made *during* a push needs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job

from ..config import Settings
from ..salesforce import DescribeStore, SpendLedger
from .keys import PULL_MARKER, clear_marker, set_marker
from .ledger import RedisDescribeStore
from .tasks import drain_job, field_setup_job, pull_job
from .usage import UsageLedger

__all__ = ["Jobs"]

log = logging.getLogger(__name__)

#: Results of finished drains are kept this long (seconds), failures a day.
RESULT_TTL = 60
FAILURE_TTL = 86400


class Jobs:
    """The application's Redis client and queue (``SFSYNC_REDIS_URL``, ``SFSYNC_QUEUE_NAME``).

    Made by ``init_app``; the client connects lazily, and gives up fast: a host's commit must
    not hang on a dead Redis.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._redis: Redis | None = None

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            self._redis = Redis.from_url(
                self.settings.redis_url, socket_connect_timeout=2, socket_timeout=10
            )
        return self._redis

    @property
    def queue(self) -> Queue:
        return Queue(self.settings.queue_name, connection=self.redis)

    def enqueue(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
        """Enqueue ``func(*args, **kwargs)`` on the application's queue (a host's own jobs
        too: they run in the app context like ours)."""
        return self.queue.enqueue(func, *args, **kwargs)

    # -- JobQueue (what the services ask for) ---------------------------------------------------

    def enqueue_drain(self, tenant_id: str) -> bool:
        """Ask a worker to push the tenant's pending work. Never raises: False when Redis is
        unreachable (the work is in the database; the sweep enqueues it later)."""
        try:
            if not set_marker(self.redis, tenant_id):
                return True  # a drain is already waiting in the queue: it will see this work
            try:
                self.queue.enqueue(
                    drain_job, tenant_id, job_timeout=self.settings.push_job_timeout,
                    result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
                )
            except RedisError:
                clear_marker(self.redis, tenant_id)
                raise
        except RedisError as exc:
            log.warning("could not enqueue the Salesforce push of tenant %s: %s", tenant_id, exc)
            return False
        return True

    def enqueue_drain_at(self, tenant_id: str, when: datetime) -> bool:
        """Enqueue a drain at ``when`` (a paused connection resuming). Needs a worker started
        with the scheduler; without one the sweep does it."""
        try:
            self.queue.enqueue_at(
                when, drain_job, tenant_id, job_timeout=self.settings.push_job_timeout
            )
        except RedisError as exc:
            log.warning("could not schedule the push of tenant %s: %s", tenant_id, exc)
            return False
        return True

    def enqueue_pull(
        self,
        tenant_id: str,
        *,
        full: bool = False,
        delay: float = 0.0,
        retry: list[str] | None = None,
        replace: bool = False,
    ) -> bool:
        """Pull the tenant's Salesforce changes now (or in ``delay`` seconds, through RQ's
        scheduler, which one worker at a time runs). Never raises.

        A tenant has one schedule: its next periodic pull holds a token in a Redis marker
        (``SET NX``), so however many workers, sweeps or connects ask, one pull waits; a
        periodic pull whose token is no longer the marker's was superseded and does nothing.
        ``replace``: this pull is the schedule from now on (the schedule's own next pull, a
        new interval saved). ``full`` (Pull now) and ``retry`` (only these Salesforce ids:
        the error log's Retry) run beside the schedule, which they neither count in nor
        move."""
        kwargs: dict[str, Any] = {}
        key = PULL_MARKER.format(tenant=tenant_id)
        try:
            if retry is not None:
                kwargs["retry"] = list(retry)
            elif not full:
                token = uuid.uuid4().hex
                ttl = int(delay) + 300  # a lost job's marker goes: the sweep schedules again
                if not self.redis.set(key, token, ex=ttl, nx=not replace):
                    return True  # the tenant's next pull is queued or scheduled already
                kwargs["schedule"] = token
            options: dict[str, Any] = {
                "job_timeout": self.settings.push_job_timeout, "result_ttl": RESULT_TTL,
                "failure_ttl": FAILURE_TTL,
                # Explicit args and kwargs: RQ takes a ``retry=`` keyword as its own policy.
                "args": (tenant_id, full), "kwargs": kwargs,
            }
            if delay > 0:
                self.queue.enqueue_in(timedelta(seconds=delay), pull_job, **options)
            else:
                self.queue.enqueue(pull_job, **options)
        except RedisError as exc:
            log.warning("could not enqueue the pull of tenant %s: %s", tenant_id, exc)
            return False
        return True

    def stop_pull_schedule(self, tenant_id: str) -> None:
        """No periodic pull from now on (the one waiting finds itself superseded)."""
        try:
            self.redis.delete(PULL_MARKER.format(tenant=tenant_id))
        except RedisError as exc:
            log.warning("could not stop the pull schedule of tenant %s: %s", tenant_id, exc)

    def enqueue_field_setup(self, tenant_id: str) -> bool:
        """Create our custom fields in the tenant's org (a connection was just made)."""
        try:
            self.queue.enqueue(field_setup_job, tenant_id)
        except RedisError as exc:  # Redis down must not break the OAuth callback
            log.warning("could not enqueue the field setup of tenant %s: %s", tenant_id, exc)
            return False
        return True

    def spend_ledger(self, tenant_id: str) -> SpendLedger:
        """The tenant's API spend, and the org's last usage reading (the pull's schedule
        reads it: :mod:`.usage`)."""
        return UsageLedger(self.redis, tenant_id)

    def describe_store(self) -> DescribeStore:
        return RedisDescribeStore(self.redis)

    def __repr__(self) -> str:
        return f"<Jobs queue={self.settings.queue_name!r}>"
