"""SOQL's relative date literals (TODAY, LAST_N_DAYS:n ...) as ranges of days.

Each literal stands for a range of whole days ``[first, end)`` relative to today in the running
user's time zone; the local org's users are all on UTC and its locale (en_US) starts weeks on
Sunday. ``=`` means inside the range, ``<`` before its first day, ``>`` after its last day, as
Salesforce's "Date Formats and Date Literals" page defines.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["DATE_LITERALS", "N_DATE_LITERALS", "date_range", "datetime_range"]

DATE_LITERALS = frozenset({
    "YESTERDAY", "TODAY", "TOMORROW",
    "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK",
    "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH",
    "LAST_90_DAYS", "NEXT_90_DAYS",
    "LAST_QUARTER", "THIS_QUARTER", "NEXT_QUARTER",
    "LAST_YEAR", "THIS_YEAR", "NEXT_YEAR",
})
N_DATE_LITERALS = frozenset({
    "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO",
    "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO",
    "LAST_N_MONTHS", "NEXT_N_MONTHS", "N_MONTHS_AGO",
    "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "N_QUARTERS_AGO",
    "LAST_N_YEARS", "NEXT_N_YEARS", "N_YEARS_AGO",
})

_DAY = dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)   # Sunday


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def date_range(name: str, n: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """``[first, end)`` in days for a date literal (``n`` is ignored for the fixed ones)."""
    week, month = _week_start(today), today.replace(day=1)
    quarter, year = _quarter_start(today), dt.date(today.year, 1, 1)
    ranges: dict[str, tuple[dt.date, dt.date]] = {
        "YESTERDAY": (today - _DAY, today),
        "TODAY": (today, today + _DAY),
        "TOMORROW": (today + _DAY, today + 2 * _DAY),
        "LAST_WEEK": (week - 7 * _DAY, week),
        "THIS_WEEK": (week, week + 7 * _DAY),
        "NEXT_WEEK": (week + 7 * _DAY, week + 14 * _DAY),
        "LAST_MONTH": (_add_months(month, -1), month),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        # LAST_90_DAYS and LAST_N_DAYS include today; NEXT_ ones start tomorrow.
        "LAST_90_DAYS": (today - 90 * _DAY, today + _DAY),
        "NEXT_90_DAYS": (today + _DAY, today + 91 * _DAY),
        "LAST_QUARTER": (_add_months(quarter, -3), quarter),
        "THIS_QUARTER": (quarter, _add_months(quarter, 3)),
        "NEXT_QUARTER": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "LAST_YEAR": (year.replace(year=year.year - 1), year),
        "THIS_YEAR": (year, year.replace(year=year.year + 1)),
        "NEXT_YEAR": (year.replace(year=year.year + 1), year.replace(year=year.year + 2)),
        "LAST_N_DAYS": (today - n * _DAY, today + _DAY),
        "NEXT_N_DAYS": (today + _DAY, today + (n + 1) * _DAY),
        "N_DAYS_AGO": (today - n * _DAY, today - (n - 1) * _DAY),
        "LAST_N_WEEKS": (week - 7 * n * _DAY, week),
        "NEXT_N_WEEKS": (week + 7 * _DAY, week + 7 * (n + 1) * _DAY),
        "N_WEEKS_AGO": (week - 7 * n * _DAY, week - 7 * (n - 1) * _DAY),
        "LAST_N_MONTHS": (_add_months(month, -n), month),
        "NEXT_N_MONTHS": (_add_months(month, 1), _add_months(month, n + 1)),
        "N_MONTHS_AGO": (_add_months(month, -n), _add_months(month, 1 - n)),
        "LAST_N_QUARTERS": (_add_months(quarter, -3 * n), quarter),
        "NEXT_N_QUARTERS": (_add_months(quarter, 3), _add_months(quarter, 3 * (n + 1))),
        "N_QUARTERS_AGO": (_add_months(quarter, -3 * n), _add_months(quarter, 3 - 3 * n)),
        "LAST_N_YEARS": (year.replace(year=year.year - n), year),
        "NEXT_N_YEARS": (year.replace(year=year.year + 1), year.replace(year=year.year + n + 1)),
        "N_YEARS_AGO": (year.replace(year=year.year - n), year.replace(year=year.year - n + 1)),
    }
    return ranges[name]


def datetime_range(name: str, n: int, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The same range as aware UTC datetimes, for dateTime fields."""
    first, end = date_range(name, n, now.astimezone(dt.UTC).date())
    return (
        dt.datetime.combine(first, dt.time(), dt.UTC),
        dt.datetime.combine(end, dt.time(), dt.UTC),
    )
