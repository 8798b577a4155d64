"""query / queryAll over sockets: pages of 2,000, nextRecordsUrl, batchSize, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

TOTAL = 4500


@pytest.fixture(scope="module")
def local() -> Iterator[LocalOrg]:
    with LocalOrg() as org:
        sf = org.salesforce()
        for start in range(0, TOTAL, 200):
            records = [
                {"attributes": {"type": "Contact"}, "LastName": f"Q{n:05d}"}
                for n in range(start, min(TOTAL, start + 200))
            ]
            sf.restful(
                "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
            )
        yield org


def test_first_page_has_2000_and_a_next_url(sf: Any) -> None:
    page = sf.query("SELECT Id, LastName FROM Contact ORDER BY LastName")
    assert page["totalSize"] == TOTAL
    assert page["done"] is False
    assert len(page["records"]) == 2000
    assert page["nextRecordsUrl"].startswith("/services/data/v60.0/query/01g")
    assert page["nextRecordsUrl"].endswith("-2000")
    second = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
    assert second["records"][0]["LastName"] == "Q02000"
    third = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
    assert third["done"] is True and "nextRecordsUrl" not in third
    assert len(third["records"]) == TOTAL - 4000


def test_query_all_reads_every_page(local: LocalOrg, sf: Any) -> None:
    local.request_log.clear()
    result = sf.query_all("SELECT Id FROM Contact")
    assert len(result["records"]) == TOTAL
    assert len({r["Id"] for r in result["records"]}) == TOTAL
    entries = local.request_log.entries(path_prefix="/services/data/v60.0/query")
    assert [e.records for e in entries] == [2000, 2000, 500]


def test_batch_size_header(sf: Any) -> None:
    page = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=500"})
    assert len(page["records"]) == 500
    small = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(small["records"]) == 200  # Salesforce's minimum


def test_query_all_sees_the_recycle_bin(sf: Any) -> None:
    record_id = sf.Contact.create({"LastName": "Binned"})["id"]
    sf.Contact.delete(record_id)
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{record_id}'"
    assert sf.query(soql)["totalSize"] == 0
    found = sf.query(soql, include_deleted=True)
    assert found["records"][0]["IsDeleted"] is True


def test_count(sf: Any) -> None:
    result = sf.query("SELECT COUNT() FROM Contact WHERE LastName LIKE 'Q%'")
    assert result == {"totalSize": TOTAL, "done": True, "records": []}


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELEC Id FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELECT Id FROM CustomField", "INVALID_TYPE"),
    ],
)
def test_bad_soql(sf: Any, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.query(soql)
    assert error_body(excinfo)[0]["errorCode"] == code


def test_missing_query_and_bad_locator(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.restful("query")
    assert error_body(missing)[0]["errorCode"] == "MALFORMED_QUERY"
    with pytest.raises(SalesforceMalformedRequest) as bad:
        sf.query_more("01g8d0000000999AAA-2000")
    assert error_body(bad)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
