"""Fault injection and the request log, through the Python handle and the control API."""

from __future__ import annotations

from typing import Any, cast

import pytest
import requests
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
)

from flask_sfsync.emulator import LocalOrg

V = "/services/data/v60.0"


def _contacts(sf: Salesforce) -> SFType:
    return cast(SFType, sf.Contact)


def _content(error: SalesforceError) -> Any:
    return cast(Any, error.content)  # simple-salesforce types it as bytes; it holds the JSON


def _contact(sf: Salesforce) -> str:
    return str(_contacts(sf).create({"LastName": "Lovelace"})["id"])


def test_error_rate_503(local: LocalOrg) -> None:
    sf = local.salesforce()
    local.faults.error_rate(1.0, kind="503")
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.restful("limits")
    assert raised.value.status == 503
    assert _content(raised.value)[0]["errorCode"] == "SERVER_UNAVAILABLE"
    local.faults.error_rate(0, kind="503")
    assert sf.restful("limits")


def test_error_rate_500_is_salesforce_json(local: LocalOrg) -> None:
    sf = local.salesforce()
    local.faults.error_rate(1.0, kind="500")
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.query("SELECT Id FROM Contact")
    assert raised.value.status == 500
    assert _content(raised.value)[0]["errorCode"] == "UNKNOWN_EXCEPTION"


def test_unable_to_lock_row_on_a_single_record_call(local: LocalOrg) -> None:
    sf = local.salesforce()
    record_id = _contact(sf)
    local.faults.error_rate(1.0, kind="UNABLE_TO_LOCK_ROW")
    with pytest.raises(SalesforceError) as raised:
        _contacts(sf).update(record_id, {"FirstName": "Ada"})
    assert raised.value.status == 400
    assert _content(raised.value) == [{
        "errorCode": "UNABLE_TO_LOCK_ROW",
        "message": f"unable to obtain exclusive access to this record or 1 records: {record_id}",
    }]
    # Reads are not locked.
    assert _contacts(sf).get(record_id)["Id"] == record_id


def test_unable_to_lock_row_per_record_in_collections(local: LocalOrg) -> None:
    sf = local.salesforce()
    local.faults.error_rate(1.0, kind="UNABLE_TO_LOCK_ROW")
    body = {"allOrNone": False, "records": [
        {"attributes": {"type": "Contact"}, "LastName": f"L{i}"} for i in range(3)]}
    results: Any = sf.restful("composite/sobjects", method="POST", json=body)
    assert [r["success"] for r in results] == [False, False, False]
    assert {r["errors"][0]["statusCode"] for r in results} == {"UNABLE_TO_LOCK_ROW"}
    assert local.request_log[-1].status == 200


def test_fail_next_n_calls_of_an_endpoint(local: LocalOrg) -> None:
    sf = local.salesforce()
    local.faults.fail_next(2, "/query", kind="503")  # the version prefix may be left out
    assert sf.restful("limits")  # another endpoint is not affected
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError):
            sf.query("SELECT Id FROM Contact")
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    assert [e.status for e in local.request_log] == [200, 503, 503, 200]


def test_fail_next_with_a_connection_reset(local: LocalOrg) -> None:
    sf = local.salesforce()
    local.faults.fail_next(1, V + "/limits", kind="reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.restful("limits")
    assert sf.restful("limits")
    assert [e.status for e in local.request_log] == [0, 200]


def test_expire_all_tokens(local: LocalOrg) -> None:
    token = local.issue_token()
    sf = local.salesforce()
    local.faults.expire_all_tokens()
    with pytest.raises(SalesforceExpiredSession):
        sf.restful("limits")
    refreshed = requests.post(local.login_url + "/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
        "client_id": local.client_id, "client_secret": local.client_secret}).json()
    fresh = Salesforce(instance_url=local.instance_url, session_id=refreshed["access_token"],
                       session=local.requests_session())
    assert fresh.restful("limits")


