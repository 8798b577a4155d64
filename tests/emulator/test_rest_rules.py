"""Issue 2 point 7 over sockets: data rules and system fields, as simple-salesforce sees them.

Every error here is Salesforce's errorCode with its fields list, raised by simple-salesforce
from the instance's JSON; one module-scoped org, so each test uses its own names and e-mails.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from flask_sfsync.emulator.handle import LocalOrg


def rejected(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The one REST error entry of a write Salesforce refuses with 400."""
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        call(*args, **kwargs)
    [entry] = error_body(excinfo)
    return dict(entry)


def test_required_fields_missing(shared_sf: Any) -> None:
    contact = rejected(shared_sf.Contact.create, {"FirstName": "NoLast"})
    assert contact == {"errorCode": "REQUIRED_FIELD_MISSING",
                       "message": "Required fields are missing: [LastName]",
                       "fields": ["LastName"]}
    lead = rejected(shared_sf.Lead.create, {"FirstName": "Nobody"})
    assert lead["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert sorted(lead["fields"]) == ["Company", "LastName"]
    record_id = shared_sf.Contact.create({"LastName": "Keeps"})["id"]
    cleared = rejected(shared_sf.Contact.update, record_id, {"LastName": None})
    assert (cleared["errorCode"], cleared["fields"]) == ("REQUIRED_FIELD_MISSING", ["LastName"])


@pytest.mark.parametrize(
    ("sobject", "body", "code", "fields"),
    [
        ("Contact", {"LastName": "x" * 81}, "STRING_TOO_LONG", ["LastName"]),
        ("Contact", {"LastName": "Mail", "Email": "not-an-address"},
         "INVALID_EMAIL_ADDRESS", ["Email"]),
        ("Event", {"Subject": "Busy?", "DurationInMinutes": 30, "ShowAs": "Sometimes",
                   "ActivityDateTime": "2024-05-01T10:00:00.000+0000"},
         "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["ShowAs"]),
        ("Contact", {"LastName": "Extra", "Nope__c": 1}, "INVALID_FIELD", ["Nope__c"]),
        ("Contact", {"LastName": "Named", "Name": "Full Name"},
         "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"]),
        ("Contact", {"LastName": "Ided", "Id": "003000000000001AAA"},
         "INVALID_FIELD_FOR_INSERT_UPDATE", ["Id"]),
        ("Contact", {"LastName": "Bad", "AccountId": "not-an-id"}, "MALFORMED_ID",
         ["AccountId"]),
        ("Contact", {"LastName": "Nowhere", "AccountId": "001000000000999AAA"},
         "INVALID_CROSS_REFERENCE_KEY", ["AccountId"]),
    ],
)
def test_field_rules(shared_sf: Any, sobject: str, body: dict[str, Any], code: str,
                     fields: list[str]) -> None:
    entry = rejected(getattr(shared_sf, sobject).create, body)
    assert (entry["errorCode"], entry["fields"]) == (code, fields)
    assert entry["message"]


def test_messages_follow_salesforce_wording(shared_sf: Any) -> None:
    too_long = rejected(shared_sf.Contact.create, {"LastName": "y" * 81})
    assert too_long["message"] == f"Last Name: data value too large: {'y' * 81} (max length=80)"
    mail = rejected(shared_sf.Contact.create, {"LastName": "M", "Email": "a@b"})
    assert mail["message"] == "Email: invalid email address: a@b"


def test_deleted_records_are_entity_is_deleted(shared_sf: Any) -> None:
    account = shared_sf.Account.create({"Name": "Binned Inc"})["id"]
    contact = shared_sf.Contact.create({"LastName": "Orphan"})["id"]
    shared_sf.Account.delete(account)
    entry = rejected(shared_sf.Contact.update, contact, {"AccountId": account})
    assert (entry["errorCode"], entry["fields"]) == ("ENTITY_IS_DELETED", ["AccountId"])
    gone = shared_sf.Contact.create({"LastName": "Gone"})["id"]
    shared_sf.Contact.delete(gone)
    with pytest.raises(SalesforceResourceNotFound) as update_deleted:
        shared_sf.Contact.update(gone, {"FirstName": "Again"})
    assert error_body(update_deleted)[0]["errorCode"] == "ENTITY_IS_DELETED"
    with pytest.raises(SalesforceResourceNotFound) as get_deleted:
        shared_sf.Contact.get(gone)
    # Issue 10: a GET of a record in the recycle bin is ENTITY_IS_DELETED, as on Salesforce.
    assert error_body(get_deleted)[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_not_found(shared_sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound) as excinfo:
        shared_sf.Contact.get("003000000000999AAA")
    assert error_body(excinfo) == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    with pytest.raises(SalesforceResourceNotFound):
        shared_sf.Contact.delete("003000000000999AAA")


def test_duplicate_value_on_a_unique_field(shared_sf: Any) -> None:
    shared_sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Account.Code__c",
        "Metadata": {"label": "Code", "type": "Text", "length": 10, "unique": True}})
    first = shared_sf.Account.create({"Name": "One", "Code__c": "C-1"})["id"]
    entry = rejected(shared_sf.Account.create, {"Name": "Two", "Code__c": "c-1"})
    assert (entry["errorCode"], entry["fields"]) == ("DUPLICATE_VALUE", ["Code__c"])
    assert entry["message"].endswith(first)


