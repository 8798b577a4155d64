"""An API budget: our share of the org's daily limit, never exceeded.

Exceeding an org's daily API limit blocks every integration of that org, not just ours, so
before each call the sync asks :meth:`ApiBudget.check`. Two rules, both over Salesforce's
rolling 24-hour window:

* our own calls in the last 24 hours stay within ``share`` of the org's daily maximum;
* the org's total (``Sforce-Limit-Info``, which includes everyone else's calls) is never
  pushed past ``org_ceiling`` of the maximum, leaving the rest to the org's other tools.

The spend record lives behind :class:`SpendLedger` so every worker of a connection shares it
(the Flask layer backs it with Redis or its database; :class:`MemoryLedger` is for one
process and for tests). A ledger that is also a :class:`UsageStore` keeps the org's last
``Sforce-Limit-Info`` reading too, for what runs after the job (the pull's schedule stretches
when the budget runs low: :mod:`flask_sfsync.sync.pull.schedule`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol, runtime_checkable

from .errors import BudgetExhausted
from .limits import ApiUsage

__all__ = ["DAY", "ORG_CEILING", "ApiBudget", "MemoryLedger", "SpendLedger", "UsageStore"]

DAY = 24 * 3600.0
#: The org's total (everyone's calls) is never pushed past this fraction of its daily maximum.
ORG_CEILING = 0.9
_BUCKET = 60  # seconds; per-minute buckets keep a day of history to at most 1,440 entries


class SpendLedger(Protocol):
    """Where one connection's API calls are counted."""

    def add(self, at: float, calls: int) -> None: ...

    def spent_since(self, since: float) -> int: ...

    def freed_by(self, since: float, calls: int) -> float | None:
        """When at least ``calls`` of the calls made after ``since`` leave the window
        (i.e. the time of the call that frees them, plus one day is the caller's job);
        None when fewer than ``calls`` were made."""
        ...


@runtime_checkable
class UsageStore(Protocol):
    """A ledger that also keeps the org's last usage reading (shared by every worker)."""

    def save_usage(self, usage: ApiUsage) -> None: ...

    def last_usage(self) -> ApiUsage | None: ...


class MemoryLedger:
    def __init__(self) -> None:
        self._buckets: dict[int, int] = {}
        self._lock = threading.Lock()

    def add(self, at: float, calls: int) -> None:
        key = int(at) // _BUCKET
        with self._lock:
            self._buckets[key] = self._buckets.get(key, 0) + calls
            cutoff = int(at - DAY) // _BUCKET
            for old in [k for k in self._buckets if k < cutoff]:
                del self._buckets[old]

    def spent_since(self, since: float) -> int:
        cutoff = int(since) // _BUCKET
        with self._lock:
            return sum(n for k, n in self._buckets.items() if k >= cutoff)

    def freed_by(self, since: float, calls: int) -> float | None:
        cutoff = int(since) // _BUCKET
        total = 0
        with self._lock:
            for key in sorted(k for k in self._buckets if k >= cutoff):
                total += self._buckets[key]
                if total >= calls:
                    return float((key + 1) * _BUCKET)
        return None


