"""Issue 10 point 1: lead conversion, as Salesforce's convertLead does it, seen by API clients.

Conversions run through the handle (``LocalOrg.convert_lead`` / ``as_user``) and the control
API; what they did is read back with simple-salesforce and raw requests, as a sync reads it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
from emulator_support import V, api, error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.handle import LocalOrg

SOFIA = "sofia.alvarez@emulator.example.com"


def _lead(sf: Any, **fields: Any) -> str:
    body = {"FirstName": "Ada", "LastName": "Lovelace", "Company": "Analytical Engines",
            "Email": "ada@engines.example", "Phone": "+44 20 1234", "Title": "Countess",
            "Street": "12 St James's Square", "City": "London", "PostalCode": "SW1Y",
            "Country": "UK", "LeadSource": "Web", "Industry": "Technology", "Rating": "Hot",
            "NumberOfEmployees": 12, "Website": "engines.example", "Description": "Notes",
            **fields}
    return str(sf.Lead.create(body)["id"])


def test_conversion_creates_account_contact_opportunity_with_the_mapped_fields(
        local: LocalOrg, sf: Any) -> None:
    lead_id = _lead(sf)
    task_id = sf.Task.create({"Subject": "Call Ada", "WhoId": lead_id})["id"]
    sofia = local.user(SOFIA)
    result = local.convert_lead(lead_id, user=SOFIA, opportunity_name="Engines - Q3")

    lead = sf.Lead.get(lead_id)
    assert lead["IsConverted"] is True
    assert lead["Status"] == "Closed - Converted"
    assert lead["ConvertedDate"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert (lead["ConvertedAccountId"], lead["ConvertedContactId"],
            lead["ConvertedOpportunityId"]) == (result.account_id, result.contact_id,
                                                result.opportunity_id)
    assert lead["LastModifiedById"] == sofia.id

    account = sf.Account.get(result.account_id)
    assert (account["Name"], account["BillingCity"], account["BillingStreet"],
            account["Phone"], account["Website"], account["Industry"], account["Rating"],
            account["NumberOfEmployees"]) == (
        "Analytical Engines", "London", "12 St James's Square", "+44 20 1234",
        "engines.example", "Technology", "Hot", 12)
    contact = sf.Contact.get(result.contact_id)
    assert (contact["FirstName"], contact["LastName"], contact["Email"], contact["Title"],
            contact["MailingCity"], contact["MailingPostalCode"], contact["LeadSource"],
            contact["Description"], contact["AccountId"]) == (
        "Ada", "Lovelace", "ada@engines.example", "Countess", "London", "SW1Y", "Web",
        "Notes", result.account_id)
    opportunity = sf.Opportunity.get(result.opportunity_id)
    assert (opportunity["Name"], opportunity["AccountId"], opportunity["StageName"],
            opportunity["LeadSource"]) == ("Engines - Q3", result.account_id, "Prospecting",
                                           "Web")
    close = dt.date.fromisoformat(opportunity["CloseDate"])
    assert close.month in (3, 6, 9, 12) and (close + dt.timedelta(days=1)).day == 1
    # Created by the converting user, owned by the lead's owner (the admin created it).
    for record in (account, contact, opportunity):
        assert record["CreatedById"] == sofia.id
        assert record["OwnerId"] == local.admin.id
    # The lead's task moved to the contact and the new opportunity.
    task = sf.Task.get(task_id)
    assert (task["WhoId"], task["WhatId"], task["AccountId"]) == (
        result.contact_id, result.opportunity_id, result.account_id)


def test_a_converted_lead_refuses_every_api_update(local: LocalOrg, sf: Any) -> None:
    lead_id = _lead(sf)
    local.convert_lead(lead_id)
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Lead.update(lead_id, {"Title": "Queen"})
    assert error_body(refused) == [{"message": "cannot reference converted lead",
                                    "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD", "fields": []}]
    collection = sf.restful("composite/sobjects", method="PATCH", json={"records": [
        {"attributes": {"type": "Lead"}, "Id": lead_id, "Title": "Queen"}]})
    assert collection[0]["success"] is False
    assert collection[0]["errors"][0]["statusCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    # SOQL sees what a pull reads to move its link.
    [row] = sf.query(f"SELECT IsConverted, ConvertedContactId FROM Lead WHERE Id = '{lead_id}'"
                     )["records"]
    assert row["IsConverted"] is True and row["ConvertedContactId"]


def test_converting_into_an_existing_account_and_contact_fills_only_empty_fields(
        local: LocalOrg, sf: Any) -> None:
    account_id = sf.Account.create({"Name": "Engines Ltd", "Phone": "+44 1"})["id"]
    contact_id = sf.Contact.create({"LastName": "Lovelace", "AccountId": account_id,
                                    "Title": "Analyst", "LeadSource": "Phone Inquiry"})["id"]
    lead_id = _lead(sf)
    result = local.convert_lead(lead_id, account_id=account_id, contact_id=contact_id,
                                create_opportunity=False)
    assert (result.account_id, result.contact_id, result.opportunity_id) == (
        account_id, contact_id, None)
    account = sf.Account.get(account_id)
    assert account["Name"] == "Engines Ltd" and account["Phone"] == "+44 1"   # kept
    assert account["BillingCity"] == "London" and account["Website"] == "engines.example"
    contact = sf.Contact.get(contact_id)
    assert contact["Title"] == "Analyst" and contact["LeadSource"] == "Phone Inquiry"  # kept
    assert contact["Email"] == "ada@engines.example" and contact["FirstName"] == "Ada"
    assert sf.Lead.get(lead_id)["ConvertedOpportunityId"] is None
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 1

    other = _lead(sf, Email="ada2@engines.example", LeadSource="Partner Referral")
    local.convert_lead(other, account_id=account_id, contact_id=contact_id,
                       create_opportunity=False, overwrite_lead_source=True)
    assert sf.Contact.get(contact_id)["LeadSource"] == "Partner Referral"


def test_conversion_errors_leave_nothing_converted(local: LocalOrg, sf: Any) -> None:
    lead_id = _lead(sf)
    other_account = sf.Account.create({"Name": "Elsewhere"})["id"]
    stranger = sf.Contact.create({"LastName": "Stranger"})["id"]
    with pytest.raises(SalesforceApiError) as status:
        local.convert_lead(lead_id, converted_status="Working - Contacted")
    assert status.value.error_code == "INVALID_STATUS"
    with pytest.raises(SalesforceApiError) as wrong_account:
        local.convert_lead(lead_id, account_id=other_account, contact_id=stranger)
    assert wrong_account.value.error_code == "FIELD_INTEGRITY_EXCEPTION"
    # The lead's owner is inactive: the new account cannot be owned by them.
    grace = local.user("grace.okafor@emulator.example.com")
    local.set_user_active(grace, True)
    owned = _lead(sf, Email="owned@engines.example", OwnerId=grace.id)
    local.set_user_active(grace, False)
    with pytest.raises(SalesforceApiError) as inactive:
        local.convert_lead(owned)
    assert inactive.value.error_code == "INACTIVE_OWNER_OR_USER"
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 1       # nothing new
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1
    assert sf.Lead.get(lead_id)["IsConverted"] is False
    local.convert_lead(lead_id)
    with pytest.raises(SalesforceApiError) as twice:
        local.convert_lead(lead_id)
    assert twice.value.error_code == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_conversion_needs_the_profiles_permissions(local: LocalOrg, sf: Any) -> None:
    lead_id = _lead(sf)
    local.set_object_access("Standard User", "Opportunity", create=False)
    sofia = local.as_user(SOFIA)
    with pytest.raises(SalesforceApiError) as refused:
        sofia.convert_lead(lead_id)
    assert refused.value.error_code == "INSUFFICIENT_ACCESS_OR_READONLY"
    result = sofia.convert_lead(lead_id, create_opportunity=False)
    assert result.opportunity_id is None


def test_the_control_api_converts_with_salesforces_names(local: LocalOrg, sf: Any) -> None:
    lead_id = _lead(sf)
    answer = requests.post(local.login_url + "/_emulator/convert-lead", json={
        "leadId": lead_id, "convertedStatus": "Closed - Converted",
        "doNotCreateOpportunity": True, "user": SOFIA}, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["success"] is True and body["opportunityId"] is None
    assert body["leadId"] == lead_id
    contact = api(local, "GET", f"{V}/sobjects/Contact/{body['contactId']}").json()
    assert contact["AccountId"] == body["accountId"]
    assert contact["CreatedById"] == local.user(SOFIA).id
    again = requests.post(local.login_url + "/_emulator/convert-lead",
                          json={"leadId": lead_id}, timeout=10)
    assert again.status_code == 400
    assert again.json()[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    missing = requests.post(local.login_url + "/_emulator/convert-lead", json={}, timeout=10)
    assert missing.status_code == 400 and "leadId" in missing.json()["error"]
