"""sObject Collections over sockets through simple-salesforce's restful()."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was "
    "using AllOrNone header",
    "fields": [],
}


def contact(**fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Contact"}, **fields}


def post(sf: Any, records: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    return sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": all_or_none, "records": records}
    )


def test_create_reports_each_record(local: LocalOrg, sf: Any) -> None:
    results = post(
        sf,
        [
            contact(LastName="A"),
            contact(FirstName="NoLast"),
            {"attributes": {"type": "Account"}, "Name": "Acme"},
        ],
    )
    assert results[0]["success"] is True and results[0]["id"].startswith("003")
    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    assert results[2]["id"].startswith("001")
    assert local.org.count("Contact") == 1
    assert local.request_log.entries(method="POST")[-1].records == 3


def test_all_or_none_rolls_back_every_record(local: LocalOrg, sf: Any) -> None:
    results = post(sf, [contact(LastName="Kept?"), contact(FirstName="Bad")], all_or_none=True)
    assert results[0] == {"success": False, "errors": [ROLLED_BACK]}
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert local.org.count("Contact") == 0
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    # The rolled-back create left no trace: the next create works and is the only one.
    assert post(sf, [contact(LastName="After")])[0]["success"] is True
    assert local.org.count("Contact") == 1


def test_update_and_rollback_restores_values(local: LocalOrg, sf: Any) -> None:
    ids = [
        r["id"]
        for r in post(
            sf, [contact(LastName="One", Email="one@example.com"), contact(LastName="Two")]
        )
    ]
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                contact(Id=ids[0], LastName="Uno"),
                contact(Id=ids[1], Email="not-an-email"),
            ],
        },
    )
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[1]["id"] == ids[1]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    rolled = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": True,
            "records": [
                contact(Id=ids[0], LastName="Changed", Email="moved@example.com"),
                contact(Id=ids[1], LastName=None),
            ],
        },
    )
    assert rolled[0] == {"id": ids[0], "success": False, "errors": [ROLLED_BACK]}
    record = sf.Contact.get(ids[0])
    assert (record["LastName"], record["Email"]) == ("Uno", "one@example.com")
    # The e-mail index was restored too: upsert by the old address still finds the record.
    again = sf.restful(
        "composite/sobjects/Contact/Email",
        method="PATCH",
        json={"records": [contact(Email="one@example.com", LastName="Found")]},
    )
    assert again == [{"id": ids[0], "success": True, "errors": [], "created": False}]


def test_update_needs_an_id(sf: Any) -> None:
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"records": [contact(LastName="X")]}
    )
    assert results[0]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"


def test_upsert_by_external_id(local: LocalOrg, sf: Any) -> None:
    first = sf.restful(
        "composite/sobjects/Contact/Email",
        method="PATCH",
        json={
            "records": [
                contact(Email="u1@example.com", LastName="U1"),
                contact(Email="u2@example.com", LastName="U2"),
            ]
        },
    )
    assert [r["created"] for r in first] == [True, True]
    second = sf.restful(
        "composite/sobjects/Contact/Email",
        method="PATCH",
        json={
            "records": [
                contact(Email="u1@example.com", LastName="U1b"),
                contact(Email="u3@example.com", LastName="U3"),
            ]
        },
    )
    assert second[0] == {"id": first[0]["id"], "success": True, "errors": [], "created": False}
    assert second[1]["created"] is True
    assert local.org.count("Contact") == 3


def test_upsert_rejects_a_field_that_is_no_external_id(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.restful(
            "composite/sobjects/Contact/LastName",
            method="PATCH",
            json={"records": [contact(LastName="X")]},
        )
    assert error_body(excinfo)[0]["errorCode"] == "INVALID_FIELD"


def test_more_than_200_records_is_refused(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        post(sf, [contact(LastName=f"N{i}") for i in range(201)])
    assert error_body(excinfo)[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_retrieve_and_delete(local: LocalOrg, sf: Any) -> None:
    ids = [r["id"] for r in post(sf, [contact(LastName="R1"), contact(LastName="R2")])]
    fetched = sf.restful(
        "composite/sobjects/Contact",
        params={"ids": ",".join([*ids, "003000000000000AAA"]), "fields": "LastName"},
    )
    assert [r["LastName"] for r in fetched[:2]] == ["R1", "R2"]
    assert fetched[2] is None
    deleted = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": ",".join([ids[0], "003000000000000AAA"])},
    )
    assert deleted[0] == {"id": ids[0], "success": True, "errors": []}
    assert deleted[1]["success"] is False and deleted[1]["id"] == "003000000000000AAA"
    rolled = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{ids[1]},{ids[0]}", "allOrNone": "true"},
    )
    assert rolled[0]["errors"] == [ROLLED_BACK]
    assert sf.Contact.get(ids[1])["LastName"] == "R2"  # undeleted by the rollback
    assert local.org.count("Contact") == 1


def test_lock_faults_fail_single_records(local: LocalOrg, sf: Any) -> None:
    local.faults.error_rate(1.0, kind="UNABLE_TO_LOCK_ROW")
    try:
        results = post(sf, [contact(LastName="L1"), contact(LastName="L2")])
    finally:
        local.faults.clear()
    assert [r["errors"][0]["statusCode"] for r in results] == ["UNABLE_TO_LOCK_ROW"] * 2
    assert local.org.count("Contact") == 0


def test_malformed_body(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.restful("composite/sobjects", method="POST", json={"records": "nope"})
    assert error_body(excinfo)[0]["errorCode"] == "JSON_PARSER_ERROR"
