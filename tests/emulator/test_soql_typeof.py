"""Issue 10 point 2: polymorphic Who and What on Tasks and Events, with TYPEOF (SOQL and SOSL
Reference: "TYPEOF", "Understanding Relationship Fields and Polymorphic Fields")."""

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
        ids = {"account": sf.Account.create({"Name": "Acme", "Phone": "555-0100"})["id"]}
        ids["contact"] = sf.Contact.create({"FirstName": "Ann", "LastName": "Able",
                                            "Email": "ann@acme.test",
                                            "AccountId": ids["account"]})["id"]
        ids["opp"] = sf.Opportunity.create({"Name": "Deal", "StageName": "Prospecting",
                                            "CloseDate": "2024-06-30", "Amount": 42.0})["id"]
        ids["lead"] = sf.Lead.create({"LastName": "Lee", "Company": "L"})["id"]
        sf.Task.create({"Subject": "1 account", "WhoId": ids["contact"],
                        "WhatId": ids["account"]})
        sf.Task.create({"Subject": "2 opportunity", "WhatId": ids["opp"]})
        sf.Task.create({"Subject": "3 lead", "WhoId": ids["lead"]})
        sf.Event.create({"Subject": "Meet", "WhatId": ids["opp"], "WhoId": ids["contact"],
                         "StartDateTime": START, "DurationInMinutes": 15})
        yield local, ids


@pytest.fixture
def sf(org: tuple[LocalOrg, dict[str, str]]) -> Any:
    return org[0].salesforce()


def test_typeof_what(sf: Any, org: tuple[LocalOrg, dict[str, str]]) -> None:
    rows = sf.query("SELECT Subject, TYPEOF What WHEN Account THEN Name, Phone "
                    "WHEN Opportunity THEN Name, Amount END FROM Task ORDER BY Subject"
                    )["records"]
    ids = org[1]
    assert rows[0]["What"] == {
        "attributes": {"type": "Account", "url": f"{V}/sobjects/Account/{ids['account']}"},
        "Name": "Acme", "Phone": "555-0100"}
    assert rows[1]["What"] == {
        "attributes": {"type": "Opportunity", "url": f"{V}/sobjects/Opportunity/{ids['opp']}"},
        "Name": "Deal", "Amount": 42.0}
    assert rows[2]["What"] is None


def test_typeof_who_with_else(sf: Any) -> None:
    rows = sf.query("SELECT Subject, TYPEOF Who WHEN Contact THEN Email, Account.Name "
                    "ELSE Name END FROM Task ORDER BY Subject")["records"]
    assert rows[0]["Who"]["attributes"]["type"] == "Contact"
    assert (rows[0]["Who"]["Email"], rows[0]["Who"]["Account"]["Name"]) == (
        "ann@acme.test", "Acme")
    assert rows[1]["Who"] is None
    assert rows[2]["Who"]["attributes"]["type"] == "Lead"
    assert set(rows[2]["Who"]) == {"attributes", "Name"} and rows[2]["Who"]["Name"] == "Lee"


def test_who_and_what_name_fields(sf: Any) -> None:
    rows = sf.query("SELECT Subject, Who.Name, Who.Type, What.Name, What.Type FROM Task "
                    "ORDER BY Subject")["records"]
    assert rows[0]["Who"]["attributes"]["type"] == "Name"
    assert [(r["Who"] and r["Who"]["Type"], r["What"] and r["What"]["Type"]) for r in rows] == [
        ("Contact", "Account"), (None, "Opportunity"), ("Lead", None)]
    assert rows[0]["Who"]["Name"] == "Ann Able"
    filtered = sf.query("SELECT Subject FROM Event WHERE What.Type = 'Opportunity' "
                        "AND Who.Type IN ('Contact')")["records"]
    assert [r["Subject"] for r in filtered] == ["Meet"]


@pytest.mark.parametrize(("soql", "reason"), [
    ("SELECT TYPEOF Account WHEN Account THEN Name END FROM Task",
     "TYPEOF can only be used on a polymorphic relationship field"),
    ("SELECT TYPEOF What WHEN Lead THEN Name END FROM Task", "Lead is not a valid type for What"),
    ("SELECT What.Name, TYPEOF What WHEN Account THEN Name END FROM Task",
     "TYPEOF field What can not also be selected"),
    ("SELECT TYPEOF What WHEN Account THEN Name FROM Task", "unexpected token"),
])
def test_errors(sf: Any, soql: str, reason: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    entry = error_body(excinfo)[0]
    assert entry["errorCode"] == "MALFORMED_QUERY" and reason in entry["message"], entry


def test_bulk_refuses_typeof(org: tuple[LocalOrg, dict[str, str]]) -> None:
    refused = api(org[0], "POST", f"{V}/jobs/query", json={
        "operation": "query", "query": "SELECT TYPEOF What WHEN Account THEN Name END FROM Task"})
    assert refused.status_code == 400
