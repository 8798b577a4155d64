"""The OAuth 2.0 web server flow over real sockets, driven by Authlib's requests client.

The "browser" is a plain requests session that posts the login form and the Allow/Deny
page the way a person's browser would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError as OAuth2Error
from authlib.integrations.requests_client import OAuth2Session

from flask_sfsync.emulator import LocalOrg

CALLBACK = "http://127.0.0.1:5000/integrations/salesforce/callback"


def _browser() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def _client(local: LocalOrg, scope: str | None = "api refresh_token") -> OAuth2Session:
    return OAuth2Session(
        local.client_id, local.client_secret, scope=scope, redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in page"
    return match.group(1)


def _login(browser: requests.Session, local: LocalOrg, page: requests.Response,
           username: str, password: str) -> requests.Response:
    return browser.post(
        urljoin(page.url, "/login"),
        data={"rid": _hidden(page.text, "rid"), "username": username, "password": password},
        allow_redirects=False,
    )


def _decide(browser: requests.Session, local: LocalOrg, after_login: requests.Response,
            decision: str) -> str:
    """Follow the login's redirect to the Allow/Deny page, press a button, return the callback."""
    assert after_login.status_code == 302, after_login.text
    consent = browser.get(urljoin(local.login_url, after_login.headers["Location"]))
    assert consent.status_code == 200
    assert "Allow Access?" in consent.text
    answer = browser.post(
        urljoin(local.login_url, "/setup/secur/RemoteAccessAuthorizationPage.apexp"),
        data={"rid": _hidden(consent.text, "rid"), "decision": decision},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    return str(answer.headers["Location"])


def authorize(local: LocalOrg, client: OAuth2Session, verifier: str,
              decision: str = "allow", **params: str) -> tuple[str, str]:
    """Run the browser part of the flow; (callback URL with code or error, state sent)."""
    url, state = client.create_authorization_url(
        local.login_url + "/services/oauth2/authorize", code_verifier=verifier, **params
    )
    browser = _browser()
    page = browser.get(url)
    assert page.status_code == 200 and 'name="password"' in page.text
    after = _login(browser, local, page, local.username, local.password)
    return _decide(browser, local, after, decision), state


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_web_server_flow_with_pkce_gives_salesforce_token_response(local: LocalOrg) -> None:
    client, verifier = _client(local), generate_token(48)
    callback, state = authorize(local, client, verifier)

    assert callback.startswith(CALLBACK + "?")
    assert _query(callback)["state"] == state
    token = client.fetch_token(
        local.login_url + "/services/oauth2/token", authorization_response=callback,
        code_verifier=verifier,
    )

    assert set(token) >= {"access_token", "refresh_token", "instance_url", "id", "issued_at",
                          "signature", "token_type", "scope"}
    assert "expires_in" not in token
    assert token["instance_url"] == local.instance_url
    assert token["id"] == f"{local.login_url}/id/{local.org_id}/{local.admin.id}"
    assert token["token_type"] == "Bearer"
    assert token["issued_at"].isdigit()
    expected = base64.b64encode(hmac.new(
        local.client_secret.encode(), (token["id"] + token["issued_at"]).encode(), hashlib.sha256,
    ).digest()).decode()
    assert token["signature"] == expected
    assert set(token["scope"].split()) == {"api", "refresh_token"}


def test_token_response_has_no_expires_in(local: LocalOrg) -> None:
    client, verifier = _client(local), generate_token(48)
    callback, _ = authorize(local, client, verifier)
    code = _query(callback)["code"]
    raw = requests.post(local.login_url + "/services/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": local.client_id,
        "client_secret": local.client_secret, "redirect_uri": CALLBACK, "code_verifier": verifier,
    })
    assert raw.status_code == 200
    assert "expires_in" not in raw.json()


