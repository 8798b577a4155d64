"""Token endpoint, refresh, revoke, identity and userinfo, and token expiry on the instance."""

from __future__ import annotations

import base64
import time
from typing import Any, cast

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

from flask_sfsync.emulator import LocalOrg


def _token_url(local: LocalOrg) -> str:
    return local.login_url + "/services/oauth2/token"


def _refresh(local: LocalOrg, refresh_token: str, **overrides: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": local.client_id, "client_secret": local.client_secret}
    form.update(overrides)
    return requests.post(_token_url(local), data=form)


def _client(local: LocalOrg, token: dict[str, Any]) -> Salesforce:
    return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                      session=local.requests_session(), version="60.0")


def test_refresh_gives_a_new_access_token_and_no_refresh_token(local: LocalOrg) -> None:
    first = local.issue_token()
    answer = _refresh(local, first["refresh_token"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["access_token"] != first["access_token"]
    assert "refresh_token" not in body and "expires_in" not in body
    assert body["id"] == first["id"] and body["instance_url"] == local.instance_url
    assert body["token_type"] == "Bearer"
    # Refresh tokens last until revoked: a second refresh works too.
    assert _refresh(local, first["refresh_token"]).status_code == 200


def test_authlib_refreshes_with_http_basic_client_auth(local: LocalOrg) -> None:
    first = local.issue_token()
    client = OAuth2Session(local.client_id, local.client_secret,
                           token_endpoint_auth_method="client_secret_basic")
    token = client.refresh_token(_token_url(local), refresh_token=first["refresh_token"])
    assert token["access_token"] != first["access_token"]


def test_client_credentials_in_the_body(local: LocalOrg) -> None:
    first = local.issue_token()
    client = OAuth2Session(local.client_id, local.client_secret,
                           token_endpoint_auth_method="client_secret_post")
    token = client.refresh_token(_token_url(local), refresh_token=first["refresh_token"])
    assert token["instance_url"] == local.instance_url


def test_token_endpoint_errors(local: LocalOrg) -> None:
    refresh = local.issue_token()["refresh_token"]
    assert _refresh(local, "5Aep861nope").json() == {
        "error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert _refresh(local, refresh, client_secret="wrong").json() == {
        "error": "invalid_client", "error_description": "invalid client credentials"}
    assert _refresh(local, refresh, client_id="3MVG9other").json()["error"] == "invalid_client_id"
    wrong_grant = _refresh(local, refresh, grant_type="password").json()
    assert wrong_grant["error"] == "unsupported_grant_type"
    basic = base64.b64encode(f"{local.client_id}:wrong".encode()).decode()
    answer = requests.post(_token_url(local), headers={"Authorization": f"Basic {basic}"},
                           data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client"


def test_revoking_a_refresh_token_revokes_its_access_tokens(local: LocalOrg) -> None:
    token = local.issue_token()
    session = local.requests_session()
    limits = local.instance_url + "/services/data/v60.0/limits"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert session.get(limits, headers=auth).status_code == 200

    answer = requests.post(local.login_url + "/services/oauth2/revoke",
                           data={"token": token["refresh_token"]})
    assert answer.status_code == 200

    after = session.get(limits, headers=auth)
    assert after.status_code == 401
    assert after.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert _refresh(local, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoking_an_access_token_keeps_the_refresh_token(local: LocalOrg) -> None:
    token = local.issue_token()
    answer = requests.post(local.login_url + "/services/oauth2/revoke",
                           data={"token": token["access_token"]})
    assert answer.status_code == 200
    assert _refresh(local, token["refresh_token"]).status_code == 200


def test_revoking_an_unknown_token_is_400(local: LocalOrg) -> None:
    answer = requests.post(local.login_url + "/services/oauth2/revoke", data={"token": "nope"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_token_type"


def test_identity_url(local: LocalOrg) -> None:
    token = local.issue_token()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    identity = requests.get(token["id"], headers=auth)
    assert identity.status_code == 200
    body = identity.json()
    admin = local.admin
    assert body["id"] == token["id"]
    assert body["user_id"] == admin.id and body["organization_id"] == local.org_id
    assert body["username"] == admin.username and body["email"] == admin.email
    assert body["display_name"] == f"{admin.first_name} {admin.last_name}"
    assert body["active"] is True and body["user_type"] == "STANDARD"
    assert body["urls"]["rest"] == local.instance_url + "/services/data/v{version}/"
    versioned = requests.get(token["id"], headers=auth, params={"version": "60.0"}).json()
    assert versioned["urls"]["query"] == local.instance_url + "/services/data/v60.0/query/"
    # The instance (My Domain) serves it too.
    on_instance = local.requests_session().get(
        token["id"].replace(local.login_url, local.instance_url), headers=auth)
    assert on_instance.json()["user_id"] == admin.id


def test_identity_with_a_bad_token_is_403(local: LocalOrg) -> None:
    token = local.issue_token()
    answer = requests.get(token["id"], headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 403 and answer.text == "Bad_OAuth_Token"
    assert requests.get(token["id"]).text == "Missing_OAuth_Token"


def test_userinfo_on_both_hosts(local: LocalOrg) -> None:
    standard = next(u for u in local.org.users if u.is_active and not u.is_admin)
    token = local.issue_token(standard.username)
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    info = requests.get(local.login_url + "/services/oauth2/userinfo", headers=auth).json()
    assert info["sub"] == token["id"]
    assert info["user_id"] == standard.id and info["organization_id"] == local.org_id
    assert info["preferred_username"] == standard.username and info["email"] == standard.email
    assert info["name"] == f"{standard.first_name} {standard.last_name}"
    on_instance = local.requests_session().get(
        local.instance_url + "/services/oauth2/userinfo", headers=auth)
    assert on_instance.json()["user_id"] == standard.id


def test_access_tokens_expire_after_the_lifetime() -> None:
    with LocalOrg(token_lifetime=60) as local:
        token = local.issue_token()
        sf = _client(local, token)
        sf.restful("limits")
        # Move the token store's clock rather than sleeping: the test is exact at any load.
        issued = time.time()
        local.tokens.clock = lambda: issued + 30
        assert sf.restful("limits")
        local.tokens.clock = lambda: issued + 61
        with pytest.raises(SalesforceExpiredSession) as raised:
            sf.restful("limits")
        assert raised.value.status == 401
        assert cast(Any, raised.value.content) == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        # The refresh token still works, and the new client is accepted.
        refreshed = _refresh(local, token["refresh_token"]).json()
        assert _client(local, refreshed).restful("limits")


def test_inactive_user_has_no_tokens(local: LocalOrg) -> None:
    inactive = next(u for u in local.org.users if not u.is_active)
    refresh = local.issue_token(inactive.username)["refresh_token"]
    assert _refresh(local, refresh).json()["error"] == "invalid_grant"


def test_token_endpoint_calls_are_logged_separately(local: LocalOrg) -> None:
    _refresh(local, local.issue_token()["refresh_token"])
    assert [(e.method, e.path, e.status) for e in local.oauth_log] == [
        ("POST", "/services/oauth2/token", 200)]
    assert len(local.request_log) == 0


def test_openid_discovery_names_the_endpoints(local: LocalOrg) -> None:
    meta = requests.get(local.login_url + "/.well-known/openid-configuration").json()
    assert meta["authorization_endpoint"] == local.login_url + "/services/oauth2/authorize"
    assert meta["token_endpoint"] == local.login_url + "/services/oauth2/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
