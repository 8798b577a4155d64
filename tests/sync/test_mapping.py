"""The default field mapping and the fingerprint (no server needed)."""

from __future__ import annotations

import datetime as dt

from flask_sfsync.sync.mapping import map_contact
from flask_sfsync.sync.mapping.fingerprint import fingerprint
from flask_sfsync.sync.push.settings import PushSettings
from flask_sfsync.sync.records import HostContact

FULL: HostContact = {
    "id": "7",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 1234",
    "title": "Analyst",
    "company": "Engines Ltd",
    "stage": "qualified",
    "meeting_date": dt.date(2024, 5, 1),
    "notes": "Met at the expo",
    "tags": ["vip", "", "math"],
    "additional_phones": ["+1 555", "+1 556"],
}


def test_lead_fields() -> None:
    settings = PushSettings(lead_source="Host CRM", stage_map={"qualified": "Working - Contacted"})
    assert map_contact(FULL, "Lead", settings) == {
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Email": "ada@example.org",
        "Phone": "+44 20 1234",
        "Title": "Analyst",
        "Company": "Engines Ltd",
        "Status": "Working - Contacted",
        "LeadSource": "Host CRM",
        "SFSync_Meeting_Date__c": "2024-05-01",
        "SFSync_Notes__c": "Met at the expo",
        "SFSync_Tags__c": "vip; math",
        "SFSync_Additional_Phones__c": "+1 555, +1 556",
    }


def test_contact_has_no_company_or_status_field() -> None:
    fields = map_contact(FULL, "Contact", PushSettings(stage_map={"qualified": "Working"}))
    assert "Company" not in fields and "Status" not in fields
    assert fields["LastName"] == "Lovelace"


def test_fields_the_org_lacks_are_skipped() -> None:
    available = {"firstname", "lastname", "email", "company"}
    fields = map_contact(FULL, "Lead", PushSettings(), available=available)
    assert set(fields) == {"FirstName", "LastName", "Email", "Company"}


def test_empty_values_never_blank_salesforce_unless_asked() -> None:
    sparse: HostContact = {"id": "1", "last_name": "Byron", "email": "  ", "phone": None,
                           "title": "", "tags": []}
    plain = PushSettings(lead_company_placeholder=None)
    assert map_contact(sparse, "Lead", plain) == {"LastName": "Byron"}
    clearing = PushSettings(clear_when_empty=frozenset({"Phone", "Title"}),
                            lead_company_placeholder=None)
    assert map_contact(sparse, "Lead", clearing) == {
        "LastName": "Byron", "Phone": None, "Title": None,
    }


def test_unmapped_host_fields_are_never_written_and_values_go_as_is() -> None:
    contact = dict(FULL, secret_score=99, title="x" * 300, email="not-an-email")
    fields = map_contact(contact, "Lead", PushSettings())
    assert 99 not in fields.values()
    assert fields["Title"] == "x" * 300  # Salesforce says STRING_TOO_LONG, not us
    assert fields["Email"] == "not-an-email"


def test_field_map_changes_the_defaults() -> None:
    settings = PushSettings(field_map={"Lead": {"rating": "Rating", "phone": "MobilePhone",
                                                "notes": ""}})
    contact = dict(FULL, rating="Hot")
    fields = map_contact(contact, "Lead", settings)
    assert fields["Rating"] == "Hot"
    assert fields["MobilePhone"] == "+44 20 1234" and "Phone" not in fields
    assert "SFSync_Notes__c" not in fields
    assert "Rating" not in map_contact(contact, "Contact", settings)


def test_fingerprint_is_stable_and_sensitive() -> None:
    a = fingerprint("Lead", {"LastName": "X", "Email": "x@y.z"}, owner="o@y.z")
    assert a == fingerprint("Lead", {"Email": "x@y.z", "LastName": "X"}, owner="o@y.z")
    assert a != fingerprint("Contact", {"LastName": "X", "Email": "x@y.z"}, owner="o@y.z")
    assert a != fingerprint("Lead", {"LastName": "Y", "Email": "x@y.z"}, owner="o@y.z")
    assert a != fingerprint("Lead", {"LastName": "X", "Email": "x@y.z"}, owner="p@y.z")
    assert len(a) == 64


def test_a_lead_without_company_gets_the_placeholder_unless_turned_off() -> None:
    nameless: HostContact = {"id": "1", "last_name": "Solo", "company": " "}
    assert map_contact(nameless, "Lead", PushSettings())["Company"] == "[not provided]"
    assert "Company" not in map_contact(nameless, "Contact", PushSettings())
    off = PushSettings(lead_company_placeholder=None)
    assert "Company" not in map_contact(nameless, "Lead", off)
