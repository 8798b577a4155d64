"""Issue 10 point 2: semi-joins and anti-joins over sockets (SOQL and SOSL Reference,
"Comparison Operators": semi-joins with IN, anti-joins with NOT IN, and their restrictions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg


@pytest.fixture(scope="module")
def sf() -> Iterator[Any]:
    with LocalOrg() as local:
        client: Any = local.salesforce()
        acme = client.Account.create({"Name": "Acme"})["id"]
        globex = client.Account.create({"Name": "Globex"})["id"]
        client.Account.create({"Name": "Initech"})
        client.Contact.create({"LastName": "Apple", "AccountId": acme})
        client.Contact.create({"LastName": "Berry", "AccountId": globex})
        client.Contact.create({"LastName": "Loner"})
        client.Opportunity.create({"Name": "Won", "StageName": "Closed Won",
                                   "CloseDate": "2024-01-01", "AccountId": acme})
        client.Opportunity.create({"Name": "Open", "StageName": "Prospecting",
                                   "CloseDate": "2024-01-01", "AccountId": globex})
        gone = client.Contact.create({"LastName": "Binned", "AccountId": globex})["id"]
        client.Contact.delete(gone)
        yield local.salesforce()


def names(sf: Any, soql: str) -> list[str]:
    return sorted(r.get("Name") or r["LastName"] for r in sf.query(soql)["records"])


def test_semi_join_on_id(sf: Any) -> None:
    assert names(sf, "SELECT Name FROM Account WHERE Id IN "
                     "(SELECT AccountId FROM Contact WHERE LastName LIKE 'A%')") == ["Acme"]
    assert names(sf, "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact)"
                 ) == ["Acme", "Globex"]


def test_anti_join(sf: Any) -> None:
    assert names(sf, "SELECT Name FROM Account WHERE Id NOT IN "
                     "(SELECT AccountId FROM Opportunity WHERE IsClosed = false)") == [
        "Acme", "Initech"]


def test_semi_join_on_a_reference_field(sf: Any) -> None:
    assert names(sf, "SELECT LastName FROM Contact WHERE AccountId IN "
                     "(SELECT AccountId FROM Opportunity WHERE IsWon = true)") == ["Apple"]
    # NOT IN on a reference field: a contact without an account matches.
    assert names(sf, "SELECT LastName FROM Contact WHERE AccountId NOT IN "
                     "(SELECT AccountId FROM Opportunity WHERE IsWon = true)") == [
        "Berry", "Loner"]


def test_two_semi_joins_and_other_conditions(sf: Any) -> None:
    assert names(sf, "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) "
                     "AND Id NOT IN (SELECT AccountId FROM Opportunity WHERE IsWon = true) "
                     "AND Name != 'Nobody'") == ["Globex"]


def test_the_recycle_bin_is_not_in_a_sub_select(sf: Any) -> None:
    assert names(sf, "SELECT Name FROM Account WHERE Id IN "
                     "(SELECT AccountId FROM Contact WHERE LastName = 'Binned')") == []


@pytest.mark.parametrize(("soql", "reason"), [
    ("SELECT Id FROM Account WHERE Id IN (SELECT LastName FROM Contact)",
     "semi join sub selects can only query id fields, cannot use: 'LastName'"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT ParentId FROM Account)",
     "The inner and outer selects should not be on the same object type"),
    ("SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
     "only allowed at top level WHERE expressions"),
    ("SELECT Id FROM Account WHERE NOT Id IN (SELECT AccountId FROM Contact)",
     "only allowed at top level WHERE expressions"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Id IN "
     "(SELECT AccountId FROM Opportunity) AND Id IN (SELECT WhatId FROM Task)",
     "No more than 2 semi join sub-selects"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE AccountId IN "
     "(SELECT AccountId FROM Opportunity))", "Nesting of semi join sub-selects"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact ORDER BY LastName)",
     "ORDER BY is not allowed in a semi join sub-select"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact LIMIT 5)",
     "LIMIT is not allowed in a semi join sub-select"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT Id, AccountId FROM Contact)",
     "can only select one Id or reference field"),
    ("SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)",
     "only allowed on Id or reference fields"),
])
def test_restrictions(sf: Any, soql: str, reason: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    entry = error_body(excinfo)[0]
    assert entry["errorCode"] == "MALFORMED_QUERY" and reason in entry["message"], entry


def test_unknown_object_in_the_sub_select(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Nope__c)")
    assert error_body(excinfo)[0]["errorCode"] == "INVALID_TYPE"
