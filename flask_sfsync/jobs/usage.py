"""The API budget's ledger, plus the org's last usage reading, in Redis.

:class:`UsageLedger` is the :class:`~.ledger.RedisLedger` every job's budget counts its calls
in, and also a :class:`~flask_sfsync.salesforce.budget.UsageStore`: the budget saves the
``Sforce-Limit-Info`` reading of each response under ``sfsync:api-usage:<tenant>``, so the pull
job can stretch the tenant's next pull from how much of the budget is used
(:mod:`flask_sfsync.sync.pull.schedule`) without a call of its own.
"""

from __future__ import annotations

import json

from redis import Redis

from ..salesforce import DAY, ApiUsage
from .keys import API_USAGE
from .ledger import RedisLedger

__all__ = ["UsageLedger"]


class UsageLedger(RedisLedger):
    """:class:`RedisLedger` and :class:`~flask_sfsync.salesforce.budget.UsageStore`."""

    def __init__(self, redis: Redis, tenant_id: str) -> None:
        super().__init__(redis, tenant_id)
        self.usage_key = API_USAGE.format(tenant=tenant_id)

    def save_usage(self, usage: ApiUsage) -> None:
        # One SET per response, beside the ledger's own write: a reading older than a day
        # says nothing about the rolling 24-hour window, so it expires then.
        value = json.dumps([usage.used, usage.max, usage.observed_at])
        self.redis.set(self.usage_key, value, ex=int(DAY))

    def last_usage(self) -> ApiUsage | None:
        raw = self.redis.get(self.usage_key)
        if raw is None:
            return None
        used, most, observed_at = json.loads(raw)
        return ApiUsage(int(used), int(most), float(observed_at))