def test_token_works_against_the_instance(local: LocalOrg) -> None:
    client, verifier = _client(local), generate_token(48)
    callback, _ = authorize(local, client, verifier)
    token = client.fetch_token(local.login_url + "/services/oauth2/token",
                               authorization_response=callback, code_verifier=verifier)
    session = local.requests_session()
    answer = session.get(token["id"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert answer.status_code == 200
    assert answer.json()["username"] == local.username
    data = session.get(local.instance_url + "/services/data/v60.0/limits",
                       headers={"Authorization": f"Bearer {token['access_token']}"})
    assert "Sforce-Limit-Info" in data.headers


def test_wrong_password_shows_the_form_again_with_an_error(local: LocalOrg) -> None:
    client = _client(local)
    url, _ = client.create_authorization_url(local.login_url + "/services/oauth2/authorize",
                                             code_verifier=generate_token(48))
    browser = _browser()
    page = browser.get(url)
    answer = _login(browser, local, page, local.username, "not-the-password")
    assert answer.status_code == 200
    assert "Please check your username and password" in answer.text
    assert 'name="password"' in answer.text


def test_inactive_user_cannot_log_in(local: LocalOrg) -> None:
    inactive = next(u for u in local.org.users if not u.is_active)
    client = _client(local)
    url, _ = client.create_authorization_url(local.login_url + "/services/oauth2/authorize",
                                             code_verifier=generate_token(48))
    browser = _browser()
    answer = _login(browser, local, browser.get(url), inactive.username, inactive.password)
    assert answer.status_code == 200
    assert "Please check your username and password" in answer.text


def test_a_standard_user_gets_a_token_for_themselves(local: LocalOrg) -> None:
    standard = next(u for u in local.org.users if u.is_active and not u.is_admin)
    client, verifier = _client(local), generate_token(48)
    url, _ = client.create_authorization_url(local.login_url + "/services/oauth2/authorize",
                                             code_verifier=verifier)
    browser = _browser()
    after = _login(browser, local, browser.get(url), standard.username, standard.password)
    callback = _decide(browser, local, after, "allow")
    token = client.fetch_token(local.login_url + "/services/oauth2/token",
                               authorization_response=callback, code_verifier=verifier)
    assert token["id"].endswith(f"/{standard.id}")


def test_deny_redirects_with_access_denied_and_state(local: LocalOrg) -> None:
    callback, state = authorize(local, _client(local), generate_token(48), decision="deny")
    assert _query(callback) == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": state,
    }
    assert "error_description=end-user+denied+authorization" in callback


def _token_error(local: LocalOrg, **data: str) -> dict[str, str]:
    form = {"client_id": local.client_id, "client_secret": local.client_secret,
            "redirect_uri": CALLBACK, "grant_type": "authorization_code"}
    form.update(data)
    answer = requests.post(local.login_url + "/services/oauth2/token", data=form)
    assert answer.status_code == 400
    body: dict[str, str] = answer.json()
    assert set(body) == {"error", "error_description"}
    return body


def test_pkce_mismatch_is_invalid_grant(local: LocalOrg) -> None:
    callback, _ = authorize(local, _client(local), generate_token(48))
    error = _token_error(local, code=_query(callback)["code"], code_verifier=generate_token(48))
    assert error["error"] == "invalid_grant"


def test_missing_verifier_is_invalid_grant(local: LocalOrg) -> None:
    callback, _ = authorize(local, _client(local), generate_token(48))
    assert _token_error(local, code=_query(callback)["code"])["error"] == "invalid_grant"


def test_code_is_single_use(local: LocalOrg) -> None:
    client, verifier = _client(local), generate_token(48)
    callback, _ = authorize(local, client, verifier)
    client.fetch_token(local.login_url + "/services/oauth2/token",
                       authorization_response=callback, code_verifier=verifier)
    error = _token_error(local, code=_query(callback)["code"], code_verifier=verifier)
    assert error["error"] == "invalid_grant"


def test_expired_code_is_invalid_grant(local: LocalOrg) -> None:
    verifier = generate_token(48)
    callback, _ = authorize(local, _client(local), verifier)
    local.expire_codes()
    error = _token_error(local, code=_query(callback)["code"], code_verifier=verifier)
    assert error == {"error": "invalid_grant", "error_description": "expired authorization code"}


def test_codes_live_ten_minutes(local: LocalOrg) -> None:
    issued = time.time()
    client, verifier = _client(local), generate_token(48)
    callback, _ = authorize(local, client, verifier)
    local.tokens.clock = lambda: issued + 9 * 60  # the token store's clock, not a sleep
    token = client.fetch_token(local.login_url + "/services/oauth2/token",
                               authorization_response=callback, code_verifier=verifier)
    assert token["access_token"]
    local.tokens.clock = time.time
    late, _ = authorize(local, _client(local), verifier, prompt="consent")  # approved before
    local.tokens.clock = lambda: time.time() + 10 * 60 + 1
    error = _token_error(local, code=_query(late)["code"], code_verifier=verifier)
    assert error == {"error": "invalid_grant", "error_description": "expired authorization code"}


def test_token_redirect_uri_must_match_the_authorize_one(local: LocalOrg) -> None:
    verifier = generate_token(48)
    callback, _ = authorize(local, _client(local), verifier)
    error = _token_error(local, code=_query(callback)["code"], code_verifier=verifier,
                         redirect_uri="http://127.0.0.1:5000/elsewhere")
    assert error["error"] == "redirect_uri_mismatch"


def test_authlib_surfaces_token_errors(local: LocalOrg) -> None:
    client, verifier = _client(local), generate_token(48)
    callback, _ = authorize(local, client, verifier)
    with pytest.raises(OAuth2Error) as raised:
        client.fetch_token(local.login_url + "/services/oauth2/token",
                           authorization_response=callback, code_verifier="wrong" * 10)
    assert raised.value.error == "invalid_grant"


def test_unknown_client_id_shows_an_error_page(local: LocalOrg) -> None:
    answer = _browser().get(local.login_url + "/services/oauth2/authorize", params={
        "response_type": "code", "client_id": "3MVG9nope", "redirect_uri": CALLBACK},
        allow_redirects=False)
    assert answer.status_code == 400
    assert "invalid_client_id" in answer.text
    assert "Location" not in answer.headers


def test_callback_urls_are_checked() -> None:
    with LocalOrg(callback_urls=[CALLBACK]) as local:
        browser = _browser()
        params = {"response_type": "code", "client_id": local.client_id}
        other = browser.get(local.login_url + "/services/oauth2/authorize",
                            params={**params, "redirect_uri": "http://127.0.0.1:5001/cb"},
                            allow_redirects=False)
        assert other.status_code == 400
        assert "redirect_uri_mismatch" in other.text
        listed = browser.get(local.login_url + "/services/oauth2/authorize",
                             params={**params, "redirect_uri": CALLBACK})
        assert listed.status_code == 200 and 'name="password"' in listed.text


def test_default_accepts_only_loopback_callbacks(local: LocalOrg) -> None:
    answer = _browser().get(local.login_url + "/services/oauth2/authorize", params={
        "response_type": "code", "client_id": local.client_id,
        "redirect_uri": "https://app.example.com/callback"}, allow_redirects=False)
    assert answer.status_code == 400
    assert "redirect_uri_mismatch" in answer.text


def test_unsupported_response_type_redirects_with_error(local: LocalOrg) -> None:
    answer = _browser().get(local.login_url + "/services/oauth2/authorize", params={
        "response_type": "token", "client_id": local.client_id, "redirect_uri": CALLBACK,
        "state": "s1"}, allow_redirects=False)
    assert answer.status_code == 302
    assert _query(answer.headers["Location"]) == {
        "error": "unsupported_response_type", "error_description": "response type not supported",
        "state": "s1"}


def test_a_logged_in_browser_that_approved_skips_both_pages(local: LocalOrg) -> None:
    client = _client(local)
    url, _ = client.create_authorization_url(local.login_url + "/services/oauth2/authorize",
                                             code_verifier=generate_token(48))
    browser = _browser()
    login = _login(browser, local, browser.get(url), local.username, local.password)
    _decide(browser, local, login, "allow")
    again, state = client.create_authorization_url(
        local.login_url + "/services/oauth2/authorize", code_verifier=generate_token(48))
    answer = browser.get(again, allow_redirects=False)
    assert answer.status_code == 302
    assert _query(answer.headers["Location"])["state"] == state
    assert "code" in _query(answer.headers["Location"])
    forced = browser.get(again + "&prompt=login")
    assert 'name="password"' in forced.text


def test_scope_without_refresh_token_gets_no_refresh_token(local: LocalOrg) -> None:
    client, verifier = _client(local, scope="api"), generate_token(48)
    callback, _ = authorize(local, client, verifier)
    token = client.fetch_token(local.login_url + "/services/oauth2/token",
                               authorization_response=callback, code_verifier=verifier)
    assert "refresh_token" not in token
    assert token["scope"] == "api"
