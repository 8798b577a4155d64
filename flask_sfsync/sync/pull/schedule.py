"""How often a tenant is pulled: its interval, stretched when the API budget runs low.

Every pull costs at least one call (an idle poll is one Composite call), so a tenant pulled
every minute spends 1,440 calls a day whether anything changed or not. When the budget runs
low, those calls are better kept for pushes (a person's edit) than spent on polling, and an
org whose daily limit is exceeded blocks every integration it has, not just ours. So:

* :func:`budget_use` - how much of the budget is used, 0 to 1: the larger of our calls in
  the last 24 hours against our share of the org's daily limit, and the org's total (the
  ``Sforce-Limit-Info`` reading, everyone's calls) against the ceiling we leave it under;
* :func:`stretch` - the interval to use: unchanged up to :data:`STRETCH_FROM` used, then
  growing geometrically (each step of use multiplies it by the same factor, so it never
  jumps) up to ``longest`` at :data:`STRETCH_FULL`; never shorter than the chosen interval;
* :func:`schedule_note` - what the Overview says about it.

No Flask, SQLAlchemy or Redis here: the job layer reads the spend and the last reading and
records the result (``next_pull_at`` and the note).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...salesforce import ApiUsage

__all__ = [
    "READING_FRESH_FOR",
    "STRETCH_FROM",
    "STRETCH_FULL",
    "PullSchedule",
    "budget_use",
    "pull_schedule",
    "schedule_note",
    "stretch",
]

#: Below this share of the budget used, the tenant's interval is used as it is.
STRETCH_FROM = 0.5
#: From this share on, pulls wait the longest interval (the budget itself stops every call
#: at 100%; the last few percent are left to pushes).
STRETCH_FULL = 0.95
#: Seconds an org's usage reading counts: the org's other integrations change it in ways we
#: cannot see, and our own spend (counted by us) is always current.
READING_FRESH_FOR = 3600.0


def budget_use(
    spent: int,
    usage: ApiUsage | None,
    *,
    share: float,
    org_ceiling: float,
    now: float,
) -> float | None:
    """How much of the API budget is used (0 to 1), or None when unknown (no response has
    told us the org's daily limit yet).

    ``spent``: our calls in the last 24 hours; ``usage``: the org's last reading; ``share`` and
    ``org_ceiling``: the budget's two limits as fractions of the org's daily maximum."""
    if usage is None or usage.max <= 0:
        return None
    ours = spent / max(1.0, usage.max * share)
    org = 0.0
    if now - usage.observed_at <= READING_FRESH_FOR:
        org = usage.used / max(1.0, usage.max * org_ceiling)
    return min(1.0, max(0.0, ours, org))


def stretch(interval: float, use: float | None, *, longest: float) -> float:
    """The seconds between two pulls when ``use`` of the budget is spent (see the module)."""
    if interval <= 0 or use is None or use <= STRETCH_FROM or interval >= longest:
        return interval
    step = min(1.0, (use - STRETCH_FROM) / (STRETCH_FULL - STRETCH_FROM))
    return float(interval * (longest / interval) ** step)


@dataclass(frozen=True)
class PullSchedule:
    """When a tenant is pulled next: ``seconds`` from now; ``note`` says why it is longer
    than the tenant's interval (None: it is not)."""

    seconds: float
    note: str | None = None


def pull_schedule(interval: float, use: float | None, *, longest: float) -> PullSchedule:
    """:func:`stretch` with its note."""
    seconds = stretch(interval, use, longest=longest)
    if use is None or seconds <= interval:
        return PullSchedule(seconds)
    return PullSchedule(seconds, schedule_note(interval, seconds, use))


def schedule_note(interval: float, seconds: float, use: float) -> str:
    """``"API budget 83% used: pulling every 7 min instead of every 60 seconds"``."""
    return (f"API budget {use:.0%} used: pulling every {_duration(seconds)} "
            f"instead of every {_duration(interval)}")


def _duration(seconds: float) -> str:
    if seconds < 120:
        whole = round(seconds)
        return f"{whole} second{'s' if whole != 1 else ''}"
    return f"{round(seconds / 60)} min"
