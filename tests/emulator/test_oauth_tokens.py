"""Token endpoint, refresh, revoke, identity and userinfo, and token expiry on the instance."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

from flask_sfsync.emulator import LocalOrg


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg() as running:
        yield running


def _token_url(org: LocalOrg) -> str:
    return org.login_url + "/services/oauth2/token"


def _refresh(org: LocalOrg, refresh_token: str, **overrides: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": org.client_id, "client_secret": org.client_secret}
    form.update(overrides)
    return requests.post(_token_url(org), data=form)


def _client(org: LocalOrg, token: dict[str, Any]) -> Salesforce:
    return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                      session=org.requests_session(), version="60.0")


def test_refresh_gives_a_new_access_token_and_no_refresh_token(org: LocalOrg) -> None:
    first = org.issue_token()
    answer = _refresh(org, first["refresh_token"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["access_token"] != first["access_token"]
    assert "refresh_token" not in body and "expires_in" not in body
    assert body["id"] == first["id"] and body["instance_url"] == org.instance_url
    assert body["token_type"] == "Bearer"
    # Refresh tokens last until revoked: a second refresh works too.
    assert _refresh(org, first["refresh_token"]).status_code == 200


def test_authlib_refreshes_with_http_basic_client_auth(org: LocalOrg) -> None:
    first = org.issue_token()
    client = OAuth2Session(org.client_id, org.client_secret,
                           token_endpoint_auth_method="client_secret_basic")
    token = client.refresh_token(_token_url(org), refresh_token=first["refresh_token"])
    assert token["access_token"] != first["access_token"]


def test_client_credentials_in_the_body(org: LocalOrg) -> None:
    first = org.issue_token()
    client = OAuth2Session(org.client_id, org.client_secret,
                           token_endpoint_auth_method="client_secret_post")
    token = client.refresh_token(_token_url(org), refresh_token=first["refresh_token"])
    assert token["instance_url"] == org.instance_url


def test_token_endpoint_errors(org: LocalOrg) -> None:
    refresh = org.issue_token()["refresh_token"]
    assert _refresh(org, "5Aep861nope").json() == {
        "error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert _refresh(org, refresh, client_secret="wrong").json() == {
        "error": "invalid_client", "error_description": "invalid client credentials"}
    assert _refresh(org, refresh, client_id="3MVG9other").json()["error"] == "invalid_client_id"
    assert _refresh(org, refresh, grant_type="password").json()["error"] == "unsupported_grant_type"
    basic = base64.b64encode(f"{org.client_id}:wrong".encode()).decode()
    answer = requests.post(_token_url(org), headers={"Authorization": f"Basic {basic}"},
                           data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client"


def test_revoking_a_refresh_token_revokes_its_access_tokens(org: LocalOrg) -> None:
    token = org.issue_token()
    session = org.requests_session()
    limits = org.instance_url + "/services/data/v60.0/limits"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert session.get(limits, headers=auth).status_code == 200

    answer = requests.post(org.login_url + "/services/oauth2/revoke",
                           data={"token": token["refresh_token"]})
    assert answer.status_code == 200

    after = session.get(limits, headers=auth)
    assert after.status_code == 401
    assert after.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert _refresh(org, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoking_an_access_token_keeps_the_refresh_token(org: LocalOrg) -> None:
    token = org.issue_token()
    answer = requests.post(org.login_url + "/services/oauth2/revoke",
                           data={"token": token["access_token"]})
    assert answer.status_code == 200
    assert _refresh(org, token["refresh_token"]).status_code == 200


def test_revoking_an_unknown_token_is_400(org: LocalOrg) -> None:
    answer = requests.post(org.login_url + "/services/oauth2/revoke", data={"token": "nope"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_token_type"


def test_identity_url(org: LocalOrg) -> None:
    token = org.issue_token()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    identity = requests.get(token["id"], headers=auth)
    assert identity.status_code == 200
    body = identity.json()
    admin = org.admin
    assert body["id"] == token["id"]
    assert body["user_id"] == admin.id and body["organization_id"] == org.org_id
    assert body["username"] == admin.username and body["email"] == admin.email
    assert body["display_name"] == f"{admin.first_name} {admin.last_name}"
    assert body["active"] is True and body["user_type"] == "STANDARD"
    assert body["urls"]["rest"] == org.instance_url + "/services/data/v{version}/"
    versioned = requests.get(token["id"], headers=auth, params={"version": "60.0"}).json()
    assert versioned["urls"]["query"] == org.instance_url + "/services/data/v60.0/query/"
    # The instance (My Domain) serves it too.
    on_instance = org.requests_session().get(
        token["id"].replace(org.login_url, org.instance_url), headers=auth)
    assert on_instance.json()["user_id"] == admin.id


def test_identity_with_a_bad_token_is_403(org: LocalOrg) -> None:
    token = org.issue_token()
    answer = requests.get(token["id"], headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 403 and answer.text == "Bad_OAuth_Token"
    assert requests.get(token["id"]).text == "Missing_OAuth_Token"


def test_userinfo_on_both_hosts(org: LocalOrg) -> None:
    standard = next(u for u in org.org.users if u.is_active and not u.is_admin)
    token = org.issue_token(standard.username)
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    info = requests.get(org.login_url + "/services/oauth2/userinfo", headers=auth).json()
    assert info["sub"] == token["id"]
    assert info["user_id"] == standard.id and info["organization_id"] == org.org_id
    assert info["preferred_username"] == standard.username and info["email"] == standard.email
    assert info["name"] == f"{standard.first_name} {standard.last_name}"
    on_instance = org.requests_session().get(
        org.instance_url + "/services/oauth2/userinfo", headers=auth)
    assert on_instance.json()["user_id"] == standard.id


def test_access_tokens_expire_after_the_lifetime() -> None:
    with LocalOrg(token_lifetime=60) as org:
        token = org.issue_token()
        sf = _client(org, token)
        sf.restful("limits")
        # Move the token store's clock rather than sleeping: the test is exact at any load.
        issued = time.time()
        org.tokens.clock = lambda: issued + 30
        assert sf.restful("limits")
        org.tokens.clock = lambda: issued + 61
        with pytest.raises(SalesforceExpiredSession) as raised:
            sf.restful("limits")
        assert raised.value.status == 401
        assert cast(Any, raised.value.content) == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        # The refresh token still works, and the new client is accepted.
        refreshed = _refresh(org, token["refresh_token"]).json()
        assert _client(org, refreshed).restful("limits")


def test_inactive_user_has_no_tokens(org: LocalOrg) -> None:
    inactive = next(u for u in org.org.users if not u.is_active)
    refresh = org.issue_token(inactive.username)["refresh_token"]
    assert _refresh(org, refresh).json()["error"] == "invalid_grant"


def test_token_endpoint_calls_are_logged_separately(org: LocalOrg) -> None:
    _refresh(org, org.issue_token()["refresh_token"])
    assert [(e.method, e.path, e.status) for e in org.oauth_log] == [
        ("POST", "/services/oauth2/token", 200)]
    assert len(org.request_log) == 0


def test_openid_discovery_names_the_endpoints(org: LocalOrg) -> None:
    meta = requests.get(org.login_url + "/.well-known/openid-configuration").json()
    assert meta["authorization_endpoint"] == org.login_url + "/services/oauth2/authorize"
    assert meta["token_endpoint"] == org.login_url + "/services/oauth2/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
