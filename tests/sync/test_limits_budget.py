"""Sforce-Limit-Info parsing and the API budget (no server needed)."""

from __future__ import annotations

import pytest

from flask_sfsync.salesforce.budget import DAY, ApiBudget, MemoryLedger
from flask_sfsync.salesforce.errors import BudgetExhausted
from flask_sfsync.salesforce.limits import ApiUsage, parse_limit_info


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_parse_limit_info() -> None:
    usage = parse_limit_info("api-usage=18/5000", now=5.0)
    assert usage == ApiUsage(18, 5000, 5.0)
    both = parse_limit_info("api-usage=25/5000; per-app-api-usage=17/250(appName=sample)")
    assert both is not None and (both.used, both.max) == (25, 5000)
    assert parse_limit_info(None) is None
    assert parse_limit_info("per-app-api-usage=17/250(appName=x)") is None


def test_budget_allows_until_share_then_says_when() -> None:
    clock = Clock()
    budget = ApiBudget(0.5, clock=clock)
    assert budget.can_spend(1)  # nothing known yet: the first call tells the limit
    for _ in range(10):
        budget.observe(ApiUsage(10, 20, clock.now))  # org limit 20/day: our share is 10
        clock.now += 60
    assert budget.allowance == 10
    assert budget.spent() == 10
    assert not budget.can_spend(1)
    with pytest.raises(BudgetExhausted) as caught:
        budget.check(1)
    first_call = 1_000_000.0
    # The first call leaves the 24-hour window a day after its minute.
    assert first_call + DAY <= caught.value.resume_at <= first_call + DAY + 120
    clock.now = caught.value.resume_at
    assert budget.can_spend(1)


def test_budget_leaves_room_for_the_orgs_other_integrations() -> None:
    clock = Clock()
    budget = ApiBudget(0.5, org_ceiling=0.9, clock=clock, recheck_after=600)
    budget.observe(ApiUsage(899, 1000, clock.now))  # others used almost everything
    assert budget.can_spend(1)
    assert not budget.can_spend(2)
    assert budget.resume_at(2) == clock.now + 600
    clock.now += 600  # stale reading: one call may go and bring a fresh one
    assert budget.can_spend(2)


def test_memory_ledger_forgets_after_a_day() -> None:
    ledger = MemoryLedger()
    ledger.add(0.0, 5)
    ledger.add(DAY + 3600, 1)
    assert ledger.spent_since(3600) == 1
    assert ledger.freed_by(0, 1) == DAY + 3600 - (DAY + 3600) % 60 + 60


def test_share_must_be_a_fraction() -> None:
    with pytest.raises(ValueError):
        ApiBudget(0)
    with pytest.raises(ValueError):
        ApiBudget(1.5)
