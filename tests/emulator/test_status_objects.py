"""Issue 10 point 2: LeadStatus, OpportunityStage and TaskStatus over sockets, consistent with
the Lead.Status, Opportunity.StageName and Task.Status picklists they describe."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import V, api, error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

BACKING = {"LeadStatus": ("Lead", "Status"), "OpportunityStage": ("Opportunity", "StageName"),
           "TaskStatus": ("Task", "Status")}


def picklist(sf: Any, sobject: str, field: str) -> list[dict[str, Any]]:
    fields = {f["name"]: f for f in getattr(sf, sobject).describe()["fields"]}
    values: list[dict[str, Any]] = fields[field]["picklistValues"]
    return values


@pytest.mark.parametrize("status_object", sorted(BACKING))
def test_one_record_per_picklist_value_in_order(shared_sf: Any, status_object: str) -> None:
    sobject, field = BACKING[status_object]
    records = shared_sf.query(f"SELECT Id, ApiName, MasterLabel, IsDefault, SortOrder "
                              f"FROM {status_object} ORDER BY SortOrder")["records"]
    values = picklist(shared_sf, sobject, field)
    assert [r["ApiName"] for r in records] == [v["value"] for v in values]
    assert [r["MasterLabel"] for r in records] == [v["label"] for v in values]
    assert [r["IsDefault"] for r in records] == [v["defaultValue"] for v in values]
    assert [r["SortOrder"] for r in records] == list(range(1, len(values) + 1))
    assert all(r["Id"].startswith("01J") and len(r["Id"]) == 18 for r in records)
    assert len({r["Id"] for r in records}) == len(records)


def test_lead_status_is_converted(shared_sf: Any) -> None:
    converted = shared_sf.query("SELECT ApiName FROM LeadStatus WHERE IsConverted = true")
    assert [r["ApiName"] for r in converted["records"]] == ["Closed - Converted"]
    default = shared_sf.query("SELECT MasterLabel FROM LeadStatus WHERE IsDefault = true")
    lead = shared_sf.Lead.create({"LastName": "Status", "Company": "S"})["id"]
    assert shared_sf.Lead.get(lead)["Status"] == default["records"][0]["MasterLabel"]


def test_opportunity_stages_drive_the_opportunity(shared_sf: Any) -> None:
    stages = shared_sf.query("SELECT ApiName, IsClosed, IsWon, DefaultProbability, "
                             "ForecastCategoryName, IsActive FROM OpportunityStage")["records"]
    by_name = {s["ApiName"]: s for s in stages}
    assert by_name["Closed Won"]["IsWon"] is True and by_name["Closed Won"]["IsClosed"] is True
    assert by_name["Closed Lost"]["IsWon"] is False and by_name["Closed Lost"]["IsClosed"]
    assert by_name["Prospecting"]["DefaultProbability"] == 10.0
    assert all(s["IsActive"] for s in stages)
    for stage in ("Prospecting", "Negotiation/Review", "Closed Won", "Closed Lost"):
        opp = shared_sf.Opportunity.create({"Name": f"By stage {stage}", "StageName": stage,
                                            "CloseDate": "2024-06-30"})["id"]
        got = shared_sf.Opportunity.get(opp)
        expected = by_name[stage]
        assert (got["IsClosed"], got["IsWon"], got["Probability"],
                got["ForecastCategoryName"]) == (
            expected["IsClosed"], expected["IsWon"], expected["DefaultProbability"],
            expected["ForecastCategoryName"]), stage


def test_task_status_is_closed_drives_the_task(shared_sf: Any) -> None:
    closed = shared_sf.query("SELECT ApiName FROM TaskStatus WHERE IsClosed = true")["records"]
    assert [r["ApiName"] for r in closed] == ["Completed"]
    task = shared_sf.Task.create({"Subject": "Call"})["id"]
    assert shared_sf.Task.get(task)["IsClosed"] is False
    shared_sf.Task.update(task, {"Status": "Completed"})
    assert shared_sf.Task.get(task)["IsClosed"] is True
    shared_sf.Task.update(task, {"Status": "Deferred"})
    assert shared_sf.Task.get(task)["IsClosed"] is False


def test_describe_and_retrieve(shared_local: LocalOrg, shared_sf: Any) -> None:
    described = shared_sf.restful("sobjects/OpportunityStage/describe")
    assert described["keyPrefix"] == "01J"
    assert (described["createable"], described["updateable"], described["deletable"]) == (
        False, False, False)
    fields = {f["name"]: f for f in described["fields"]}
    assert {"ApiName", "IsClosed", "IsWon", "DefaultProbability", "ForecastCategoryName",
            "MasterLabel", "SortOrder", "IsDefault"} <= set(fields)
    assert fields["ApiName"]["idLookup"] is True
    assert "LeadStatus" in {o["name"] for o in shared_sf.describe()["sobjects"]}
    row = shared_sf.query("SELECT Id FROM TaskStatus WHERE ApiName = 'Completed'")["records"][0]
    record = shared_sf.restful(f"sobjects/TaskStatus/{row['Id']}")
    assert (record["ApiName"], record["IsClosed"]) == ("Completed", True)
    assert record["attributes"]["type"] == "TaskStatus"
    missing = api(shared_local, "GET", f"{V}/sobjects/TaskStatus/01J000000000000AAA")
    assert missing.status_code == 404


def test_status_records_cannot_be_written(shared_sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        shared_sf.LeadStatus.create({"MasterLabel": "New one"})
    assert error_body(excinfo)[0]["errorCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"


def test_query_all_and_filters(shared_sf: Any) -> None:
    everything = shared_sf.query_all("SELECT Id FROM TaskStatus")
    assert everything["totalSize"] == len(picklist(shared_sf, "Task", "Status"))
    count = shared_sf.query("SELECT COUNT() FROM OpportunityStage WHERE IsClosed = false")
    assert count["totalSize"] == 8
    grouped = shared_sf.query("SELECT IsClosed, COUNT(Id) n FROM OpportunityStage "
                              "GROUP BY IsClosed ORDER BY IsClosed")["records"]
    assert [(g["IsClosed"], g["n"]) for g in grouped] == [(False, 8), (True, 2)]
