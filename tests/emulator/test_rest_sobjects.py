"""REST sObject resources over sockets through simple-salesforce: describe, CRUD, upsert, ..."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from flask_sfsync.emulator.handle import LocalOrg


def content(info: Any) -> Any:
    """The decoded error body simple-salesforce attached to its exception."""
    return info.value.content


@pytest.fixture(scope="module")
def local() -> Iterator[LocalOrg]:
    with LocalOrg() as org:
        yield org


@pytest.fixture
def sf(local: LocalOrg) -> Any:
    return local.salesforce()


def raw(local: LocalOrg, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A call simple-salesforce cannot make as-is (odd content types, bad JSON)."""
    token = local.issue_token()["access_token"]
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return local.requests_session().request(
        method, f"{local.instance_url}{path}", headers=headers, timeout=30, **kwargs
    )


def test_versions_and_resources(local: LocalOrg, sf: Any) -> None:
    versions = requests.get(
        f"{local.instance_url}/services/data/", verify=local.ca_bundle, timeout=30
    ).json()
    assert {"label": "Winter '21", "url": "/services/data/v50.0", "version": "50.0"} in versions
    assert sf.restful("")["sobjects"] == "/services/data/v60.0/sobjects"
    old: Any = local.salesforce(version="50.0")
    assert old.restful("")["query"] == "/services/data/v50.0/query"


@pytest.mark.parametrize("version", ["49.0", "60.5", "abc"])
def test_unsupported_version_is_not_found(local: LocalOrg, version: str) -> None:
    response = raw(local, "GET", f"/services/data/v{version}/sobjects")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_global_and_object_describe(sf: Any) -> None:
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Contact", "Lead", "Account", "Opportunity", "Task", "Event", "User"} <= names
    assert "CustomField" not in names  # a Tooling API object
    described = sf.Contact.describe()
    fields = {f["name"]: f for f in described["fields"]}
    assert fields["LastName"]["nillable"] is False
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    info = sf.Contact.metadata()
    assert info["objectDescribe"]["keyPrefix"] == "003"
    assert info["recentItems"] == []


def test_unknown_object_is_not_found(sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound) as excinfo:
        sf.Foo.describe()
    assert content(excinfo) == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
    ]


def test_record_crud_status_codes(sf: Any) -> None:
    created = sf.Contact.create({"LastName": "Crud", "Email": "crud@example.com"})
    assert created["success"] is True and created["errors"] == []
    record_id = created["id"]
    assert record_id.startswith("003") and len(record_id) == 18
    got = sf.Contact.get(record_id)
    assert got["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v60.0/sobjects/Contact/{record_id}",
    }
    assert got["LastName"] == "Crud"
    partial = sf.restful(f"sobjects/Contact/{record_id}", params={"fields": "Email,LastName"})
    assert set(partial) == {"attributes", "Email", "LastName"}
    assert sf.Contact.update(record_id, {"FirstName": "Ada"}) == 204
    assert sf.Contact.get(record_id)["FirstName"] == "Ada"
    assert sf.Contact.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(record_id)


def test_record_errors(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.Contact.create({"FirstName": "NoLast"})
    assert content(missing)[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceResourceNotFound) as not_an_id:
        sf.Contact.get("not-an-id")
    assert "Provided external ID field does not exist" in content(not_an_id)[0]["message"]
    account = sf.Account.create({"Name": "Acme"})["id"]
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(account)  # an Account Id under /Contact


def test_upsert_by_external_id(sf: Any) -> None:
    first = sf.Contact.upsert("Email/upsert@example.com", {"LastName": "One"}, raw_response=True)
    assert first.status_code == 201
    body = first.json()
    assert body["created"] is True and body["success"] is True
    again = sf.Contact.upsert("Email/upsert@example.com", {"LastName": "Two"}, raw_response=True)
    assert again.status_code == 200
    assert again.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    assert sf.Contact.get_by_custom_id("Email", "upsert@example.com")["LastName"] == "Two"


def test_upsert_unknown_field_is_404(sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.upsert("Nope__c/1", {"LastName": "X"})


def test_upsert_with_several_matches_is_300(sf: Any) -> None:
    headers = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    ids = [
        sf.Contact.create({"LastName": f"Twin{i}", "Email": "twin@example.com"}, headers=headers)[
            "id"
        ]
        for i in range(2)
    ]
    with pytest.raises(SalesforceMoreThanOneRecord) as excinfo:
        sf.Contact.upsert("Email/twin@example.com", {"LastName": "Which"})
    assert sorted(content(excinfo)) == sorted(
        f"/services/data/v60.0/sobjects/Contact/{i}" for i in ids
    )


def test_duplicate_rule_and_allow_save_header(sf: Any) -> None:
    sf.Contact.create({"LastName": "Dup", "Email": "dup@example.com"})
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.Contact.create({"LastName": "Dup2", "Email": "dup@example.com"})
    assert content(excinfo)[0]["errorCode"] == "DUPLICATES_DETECTED"
    allowed = sf.Contact.create(
        {"LastName": "Dup2", "Email": "dup@example.com"},
        headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"},
    )
    assert allowed["success"] is True


def test_bad_input_gets_salesforce_errors(local: LocalOrg) -> None:
    bad_json = raw(
        local,
        "POST",
        "/services/data/v60.0/sobjects/Contact",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400
    assert bad_json.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    wrong_type = raw(
        local,
        "POST",
        "/services/data/v60.0/sobjects/Contact",
        data=b"LastName=x",
        headers={"Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()[0]["errorCode"] == "UNSUPPORTED_MEDIA_TYPE"
    array = raw(local, "POST", "/services/data/v60.0/sobjects/Contact", json=[1])
    assert array.status_code == 400 and array.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    wrong_method = raw(local, "PUT", "/services/data/v60.0/sobjects/Contact", json={})
    assert wrong_method.status_code == 405
    assert wrong_method.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    unknown = raw(local, "GET", "/services/data/v60.0/nothing/here")
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"].startswith("application/json")


@pytest.fixture
def later(local: LocalOrg) -> Iterator[None]:
    """Salesforce covers a window only up to the last whole minute: let the org's clock run."""
    clock = local.org.clock
    yield
    local.org.clock = clock


def advance(local: LocalOrg, minutes: int) -> None:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    local.org.clock = lambda: moment


def test_updated_and_deleted(local: LocalOrg, sf: Any, later: None) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    record_id = sf.Lead.create({"LastName": "Rep", "Company": "Co"})["id"]
    advance(local, 2)
    assert record_id in sf.Lead.updated(start, end)["ids"]
    sf.Lead.delete(record_id)
    advance(local, 4)
    gone = sf.Lead.deleted(start, end)
    assert record_id in [entry["id"] for entry in gone["deletedRecords"]]
    assert {"earliestDateAvailable", "latestDateCovered"} <= set(gone)
    with pytest.raises(SalesforceMalformedRequest) as too_old:
        sf.Lead.updated(start - dt.timedelta(days=31), end)
    assert content(too_old)[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest) as backwards:
        sf.Lead.deleted(end, start)
    assert content(backwards)[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_limits_and_limit_header(local: LocalOrg, sf: Any) -> None:
    limits = sf.limits()
    daily = limits["DailyApiRequests"]
    assert daily["Max"] == local.org.daily_api_limit
    assert daily["Remaining"] == local.org.daily_api_limit - local.org.api_usage
    assert "DailyBulkV2QueryJobs" in limits
    assert sf.api_usage["api-usage"].total == local.org.daily_api_limit
