"""Issue 10 point 2: parent-to-child relationship queries over sockets (SOQL and SOSL
Reference: "Using Relationship Queries", "Understanding Query Results")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import V, api, error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

START = "2024-05-15T15:00:00Z"


@pytest.fixture(scope="module")
def org() -> Iterator[tuple[LocalOrg, dict[str, str]]]:
    with LocalOrg() as local:
        sf: Any = local.salesforce()
        ids = {"acme": sf.Account.create({"Name": "Acme"})["id"],
               "empty": sf.Account.create({"Name": "Empty"})["id"]}
        for last in ("Cole", "Abel", "Bell"):
            ids[last] = sf.Contact.create({"LastName": last, "AccountId": ids["acme"]})["id"]
        ids["opp"] = sf.Opportunity.create({"Name": "Big deal", "StageName": "Prospecting",
                                            "CloseDate": "2024-06-30",
                                            "AccountId": ids["acme"]})["id"]
        ids["lead"] = sf.Lead.create({"LastName": "Prospect", "Company": "P"})["id"]
        sf.Task.create({"Subject": "Call Cole", "WhoId": ids["Cole"], "WhatId": ids["acme"]})
        sf.Task.create({"Subject": "Call lead", "WhoId": ids["lead"]})
        sf.Event.create({"Subject": "Meet Abel", "WhoId": ids["Abel"], "WhatId": ids["opp"],
                         "StartDateTime": START, "DurationInMinutes": 30})
        sf.Event.create({"Subject": "Meet lead", "WhoId": ids["lead"],
                         "StartDateTime": START, "DurationInMinutes": 30})
        yield local, ids


@pytest.fixture
def sf(org: tuple[LocalOrg, dict[str, str]]) -> Any:
    return org[0].salesforce()


def by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["Name"]: r for r in records}


def test_contacts_opportunities_tasks_events_of_an_account(sf: Any) -> None:
    rows = by_name(sf.query(
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName), "
        "(SELECT Name FROM Opportunities), (SELECT Subject FROM Tasks), "
        "(SELECT Subject FROM Events) FROM Account")["records"])
    acme = rows["Acme"]
    assert list(acme) == ["attributes", "Name", "Contacts", "Opportunities", "Tasks", "Events"]
    contacts = acme["Contacts"]
    assert (contacts["totalSize"], contacts["done"]) == (3, True)
    assert [c["LastName"] for c in contacts["records"]] == ["Abel", "Bell", "Cole"]
    assert contacts["records"][0]["attributes"]["type"] == "Contact"
    assert contacts["records"][0]["attributes"]["url"].startswith(f"{V}/sobjects/Contact/003")
    assert [o["Name"] for o in acme["Opportunities"]["records"]] == ["Big deal"]
    assert [t["Subject"] for t in acme["Tasks"]["records"]] == ["Call Cole"]
    assert acme["Events"] is None              # the event is related to the opportunity
    empty = rows["Empty"]
    assert (empty["Contacts"], empty["Opportunities"], empty["Tasks"]) == (None, None, None)


def test_tasks_and_events_of_a_contact_and_a_lead(sf: Any) -> None:
    contact = sf.query("SELECT LastName, (SELECT Subject FROM Tasks), (SELECT Subject FROM "
                       "Events) FROM Contact WHERE LastName IN ('Abel', 'Cole') "
                       "ORDER BY LastName")["records"]
    assert [(c["LastName"], c["Tasks"] and c["Tasks"]["totalSize"],
             c["Events"] and c["Events"]["records"][0]["Subject"]) for c in contact] == [
        ("Abel", None, "Meet Abel"), ("Cole", 1, None)]
    lead = sf.query("SELECT LastName, (SELECT Subject, Who.Name FROM Tasks), "
                    "(SELECT Subject FROM Events) FROM Lead")["records"][0]
    assert lead["Tasks"]["records"][0]["Who"]["Name"] == "Prospect"
    assert lead["Events"]["records"][0]["Subject"] == "Meet lead"


def test_where_order_and_limit_apply_per_parent(sf: Any) -> None:
    acme = sf.query("SELECT a.Name, (SELECT LastName FROM a.Contacts WHERE LastName != 'Bell' "
                    "ORDER BY LastName DESC LIMIT 1) FROM Account a WHERE Name = 'Acme'"
                    )["records"][0]
    assert [c["LastName"] for c in acme["Contacts"]["records"]] == ["Cole"]
    assert acme["Contacts"]["totalSize"] == 1
    qualified = sf.query("SELECT Name, (SELECT Id FROM Account.Contacts) FROM Account "
                         "WHERE Name = 'Acme'")["records"][0]
    assert qualified["Contacts"]["totalSize"] == 3


def test_fields_in_a_sub_query(sf: Any) -> None:
    acme = sf.query("SELECT Name, (SELECT FIELDS(STANDARD) FROM Contacts LIMIT 200) "
                    "FROM Account WHERE Name = 'Acme'")["records"][0]
    first = acme["Contacts"]["records"][0]
    assert {"Id", "LastName", "AccountId", "MailingAddress"} <= set(first)


@pytest.mark.parametrize(("soql", "code", "reason"), [
    ("SELECT Name, (SELECT Id FROM Contactz) FROM Account", "INVALID_TYPE",
     "Didn't understand relationship 'Contactz' in FROM part of query call"),
    ("SELECT Name, (SELECT Id FROM Contact) FROM Account", "INVALID_TYPE",
     "Didn't understand relationship 'Contact'"),
    ("SELECT Name, (SELECT COUNT(Id) FROM Contacts) FROM Account", "MALFORMED_QUERY",
     "Aggregate functions are not supported in a relationship sub-query"),
    ("SELECT Name, (SELECT Nope FROM Contacts) FROM Account", "INVALID_FIELD",
     "No such column 'Nope' on entity 'Contact'"),
    ("SELECT Name, (SELECT Id FROM Contacts), (SELECT Id FROM Contacts) FROM Account",
     "INVALID_FIELD", "duplicate field selected: Contacts"),
])
def test_errors(sf: Any, soql: str, code: str, reason: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    entry = error_body(excinfo)[0]
    assert entry["errorCode"] == code and reason in entry["message"], entry


def test_query_all_pages_and_bulk(org: tuple[LocalOrg, dict[str, str]], sf: Any) -> None:
    everything = sf.query_all("SELECT Name, (SELECT Id FROM Contacts) FROM Account")
    assert everything["totalSize"] == 2
    refused = api(org[0], "POST", f"{V}/jobs/query", json={
        "operation": "query", "query": "SELECT Name, (SELECT Id FROM Contacts) FROM Account"})
    assert refused.status_code == 400
