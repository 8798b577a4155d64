"""Issue 10 point 3: who may see and do what, through a standard user's own token.

A profile's field-level security and object permissions show where Salesforce shows them:
describe, SOQL, record reads, writes, sObject Collections; an inactive owner is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from emulator_support import V, error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from flask_sfsync.emulator.handle import LocalOrg

SOFIA = "sofia.alvarez@emulator.example.com"
GRACE = "grace.okafor@emulator.example.com"


@pytest.fixture
def restricted(local: LocalOrg) -> LocalOrg:
    """Standard users: Contact.Phone hidden, Contact.Title read-only, Leads read-only."""
    local.set_field_access("Standard User", "Contact", "Phone", "hidden")
    local.set_field_access("Standard User", "Contact", "Title", "read_only")
    local.set_object_access("Standard User", "Lead", create=False, edit=False)
    return local


def test_describe_as_a_standard_user_omits_hidden_and_marks_read_only_fields(
        restricted: LocalOrg) -> None:
    fields = {f["name"]: f for f in restricted.salesforce(SOFIA).Contact.describe()["fields"]}
    assert "Phone" not in fields
    assert (fields["Title"]["createable"], fields["Title"]["updateable"]) == (False, False)
    assert (fields["Email"]["createable"], fields["Email"]["updateable"]) == (True, True)
    admin = {f["name"]: f for f in restricted.salesforce().Contact.describe()["fields"]}
    assert "Phone" in admin and admin["Title"]["updateable"] is True
    lead = restricted.salesforce(SOFIA).Lead.describe()
    assert (lead["createable"], lead["updateable"], lead["deletable"]) == (False, False, False)
    entry = {o["name"]: o for o in restricted.salesforce(SOFIA).describe()["sobjects"]}["Lead"]
    assert entry["createable"] is False and entry["queryable"] is True


def test_hidden_fields_fail_queries_and_are_left_out_of_reads(restricted: LocalOrg) -> None:
    admin, sofia = restricted.salesforce(), restricted.salesforce(SOFIA)
    contact = admin.Contact.create({"LastName": "Hidden", "Phone": "555", "Title": "CTO"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sofia.query("SELECT Id, Phone FROM Contact")
    [entry] = error_body(refused)
    assert entry["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Phone' on entity 'Contact'" in entry["message"]
    with pytest.raises(SalesforceMalformedRequest):
        sofia.query("SELECT Id FROM Contact WHERE Phone = '555'")
    assert sofia.query("SELECT Id, Title FROM Contact")["records"][0]["Title"] == "CTO"
    record = sofia.Contact.get(contact)
    assert "Phone" not in record and record["Title"] == "CTO"
    assert "Phone" in admin.Contact.get(contact)
    named = requests.get(f"{restricted.instance_url}{V}/sobjects/Contact/{contact}",
                         params={"fields": "LastName,Phone"}, verify=restricted.ca_bundle,
                         headers={"Authorization": "Bearer " + restricted.issue_token(SOFIA)[
                             "access_token"]}, timeout=10)
    assert named.status_code == 400 and named.json()[0]["errorCode"] == "INVALID_FIELD"
    # Relationship paths check the parent's fields too.
    admin.Contact.create({"LastName": "Child", "ReportsToId": contact})
    with pytest.raises(SalesforceMalformedRequest):
        sofia.query("SELECT Id, ReportsTo.Phone FROM Contact")


def test_writes_to_hidden_or_read_only_fields_fail_as_salesforce_fails_them(
        restricted: LocalOrg) -> None:
    sofia = restricted.salesforce(SOFIA)
    with pytest.raises(SalesforceMalformedRequest) as read_only:
        sofia.Contact.create({"LastName": "Writer", "Title": "CEO"})
    [entry] = error_body(read_only)
    assert entry["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert entry["fields"] == ["Title"]
    assert "Unable to create/update fields: Title" in entry["message"]
    with pytest.raises(SalesforceMalformedRequest) as hidden:
        sofia.Contact.create({"LastName": "Writer", "Phone": "1"})
    assert error_body(hidden)[0]["errorCode"] == "INVALID_FIELD"
    contact = sofia.Contact.create({"LastName": "Writer"})["id"]
    results = sofia.restful("composite/sobjects", method="PATCH", json={"records": [
        {"attributes": {"type": "Contact"}, "Id": contact, "Title": "CEO"},
        {"attributes": {"type": "Contact"}, "Id": contact, "Email": "w@example.com"}]})
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert results[1]["success"] is True


def test_object_permissions(restricted: LocalOrg) -> None:
    admin, sofia = restricted.salesforce(), restricted.salesforce(SOFIA)
    lead = admin.Lead.create({"LastName": "Read", "Company": "Only"})["id"]
    assert sofia.Lead.get(lead)["LastName"] == "Read"
    for call in (lambda: sofia.Lead.create({"LastName": "No", "Company": "C"}),
                 lambda: sofia.Lead.update(lead, {"LastName": "No"}),
                 lambda: sofia.Lead.delete(lead)):
        with pytest.raises(SalesforceMalformedRequest) as refused:
            call()
        assert error_body(refused) == [{"message": "insufficient access rights on object id",
                                        "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY"}]
    restricted.set_object_access("Standard User", "Lead", read=False)
    with pytest.raises(SalesforceResourceNotFound):
        sofia.Lead.describe()
    with pytest.raises(SalesforceResourceNotFound):
        sofia.Lead.get(lead)
    with pytest.raises(SalesforceMalformedRequest) as soql:
        sofia.query("SELECT Id FROM Lead")
    assert error_body(soql)[0]["errorCode"] == "INVALID_TYPE"
    assert "Lead" not in {o["name"] for o in sofia.describe()["sobjects"]}
    assert "Lead" in {o["name"] for o in admin.describe()["sobjects"]}


def test_an_inactive_owner_is_refused(local: LocalOrg, sf: Any) -> None:
    grace = local.user(GRACE)
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Contact.create({"LastName": "Orphan", "OwnerId": grace.id})
    assert error_body(refused) == [{
        "message": f"operation performed with inactive user [{grace.id}] as owner of contact",
        "errorCode": "INACTIVE_OWNER_OR_USER", "fields": ["OwnerId"]}]
    sofia = local.user(SOFIA)
    contact = sf.Contact.create({"LastName": "Owned", "OwnerId": sofia.id})["id"]
    answer = requests.post(f"{local.login_url}/_emulator/users/{SOFIA}",
                           json={"active": False}, timeout=10)
    assert answer.json()["active"] is False
    with pytest.raises(SalesforceMalformedRequest) as again:
        sf.Account.create({"Name": "Owned", "OwnerId": sofia.id})
    assert error_body(again)[0]["errorCode"] == "INACTIVE_OWNER_OR_USER"
    assert sf.query(f"SELECT IsActive FROM User WHERE Id = '{sofia.id}'")["records"][0][
        "IsActive"] is False
    assert sf.Contact.get(contact)["OwnerId"] == sofia.id


def test_profiles_through_the_control_api(local: LocalOrg) -> None:
    control = local.login_url + "/_emulator"
    added = requests.post(f"{control}/profiles", json={"name": "Sync User"}, timeout=10)
    assert "Sync User" in {p["name"] for p in added.json()}
    changed = requests.post(f"{control}/profiles/Sync User", json={
        "objects": {"Account": {"delete": False}},
        "fields": {"Contact.Email": "read_only", "Contact.Birthdate": "hidden"}},
        timeout=10).json()
    assert changed["objects"]["Account"] == {"read": True, "create": True, "edit": True,
                                             "delete": False}
    assert changed["fields"] == {"Contact.email": "read_only", "Contact.birthdate": "hidden"}
    assigned = requests.post(f"{control}/users/{SOFIA}", json={"profile": "Sync User"},
                             timeout=10)
    assert assigned.json()["profile"] == "Sync User"
    fields = {f["name"]: f for f in local.salesforce(SOFIA).Contact.describe()["fields"]}
    assert "Birthdate" not in fields and fields["Email"]["updateable"] is False
    # Salesforce offers no field-level security on required fields.
    bad = requests.post(f"{control}/profiles/Sync User",
                        json={"fields": {"Contact.LastName": "hidden"}}, timeout=10)
    assert bad.status_code == 400 and "required" in bad.json()["error"]
    unknown = requests.post(f"{control}/profiles/Nobody", json={}, timeout=10)
    assert unknown.status_code == 400