def test_lower_the_daily_limit(local: LocalOrg) -> None:
    sf = local.salesforce()
    sf.restful("limits")
    local.faults.set_daily_limit(1)
    with pytest.raises(SalesforceError) as raised:
        sf.restful("limits")
    assert _content(raised.value)[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert local.org.daily_api_limit == 1


def test_down_and_up(local: LocalOrg) -> None:
    sf = local.salesforce()
    assert sf.restful("limits")  # opens a keep-alive connection
    local.faults.down()
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.restful("limits")
    with pytest.raises(requests.exceptions.ConnectionError):
        local.salesforce().restful("limits")  # a new connection too
    token = local.issue_token()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(local.login_url + "/services/oauth2/token", data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
            "client_id": local.client_id, "client_secret": local.client_secret})
    # The control API stays reachable, so a test can bring the org back.
    state = requests.get(local.login_url + "/_emulator/faults").json()
    assert state["down"] is True
    local.faults.up()
    assert sf.restful("limits")


def test_latency_is_added(local: LocalOrg) -> None:
    sf = local.salesforce()
    local.faults.latency(0.05)
    sf.restful("limits")
    # A lower bound only: the server sleeps at least the latency (monotonic clock), so this
    # holds however loaded the machine is; nothing asserts how fast anything is.
    assert local.request_log[-1].duration >= 0.05
    assert local.faults.state()["latency"] == 0.05
    local.faults.latency(0)
    sf.restful("limits")
    assert local.faults.state()["latency"] == 0


def test_request_log_counts_calls_and_records(local: LocalOrg) -> None:
    sf = local.salesforce()
    _contacts(sf).create({"LastName": "One"})
    body = {"allOrNone": False, "records": [
        {"attributes": {"type": "Contact"}, "LastName": f"L{i}"} for i in range(5)]}
    sf.restful("composite/sobjects", method="POST", json=body)
    entries = local.request_log.entries()
    assert [(e.method, e.path, e.status, e.records) for e in entries] == [
        ("POST", V + "/sobjects/Contact/", 201, 1),
        ("POST", V + "/composite/sobjects", 200, 5),
    ]
    assert local.request_log.count(method="POST", path_prefix=V + "/composite") == 1
    local.request_log.clear()
    assert len(local.request_log) == 0


def test_control_api_over_http(local: LocalOrg) -> None:
    control = local.login_url + "/_emulator"
    info = requests.get(control + "/info").json()
    assert info["instance_url"] == local.instance_url and info["client_id"] == local.client_id

    state = requests.post(control + "/faults", json={
        "latency": 0.01, "fail_next": {"n": 1, "path_prefix": "/limits", "kind": "500"},
        "error_rate": {"rate": 0.5, "kind": "503", "path_prefix": "/services/data/v60.0/query"},
    }).json()
    assert state["latency"] == 0.01
    assert state["fail_next"] == [{"n": 1, "path_prefix": "/limits", "kind": "500"}]
    assert state["error_rates"] == [
        {"rate": 0.5, "kind": "503", "path_prefix": "/services/data/v60.0/query"}]

    token = requests.post(control + "/token", json={}).json()
    session = local.requests_session()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert session.get(local.instance_url + V + "/limits", headers=auth).status_code == 500
    assert requests.delete(control + "/faults").json()["fail_next"] == []
    assert session.get(local.instance_url + V + "/limits", headers=auth).status_code == 200

    log = requests.get(control + "/requests").json()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", V + "/limits", 500), ("GET", V + "/limits", 200)]
    requests.delete(control + "/requests")
    assert requests.get(control + "/requests").json() == {"requests": []}

    requests.post(control + "/faults", json={"expire_tokens": True})
    assert session.get(local.instance_url + V + "/limits", headers=auth).status_code == 401
    requests.post(control + "/faults", json={"daily_limit": 0})
    assert requests.get(control + "/limits").json()["max"] == 0


def test_control_api_rejects_bad_input_with_json(local: LocalOrg) -> None:
    answer = requests.post(local.login_url + "/_emulator/faults",
                           json={"error_rate": {"rate": 3, "kind": "503"}})
    assert answer.status_code == 400 and "error" in answer.json()
    answer = requests.post(local.login_url + "/_emulator/faults",
                           json={"fail_next": {"n": 1, "kind": "teapot"}})
    assert answer.status_code == 400
    assert requests.get(local.login_url + "/_emulator/nope").status_code == 404
