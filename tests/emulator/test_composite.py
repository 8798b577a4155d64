"""POST /composite over sockets: references, allOrNone, limits."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

V = "/services/data/v60.0"


def composite(sf: Any, subs: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    body = {"allOrNone": all_or_none, "compositeRequest": subs}
    return sf.restful("composite", method="POST", json=body)["compositeResponse"]


def test_references_between_subrequests(local: LocalOrg, sf: Any) -> None:
    answers = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{V}/sobjects/Account",
                "referenceId": "acct",
                "body": {"Name": "Composite Co"},
            },
            {
                "method": "POST",
                "url": f"{V}/sobjects/Contact",
                "referenceId": "person",
                "body": {"LastName": "Ref", "AccountId": "@{acct.id}"},
            },
            {
                "method": "GET",
                "url": f"{V}/query?q=SELECT+Id,Account.Name+FROM+Contact",
                "referenceId": "found",
            },
            {
                "method": "PATCH",
                "url": f"{V}/sobjects/Contact/@{{found.records[0].Id}}",
                "referenceId": "renamed",
                "body": {"FirstName": "Composite"},
            },
        ],
    )
    assert [a["httpStatusCode"] for a in answers] == [201, 201, 200, 204]
    account_id = answers[0]["body"]["id"]
    assert answers[0]["httpHeaders"] == {"Location": f"{V}/sobjects/Account/{account_id}"}
    assert answers[2]["body"]["records"][0]["Account"]["Name"] == "Composite Co"
    assert answers[3]["body"] is None
    contact = sf.Contact.get(answers[1]["body"]["id"])
    assert (contact["AccountId"], contact["FirstName"]) == (account_id, "Composite")
    assert local.request_log.count(method="POST") == 1  # one API call for all four


def test_failed_reference_halts_only_dependents(sf: Any) -> None:
    answers = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{V}/sobjects/Contact",
                "referenceId": "bad",
                "body": {"FirstName": "NoLast"},
            },
            {
                "method": "GET",
                "url": f"{V}/sobjects/Contact/@{{bad.id}}",
                "referenceId": "dependent",
            },
            {
                "method": "POST",
                "url": f"{V}/sobjects/Lead",
                "referenceId": "other",
                "body": {"LastName": "L", "Company": "C"},
            },
        ],
    )
    assert answers[0]["httpStatusCode"] == 400
    assert answers[0]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert answers[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert answers[2]["httpStatusCode"] == 201


def test_all_or_none_rolls_back(local: LocalOrg, sf: Any) -> None:
    answers = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{V}/sobjects/Account",
                "referenceId": "a",
                "body": {"Name": "Gone"},
            },
            {
                "method": "POST",
                "url": f"{V}/sobjects/Contact",
                "referenceId": "b",
                "body": {"FirstName": "NoLast"},
            },
            {
                "method": "POST",
                "url": f"{V}/sobjects/Lead",
                "referenceId": "c",
                "body": {"LastName": "L", "Company": "C"},
            },
        ],
        all_or_none=True,
    )
    assert [a["httpStatusCode"] for a in answers] == [400, 400, 400]
    assert answers[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert answers[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert answers[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert local.org.count("Account") == 0 and local.org.count("Lead") == 0


def test_collections_inside_composite(local: LocalOrg, sf: Any) -> None:
    records = [{"attributes": {"type": "Contact"}, "LastName": "In"}]
    answers = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{V}/composite/sobjects",
                "referenceId": "many",
                "body": {"records": records},
            }
        ],
    )
    assert answers[0]["body"][0]["success"] is True
    assert local.org.count("Contact") == 1


def test_limits_and_validation(sf: Any) -> None:
    too_many = [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{i}"} for i in range(26)]
    with pytest.raises(SalesforceMalformedRequest):
        composite(sf, too_many)
    with pytest.raises(SalesforceMalformedRequest):
        composite(
            sf,
            [
                {"method": "GET", "url": f"{V}/limits", "referenceId": "x"},
                {"method": "GET", "url": f"{V}/limits", "referenceId": "x"},
            ],
        )


def test_all_or_none_undoes_updates_and_deletes(local: LocalOrg, sf: Any) -> None:
    keep = sf.Contact.create({"LastName": "Keep", "Email": "keep@example.com"})["id"]
    answers = composite(
        sf,
        [
            {
                "method": "PATCH",
                "url": f"{V}/sobjects/Contact/{keep}",
                "referenceId": "rename",
                "body": {"LastName": "Renamed", "Email": "renamed@example.com"},
            },
            {"method": "DELETE", "url": f"{V}/sobjects/Contact/{keep}", "referenceId": "drop"},
            {"method": "GET", "url": f"{V}/sobjects/Contact/{keep}", "referenceId": "gone"},
        ],
        all_or_none=True,
    )
    assert [a["httpStatusCode"] for a in answers] == [400, 400, 404]
    record = sf.Contact.get(keep)
    assert (record["LastName"], record["Email"]) == ("Keep", "keep@example.com")
    assert sf.query("SELECT Id FROM Contact WHERE Email = 'keep@example.com'")["totalSize"] == 1
