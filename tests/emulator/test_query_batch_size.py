"""Issue 10 point 2: ``Sforce-Query-Options: batchSize=N`` (REST API, "Query Options Header"):
default and maximum 2,000, minimum 200; nextRecordsUrl pages of that size; children of a
parent-to-child sub-query count toward it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import V, api

from flask_sfsync.emulator.handle import LocalOrg

CONTACTS = 2500


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as local:
        owner = local.org.admin.id
        account = local.org.create("Account", {"Name": "Big"}, owner)
        for i in range(CONTACTS):
            local.org.create("Contact", {"LastName": f"C{i:04d}",
                                         "AccountId": account if i < 450 else None},
                             owner, allow_duplicates=True)
        for i in range(300):
            local.org.create("Account", {"Name": f"Small {i:03d}"}, owner)
        yield local


def pages(local: LocalOrg, soql: str, options: str | None) -> list[dict[str, Any]]:
    headers = {"Sforce-Query-Options": options} if options else {}
    page = api(local, "GET", f"{V}/query", params={"q": soql}, headers=headers).json()
    out = [page]
    while not page["done"]:
        page = api(local, "GET", page["nextRecordsUrl"]).json()
        out.append(page)
    return out


@pytest.mark.parametrize(("options", "sizes"), [
    (None, [2000, 500]),
    ("batchSize=1000", [1000, 1000, 500]),
    ("batchSize=50", [200] * 12 + [100]),          # below the minimum: 200
    ("batchSize=5000", [2000, 500]),               # above the maximum: 2,000
    ("batchSize=700, other=1", [700, 700, 700, 400]),
])
def test_page_sizes(org: LocalOrg, options: str | None, sizes: list[int]) -> None:
    got = pages(org, "SELECT Id FROM Contact", options)
    assert [len(p["records"]) for p in got] == sizes
    assert all(p["totalSize"] == CONTACTS for p in got)
    ids = [r["Id"] for p in got for r in p["records"]]
    assert len(set(ids)) == CONTACTS


def test_simple_salesforce_sends_the_header(org: LocalOrg) -> None:
    sf: Any = org.salesforce()
    first = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=300"})
    assert len(first["records"]) == 300
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(second["records"]) == 300


def test_children_count_toward_the_batch_size(org: LocalOrg) -> None:
    soql = "SELECT Name, (SELECT Id FROM Contacts) FROM Account ORDER BY Name"
    got = pages(org, soql, "batchSize=200")
    first = got[0]["records"]
    # "Big" comes first with 450 contacts: a page holds at least one parent.
    assert [r["Name"] for r in first] == ["Big"]
    assert first[0]["Contacts"]["totalSize"] == 450
    assert [len(p["records"]) for p in got[1:]] == [200, 100]
    assert all(r["Contacts"] is None for p in got[1:] for r in p["records"])