@pytest.mark.parametrize("sobject", ["Contact", "Lead"])
def test_duplicate_rule_on_email(shared_sf: Any, sobject: str) -> None:
    email = f"dupe.{sobject.lower()}@rules.example.com"
    existing = shared_sf.Contact.create({"LastName": "First", "Email": email})["id"]
    body = {"LastName": "Second", "Email": email, "Company": "Co"}
    if sobject == "Contact":
        del body["Company"]
    entry = rejected(getattr(shared_sf, sobject).create, body)
    assert entry["errorCode"] == "DUPLICATES_DETECTED"
    result = entry["duplicateResult"]
    assert result["allowSave"] is True and result["duplicateRuleEntityType"] == sobject
    matched = [rec["record"]["Id"] for match in result["matchResults"]
               for rec in match["matchRecords"]]
    assert matched == [existing]
    saved = getattr(shared_sf, sobject).create(
        body, headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"})
    assert saved["success"] is True


KEY_PREFIXES = {"Contact": "003", "Lead": "00Q", "Account": "001", "Opportunity": "006",
                "Task": "00T", "Event": "00U"}
BODIES: dict[str, dict[str, Any]] = {
    "Contact": {"LastName": "Sys"},
    "Lead": {"LastName": "Sys", "Company": "Sys Co"},
    "Account": {"Name": "Sys Inc"},
    "Opportunity": {"Name": "Sys deal", "StageName": "Prospecting", "CloseDate": "2030-01-31"},
    "Task": {"Subject": "Call"},
    "Event": {"Subject": "Meet", "DurationInMinutes": 30,
              "ActivityDateTime": "2030-01-31T10:00:00.000+0000"},
}


@pytest.mark.parametrize("sobject", sorted(KEY_PREFIXES))
def test_system_fields(shared_local: LocalOrg, sobject: str) -> None:
    standard = next(u for u in shared_local.org.users if u.is_active and not u.is_admin)
    sf = shared_local.salesforce(user=standard.username)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    record_id = getattr(sf, sobject).create(BODIES[sobject])["id"]
    assert len(record_id) == 18 and record_id.startswith(KEY_PREFIXES[sobject])
    got = getattr(sf, sobject).get(record_id)
    assert got["OwnerId"] == standard.id  # the token's user owns what it creates
    assert got["CreatedById"] == got["LastModifiedById"] == standard.id
    assert got["IsDeleted"] is False
    created = dt.datetime.strptime(got["CreatedDate"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert created >= before
    assert got["CreatedDate"] == got["LastModifiedDate"] == got["SystemModstamp"]
    users = sf.query(f"SELECT Id FROM User WHERE Id = '{standard.id}'")["records"]
    assert users[0]["Id"].startswith("005")


def test_recycle_bin_is_seen_by_query_all(shared_sf: Any) -> None:
    record_id = shared_sf.Lead.create({"LastName": "Binned", "Company": "Bin Co"})["id"]
    shared_sf.Lead.delete(record_id)
    soql = f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{record_id}'"
    assert shared_sf.query(soql)["totalSize"] == 0
    assert shared_sf.query_all(soql, include_deleted=True)["records"][0]["IsDeleted"] is True
