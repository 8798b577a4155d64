"""The SOQL engine against the real store: rows written through Org, read back by queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.soql.engine import execute
from flask_sfsync.emulator.store.org import Org

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def org() -> Org:
    org = Org(clock=lambda: NOW)
    admin = org.admin.id
    acme = org.create("Account", {"Name": "Acme", "Industry": "Banking"}, admin)
    org.create("Contact", {"FirstName": "Alice", "LastName": "Smith",
                           "Email": "alice@acme.com", "AccountId": acme,
                           "Birthdate": "1990-01-31"}, admin)
    org.create("Contact", {"LastName": "Jones", "Email": "BOB@example.com"}, admin)
    gone = org.create("Contact", {"LastName": "Gone", "Email": "gone@acme.com",
                                  "AccountId": acme}, admin)
    org.delete(gone, admin)
    lead = org.create("Lead", {"LastName": "Lead", "Company": "Initech",
                               "Email": "lee@initech.com"}, admin)
    org.create("Task", {"Subject": "Call", "WhoId": lead}, admin)
    return org


def test_select_with_parent_and_owner(org: Org) -> None:
    result = execute(org, "SELECT Id, Name, Email, Account.Name, Owner.Email FROM Contact "
                          "ORDER BY LastName")
    assert result.total_size == 2
    jones, smith = result.records(0, 10)
    assert smith["Name"] == "Alice Smith"
    assert smith["Account"]["Name"] == "Acme"
    assert smith["Owner"]["Email"] == org.admin.email
    assert jones["Account"] is None
    assert smith["attributes"]["url"] == f"/services/data/v60.0/sobjects/Contact/{smith['Id']}"


def test_where_on_store_values(org: Org) -> None:
    def count(where: str, include_deleted: bool = False) -> int:
        return execute(org, f"SELECT COUNT() FROM Contact WHERE {where}",
                       now=NOW, include_deleted=include_deleted).total_size

    assert count("Email = 'bob@EXAMPLE.com'") == 1
    assert count("Email LIKE '%@acme.com'") == 1
    assert count("Email LIKE '%@acme.com'", include_deleted=True) == 2
    assert count("IsDeleted = true", include_deleted=True) == 1
    assert count("Birthdate < 2000-01-01") == 1
    assert count("CreatedDate = TODAY") == 2
    assert count("Account.Industry = 'Banking'") == 1


def test_indexed_email_lookup_keeps_soql_semantics(org: Org) -> None:
    def last_names(where: str, include_deleted: bool = False) -> list[str]:
        result = execute(org, f"SELECT LastName FROM Contact WHERE {where} ORDER BY LastName",
                         include_deleted=include_deleted)
        return [r["LastName"] for r in result.records(0, 10)]

    assert last_names("Email = 'Alice@Acme.com'") == ["Smith"]
    assert last_names("Email IN ('alice@acme.com', 'bob@example.com')") == ["Jones", "Smith"]
    assert last_names("Email = 'alice@acme.com' AND LastName = 'Jones'") == []
    assert last_names("Email = 'gone@acme.com'") == []
    assert last_names("Email = 'gone@acme.com'", include_deleted=True) == ["Gone"]
    assert last_names("Email = 'nobody@acme.com'") == []


def test_id_lookup_against_store(org: Org) -> None:
    smith = execute(org, "SELECT Id FROM Contact WHERE LastName = 'Smith'").records(0, 1)[0]
    result = execute(org, f"SELECT LastName FROM Contact WHERE Id = '{smith['Id'][:15]}'")
    assert [r["LastName"] for r in result.records(0, 5)] == ["Smith"]


def test_polymorphic_who_on_store(org: Org) -> None:
    rows = execute(org, "SELECT Subject, Who.Name, Who.Type FROM Task").records(0, 5)
    assert rows[0]["Who"]["Name"] == "Lead"
    assert rows[0]["Who"]["Type"] == "Lead"
    assert rows[0]["Who"]["attributes"]["type"] == "Name"


def test_users_are_queryable(org: Org) -> None:
    result = execute(org, "SELECT Id, Username, IsActive FROM User ORDER BY Username")
    assert result.total_size == len(org.users)


def test_csv_rows_from_store(org: Org) -> None:
    result = execute(org, "SELECT LastName, Account.Name, Birthdate FROM Contact "
                          "ORDER BY LastName")
    assert result.columns == ["LastName", "Account.Name", "Birthdate"]
    assert result.rows(0, 10) == [["Jones", "", ""], ["Smith", "Acme", "1990-01-31"]]


def test_unknown_object_and_field(org: Org) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        execute(org, "SELECT Id FROM Widget__c")
    assert caught.value.error_code == "INVALID_TYPE"
    with pytest.raises(SalesforceApiError) as caught:
        execute(org, "SELECT Id, Foo__c FROM Contact")
    assert caught.value.error_code == "INVALID_FIELD"


def test_tooling_queries(org: Org) -> None:
    org.add_custom_field("Contact", {"FullName": "Contact.Customer_Number__c",
                                     "Metadata": {"type": "Text", "length": 40,
                                                  "label": "Customer Number",
                                                  "externalId": True}})
    result = execute(org, "SELECT Id, DeveloperName FROM CustomField", tooling=True,
                     api_version="59.0")
    record = result.records(0, 10)[0]
    assert record["attributes"]["url"].startswith("/services/data/v59.0/tooling/sobjects/")
    with pytest.raises(SalesforceApiError) as caught:
        execute(org, "SELECT Id FROM Contact", tooling=True)
    assert caught.value.error_code == "INVALID_TYPE"
    rows = execute(org, "SELECT Customer_Number__c FROM Contact").records(0, 10)
    assert rows[0]["Customer_Number__c"] is None


@pytest.mark.parametrize("soql", [
    "SELECT Id, Name, Email, Birthdate, DoNotCall, CreatedDate, Account.Name, "
    "Account.AnnualRevenue, Owner.Name, Owner.IsActive FROM Contact",
    "SELECT Id, Subject, Who.Name, Who.Type, What.Name, Status, IsClosed FROM Task",
    "SELECT Id, Company, Status, LeadSource FROM Lead",
    "SELECT Email, Username, IsActive FROM User",
    "SELECT COUNT(Id) n FROM Contact",
    "SELECT Id FROM Contact WHERE Id = '003000000000000AAA'",
])
def test_page_json_is_exactly_the_json_of_the_records(org: Org, soql: str) -> None:
    """Query pages are written as JSON text cell by cell; it must equal encoding the dicts."""
    org.create("Contact", {"LastName": 'Quote " back\\slash ünï \u2028 {x} \t', "DoNotCall": True,
                           "Email": "odd@example.com"}, org.admin.id)
    result = execute(org, soql, include_deleted=True)
    for start, count in ((0, 2000), (1, 2), (50, 10)):
        text, size = result.records_json(start, count)
        records = result.records(start, count)
        assert size == len(records)
        assert text == json.dumps(records, ensure_ascii=False, separators=(",", ":"))
