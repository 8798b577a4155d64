"""Issue 10 point 2: aggregate functions, GROUP BY and HAVING over sockets (SOQL and SOSL
Reference: "Aggregate Functions", "GROUP BY", "HAVING", "Using Aliases with GROUP BY")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import V, api, error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        client: Any = local.salesforce()
        acme = client.Account.create({"Name": "Acme", "Industry": "Banking"})["id"]
        globex = client.Account.create({"Name": "Globex", "Industry": "Energy"})["id"]
        for name, stage, amount, close, account in [
            ("A1", "Prospecting", 100.0, "2023-02-01", acme),
            ("A2", "Closed Won", 300.0, "2024-01-15", acme),
            ("A3", "Closed Won", 500.0, "2024-05-20", acme),
            ("G1", "Closed Lost", 50.0, "2024-07-04", globex),
            ("N1", "Qualification", None, "2024-12-31", None),
        ]:
            body = {"Name": name, "StageName": stage, "CloseDate": close, "AccountId": account}
            if amount is not None:
                body["Amount"] = amount
            client.Opportunity.create(body)
        for last, source in [("Ann", "Web"), ("Bob", "Web"), ("Cid", "Other"), ("Dee", None)]:
            client.Lead.create({"LastName": last, "Company": "C", "LeadSource": source})
        yield local


@pytest.fixture
def sf(org: LocalOrg) -> Any:
    return org.salesforce()


def records(sf: Any, soql: str) -> list[dict[str, Any]]:
    result = sf.query(soql)
    assert result["done"] is True
    rows: list[dict[str, Any]] = result["records"]
    assert all(r["attributes"] == {"type": "AggregateResult"} for r in rows)
    return [{k: v for k, v in r.items() if k != "attributes"} for r in rows]


def test_without_group_by_one_row_with_expr_names(sf: Any) -> None:
    assert records(sf, "SELECT COUNT(Id), SUM(Amount), AVG(Amount), MIN(Amount), MAX(Amount), "
                       "COUNT_DISTINCT(AccountId) FROM Opportunity") == [
        {"expr0": 5, "expr1": 950.0, "expr2": 237.5, "expr3": 50.0, "expr4": 500.0,
         "expr5": 2}]


def test_aliases_and_expr_numbering_skip_aliased_items(sf: Any) -> None:
    assert records(sf, "SELECT COUNT(Id) total, MAX(CloseDate), MIN(StageName) first "
                       "FROM Opportunity WHERE Amount != null") == [
        {"total": 4, "expr0": "2024-07-04", "first": "Prospecting"}]


def test_no_rows(sf: Any) -> None:
    assert records(sf, "SELECT COUNT(Id), SUM(Amount) FROM Opportunity WHERE Name = 'x'") == [
        {"expr0": 0, "expr1": None}]
    assert records(sf, "SELECT StageName, COUNT(Id) FROM Opportunity WHERE Name = 'x' "
                       "GROUP BY StageName") == []


def test_group_by_with_order_by_aggregate(sf: Any) -> None:
    assert records(sf, "SELECT StageName, COUNT(Id) n, SUM(Amount) total FROM Opportunity "
                       "GROUP BY StageName ORDER BY COUNT(Id) DESC, StageName") == [
        # Picklists sort in their value order, not alphabetically.
        {"StageName": "Closed Won", "n": 2, "total": 800.0},
        {"StageName": "Prospecting", "n": 1, "total": 100.0},
        {"StageName": "Qualification", "n": 1, "total": None},
        {"StageName": "Closed Lost", "n": 1, "total": 50.0},
    ]


def test_group_by_a_parent_field_and_nulls(sf: Any) -> None:
    assert records(sf, "SELECT Account.Name, COUNT(Id) FROM Opportunity "
                       "GROUP BY Account.Name ORDER BY Account.Name NULLS LAST") == [
        {"Name": "Acme", "expr0": 3}, {"Name": "Globex", "expr0": 1},
        {"Name": None, "expr0": 1}]


def test_having(sf: Any) -> None:
    assert records(sf, "SELECT LeadSource, COUNT(Name) FROM Lead GROUP BY LeadSource "
                       "HAVING COUNT(Name) > 1") == [{"LeadSource": "Web", "expr0": 2}]
    assert records(sf, "SELECT LeadSource FROM Lead GROUP BY LeadSource "
                       "HAVING LeadSource IN ('Other', 'Web') ORDER BY LeadSource") == [
        {"LeadSource": "Web"}, {"LeadSource": "Other"}]
    assert records(sf, "SELECT AccountId, SUM(Amount) s FROM Opportunity GROUP BY AccountId "
                       "HAVING SUM(Amount) > 100 AND COUNT(Id) >= 2") == [
        {"AccountId": sf.query("SELECT Id FROM Account WHERE Name = 'Acme'")
         ["records"][0]["Id"], "s": 900.0}]


def test_limit_and_offset_count_groups(sf: Any) -> None:
    assert records(sf, "SELECT StageName FROM Opportunity GROUP BY StageName "
                       "ORDER BY StageName LIMIT 2 OFFSET 1") == [
        {"StageName": "Qualification"}, {"StageName": "Closed Won"}]


def test_count_with_group_by_counts_groups(sf: Any) -> None:
    assert sf.query("SELECT COUNT() FROM Lead GROUP BY LeadSource")["totalSize"] == 3


@pytest.mark.parametrize(("soql", "code", "reason"), [
    ("SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName", "MALFORMED_QUERY",
     "Field must be grouped or aggregated: Name"),
    ("SELECT Amount FROM Opportunity GROUP BY Amount", "INVALID_FIELD",
     "field 'Amount' can not be grouped in a query call"),
    ("SELECT SUM(Name) FROM Opportunity", "INVALID_FIELD",
     "field Name does not support aggregate operator SUM"),
    ("SELECT StageName FROM Opportunity GROUP BY StageName ORDER BY Name", "MALFORMED_QUERY",
     "Ordered field must be grouped or aggregated: Name"),
    ("SELECT StageName FROM Opportunity GROUP BY StageName HAVING Name = 'x'",
     "MALFORMED_QUERY", "Field must be grouped or aggregated: Name"),
    ("SELECT Name n FROM Opportunity", "MALFORMED_QUERY",
     "Only aggregate expressions use field aliasing"),
    ("SELECT Id FROM Opportunity WHERE COUNT(Id) > 1", "MALFORMED_QUERY", "HAVING"),
])
def test_errors(sf: Any, soql: str, code: str, reason: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    entry = error_body(excinfo)[0]
    assert entry["errorCode"] == code and reason in entry["message"], entry


def test_alias_of_a_grouped_field(sf: Any) -> None:
    assert records(sf, "SELECT StageName stage, COUNT(Id) FROM Opportunity WHERE IsWon = true "
                       "GROUP BY StageName") == [{"stage": "Closed Won", "expr0": 2}]


def test_bulk_query_refuses_aggregates(org: LocalOrg) -> None:
    # Bulk API 2.0 query "Limits": no GROUP BY and no aggregate functions.
    for soql in ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName",
                 "SELECT COUNT() FROM Opportunity"):
        refused = api(org, "POST", f"{V}/jobs/query", json={"operation": "query", "query": soql})
        assert refused.status_code == 400, soql
