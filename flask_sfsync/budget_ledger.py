"""The API budget's spend record in Redis, shared by every worker of a connection.

One hash per tenant: field = the minute (epoch seconds // 60), value = calls made in it. A day
is at most 1,440 fields; older ones are dropped as new minutes are added.
"""

from __future__ import annotations

from redis import Redis

from .salesforce.budget import DAY

__all__ = ["RedisLedger"]

_BUCKET = 60
KEY = "sfsync:api-spend:{tenant}"


class RedisLedger:
    """:class:`~flask_sfsync.salesforce.budget.SpendLedger` over a Redis hash."""

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
