"""Salesforce's field rules for Opportunities, Tasks and Events (Object Reference):

* Opportunity: IsClosed, IsWon and ForecastCategoryName follow the stage, Probability takes
  the stage's DefaultProbability unless given (the OpportunityStage records in
  ``schema.statuses``); ExpectedRevenue is Amount x Probability.
* Task: IsClosed follows the status (TaskStatus.IsClosed), IsHighPriority the priority.
* Event: not all-day, it needs a start (StartDateTime, or ActivityDateTime, which must agree)
  and DurationInMinutes or EndDateTime (which must add up); the missing one is derived, and a
  changed start keeps the duration. All-day, it needs ActivityDate (or StartDateTime's date);
  DurationInMinutes or EndDateTime give its days, one day when neither is given. An event
  lasts at most 14 days.
* Task and Event: WhoId names a Contact or a Lead; with a Lead, WhatId must be empty.

Each function reads the record through ``now(name)`` (the new value if the write sets it, else
the stored one) and adds what it derives to ``changes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.ids import KEY_PREFIXES
from flask_sfsync.emulator.schema.statuses import stage_facts, task_status_closed

__all__ = ["MAX_EVENT_MINUTES", "derive_activity", "derive_opportunity"]

Read = Callable[[str], Any]
MAX_EVENT_MINUTES = 14 * 24 * 60
_DAY = 24 * 60
_LEAD = KEY_PREFIXES["Lead"]
_EVENT_FIELDS = frozenset({"IsAllDayEvent", "StartDateTime", "ActivityDateTime", "ActivityDate",
                           "DurationInMinutes", "EndDateTime"})


def _integrity(message: str, fields: list[str]) -> SalesforceApiError:
    return SalesforceApiError(400, "FIELD_INTEGRITY_EXCEPTION", message, fields)


def _missing(name: str) -> SalesforceApiError:
    return SalesforceApiError(400, "REQUIRED_FIELD_MISSING",
                              f"Required fields are missing: [{name}]", [name])


def derive_opportunity(changes: dict[str, Any], now: Read, creating: bool) -> None:
    if "StageName" not in changes and not creating:
        return
    facts = stage_facts(now("StageName"))
    if facts is None:
        return
    changes["IsClosed"], changes["IsWon"] = facts.closed, facts.won
    if "Probability" not in changes:
        changes["Probability"] = float(facts.probability)
    changes["ForecastCategoryName"] = facts.forecast
    amount, probability = now("Amount"), now("Probability")
    if amount is not None and probability is not None:
        changes["ExpectedRevenue"] = float(amount) * float(probability) / 100


def derive_activity(sobject: str, changes: dict[str, Any], now: Read, creating: bool) -> None:
    """Task or Event: links, then the Task's status flags or the Event's times."""
    if creating or {"WhoId", "WhatId"} & changes.keys():
        who, what = now("WhoId"), now("WhatId")
        if who and what and str(who).startswith(_LEAD):
            # A lead has no account, opportunity or other record to be related to.
            raise _integrity(f"Related To ID: id value of incorrect type: {what}", ["WhatId"])
    if sobject == "Task":
        changes["IsClosed"] = task_status_closed(now("Status"))
        changes["IsHighPriority"] = now("Priority") == "High"
        if creating and now("TaskSubtype") is None:
            changes["TaskSubtype"] = "Task"
    elif creating or _EVENT_FIELDS & changes.keys():
        if now("IsAllDayEvent"):
            _all_day_event(changes, now)
        else:
            _timed_event(changes, now)


def _given(changes: dict[str, Any], name: str) -> Any:
    return changes.get(name)


def _timed_event(changes: dict[str, Any], now: Read) -> None:
    start, activity = _given(changes, "StartDateTime"), _given(changes, "ActivityDateTime")
    if start is not None and activity is not None and start != activity:
        raise _integrity("Start Date Time: the start and the due date time must be the same",
                         ["StartDateTime", "ActivityDateTime"])
    moved = start is not None or activity is not None
    start = start or activity or now("StartDateTime") or now("ActivityDateTime")
    if start is None:
        raise _missing("StartDateTime")
    minutes, end = _given(changes, "DurationInMinutes"), _given(changes, "EndDateTime")
    if minutes is not None and end is not None:
        if end - start != dt.timedelta(minutes=int(minutes)):
            raise _integrity("Duration: the duration and the end date time do not agree",
                             ["DurationInMinutes", "EndDateTime"])
    elif end is not None:
        minutes = int((end - start).total_seconds() // 60)
    elif minutes is None:
        minutes = now("DurationInMinutes")
        if minutes is None and now("EndDateTime") is not None and not moved:
            minutes = int((now("EndDateTime") - start).total_seconds() // 60)
    if minutes is None:
        raise _missing("DurationInMinutes")
    _check_duration(int(minutes))
    end = start + dt.timedelta(minutes=int(minutes))
    changes.update({"StartDateTime": start, "ActivityDateTime": start,
                    "ActivityDate": start.date(), "DurationInMinutes": int(minutes),
                    "EndDateTime": end, "EndDate": end.date()})


def _all_day_event(changes: dict[str, Any], now: Read) -> None:
    day, start = _given(changes, "ActivityDate"), _given(changes, "StartDateTime")
    if day is not None and start is not None and start.date() != day:
        raise _integrity("Start Date Time: the start and the due date must be the same day",
                         ["StartDateTime", "ActivityDate"])
    day = day or (start.date() if start is not None else None) or now("ActivityDate")
    if day is None:
        raise _missing("ActivityDate")
    minutes, end = _given(changes, "DurationInMinutes"), _given(changes, "EndDateTime")
    end_days = (end.date() - day).days + 1 if end is not None else None
    if minutes is not None and end_days is not None and -(-int(minutes) // _DAY) != end_days:
        raise _integrity("Duration: the duration and the end date time do not agree",
                         ["DurationInMinutes", "EndDateTime"])
    if minutes is None:
        minutes = end_days * _DAY if end_days is not None else now("DurationInMinutes") or _DAY
    days = max(1, -(-int(minutes) // _DAY))
    _check_duration(days * _DAY)
    midnight = dt.datetime.combine(day, dt.time(), dt.UTC)
    last = midnight + dt.timedelta(days=days - 1)
    changes.update({"ActivityDate": day, "StartDateTime": midnight,
                    "ActivityDateTime": midnight, "DurationInMinutes": days * _DAY,
                    "EndDateTime": last, "EndDate": last.date()})


def _check_duration(minutes: int) -> None:
    if minutes < 0:
        raise _integrity("End Date Time: the end of an event can not be before its start",
                         ["EndDateTime"])
    if minutes > MAX_EVENT_MINUTES:
        raise _integrity("Duration: an event can not last more than 14 days",
                         ["DurationInMinutes"])
