"""REST sObject resources over sockets through simple-salesforce: describe, CRUD, upsert, ..."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from emulator_support import api, error_body
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from flask_sfsync.emulator.handle import LocalOrg


def test_versions_and_resources(shared_local: LocalOrg, shared_sf: Any) -> None:
    versions = requests.get(
        f"{shared_local.instance_url}/services/data/", verify=shared_local.ca_bundle, timeout=30
    ).json()
    assert {"label": "Winter '21", "url": "/services/data/v50.0", "version": "50.0"} in versions
    assert shared_sf.restful("")["sobjects"] == "/services/data/v60.0/sobjects"
    old: Any = shared_local.salesforce(version="50.0")
    assert old.restful("")["query"] == "/services/data/v50.0/query"


@pytest.mark.parametrize("version", ["49.0", "60.5", "abc"])
def test_unsupported_version_is_not_found(shared_local: LocalOrg, version: str) -> None:
    response = api(shared_local, "GET", f"/services/data/v{version}/sobjects")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_global_and_object_describe(shared_sf: Any) -> None:
    names = {o["name"] for o in shared_sf.describe()["sobjects"]}
    assert {"Contact", "Lead", "Account", "Opportunity", "Task", "Event", "User"} <= names
    assert "CustomField" not in names  # a Tooling API object
    described = shared_sf.Contact.describe()
    fields = {f["name"]: f for f in described["fields"]}
    assert fields["LastName"]["nillable"] is False
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    info = shared_sf.Contact.metadata()
    assert info["objectDescribe"]["keyPrefix"] == "003"
    assert info["recentItems"] == []


def test_unknown_object_is_not_found(shared_sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound) as excinfo:
        shared_sf.Foo.describe()
    assert error_body(excinfo) == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
    ]


def test_record_crud_status_codes(shared_sf: Any) -> None:
    created = shared_sf.Contact.create({"LastName": "Crud", "Email": "crud@example.com"})
    assert created["success"] is True and created["errors"] == []
    record_id = created["id"]
    assert record_id.startswith("003") and len(record_id) == 18
    got = shared_sf.Contact.get(record_id)
    assert got["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v60.0/sobjects/Contact/{record_id}",
    }
    assert got["LastName"] == "Crud"
    partial = shared_sf.restful(
        f"sobjects/Contact/{record_id}", params={"fields": "Email,LastName"})
    assert set(partial) == {"attributes", "Email", "LastName"}
    assert shared_sf.Contact.update(record_id, {"FirstName": "Ada"}) == 204
    assert shared_sf.Contact.get(record_id)["FirstName"] == "Ada"
    assert shared_sf.Contact.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound):
        shared_sf.Contact.get(record_id)


def test_record_errors(shared_sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as missing:
        shared_sf.Contact.create({"FirstName": "NoLast"})
    assert error_body(missing)[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceResourceNotFound) as not_an_id:
        shared_sf.Contact.get("not-an-id")
    assert "Provided external ID field does not exist" in error_body(not_an_id)[0]["message"]
    account = shared_sf.Account.create({"Name": "Acme"})["id"]
    with pytest.raises(SalesforceResourceNotFound):
        shared_sf.Contact.get(account)  # an Account Id under /Contact


def test_upsert_by_external_id(shared_sf: Any) -> None:
    contacts = shared_sf.Contact
    first = contacts.upsert("Email/upsert@example.com", {"LastName": "One"}, raw_response=True)
    assert first.status_code == 201
    body = first.json()
    assert body["created"] is True and body["success"] is True
    again = contacts.upsert("Email/upsert@example.com", {"LastName": "Two"}, raw_response=True)
    assert again.status_code == 200
    assert again.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    assert shared_sf.Contact.get_by_custom_id("Email", "upsert@example.com")["LastName"] == "Two"


def test_upsert_unknown_field_is_404(shared_sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        shared_sf.Contact.upsert("Nope__c/1", {"LastName": "X"})


def test_upsert_with_several_matches_is_300(shared_sf: Any) -> None:
    headers = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    ids = [
        shared_sf.Contact.create(
            {"LastName": f"Twin{i}", "Email": "twin@example.com"}, headers=headers)["id"]
        for i in range(2)
    ]
    with pytest.raises(SalesforceMoreThanOneRecord) as excinfo:
        shared_sf.Contact.upsert("Email/twin@example.com", {"LastName": "Which"})
    assert sorted(error_body(excinfo)) == sorted(
        f"/services/data/v60.0/sobjects/Contact/{i}" for i in ids
    )


def test_duplicate_rule_and_allow_save_header(shared_sf: Any) -> None:
    shared_sf.Contact.create({"LastName": "Dup", "Email": "dup@example.com"})
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        shared_sf.Contact.create({"LastName": "Dup2", "Email": "dup@example.com"})
    assert error_body(excinfo)[0]["errorCode"] == "DUPLICATES_DETECTED"
    allowed = shared_sf.Contact.create(
        {"LastName": "Dup2", "Email": "dup@example.com"},
        headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"},
    )
    assert allowed["success"] is True


def test_bad_input_gets_salesforce_errors(shared_local: LocalOrg) -> None:
    bad_json = api(
        shared_local,
        "POST",
        "/services/data/v60.0/sobjects/Contact",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400
    assert bad_json.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    wrong_type = api(
        shared_local,
        "POST",
        "/services/data/v60.0/sobjects/Contact",
        data=b"LastName=x",
        headers={"Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()[0]["errorCode"] == "UNSUPPORTED_MEDIA_TYPE"
    array = api(shared_local, "POST", "/services/data/v60.0/sobjects/Contact", json=[1])
    assert array.status_code == 400 and array.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    wrong_method = api(shared_local, "PUT", "/services/data/v60.0/sobjects/Contact", json={})
    assert wrong_method.status_code == 405
    assert wrong_method.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    unknown = api(shared_local, "GET", "/services/data/v60.0/nothing/here")
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"].startswith("application/json")


@pytest.fixture
def later(shared_local: LocalOrg) -> Iterator[None]:
    """Salesforce covers a window only up to the last whole minute: let the org's clock run."""
    clock = shared_local.org.clock
    yield
    shared_local.org.clock = clock


def advance(shared_local: LocalOrg, minutes: int) -> None:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    shared_local.org.clock = lambda: moment


def test_updated_and_deleted(shared_local: LocalOrg, shared_sf: Any, later: None) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    record_id = shared_sf.Lead.create({"LastName": "Rep", "Company": "Co"})["id"]
    advance(shared_local, 2)
    assert record_id in shared_sf.Lead.updated(start, end)["ids"]
    shared_sf.Lead.delete(record_id)
    advance(shared_local, 4)
    gone = shared_sf.Lead.deleted(start, end)
    assert record_id in [entry["id"] for entry in gone["deletedRecords"]]
    assert {"earliestDateAvailable", "latestDateCovered"} <= set(gone)
    with pytest.raises(SalesforceMalformedRequest) as too_old:
        shared_sf.Lead.updated(start - dt.timedelta(days=31), end)
    assert error_body(too_old)[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest) as backwards:
        shared_sf.Lead.deleted(end, start)
    assert error_body(backwards)[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_limits_and_limit_header(shared_local: LocalOrg, shared_sf: Any) -> None:
    limits = shared_sf.limits()
    daily = limits["DailyApiRequests"]
    assert daily["Max"] == shared_local.org.daily_api_limit
    assert daily["Remaining"] == shared_local.org.daily_api_limit - shared_local.org.api_usage
    assert "DailyBulkV2QueryJobs" in limits
    assert shared_sf.api_usage["api-usage"].total == shared_local.org.daily_api_limit
