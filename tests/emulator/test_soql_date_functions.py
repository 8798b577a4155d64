"""Issue 10 point 2: date functions in SELECT with GROUP BY and in WHERE, over sockets (SOQL
and SOSL Reference, "Date Functions"; every user is on UTC and the fiscal year starts in
January, so FISCAL_* equal CALENDAR_* and convertTimezone() changes nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

# 2024-02-29 is a Thursday (DAY_IN_WEEK 5), day 60 of the year, in week 9.
DATES = ["2023-11-05", "2024-02-29", "2024-02-03", "2024-08-15"]


@pytest.fixture(scope="module")
def sf() -> Iterator[Any]:
    with LocalOrg() as local:
        client: Any = local.salesforce()
        for i, close in enumerate(DATES):
            client.Opportunity.create({"Name": f"O{i}", "StageName": "Prospecting",
                                       "CloseDate": close, "Amount": 100.0 * (i + 1)})
        owner = local.org.admin.id
        for i, stamp in enumerate([dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC),
                                   dt.datetime(2024, 3, 1, 17, 5, tzinfo=dt.UTC),
                                   dt.datetime(2024, 3, 2, 9, 0, tzinfo=dt.UTC)]):
            local.org.clock = lambda stamp=stamp: stamp
            local.org.create("Contact", {"LastName": f"C{i}"}, owner)
        yield client


def aggregate(sf: Any, soql: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "attributes"}
            for r in sf.query(soql)["records"]]


def test_group_by_calendar_year_and_month(sf: Any) -> None:
    assert aggregate(sf, "SELECT CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate) m, "
                         "SUM(Amount) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate), "
                         "CALENDAR_MONTH(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate), "
                         "CALENDAR_MONTH(CloseDate)") == [
        {"expr0": 2023, "m": 11, "expr1": 100.0},
        {"expr0": 2024, "m": 2, "expr1": 500.0},
        {"expr0": 2024, "m": 8, "expr1": 400.0},
    ]


@pytest.mark.parametrize(("function", "expected"), [
    ("CALENDAR_QUARTER", 1), ("DAY_IN_MONTH", 29), ("DAY_IN_WEEK", 5), ("DAY_IN_YEAR", 60),
    ("WEEK_IN_MONTH", 5), ("WEEK_IN_YEAR", 9), ("FISCAL_YEAR", 2024), ("FISCAL_QUARTER", 1),
    ("FISCAL_MONTH", 2),
])
def test_each_function_in_where(sf: Any, function: str, expected: int) -> None:
    rows = sf.query(f"SELECT Name FROM Opportunity WHERE {function}(CloseDate) = {expected} "
                    f"AND CloseDate = 2024-02-29")["records"]
    assert [r["Name"] for r in rows] == ["O1"]
    other = sf.query(f"SELECT Name FROM Opportunity WHERE {function}(CloseDate) = "
                     f"{expected + 1} AND CloseDate = 2024-02-29")["records"]
    assert other == []


def test_ranges_in_where(sf: Any) -> None:
    rows = sf.query("SELECT Name FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) >= 2024 "
                    "AND DAY_IN_WEEK(CloseDate) IN (1, 5) ORDER BY Name")["records"]
    # 2024-02-29 and 2024-08-15 are Thursdays; 2024-02-03 is a Saturday (7).
    assert [r["Name"] for r in rows] == ["O1", "O3"]


def test_datetime_functions(sf: Any) -> None:
    assert aggregate(sf, "SELECT DAY_ONLY(CreatedDate), COUNT(Id) FROM Contact "
                         "GROUP BY DAY_ONLY(CreatedDate) ORDER BY DAY_ONLY(CreatedDate)") == [
        {"expr0": "2024-03-01", "expr1": 2}, {"expr0": "2024-03-02", "expr1": 1}]
    assert aggregate(sf, "SELECT HOUR_IN_DAY(convertTimezone(CreatedDate)) h, COUNT(Id) n "
                         "FROM Contact GROUP BY HOUR_IN_DAY(convertTimezone(CreatedDate)) "
                         "ORDER BY HOUR_IN_DAY(convertTimezone(CreatedDate))") == [
        {"h": 9, "n": 2}, {"h": 17, "n": 1}]
    rows = sf.query("SELECT LastName FROM Contact WHERE DAY_ONLY(CreatedDate) = 2024-03-01 "
                    "AND HOUR_IN_DAY(CreatedDate) > 12")["records"]
    assert [r["LastName"] for r in rows] == ["C1"]


@pytest.mark.parametrize(("soql", "code", "reason"), [
    ("SELECT CALENDAR_YEAR(CloseDate) FROM Opportunity", "MALFORMED_QUERY",
     "only allowed in the SELECT list of a query with GROUP BY"),
    ("SELECT Id FROM Opportunity WHERE DAY_ONLY(CloseDate) = 2024-01-01", "INVALID_FIELD",
     "DAY_ONLY() can only be used with dateTime fields"),
    ("SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(Name) = 2024", "INVALID_FIELD",
     "can only be used with date or dateTime fields"),
    ("SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = '2024'", "INVALID_FIELD",
     "must be of type integer"),
    ("SELECT Id FROM Contact WHERE convertTimezone(CreatedDate) > 2024-01-01T00:00:00Z",
     "MALFORMED_QUERY", "convertTimezone() can only be used in a date function"),
])
def test_errors(sf: Any, soql: str, code: str, reason: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    entry = error_body(excinfo)[0]
    assert entry["errorCode"] == code and reason in entry["message"], entry
