"""The local org's data layer: records, system fields and Salesforce's data rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.store.org import MultipleMatchesError, Org


@pytest.fixture
def org() -> Org:
    return Org()


@pytest.fixture
def admin(org: Org) -> str:
    return org.admin.id


def error_of(call: Any, *args: Any, **kwargs: Any) -> SalesforceApiError:
    with pytest.raises(SalesforceApiError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_create_keeps_system_fields_as_salesforce_does(org: Org, admin: str) -> None:
    standard = org.users[1].id
    contact_id = org.create("Contact", {"FirstName": "Ada", "LastName": "Lovelace"}, standard)

    assert len(contact_id) == 18 and contact_id.startswith("003")
    row = org.get_record(contact_id)
    assert row is not None and row[0] == "Contact"
    record = row[1]
    assert record["Name"] == "Ada Lovelace"
    assert record["OwnerId"] == record["CreatedById"] == record["LastModifiedById"] == standard
    assert record["IsDeleted"] is False
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]
    assert record["CreatedDate"].tzinfo is not None


def test_get_returns_rest_json_with_attributes(org: Org, admin: str) -> None:
    contact_id = org.create("Contact", {"LastName": "Hopper", "Birthdate": "1906-12-09"}, admin)

    body = org.get("contact", contact_id, ["LastName", "Birthdate", "CreatedDate"])

    assert body["attributes"] == {"type": "Contact",
                                  "url": f"/services/data/v60.0/sobjects/Contact/{contact_id}"}
    assert body["Birthdate"] == "1906-12-09"
    assert body["CreatedDate"].endswith("+0000") and len(body["CreatedDate"]) == 28
    assert set(body) == {"attributes", "LastName", "Birthdate", "CreatedDate"}


def test_ids_are_accepted_in_their_15_character_form(org: Org, admin: str) -> None:
    contact_id = org.create("Contact", {"LastName": "Short"}, admin)

    org.update("Contact", contact_id[:15], {"Title": "CTO"}, admin)

    assert org.get("Contact", contact_id[:15])["Title"] == "CTO"


def test_update_moves_system_modstamp_and_keeps_created_date(admin: str) -> None:
    moments = iter(dt.datetime(2024, 5, 1, 10, minute, tzinfo=dt.UTC) for minute in range(60))
    org = Org(clock=lambda: next(moments))
    contact_id = org.create("Contact", {"LastName": "Turing"}, org.admin.id)

    org.update("Contact", contact_id, {"Email": "alan@example.com"}, org.users[2].id)

    record = dict(org.get_record(contact_id)[1])  # type: ignore[index]
    assert record["SystemModstamp"] > record["CreatedDate"]
    assert record["LastModifiedById"] == org.users[2].id
    assert record["CreatedById"] == org.admin.id


@pytest.mark.parametrize(("sobject", "fields", "missing"), [
    ("Contact", {"FirstName": "No"}, ["LastName"]),
    ("Lead", {"FirstName": "No"}, ["LastName", "Company"]),
    ("Account", {"Phone": "1"}, ["Name"]),
    ("Opportunity", {"Amount": 5}, ["Name", "StageName", "CloseDate"]),
])
def test_required_fields(org: Org, admin: str, sobject: str, fields: dict[str, Any],
                         missing: list[str]) -> None:
    error = error_of(org.create, sobject, fields, admin)

    assert error.error_code == "REQUIRED_FIELD_MISSING"
    assert sorted(error.fields) == sorted(missing)
    assert error.message.startswith("Required fields are missing: [")


def test_clearing_a_required_field_on_update_is_refused(org: Org, admin: str) -> None:
    contact_id = org.create("Contact", {"LastName": "Keep"}, admin)

    error = error_of(org.update, "Contact", contact_id, {"LastName": None}, admin)

    assert (error.error_code, error.fields) == ("REQUIRED_FIELD_MISSING", ["LastName"])


@pytest.mark.parametrize(("fields", "code", "message"), [
    ({"LastName": "x" * 81}, "STRING_TOO_LONG",
     "Last Name: data value too large: " + "x" * 81 + " (max length=80)"),
    ({"LastName": "A", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS",
     "Email: invalid email address: not-an-email"),
    ({"LastName": "A", "Shoe__c": 1}, "INVALID_FIELD",
     "No such column 'Shoe__c' on sobject of type Contact"),
    ({"LastName": "A", "AccountId": "nonsense"}, "MALFORMED_ID",
     "Account ID: id value of incorrect type: nonsense"),
    ({"LastName": "A", "AccountId": "001000000000000AAA"}, "INVALID_CROSS_REFERENCE_KEY",
     "invalid cross reference id"),
    ({"LastName": "A", "Birthdate": "yesterday"}, "INVALID_TYPE_ON_FIELD_IN_RECORD",
     "Birthdate: value not of required type: yesterday"),
])
def test_field_rules(org: Org, admin: str, fields: dict[str, Any], code: str,
                     message: str) -> None:
    error = error_of(org.create, "Contact", fields, admin)

    assert (error.error_code, error.message) == (code, message)
    assert error.status == 400


def test_read_only_fields_cannot_be_written(org: Org, admin: str) -> None:
    error = error_of(org.create, "Contact", {"LastName": "A", "Name": "X", "CreatedDate": None},
                     admin)

    assert error.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error.fields == ["Name", "CreatedDate"]
    assert error.message.startswith("Unable to create/update fields: Name, CreatedDate.")


def test_reference_to_the_wrong_object(org: Org, admin: str) -> None:
    other = org.create("Contact", {"LastName": "Boss"}, admin)

    error = error_of(org.create, "Contact", {"LastName": "A", "AccountId": other}, admin)

    assert error.error_code == "FIELD_INTEGRITY_EXCEPTION"
    assert error.message == f"Account ID: id value of incorrect type: {other}"


def test_reference_to_a_deleted_record(org: Org, admin: str) -> None:
    account_id = org.create("Account", {"Name": "Gone"}, admin)
    org.delete(account_id, admin)

    error = error_of(org.create, "Contact", {"LastName": "A", "AccountId": account_id}, admin)

    assert error.error_code == "ENTITY_IS_DELETED"


def test_inactive_owner_is_refused(org: Org, admin: str) -> None:
    inactive = next(u for u in org.users if not u.is_active)

    error = error_of(org.create, "Lead", {"LastName": "A", "Company": "B",
                                          "OwnerId": inactive.id}, admin)

    assert error.error_code == "INACTIVE_OWNER_OR_USER"


def test_restricted_picklist(org: Org, admin: str) -> None:
    error = error_of(org.create, "Task", {"Subject": "x", "TaskSubtype": "Fax"}, admin)

    assert error.error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert error.message == "Task Subtype: bad value for restricted picklist field: Fax"


def test_unrestricted_picklist_keeps_new_values_and_defaults_apply(org: Org, admin: str) -> None:
    lead_id = org.create("Lead", {"LastName": "A", "Company": "B", "Industry": "Space"}, admin)

    body = org.get("Lead", lead_id, ["Status", "Industry", "IsConverted"])

    assert (body["Status"], body["Industry"]) == ("Open - Not Contacted", "Space")
    assert body["IsConverted"] is False


def test_relationship_external_id_names_the_parent(org: Org, admin: str) -> None:
    org.add_custom_field("Account", {"FullName": "Account.Key__c", "Metadata": {
        "label": "Key", "type": "Text", "length": 20, "externalId": True}})
    account_id = org.create("Account", {"Name": "Acme", "Key__c": "A-1"}, admin)

    contact_id = org.create("Contact", {"LastName": "A", "Account": {"Key__c": "a-1"}}, admin)

    assert org.get("Contact", contact_id)["AccountId"] == account_id


def test_derived_activity_and_opportunity_fields(org: Org, admin: str) -> None:
    account_id = org.create("Account", {"Name": "Acme"}, admin)
    contact_id = org.create("Contact", {"LastName": "A", "AccountId": account_id}, admin)
    task_id = org.create("Task", {"Subject": "Call", "WhoId": contact_id,
                                  "Status": "Completed"}, admin)
    event_id = org.create("Event", {"Subject": "Meet", "StartDateTime": "2024-05-01T10:00:00Z",
                                    "DurationInMinutes": 45}, admin)
    opp_id = org.create("Opportunity", {"Name": "Deal", "StageName": "Closed Won",
                                        "CloseDate": "2024-06-30", "Amount": 1000}, admin)

    task = org.get("Task", task_id)
    assert (task["IsClosed"], task["Priority"], task["AccountId"]) == (True, "Normal", account_id)
    assert org.get("Event", event_id)["EndDateTime"] == "2024-05-01T10:45:00.000+0000"
    opp = org.get("Opportunity", opp_id)
    assert (opp["IsWon"], opp["IsClosed"], opp["Probability"]) == (True, True, 100.0)


# --- delete and the recycle bin -------------------------------------------------------------

def test_delete_moves_the_record_to_the_recycle_bin(org: Org, admin: str) -> None:
    contact_id = org.create("Contact", {"LastName": "Bin"}, admin)

    org.delete(contact_id, admin)

    assert [r["Id"] for r in org.scan("Contact")] == []
    binned = [r for r in org.scan("Contact", include_deleted=True)]
    assert [(r["Id"], r["IsDeleted"]) for r in binned] == [(contact_id, True)]
    assert error_of(org.get, "Contact", contact_id).error_code == "NOT_FOUND"
    assert error_of(org.update, "Contact", contact_id, {"Title": "x"}, admin).error_code == \
        "ENTITY_IS_DELETED"
    assert error_of(org.delete, contact_id, admin).error_code == "ENTITY_IS_DELETED"


def test_deleting_an_account_deletes_its_contacts(org: Org, admin: str) -> None:
    account_id = org.create("Account", {"Name": "Parent"}, admin)
    contact_id = org.create("Contact", {"LastName": "Child", "AccountId": account_id}, admin)

    org.delete(account_id, admin)

    assert org.get_record(contact_id)[1]["IsDeleted"] is True  # type: ignore[index]


@pytest.mark.parametrize(("record_id", "code", "status"), [
    ("bogus", "MALFORMED_ID", 400),
    ("003000000000000AAA", "NOT_FOUND", 404),
])
def test_delete_of_unknown_ids(org: Org, admin: str, record_id: str, code: str,
                               status: int) -> None:
    error = error_of(org.delete, record_id, admin)

    assert (error.error_code, error.status) == (code, status)


def test_update_with_an_id_of_another_object(org: Org, admin: str) -> None:
    account_id = org.create("Account", {"Name": "Acme"}, admin)

    error = error_of(org.update, "Contact", account_id, {"Title": "x"}, admin)

    assert error.error_code == "MALFORMED_ID"
    assert error.message == f"Contact ID: id value of incorrect type: {account_id}"


# --- duplicate rule -------------------------------------------------------------------------

def test_duplicate_rule_matches_contacts_and_leads_by_email(org: Org, admin: str) -> None:
    contact_id = org.create("Contact", {"LastName": "A", "Email": "Same@Example.com"}, admin)

    error = error_of(org.create, "Lead", {"LastName": "B", "Company": "C",
                                          "Email": "same@example.COM"}, admin)

    assert (error.error_code, error.message) == ("DUPLICATES_DETECTED",
                                                 "Use one of these records?")
    result = error.as_rest()[0]["duplicateResult"]
    assert result["allowSave"] is True
    assert result["duplicateRule"] == "Standard_Lead_Duplicate_Rule"
    assert result["duplicateRuleEntityType"] == "Lead"
    [match] = result["matchResults"]
    assert match["entityType"] == "Contact" and match["size"] == 1
    assert match["matchRecords"][0]["record"]["Id"] == contact_id
    assert "matchConfidence" in match["matchRecords"][0]


def test_allow_duplicates_bypasses_the_rule(org: Org, admin: str) -> None:
    org.create("Contact", {"LastName": "A", "Email": "twin@example.com"}, admin)

    second = org.create("Contact", {"LastName": "B", "Email": "twin@example.com"}, admin,
                        allow_duplicates=True)

    assert org.get("Contact", second)["Email"] == "twin@example.com"


def test_edits_do_not_alert_and_deleted_records_do_not_match(org: Org, admin: str) -> None:
    first = org.create("Contact", {"LastName": "A", "Email": "one@example.com"}, admin)
    second = org.create("Contact", {"LastName": "B", "Email": "two@example.com"}, admin)

    org.update("Contact", second, {"Email": "one@example.com"}, admin)
    org.delete(first, admin)
    org.delete(second, admin)

    assert org.create("Contact", {"LastName": "C", "Email": "one@example.com"}, admin)


# --- upsert ---------------------------------------------------------------------------------

@pytest.fixture
def ext_org(org: Org) -> Org:
    org.add_custom_field("Contact", {"FullName": "Contact.App_Id__c", "Metadata": {
        "label": "App Id", "type": "Text", "length": 36, "externalId": True, "unique": True}})
    org.add_custom_field("Contact", {"FullName": "Contact.Legacy_Id__c", "Metadata": {
        "label": "Legacy", "type": "Text", "length": 36, "externalId": True}})
    return org


def test_upsert_creates_then_updates(ext_org: Org, admin: str) -> None:
    record_id, created = ext_org.upsert("Contact", "App_Id__c", "u-1", {"LastName": "A"}, admin)
    again, created_again = ext_org.upsert("Contact", "app_id__c", "U-1", {"LastName": "B"},
                                          admin)

    assert (created, created_again, again) == (True, False, record_id)
    assert ext_org.get("Contact", record_id, ["LastName", "App_Id__c"])["App_Id__c"] == "u-1"
    assert ext_org.get("Contact", record_id)["LastName"] == "B"


def test_upsert_with_the_key_repeated_in_the_body(ext_org: Org, admin: str) -> None:
    record_id, _ = ext_org.upsert("Contact", "App_Id__c", "u-2",
                                  {"LastName": "A", "App_Id__c": "u-2"}, admin)

    assert ext_org.get("Contact", record_id)["App_Id__c"] == "u-2"


def test_upsert_with_several_matches_is_a_300(ext_org: Org, admin: str) -> None:
    first = ext_org.create("Contact", {"LastName": "A", "Legacy_Id__c": "L"}, admin)
    second = ext_org.create("Contact", {"LastName": "B", "Legacy_Id__c": "L"}, admin)

    with pytest.raises(MultipleMatchesError) as caught:
        ext_org.upsert("Contact", "Legacy_Id__c", "L", {"Title": "x"}, admin)

    assert caught.value.status == 300
    assert caught.value.urls("/services/data/v59.0") == [
        f"/services/data/v59.0/sobjects/Contact/{first}",
        f"/services/data/v59.0/sobjects/Contact/{second}"]


def test_upsert_on_an_unknown_or_plain_field_is_a_404(ext_org: Org, admin: str) -> None:
    for name in ("Nope__c", "LastName"):
        error = error_of(ext_org.upsert, "Contact", name, "x", {"LastName": "A"}, admin)
        assert (error.status, error.error_code) == (404, "NOT_FOUND")
        assert error.message == (
            f"Provided external ID field does not exist or is not accessible: {name}")


def test_upsert_by_id_and_by_email(ext_org: Org, admin: str) -> None:
    record_id, created = ext_org.upsert("Contact", "Id", None, {"LastName": "A",
                                                                "Email": "e@example.com"}, admin)
    _, created_by_id = ext_org.upsert("Contact", "Id", record_id, {"Title": "CEO"}, admin)
    _, created_by_email = ext_org.upsert("Contact", "Email", "E@example.com", {"Title": "CFO"},
                                         admin)

    assert (created, created_by_id, created_by_email) == (True, False, False)
    assert ext_org.get("Contact", record_id)["Title"] == "CFO"


def test_unique_field_refuses_a_second_value(ext_org: Org, admin: str) -> None:
    first = ext_org.create("Contact", {"LastName": "A", "App_Id__c": "k"}, admin)

    error = error_of(ext_org.create, "Contact", {"LastName": "B", "App_Id__c": "K"}, admin)

    assert error.error_code == "DUPLICATE_VALUE"
    assert error.message == (
        f"duplicate value found: App_Id__c duplicates value on record with id: {first}")


def test_users_and_authentication(org: Org) -> None:
    admin = org.users[0]
    inactive = next(u for u in org.users if not u.is_active)

    assert org.authenticate(admin.username.upper(), admin.password) is admin
    assert org.authenticate(admin.username, "wrong") is None
    assert org.authenticate(inactive.username, inactive.password) is None
    assert len({u.email for u in org.users}) == len(org.users) >= 5
    emails = {r["Email"] for r in org.scan("User")}
    assert admin.email in emails


# --- transactions (allOrNone) ---------------------------------------------------------------

def test_transaction_rolls_back_creates_updates_and_deletes(ext_org: Org, admin: str) -> None:
    org = ext_org
    kept = org.create("Contact", {"LastName": "Kept", "App_Id__c": "k", "Email": "k@x.io"}, admin)
    account_id = org.create("Account", {"Name": "Parent"}, admin)
    child = org.create("Contact", {"LastName": "Child", "AccountId": account_id}, admin)
    before = org.get("Contact", kept)

    with pytest.raises(SalesforceApiError), org.transaction():
        org.create("Contact", {"LastName": "New", "App_Id__c": "n"}, admin)
        org.update("Contact", kept, {"LastName": "Changed", "App_Id__c": "k2"}, admin)
        org.delete(account_id, admin)
        org.create("Contact", {"FirstName": "no last name"}, admin)

    assert org.get("Contact", kept) == before
    assert org.count("Contact") == 2 and org.get("Contact", child)["IsDeleted"] is False
    assert org.upsert("Contact", "App_Id__c", "k", {"Title": "x"}, admin) == (kept, False)
    assert org.find_by_key("Contact", "App_Id__c", "n") == []
    assert org.find_by_key("Contact", "App_Id__c", "k2") == []
    again = org.create("Contact", {"LastName": "After"}, admin)
    assert again not in (kept, child)


def test_transaction_keeps_writes_when_the_block_succeeds(org: Org, admin: str) -> None:
    with org.transaction():
        record_id = org.create("Contact", {"LastName": "Stays"}, admin)

    assert org.get("Contact", record_id)["LastName"] == "Stays"