class ApiBudget:
    """Decides whether ``n`` more calls may be made now, and if not, when."""

    def __init__(
        self,
        share: float = 0.5,
        *,
        org_ceiling: float = ORG_CEILING,
        ledger: SpendLedger | None = None,
        clock: Callable[[], float] = time.time,
        recheck_after: float = 15 * 60.0,
        spent_ttl: float = 2.0,
    ) -> None:
        """``spent_ttl``: how long a reading of the ledger (a Redis round trip for the Flask
        layer) is reused, plus the calls this budget observed since; a push asks before
        every call, and several at once when its writes run in parallel."""
        if not 0 < share <= 1 or not 0 < org_ceiling <= 1:
            raise ValueError("share and org_ceiling are fractions in (0, 1]")
        self.share = share
        self.org_ceiling = org_ceiling
        self.ledger: SpendLedger = ledger if ledger is not None else MemoryLedger()
        self._usage_store = self.ledger if isinstance(self.ledger, UsageStore) else None
        self.clock = clock
        self.recheck_after = recheck_after
        self.usage: ApiUsage | None = None
        # Calls allowed by acquire() whose response has not been observed yet (parallel
        # writes): counted as spent. Per thread too: a response is observed on the thread
        # that made the call, which is what turns its reservation into spending.
        self._pending = 0
        self._reserved = threading.local()
        self._lock = threading.RLock()  # pending, the spent reading, and the two together
        self.spent_ttl = spent_ttl
        self._spent_read_at: float | None = None
        self._spent_base = 0  # the ledger's count when last read
        self._spent_since = 0  # calls observed since then

    # -- fed by UsageMeter (one call per response) --------------------------------------
    def observe(self, usage: ApiUsage | None) -> None:
        now = self.clock()
        with self._lock:  # spent and reserved change together: never counted twice or not at all
            self.ledger.add(now, 1)
            self._spent_since += 1
            self._settle(1)
        if usage is not None:
            self.usage = replace(usage, observed_at=now)
            if self._usage_store is not None:
                self._usage_store.save_usage(self.usage)

    # -- asked before calls ------------------------------------------------------------
    @property
    def allowance(self) -> int | None:
        """Our calls allowed per 24 hours; None until a response told us the org's limit."""
        return None if self.usage is None else int(self.usage.max * self.share)

    def acquire(self, n: int = 1) -> None:
        """:meth:`check` and reserve: calls running in other threads count as spent, so
        parallel calls can never overshoot the budget together. Pair with :meth:`release`
        on the same thread."""
        with self._lock:
            self.check(n + self._pending)
            self._pending += n
            self._reserved.n = getattr(self._reserved, "n", 0) + n

    def release(self, n: int = 1) -> None:
        """This thread's reserved calls are done: what no response used is given back
        (a call that never reached Salesforce)."""
        with self._lock:
            self._settle(n)

    def _settle(self, n: int) -> None:
        mine = getattr(self._reserved, "n", 0)
        taken = min(mine, n)
        if taken:
            self._reserved.n = mine - taken
            self._pending = max(0, self._pending - taken)

    def spent(self) -> int:
        now = self.clock()
        with self._lock:
            read_at = self._spent_read_at
            if read_at is None or not 0 <= now - read_at <= self.spent_ttl:
                self._spent_base = self.ledger.spent_since(now - DAY)
                self._spent_read_at = now
                self._spent_since = 0
            return self._spent_base + self._spent_since

    def can_spend(self, n: int = 1) -> bool:
        """Whether ``n`` more calls fit now, besides those already reserved."""
        return self.resume_at(n + self._pending) is None

    def check(self, n: int = 1) -> None:
        """Raise :class:`BudgetExhausted` (with when to resume) unless ``n`` calls fit."""
        resume_at = self.resume_at(n)
        if resume_at is not None:
            raise BudgetExhausted(
                f"API budget spent: {self.spent()} of {self.allowance} calls "
                f"({self.share:.0%} of the org's daily limit) in the last 24 hours",
                resume_at=resume_at,
            )

    def resume_at(self, n: int = 1) -> float | None:
        """None if ``n`` calls fit now, else the earliest time they may."""
        if self.usage is None:
            return None  # the first response tells us the limit; one call is always allowed
        now = self.clock()
        waits: list[float] = []
        over = self.spent() + n - int(self.usage.max * self.share)
        if over > 0:
            freed = self.ledger.freed_by(now - DAY, over)
            waits.append(freed + DAY if freed is not None else now + self.recheck_after)
        fresh = now - self.usage.observed_at < self.recheck_after
        if fresh and self.usage.used + n > self.usage.max * self.org_ceiling:
            # Others' calls age out on a schedule we cannot see: look again later (a stale
            # reading lets one call through, whose response brings a fresh one).
            waits.append(self.usage.observed_at + self.recheck_after)
        return max(waits) if waits else None
