"""Issue 2 point 4, SOQL: the query features integrations use, through simple-salesforce's
query / query_all over sockets (the engine's own tests are test_soql_*.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def org() -> Iterator[tuple[LocalOrg, dict[str, str]]]:
    """Two accounts, four contacts (one deleted), written through the API."""
    with LocalOrg() as local:
        sf: Any = local.salesforce()
        acme = sf.Account.create({"Name": "Acme", "Industry": "Banking"})["id"]
        globex = sf.Account.create({"Name": "Globex", "Industry": "Energy"})["id"]
        ids = {"acme": acme, "globex": globex}
        for key, body in {
            "ann": {"FirstName": "Ann", "LastName": "Alpha", "Email": "ann@acme.test",
                    "AccountId": acme, "Birthdate": "1990-01-15", "DoNotCall": True},
            "bob": {"FirstName": "Bob", "LastName": "Beta", "Email": "bob@globex.test",
                    "AccountId": globex, "Birthdate": "1985-06-01"},
            "gil": {"LastName": "Gamma"},
            "dan": {"FirstName": "Dan", "LastName": "Delta", "Email": "dan@acme.test",
                    "AccountId": acme},
        }.items():
            ids[key] = sf.Contact.create(body)["id"]
        sf.Contact.delete(ids["dan"])
        yield local, ids


@pytest.fixture
def sf(org: tuple[LocalOrg, dict[str, str]]) -> Any:
    return org[0].salesforce()


def names(sf: Any, where: str, order: str = "ORDER BY LastName") -> list[str]:
    result = sf.query(f"SELECT LastName FROM Contact WHERE {where} {order}")
    return [r["LastName"] for r in result["records"]]


def test_parent_relationship_fields(sf: Any, org: tuple[LocalOrg, dict[str, str]]) -> None:
    records = sf.query("SELECT LastName, Account.Name, Account.Industry FROM Contact "
                       "ORDER BY LastName")["records"]
    assert [(r["LastName"], r["Account"] and r["Account"]["Name"]) for r in records] == [
        ("Alpha", "Acme"), ("Beta", "Globex"), ("Gamma", None)]
    assert records[0]["Account"] == {
        "attributes": {"type": "Account",
                       "url": f"/services/data/v60.0/sobjects/Account/{org[1]['acme']}"},
        "Name": "Acme", "Industry": "Banking"}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName = 'Alpha'", ["Alpha"]),
        ("LastName != 'Alpha'", ["Beta", "Gamma"]),
        ("LastName < 'Beta'", ["Alpha"]),
        ("LastName <= 'Beta'", ["Alpha", "Beta"]),
        ("LastName > 'Beta'", ["Gamma"]),
        ("LastName >= 'Beta'", ["Beta", "Gamma"]),
        ("Email LIKE '%@acme.test'", ["Alpha"]),
        ("FirstName LIKE 'b_b'", ["Beta"]),
        ("LastName IN ('Alpha', 'Gamma', 'Nobody')", ["Alpha", "Gamma"]),
        ("LastName NOT IN ('Alpha')", ["Beta", "Gamma"]),
        ("Email = null", ["Gamma"]),
        ("Email != null", ["Alpha", "Beta"]),
        ("DoNotCall = true", ["Alpha"]),
        ("DoNotCall = false", ["Beta", "Gamma"]),
        ("Birthdate < 1988-01-01", ["Beta"]),
        ("Birthdate = 1990-01-15", ["Alpha"]),
        ("CreatedDate > 2000-01-01T00:00:00Z", ["Alpha", "Beta", "Gamma"]),
        ("CreatedDate = TODAY", ["Alpha", "Beta", "Gamma"]),
        ("CreatedDate = LAST_N_DAYS:3", ["Alpha", "Beta", "Gamma"]),
        ("CreatedDate < LAST_N_DAYS:3", []),
        ("Account.Name = 'Acme'", ["Alpha"]),
        ("Account.Industry = 'Energy' OR LastName = 'Gamma'", ["Beta", "Gamma"]),
        ("(LastName = 'Alpha' OR LastName = 'Beta') AND NOT Email LIKE '%globex%'",
         ["Alpha"]),
        ("NOT (LastName = 'Alpha')", ["Beta", "Gamma"]),
    ],
)
def test_where(sf: Any, where: str, expected: list[str]) -> None:
    assert names(sf, where) == expected


def test_order_limit_offset(sf: Any) -> None:
    assert names(sf, "LastName != null", "ORDER BY LastName DESC") == ["Gamma", "Beta", "Alpha"]
    assert names(sf, "LastName != null", "ORDER BY Email ASC NULLS LAST") == [
        "Alpha", "Beta", "Gamma"]
    assert names(sf, "LastName != null", "ORDER BY Email DESC NULLS FIRST LIMIT 2") == [
        "Gamma", "Beta"]
    assert names(sf, "LastName != null", "ORDER BY LastName LIMIT 1 OFFSET 1") == ["Beta"]


def test_count(sf: Any) -> None:
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 3
    # query (not query_all, which counts the records it collected) with queryAll's endpoint
    assert sf.query("SELECT COUNT() FROM Contact", include_deleted=True)["totalSize"] == 4
    aggregate = sf.query("SELECT COUNT(Id) total FROM Contact WHERE Email != null")
    assert aggregate["records"][0]["total"] == 2


def test_names_are_case_insensitive(sf: Any) -> None:
    records = sf.query("select lastname, ACCOUNT.name from CONTACT where EMAIL = 'ANN@ACME.TEST'")
    assert [(r["LastName"], r["Account"]["Name"]) for r in records["records"]] == [
        ("Alpha", "Acme")]


def test_query_all_sees_the_deleted(sf: Any) -> None:
    deleted = sf.query_all("SELECT LastName, IsDeleted FROM Contact WHERE IsDeleted = true",
                           include_deleted=True)["records"]
    assert [(r["LastName"], r["IsDeleted"]) for r in deleted] == [("Delta", True)]


@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id, FROM Contact", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD", "No such column 'Nope' on entity"),
        ("SELECT Id FROM Contact WHERE Nope.Name = 'x'", "INVALID_FIELD",
         "Didn't understand relationship 'Nope'"),
        ("SELECT Id FROM Contact WHERE LastName = 1", "INVALID_FIELD",
         "must be of type string and should be enclosed in quotes"),
        ("SELECT Id FROM Widget", "INVALID_TYPE", "sObject type 'Widget' is not supported"),
    ],
)
def test_errors_in_salesforce_style(sf: Any, soql: str, code: str, message: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    [entry] = error_body(excinfo)
    assert entry["errorCode"] == code
    assert message in entry["message"]


def test_demo_seed_is_a_realistic_org(local_demo: LocalOrg) -> None:
    """Issue 2 point 9: accounts, contacts, leads, some sharing e-mails, several users."""
    sf = local_demo.salesforce()
    counts = {name: sf.query(f"SELECT COUNT() FROM {name}")["totalSize"]
              for name in ("Account", "Contact", "Lead", "Opportunity", "Task", "Event", "User")}
    assert all(counts[name] > 0 for name in counts), counts
    contacts = {r["Email"] for r in sf.query_all("SELECT Email FROM Contact")["records"]}
    leads = {r["Email"] for r in sf.query_all("SELECT Email FROM Lead")["records"]}
    assert contacts & leads, "some leads share an e-mail with a contact"
    users = sf.query("SELECT Email, IsActive FROM User")["records"]
    assert len(users) >= 3 and any(not u["IsActive"] for u in users)
    with_account = sf.query("SELECT COUNT() FROM Contact WHERE AccountId != null")
    assert with_account["totalSize"] > 0
