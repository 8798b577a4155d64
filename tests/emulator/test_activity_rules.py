"""Issue 10 point 2: Opportunity, Task and Event field rules as the Object Reference gives
them, through simple-salesforce: required fields, derived flags, event times, lead links."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

START = "2024-05-15T15:00:00.000+0000"


def refused(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        call(*args)
    entry: dict[str, Any] = error_body(excinfo)[0]
    return entry


def test_opportunity_required_fields(shared_sf: Any) -> None:
    entry = refused(shared_sf.Opportunity.create, {"Amount": 10})
    assert entry["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert set(entry["fields"]) == {"Name", "StageName", "CloseDate"}
    entry = refused(shared_sf.Opportunity.create, {"Name": "N", "StageName": "Prospecting"})
    assert (entry["errorCode"], entry["fields"]) == ("REQUIRED_FIELD_MISSING", ["CloseDate"])


def test_opportunity_flags_follow_the_stage(shared_sf: Any) -> None:
    opp = shared_sf.Opportunity.create({"Name": "Deal", "StageName": "Prospecting",
                                        "CloseDate": "2024-06-30", "Amount": 1000})["id"]
    got = shared_sf.Opportunity.get(opp)
    assert (got["IsClosed"], got["IsWon"], got["Probability"], got["ExpectedRevenue"]) == (
        False, False, 10.0, 100.0)
    shared_sf.Opportunity.update(opp, {"StageName": "Closed Won"})
    got = shared_sf.Opportunity.get(opp)
    assert (got["IsClosed"], got["IsWon"], got["Probability"]) == (True, True, 100.0)
    assert got["ForecastCategoryName"] == "Closed"
    shared_sf.Opportunity.update(opp, {"StageName": "Closed Lost", "Probability": 5})
    got = shared_sf.Opportunity.get(opp)
    assert (got["IsClosed"], got["IsWon"], got["Probability"]) == (True, False, 5.0)
    entry = refused(shared_sf.Opportunity.update, opp, {"IsWon": True})
    assert entry["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_task_defaults_and_flags(shared_sf: Any) -> None:
    task = shared_sf.Task.create({"Subject": "Call", "Priority": "High"})["id"]
    got = shared_sf.Task.get(task)
    assert (got["Status"], got["Priority"], got["IsClosed"], got["IsHighPriority"]) == (
        "Not Started", "High", False, True)
    entry = refused(shared_sf.Task.update, task, {"Status": None})
    assert entry["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_event_end_from_start_and_duration(shared_sf: Any) -> None:
    event = shared_sf.Event.create({"Subject": "Meet", "StartDateTime": START,
                                    "DurationInMinutes": 90})["id"]
    got = shared_sf.Event.get(event)
    assert got["EndDateTime"] == "2024-05-15T16:30:00.000+0000"
    assert (got["ActivityDateTime"], got["ActivityDate"], got["EndDate"]) == (
        START, "2024-05-15", "2024-05-15")
    # A new start keeps the duration; a new end changes it.
    shared_sf.Event.update(event, {"StartDateTime": "2024-05-16T09:00:00Z"})
    got = shared_sf.Event.get(event)
    assert (got["EndDateTime"], got["DurationInMinutes"]) == (
        "2024-05-16T10:30:00.000+0000", 90)
    shared_sf.Event.update(event, {"EndDateTime": "2024-05-16T11:00:00Z"})
    assert shared_sf.Event.get(event)["DurationInMinutes"] == 120


def test_event_duration_from_start_and_end(shared_sf: Any) -> None:
    event = shared_sf.Event.create({"Subject": "Meet", "ActivityDateTime": START,
                                    "EndDateTime": "2024-05-15T15:45:00Z"})["id"]
    got = shared_sf.Event.get(event)
    assert (got["DurationInMinutes"], got["StartDateTime"]) == (45, START)


@pytest.mark.parametrize(("body", "code", "fields"), [
    ({"Subject": "No time"}, "REQUIRED_FIELD_MISSING", ["StartDateTime"]),
    ({"Subject": "No end", "StartDateTime": START}, "REQUIRED_FIELD_MISSING",
     ["DurationInMinutes"]),
    ({"StartDateTime": START, "DurationInMinutes": 30, "EndDateTime": "2024-05-15T17:00:00Z"},
     "FIELD_INTEGRITY_EXCEPTION", ["DurationInMinutes", "EndDateTime"]),
    ({"StartDateTime": START, "ActivityDateTime": "2024-05-15T16:00:00Z",
      "DurationInMinutes": 30}, "FIELD_INTEGRITY_EXCEPTION", ["StartDateTime",
                                                              "ActivityDateTime"]),
    ({"StartDateTime": START, "EndDateTime": "2024-05-15T14:00:00Z"},
     "FIELD_INTEGRITY_EXCEPTION", ["EndDateTime"]),
    ({"StartDateTime": START, "DurationInMinutes": 15 * 24 * 60},
     "FIELD_INTEGRITY_EXCEPTION", ["DurationInMinutes"]),
    ({"IsAllDayEvent": True, "Subject": "No day"}, "REQUIRED_FIELD_MISSING", ["ActivityDate"]),
])
def test_event_combinations_salesforce_refuses(shared_sf: Any, body: dict[str, Any], code: str,
                                               fields: list[str]) -> None:
    entry = refused(shared_sf.Event.create, body)
    assert (entry["errorCode"], entry["fields"]) == (code, fields)


def test_all_day_event(shared_sf: Any) -> None:
    one = shared_sf.Event.create({"Subject": "Offsite", "IsAllDayEvent": True,
                                  "ActivityDate": "2024-05-20"})["id"]
    got = shared_sf.Event.get(one)
    assert (got["DurationInMinutes"], got["StartDateTime"], got["EndDate"]) == (
        1440, "2024-05-20T00:00:00.000+0000", "2024-05-20")
    three = shared_sf.Event.create({"Subject": "Trip", "IsAllDayEvent": True,
                                    "ActivityDate": "2024-05-20", "EndDateTime":
                                    "2024-05-22T00:00:00Z"})["id"]
    got = shared_sf.Event.get(three)
    assert (got["DurationInMinutes"], got["EndDate"]) == (3 * 1440, "2024-05-22")


@pytest.mark.parametrize("sobject", ["Task", "Event"])
def test_a_leads_activity_cannot_be_related_to_a_record(shared_sf: Any, sobject: str) -> None:
    lead = shared_sf.Lead.create({"LastName": "Prospect", "Company": "P"})["id"]
    account = shared_sf.Account.create({"Name": "Somewhere"})["id"]
    timing = {"StartDateTime": START, "DurationInMinutes": 30} if sobject == "Event" else {}
    entry = refused(getattr(shared_sf, sobject).create,
                    {"Subject": "Call", "WhoId": lead, "WhatId": account, **timing})
    assert (entry["errorCode"], entry["fields"]) == ("FIELD_INTEGRITY_EXCEPTION", ["WhatId"])
    activity = getattr(shared_sf, sobject).create({"Subject": "Call", "WhoId": lead,
                                                   **timing})["id"]
    entry = refused(getattr(shared_sf, sobject).update, activity, {"WhatId": account})
    assert entry["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    contact = shared_sf.Contact.create({"LastName": "Customer", "AccountId": account})["id"]
    linked = getattr(shared_sf, sobject).create({"Subject": "Call", "WhoId": contact,
                                                 "WhatId": account, **timing})["id"]
    assert getattr(shared_sf, sobject).get(linked)["AccountId"] == account
    entry = refused(getattr(shared_sf, sobject).create, {"Subject": "Bad", "WhoId": account})
    assert entry["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
