"""What workers share through Redis beside the queue: the API budget's spend and describes.

:class:`RedisLedger`: one hash per tenant: field = the minute (epoch seconds // 60), value =
calls made in it. A day is at most 1,440 fields; older ones are dropped as new minutes are
added.

:class:`RedisDescribeStore`: the describe cache of every worker process (each job of a forking
worker runs in a new process, so an in-process cache would describe again in every job).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from redis import Redis

from ..salesforce import DAY, CacheKey

__all__ = ["RedisDescribeStore", "RedisLedger"]

_BUCKET = 60
KEY = "sfsync:api-spend:{tenant}"
DESCRIBE_KEY = "sfsync:describe:{org}:{user}:{sobject}"


class RedisLedger:
    """:class:`~flask_sfsync.salesforce.SpendLedger` over a Redis hash."""

    def __init__(self, redis: Redis, tenant_id: str) -> None:
        self.redis = redis
        self.key = KEY.format(tenant=tenant_id)

    def _buckets(self) -> dict[int, int]:
        raw: dict[bytes, bytes] = self.redis.hgetall(self.key)  # type: ignore[assignment]
        return {int(k): int(v) for k, v in raw.items()}

    def add(self, at: float, calls: int) -> None:
        minute = int(at) // _BUCKET
        pipe = self.redis.pipeline()
        pipe.hincrby(self.key, str(minute), calls)
        pipe.expire(self.key, int(DAY) + 3600)
        pipe.execute()
        if minute % 10 == 0:  # now and then, forget minutes older than a day
            cutoff = int(at - DAY) // _BUCKET
            old = [str(k) for k in self._buckets() if k < cutoff]
            if old:
                self.redis.hdel(self.key, *old)

    def spent_since(self, since: float) -> int:
        cutoff = int(since) // _BUCKET
        return sum(n for k, n in self._buckets().items() if k >= cutoff)

    def freed_by(self, since: float, calls: int) -> float | None:
        cutoff = int(since) // _BUCKET
        total = 0
        for key, n in sorted(self._buckets().items()):
            if key < cutoff:
                continue
            total += n
            if total >= calls:
                return float((key + 1) * _BUCKET)
        return None


class RedisDescribeStore:
    """:class:`~flask_sfsync.salesforce.DescribeStore` over Redis strings with a TTL."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @staticmethod
    def _key(key: CacheKey, sobject: str) -> str:
        return DESCRIBE_KEY.format(org=key[0], user=key[1], sobject=sobject.lower())

    def load(self, key: CacheKey, sobject: str) -> Mapping[str, Any] | None:
        raw = self.redis.get(self._key(key, sobject))
        return None if raw is None else dict(json.loads(raw))

    def save(self, key: CacheKey, sobject: str, describe: Mapping[str, Any], ttl: float) -> None:
        self.redis.set(self._key(key, sobject), json.dumps(describe), ex=max(1, int(ttl)))

    def forget(self, key: CacheKey, sobject: str | None = None) -> None:
        if sobject is not None:
            self.redis.delete(self._key(key, sobject))
            return
        names = list(self.redis.scan_iter(self._key(key, "*")))
        if names:
            self.redis.delete(*names)
