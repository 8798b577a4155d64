"""The instance pipeline: auth, limits header, API count, errors as JSON, TLS and keep-alive."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator
from typing import Any, cast

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError

from flask_sfsync.emulator import LocalOrg

V = "/services/data/v60.0"


def _auth(local: LocalOrg) -> dict[str, str]:
    return {"Authorization": f"Bearer {local.issue_token()['access_token']}"}


def test_every_rest_response_carries_the_limits_header(local: LocalOrg) -> None:
    session, auth = local.requests_session(), _auth(local)
    answers = [
        session.get(local.instance_url + V + "/limits", headers=auth),
        session.get(local.instance_url + V + "/sobjects/Nope/describe", headers=auth),
        session.get(local.instance_url + V + "/limits", headers={"Authorization": "Bearer x"}),
        session.post(local.instance_url + V + "/sobjects/Contact", headers=auth, data="{oops"),
    ]
    assert [a.status_code for a in answers] == [200, 404, 401, 400]
    for answer in answers:
        assert answer.headers["Sforce-Limit-Info"].startswith("api-usage=")
        assert answer.headers["Content-Type"].startswith("application/json")
    assert answers[0].headers["Sforce-Limit-Info"] == "api-usage=1/100000"


def test_api_usage_counts_authenticated_calls(local: LocalOrg) -> None:
    sf = local.salesforce()
    for _ in range(3):
        sf.restful("limits")
    assert sf.api_usage["api-usage"].used == 3
    assert local.org.api_usage == 3


def test_past_the_daily_limit_every_call_is_refused() -> None:
    with LocalOrg(daily_api_limit=2) as local:
        sf = local.salesforce()
        sf.restful("limits")
        sf.restful("limits")
        with pytest.raises(SalesforceError) as raised:
            sf.restful("limits")
        assert raised.value.status == 403
        assert cast(Any, raised.value.content) == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_missing_or_bad_token_is_invalid_session_id(local: LocalOrg) -> None:
    session = local.requests_session()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        answer = session.get(local.instance_url + V + "/limits", headers=headers)
        assert answer.status_code == 401
        assert answer.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_the_older_oauth_scheme_is_accepted(local: LocalOrg) -> None:
    token = local.issue_token()["access_token"]
    answer = local.requests_session().get(local.instance_url + V + "/limits",
                                        headers={"Authorization": f"OAuth {token}"})
    assert answer.status_code == 200


def test_unknown_paths_are_salesforce_404s(local: LocalOrg) -> None:
    session, auth = local.requests_session(), _auth(local)
    for path in ("/nope", "/services/apexrest/x", V + "/nothing/here"):
        answer = session.get(local.instance_url + path, headers=auth)
        assert answer.status_code == 404
        assert answer.json()[0]["errorCode"] == "NOT_FOUND"


def test_version_list_needs_no_token(local: LocalOrg) -> None:
    answer = local.requests_session().get(local.instance_url + "/services/data/")
    assert answer.status_code == 200
    versions = [v["version"] for v in answer.json()]
    assert "50.0" in versions and "62.0" in versions


def test_an_unexpected_exception_is_a_json_500(
    local: LocalOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr(local.org, "object_info", broken)
    monkeypatch.setattr(local.org, "object_def", broken)
    answer = local.requests_session().get(local.instance_url + V + "/sobjects/Contact/describe",
                                        headers=_auth(local))
    assert answer.status_code == 500
    body = answer.json()
    assert body[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert "boom" not in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("method", "path", "headers", "data"),
    [
        ("POST", V + "/sobjects/Contact", {"Content-Type": "application/json"}, b"{not json"),
        ("POST", V + "/sobjects/Contact", {"Content-Type": "text/csv"}, b"a,b"),
        ("PATCH", V + "/sobjects/Contact/003xyz", {"Content-Type": "application/json"}, b"{}"),
        ("GET", V + "/query", {}, b""),
        ("GET", V + "/query?q=SELEKT+Id", {}, b""),
        ("POST", V + "/composite/sobjects", {"Content-Type": "application/json"}, b"[1,2"),
        ("GET", V + "/sobjects/%00%ff/describe", {}, b""),
        ("DELETE", V + "/limits", {}, b""),
    ],
)
def test_bad_input_never_gives_html_or_a_stack_trace(
    local: LocalOrg, method: str, path: str, headers: dict[str, str], data: bytes
) -> None:
    answer = local.requests_session().request(
        method, local.instance_url + path, headers={**_auth(local), **headers}, data=data)
    assert 400 <= answer.status_code < 500
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert isinstance(body, list) and "errorCode" in body[0]
    assert "Traceback" not in answer.text and "<html" not in answer.text.lower()


def test_simple_salesforce_talks_to_the_instance_over_tls(
    sf: Salesforce, local: LocalOrg
) -> None:
    result = sf.query("SELECT Id, Username FROM User")
    assert result["totalSize"] == len(local.org.users)
    assert local.request_log[-1].records == len(local.org.users)


def test_certificate_is_valid_for_localhost_too(local: LocalOrg) -> None:
    url = local.instance_url.replace("127.0.0.1", "localhost") + "/services/data/"
    assert local.requests_session().get(url).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(local.instance_url + "/services/data/", verify=True)


def test_connections_are_kept_alive(local: LocalOrg) -> None:
    port = int(local.instance_url.rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=local.ca_bundle)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context)
    auth = _auth(local)
    try:
        for _ in range(3):
            conn.request("GET", V + "/limits", headers=auth)
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 200
            assert answer.getheader("Connection") != "close"
        sock = conn.sock
        conn.request("GET", V + "/limits", headers=auth)
        conn.getresponse().read()
        assert conn.sock is sock  # the same TLS connection answered every call
    finally:
        conn.close()


def test_request_body_the_api_never_reads_does_not_break_keep_alive(local: LocalOrg) -> None:
    session = local.requests_session()
    rejected = session.post(local.instance_url + V + "/sobjects/Contact",
                            headers={"Authorization": "Bearer nope"}, json={"LastName": "x" * 5000})
    assert rejected.status_code == 401
    assert session.get(local.instance_url + V + "/limits", headers=_auth(local)).status_code == 200


def _raw_exchange(local: LocalOrg, data: bytes) -> bytes:
    import socket

    port = int(local.instance_url.rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=local.ca_bundle)
    with socket.create_connection(("127.0.0.1", port)) as raw, context.wrap_socket(
        raw, server_hostname="127.0.0.1"
    ) as conn:
        conn.sendall(data)
        return conn.recv(65536)


def test_malformed_http_gets_json_not_html(local: LocalOrg) -> None:
    answer = _raw_exchange(
        local,
        b"POST " + V.encode() + b"/limits HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/json" in head
    assert body.startswith(b"[{") and b"<html" not in body.lower()


def test_chunked_request_bodies_are_read(local: LocalOrg) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"LastName":'
        yield b'"Chunked"}'

    answer = local.requests_session().post(
        local.instance_url + V + "/sobjects/Contact", data=body(),
        headers={**_auth(local), "Content-Type": "application/json"})
    assert answer.status_code == 201 and answer.json()["success"] is True
