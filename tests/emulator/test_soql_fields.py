"""Issue 10 point 2: FIELDS(STANDARD|CUSTOM|ALL) over sockets (SOQL and SOSL Reference,
"FIELDS()": ALL and CUSTOM are unbounded and need LIMIT n, n <= 200; a field named twice is
"duplicate field selected"; the user's field-level security applies)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import V, api, error_body, wait_for_job
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.emulator.store.access import STANDARD_USER

LIMIT_MESSAGE = "The SOQL FIELDS function must have a LIMIT of at most 200"


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        sf: Any = local.salesforce()
        sf.toolingexecute("sobjects/CustomField", method="POST", data={
            "FullName": "Contact.Tier__c", "Metadata": {"label": "Tier", "type": "Text",
                                                      "length": 10}})
        sf.Contact.create({"LastName": "Fielded", "Email": "f@example.com", "Tier__c": "Gold",
                           "Title": "CEO"})
        yield local


@pytest.fixture
def sf(org: LocalOrg) -> Any:
    return org.salesforce()


def described(sf: Any, custom: bool | None = None) -> list[str]:
    return [f["name"] for f in sf.Contact.describe()["fields"]
            if custom is None or f["custom"] is custom]


def test_standard_is_bounded_and_in_describe_order(sf: Any) -> None:
    record = sf.query("SELECT FIELDS(STANDARD) FROM Contact")["records"][0]
    assert [k for k in record if k != "attributes"] == described(sf, custom=False)
    assert record["Email"] == "f@example.com" and "Tier__c" not in record


def test_custom_and_all_need_a_limit_of_at_most_200(sf: Any) -> None:
    record = sf.query("SELECT FIELDS(CUSTOM) FROM Contact LIMIT 200")["records"][0]
    assert [k for k in record if k != "attributes"] == ["Tier__c"]
    every = sf.query("SELECT FIELDS(ALL) FROM Contact LIMIT 1")["records"][0]
    assert [k for k in every if k != "attributes"] == described(sf)
    for soql in ("SELECT FIELDS(ALL) FROM Contact", "SELECT FIELDS(CUSTOM) FROM Contact "
                 "LIMIT 201"):
        with pytest.raises(SalesforceMalformedRequest) as excinfo:
            sf.query(soql)
        entry = error_body(excinfo)[0]
        assert entry["errorCode"] == "MALFORMED_QUERY" and LIMIT_MESSAGE in entry["message"]


def test_mixed_with_names_and_duplicates(sf: Any) -> None:
    record = sf.query("SELECT Tier__c, FIELDS(STANDARD) FROM Contact")["records"][0]
    assert list(record)[:3] == ["attributes", "Tier__c", "Id"]
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query("SELECT Id, FIELDS(ALL) FROM Contact LIMIT 200")
    assert error_body(excinfo) == [{"message": "duplicate field selected: Id",
                                    "errorCode": "INVALID_FIELD"}]


def test_field_level_security_applies(org: LocalOrg) -> None:
    org.org.set_field_access(STANDARD_USER, "Contact", "Title", "hidden")
    try:
        standard: Any = org.salesforce(user=org.org.users[1])
        record = standard.query("SELECT FIELDS(STANDARD) FROM Contact")["records"][0]
        assert "Title" not in record and "Email" in record
        admin = org.salesforce().query("SELECT FIELDS(STANDARD) FROM Contact")["records"][0]
        assert admin["Title"] == "CEO"
    finally:
        org.org.set_field_access(STANDARD_USER, "Contact", "Title", "edit")


def test_bulk_query_takes_standard_only(org: LocalOrg) -> None:
    refused = api(org, "POST", f"{V}/jobs/query", json={
        "operation": "query", "query": "SELECT FIELDS(ALL) FROM Contact LIMIT 200"})
    assert refused.status_code == 400
    assert "unbounded set of fields" in refused.json()[0]["message"]
    job = api(org, "POST", f"{V}/jobs/query", json={
        "operation": "query", "query": "SELECT FIELDS(STANDARD) FROM Contact"})
    assert wait_for_job(org, job.json()["id"], "query")["state"] == "JobComplete"
    csv = api(org, "GET", f"{V}/jobs/query/{job.json()['id']}/results").text
    header = csv.splitlines()[0].replace('"', "").split(",")
    # The parts of the addresses, not the compound fields Bulk API 2.0 cannot return.
    assert "MailingCity" in header and "MailingAddress" not in header
    assert "Tier__c" not in header and "Email" in header
