"""Issue 10 point 2: toLabel(), FORMAT() and WITH SECURITY_ENFORCED over sockets (SOQL and
SOSL Reference: "toLabel()", "FORMAT()"; Apex Developer Guide: "Filter SOQL Queries Using WITH
SECURITY_ENFORCED")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.emulator.store.access import STANDARD_USER


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        sf: Any = local.salesforce()
        sf.Lead.create({"LastName": "Lee", "Company": "L", "Status": "Working - Contacted",
                        "Industry": "Banking", "Title": "CFO"})
        sf.Opportunity.create({"Name": "Deal", "StageName": "Prospecting",
                               "CloseDate": "2024-02-09", "Amount": 1234567.5})
        yield local


@pytest.fixture
def sf(org: LocalOrg) -> Any:
    return org.salesforce()


def test_to_label(sf: Any) -> None:
    record = sf.query("SELECT toLabel(Status), toLabel(Industry) ind, Industry FROM Lead"
                      )["records"][0]
    assert (record["Status"], record["ind"], record["Industry"]) == (
        "Working - Contacted", "Banking", "Banking")
    filtered = sf.query("SELECT Id FROM Lead WHERE toLabel(Status) = 'working - contacted'")
    assert filtered["totalSize"] == 1


def test_format(sf: Any) -> None:
    record = sf.query("SELECT FORMAT(Amount) amt, FORMAT(CloseDate) closes, Amount "
                      "FROM Opportunity")["records"][0]
    assert (record["amt"], record["closes"], record["Amount"]) == (
        "$1,234,567.50", "2/9/2024", 1234567.5)
    plain = sf.query("SELECT FORMAT(Probability) FROM Opportunity")["records"][0]
    assert plain["Probability"] == "10%"
    summed = sf.query("SELECT FORMAT(SUM(Amount)) total FROM Opportunity")["records"][0]
    assert summed["total"] == "$1,234,567.50"


@pytest.mark.parametrize(("soql", "reason"), [
    ("SELECT toLabel(Name) FROM Lead", "toLabel() can only be used on picklist fields"),
    ("SELECT FORMAT(IsConverted) FROM Lead", "FORMAT() can not be used on field IsConverted"),
    ("SELECT Status, toLabel(Status) FROM Lead", "duplicate field selected: Status"),
])
def test_errors(sf: Any, soql: str, reason: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    assert reason in error_body(excinfo)[0]["message"]


def test_security_enforced_is_accepted(sf: Any) -> None:
    rows = sf.query("SELECT Id, Title FROM Lead WHERE Title != null WITH SECURITY_ENFORCED "
                    "ORDER BY Title LIMIT 5")["records"]
    assert [r["Title"] for r in rows] == ["CFO"]


def test_security_enforced_fails_on_a_field_the_user_cannot_read(org: LocalOrg) -> None:
    org.org.set_field_access(STANDARD_USER, "Lead", "Title", "hidden")
    try:
        standard: Any = org.salesforce(user=org.org.users[1])
        with pytest.raises(SalesforceMalformedRequest) as excinfo:
            standard.query("SELECT Id, Title FROM Lead WITH SECURITY_ENFORCED")
        entry = error_body(excinfo)[0]
        assert entry["errorCode"] == "INVALID_FIELD" and "Title" in entry["message"]
        assert standard.query("SELECT Id FROM Lead WITH SECURITY_ENFORCED")["totalSize"] == 1
    finally:
        org.org.set_field_access(STANDARD_USER, "Lead", "Title", "edit")


@pytest.mark.parametrize(("soql", "reason"), [
    ("SELECT Owner.Name FROM Lead WITH SECURITY_ENFORCED", "polymorphic field Owner.Name"),
    ("SELECT TYPEOF What WHEN Account THEN Name ELSE Name END FROM Task "
     "WITH SECURITY_ENFORCED", "TYPEOF expressions with an ELSE clause"),
    ("SELECT Id FROM Lead WITH USER_MODE", "unexpected token: 'USER_MODE'"),
])
def test_security_enforced_restrictions(sf: Any, soql: str, reason: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    entry = error_body(excinfo)[0]
    assert entry["errorCode"] == "MALFORMED_QUERY" and reason in entry["message"], entry
