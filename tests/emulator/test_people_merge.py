"""Issue 10 point 1: merges of up to three Leads, Contacts or Accounts, as Salesforce merges.

The master keeps its Id and the values picked for it; the losers go to the recycle bin with
MasterRecordId (queryAll sees them); what pointed at the losers points at the master.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.handle import LocalOrg

SOFIA = "sofia.alvarez@emulator.example.com"


def test_merging_accounts_moves_their_contacts_opportunities_and_activities(
        local: LocalOrg, sf: Any) -> None:
    master = sf.Account.create({"Name": "Acme Inc.", "Phone": "1"})["id"]
    loser = sf.Account.create({"Name": "Acme", "Phone": "2", "Website": "acme.example"})["id"]
    third = sf.Account.create({"Name": "ACME Corp"})["id"]
    contact = sf.Contact.create({"LastName": "Coyote", "AccountId": loser})["id"]
    opportunity = sf.Opportunity.create({"Name": "Rockets", "AccountId": third,
                                         "StageName": "Prospecting",
                                         "CloseDate": "2030-01-31"})["id"]
    task = sf.Task.create({"Subject": "Call", "WhatId": loser})["id"]
    event_on_opportunity = sf.Event.create({
        "Subject": "Demo", "WhatId": opportunity, "DurationInMinutes": 30,
        "StartDateTime": "2030-01-10T10:00:00.000+0000"})["id"]
    child = sf.Account.create({"Name": "Acme East", "ParentId": loser})["id"]

    result = local.merge("Account", master, [loser, third], user=SOFIA,
                         fields={"Website": "acme.example"})
    assert result.id == master and set(result.merged_record_ids) == {loser, third}
    assert {contact, opportunity, task, event_on_opportunity, child} <= set(
        result.updated_related_ids)

    kept = sf.Account.get(master)
    assert (kept["Name"], kept["Phone"], kept["Website"]) == ("Acme Inc.", "1", "acme.example")
    assert kept["LastModifiedById"] == local.user(SOFIA).id
    assert sf.Contact.get(contact)["AccountId"] == master
    assert sf.Opportunity.get(opportunity)["AccountId"] == master
    assert sf.Task.get(task)["WhatId"] == master and sf.Task.get(task)["AccountId"] == master
    assert sf.Event.get(event_on_opportunity)["AccountId"] == master
    assert sf.Account.get(child)["ParentId"] == master
    # The losers: gone from query, in queryAll with MasterRecordId, not cascade-deleted.
    ids = f"('{loser}', '{third}')"
    assert sf.query(f"SELECT Id FROM Account WHERE Id IN {ids}")["totalSize"] == 0
    deleted = sf.query_all(f"SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE Id IN {ids}",
                           include_deleted=True)["records"]
    assert {(r["Id"], r["IsDeleted"], r["MasterRecordId"]) for r in deleted} == {
        (loser, True, master), (third, True, master)}
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1


def test_merging_contacts_and_leads_moves_their_activities(local: LocalOrg, sf: Any) -> None:
    keep = sf.Contact.create({"LastName": "Hopper", "Email": "grace@navy.example"})["id"]
    dupe = sf.Contact.create({"FirstName": "Grace", "LastName": "Hopper"},
                             headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"})["id"]
    report = sf.Contact.create({"LastName": "Reports", "ReportsToId": dupe})["id"]
    task = sf.Task.create({"Subject": "Follow up", "WhoId": dupe})["id"]
    local.merge("Contact", keep, [dupe], fields={"FirstName": "Grace"})
    merged = sf.Contact.get(keep)
    assert (merged["FirstName"], merged["Email"]) == ("Grace", "grace@navy.example")
    assert sf.Task.get(task)["WhoId"] == keep
    assert sf.Contact.get(report)["ReportsToId"] == keep

    lead = sf.Lead.create({"LastName": "Turing", "Company": "Bletchley"})["id"]
    other = sf.Lead.create({"LastName": "Turing", "Company": "Bletchley Park"})["id"]
    lead_task = sf.Task.create({"Subject": "Call", "WhoId": other})["id"]
    result = local.as_user(SOFIA).merge("Lead", lead, [other])
    assert result.merged_record_ids == (other,)
    assert sf.Task.get(lead_task)["WhoId"] == lead
    [row] = sf.query_all(f"SELECT MasterRecordId FROM Lead WHERE Id = '{other}'",
                         include_deleted=True)["records"]
    assert row["MasterRecordId"] == lead


def test_merge_limits_and_errors(local: LocalOrg, sf: Any) -> None:
    ids = [sf.Account.create({"Name": f"Dup {i}"})["id"] for i in range(4)]
    opportunity = sf.Opportunity.create({"Name": "O", "StageName": "Prospecting",
                                         "CloseDate": "2030-01-31"})["id"]
    for merged, code in [(ids[1:], "LIMIT_EXCEEDED"), ([], "REQUIRED_FIELD_MISSING"),
                         ([ids[0]], "INVALID_ID_FIELD"), ([opportunity],
                                                          "INVALID_CROSS_REFERENCE_KEY")]:
        with pytest.raises(SalesforceApiError) as refused:
            local.merge("Account", ids[0], merged)
        assert refused.value.error_code == code
    with pytest.raises(SalesforceApiError) as wrong_type:
        local.merge("Opportunity", opportunity, [opportunity])
    assert wrong_type.value.error_code == "INVALID_TYPE_FOR_OPERATION"
    # A failing master update (a name too long) leaves nothing merged.
    with pytest.raises(SalesforceApiError):
        local.merge("Account", ids[0], [ids[1]], fields={"Name": "x" * 300})
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 4
    local.set_object_access("Standard User", "Account", delete=False)
    with pytest.raises(SalesforceApiError) as no_delete:
        local.merge("Account", ids[0], [ids[1]], user=SOFIA)
    assert no_delete.value.error_code == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_undeleting_a_merged_record_keeps_the_reparenting(local: LocalOrg, sf: Any) -> None:
    master = sf.Account.create({"Name": "Keep"})["id"]
    loser = sf.Account.create({"Name": "Lose"})["id"]
    contact = sf.Contact.create({"LastName": "Moved", "AccountId": loser})["id"]
    local.merge("Account", master, [loser])
    local.undelete(loser)
    assert sf.Account.get(loser)["IsDeleted"] is False
    assert sf.Contact.get(contact)["AccountId"] == master


def test_the_control_api_merges(local: LocalOrg, sf: Any) -> None:
    master = sf.Lead.create({"LastName": "One", "Company": "C"})["id"]
    loser = sf.Lead.create({"LastName": "Two", "Company": "C", "Phone": "42"})["id"]
    answer = requests.post(local.login_url + "/_emulator/merge", json={
        "sobject": "Lead", "masterRecordId": master, "recordToMergeIds": [loser],
        "fields": {"Phone": "42"}, "user": SOFIA}, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"id": master, "mergedRecordIds": [loser], "updatedRelatedIds": [],
                             "success": True, "errors": []}
    assert sf.Lead.get(master)["Phone"] == "42"
    stored = requests.get(f"{local.login_url}/_emulator/records/Lead/{loser}", timeout=10).json()
    assert stored["IsDeleted"] is True and stored["MasterRecordId"] == master
    refused = requests.post(local.login_url + "/_emulator/merge", json={
        "sobject": "Lead", "masterRecordId": master, "recordToMergeIds": [loser]}, timeout=10)
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
