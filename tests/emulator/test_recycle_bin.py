"""Issue 10 point 2: a record in the recycle bin, through every verb, answers as Salesforce
does: ENTITY_IS_DELETED (not NOT_FOUND) for GET, PATCH and DELETE, per record in Collections
and composite; upsert by external ID does not match it; queryAll shows it with IsDeleted."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import V, api, error_body
from simple_salesforce.exceptions import SalesforceResourceNotFound

from flask_sfsync.emulator.handle import LocalOrg

DELETED = {"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted"}


@pytest.fixture
def binned(shared_sf: Any, request: pytest.FixtureRequest) -> str:
    email = f"binned.{request.node.name}@example.com"
    record_id: str = shared_sf.Contact.create({"LastName": "Binned", "Email": email})["id"]
    shared_sf.Contact.delete(record_id)
    return record_id


def test_get_patch_delete(shared_sf: Any, binned: str) -> None:
    for call, args in ((shared_sf.Contact.get, (binned,)),
                       (shared_sf.Contact.update, (binned, {"FirstName": "X"})),
                       (shared_sf.Contact.delete, (binned,))):
        with pytest.raises(SalesforceResourceNotFound) as excinfo:
            call(*args)
        assert error_body(excinfo)[0]["errorCode"] == "ENTITY_IS_DELETED", call
    with pytest.raises(SalesforceResourceNotFound) as excinfo:
        shared_sf.Contact.get_by_custom_id("Id", binned)
    assert error_body(excinfo)[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_raw_body_and_status(shared_local: LocalOrg, binned: str) -> None:
    got = api(shared_local, "GET", f"{V}/sobjects/Contact/{binned}")
    assert (got.status_code, got.json()) == (404, [DELETED])
    gone = api(shared_local, "GET", f"{V}/sobjects/Contact/003000000000999AAA")
    assert gone.json()[0]["errorCode"] == "NOT_FOUND"


def test_collections_report_it_per_record(shared_sf: Any, binned: str) -> None:
    live = shared_sf.Contact.create({"LastName": "Live"})["id"]
    results = shared_sf.restful("composite/sobjects", method="PATCH", json={"records": [
        {"attributes": {"type": "Contact"}, "Id": binned, "FirstName": "A"},
        {"attributes": {"type": "Contact"}, "Id": live, "FirstName": "B"}]})
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert results[1]["success"] is True
    deleted = shared_sf.restful("composite/sobjects", method="DELETE",
                                params={"ids": f"{binned},{live}"})
    assert [r["success"] for r in deleted] == [False, True]
    assert deleted[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    retrieved = shared_sf.restful("composite/sobjects/Contact",
                                  params={"ids": binned, "fields": "LastName"})
    assert retrieved == [None]


def test_composite_subrequest(shared_sf: Any, binned: str) -> None:
    answer = shared_sf.restful("composite", method="POST", json={"compositeRequest": [
        {"method": "GET", "url": f"{V}/sobjects/Contact/{binned}", "referenceId": "read"}]})
    sub = answer["compositeResponse"][0]
    assert (sub["httpStatusCode"], sub["body"]) == (404, [DELETED])


def test_upsert_by_external_id_does_not_match_the_recycle_bin(shared_sf: Any,
                                                              binned: str) -> None:
    # Upsert matches live records only: the deleted contact's e-mail creates a new record.
    email = "binned.test_upsert_by_external_id_does_not_match_the_recycle_bin@example.com"
    result = shared_sf.Contact.upsert(f"Email/{email}", {"LastName": "Reborn"},
                                      raw_response=True)
    assert result.status_code == 201
    assert result.json()["id"] != binned
    with pytest.raises(SalesforceResourceNotFound) as excinfo:
        shared_sf.Contact.upsert(f"Id/{binned}", {"LastName": "Again"})
    assert error_body(excinfo)[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_query_all_shows_it(shared_sf: Any, binned: str) -> None:
    where = f"WHERE Id = '{binned}'"
    assert shared_sf.query(f"SELECT Id FROM Contact {where}")["totalSize"] == 0
    rows = shared_sf.query_all(f"SELECT Id, IsDeleted FROM Contact {where}",
                               include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(binned, True)]
