"""The pull's schedule, stretched as the API budget runs low (pure functions, no server), and
the budget handing its usage readings to a ledger that keeps them."""

from __future__ import annotations

from itertools import pairwise

import pytest

from flask_sfsync.salesforce.budget import ORG_CEILING, ApiBudget, MemoryLedger, UsageStore
from flask_sfsync.salesforce.limits import ApiUsage
from flask_sfsync.sync.pull.schedule import (
    READING_FRESH_FOR,
    STRETCH_FROM,
    STRETCH_FULL,
    budget_use,
    pull_schedule,
    stretch,
)

NOW = 1_000_000.0
LONGEST = 900.0


@pytest.mark.parametrize("use", [None, 0.0, 0.2, STRETCH_FROM])
def test_below_half_the_budget_the_interval_is_unchanged(use: float | None) -> None:
    assert stretch(60, use, longest=LONGEST) == 60
    assert pull_schedule(60, use, longest=LONGEST).note is None


def test_it_grows_smoothly_to_the_longest_near_the_cap() -> None:
    uses = [STRETCH_FROM + i / 1000 for i in range(0, 501)]
    seconds = [stretch(60, u, longest=LONGEST) for u in uses]
    assert all(b >= a for a, b in pairwise(seconds))  # never shorter
    # No jump anywhere: one step of use (0.1%) moves it by under 1%.
    assert all(b / a < 1.01 for a, b in pairwise(seconds))
    assert stretch(60, STRETCH_FULL, longest=LONGEST) == pytest.approx(LONGEST)
    assert stretch(60, 1.0, longest=LONGEST) == pytest.approx(LONGEST)
    middle = stretch(60, (STRETCH_FROM + STRETCH_FULL) / 2, longest=LONGEST)
    assert 60 < middle < LONGEST


@pytest.mark.parametrize("use", [0.6, 0.9, 1.0])
def test_never_shorter_than_the_chosen_interval(use: float) -> None:
    assert stretch(3600, use, longest=LONGEST) == 3600  # longer than the longest: kept
    assert stretch(600, use, longest=LONGEST) >= 600
    assert stretch(0, use, longest=LONGEST) == 0  # 0: only when asked, never scheduled


def test_the_note_says_how_much_is_used_and_how_often() -> None:
    schedule = pull_schedule(60, 0.83, longest=LONGEST)
    assert schedule.seconds > 60
    minutes = round(schedule.seconds / 60)
    assert schedule.note == (
        f"API budget 83% used: pulling every {minutes} min instead of every 60 seconds"
    )


def test_budget_use_is_our_share_or_the_org_ceiling_whichever_is_nearer() -> None:
    usage = ApiUsage(used=1000, max=10_000, observed_at=NOW)
    # Our 4,000 calls of our 5,000 (half the org's 10,000): 80% used.
    assert budget_use(4000, usage, share=0.5, org_ceiling=ORG_CEILING, now=NOW) == 0.8
    # The org's 8,550 of the 9,000 we leave it under: 95%, though we spent little.
    busy = ApiUsage(used=8550, max=10_000, observed_at=NOW)
    assert budget_use(10, busy, share=0.5, org_ceiling=0.9, now=NOW) == pytest.approx(0.95)
    assert budget_use(99_999, usage, share=0.5, org_ceiling=0.9, now=NOW) == 1.0


def test_budget_use_unknown_until_a_response_told_the_limit_and_old_readings_fade() -> None:
    assert budget_use(500, None, share=0.5, org_ceiling=0.9, now=NOW) is None
    old = ApiUsage(used=9000, max=10_000, observed_at=NOW - READING_FRESH_FOR - 1)
    # The org's old reading no longer counts; our own spend (always current) still does.
    assert budget_use(1000, old, share=0.5, org_ceiling=0.9, now=NOW) == pytest.approx(0.2)


class KeepingLedger(MemoryLedger):
    def __init__(self) -> None:
        super().__init__()
        self.saved: ApiUsage | None = None

    def save_usage(self, usage: ApiUsage) -> None:
        self.saved = usage

    def last_usage(self) -> ApiUsage | None:
        return self.saved


def test_the_budget_hands_each_reading_to_a_ledger_that_keeps_them() -> None:
    ledger = KeepingLedger()
    assert isinstance(ledger, UsageStore)
    assert not isinstance(MemoryLedger(), UsageStore)
    budget = ApiBudget(0.5, ledger=ledger, clock=lambda: NOW)
    budget.observe(ApiUsage(42, 5000, 0.0))
    assert ledger.last_usage() == ApiUsage(42, 5000, NOW)  # stamped when observed
    budget.observe(None)  # a response without the header keeps the last reading
    assert ledger.last_usage() == ApiUsage(42, 5000, NOW)
