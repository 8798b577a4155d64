"""Tokens stay secret; tenants stay apart; state, code and CSRF checks; no open redirect."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

from flask_sfsync.testing import authorize_at_salesforce, connect, csrf_token_from, follow_callback

PAGES = ["/integrations/", "/integrations/add", "/integrations/salesforce/connect"]


def _start(client: Any, environment: str = "production") -> str:
    token = csrf_token_from(client.get("/integrations/salesforce/connect").get_data(as_text=True))
    started = client.post(
        "/integrations/salesforce/connect",
        data={"environment": environment, "csrf_token": token},
    )
    assert started.status_code == 302
    return str(started.location)


def _with_query(link: str, /, **changes: str) -> str:
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _messages(response: Any) -> str:
    return str(response.get_data(as_text=True))


# -- tokens ---------------------------------------------------------------------------------


def test_tokens_are_encrypted_in_the_database(host: Any, local_org: Any) -> None:
    connect(host.client(), local_org)
    conn = host.connection()
    with host.app.app_context():
        raw = host.db.session.execute(
            sa.text("SELECT access_token, refresh_token FROM sfsync_connections")
        ).one()
    assert conn.access_token and conn.refresh_token
    for plaintext, stored in zip((conn.access_token, conn.refresh_token), raw, strict=True):
        assert plaintext not in stored
        assert stored.startswith("gAAAAA")  # Fernet's version byte, base64


@pytest.fixture
def all_loggers_enabled() -> Iterator[None]:
    """Alembic's logging.fileConfig (run by earlier tests) disables existing loggers."""
    loggers = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and logger.disabled
    ]
    for logger in loggers:
        logger.disabled = False
    yield
    for logger in loggers:
        logger.disabled = True


@pytest.mark.usefixtures("all_loggers_enabled")
def test_tokens_and_codes_never_reach_logs_or_pages(
    host: Any, local_org: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = host.client()
    callback = authorize_at_salesforce(_start(client), local_org.username, local_org.password)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    pages = [_messages(follow_callback(client, callback))]
    first = host.connection()
    local_org.faults.expire_all_tokens()
    with host.app.app_context():
        host.sfsync.api_for("acme").call(lambda sf: sf.limits())
    refreshed = host.connection()
    pages += [_messages(client.get(url)) for url in PAGES]
    token = csrf_token_from(pages[-1])
    pages.append(
        _messages(
            client.post(
                f"/integrations/salesforce/{first.id}/disconnect",
                data={"csrf_token": token},
                follow_redirects=True,
            )
        )
    )

    secrets = {
        "access token": first.access_token,
        "refreshed access token": refreshed.access_token,
        "refresh token": first.refresh_token,
        "authorization code": code,
        "client secret": local_org.client_secret,
    }
    assert caplog.records, "the flow logged nothing: the check would prove nothing"
    for name, secret in secrets.items():
        assert secret not in caplog.text, f"{name} in the logs"
        for page in pages:
            assert secret not in page, f"{name} in a page"
    assert first.access_token not in repr(first)
    assert first.refresh_token not in repr(first)


# -- tenants and permissions -----------------------------------------------------------------


def test_another_tenants_user_gets_404_on_every_url_naming_the_connection(
    host: Any, local_org: Any
) -> None:
    connect(host.client(1), local_org)
    conn_id = host.connection().id
    intruder = host.client(3)  # team "globex"
    token = csrf_token_from(_messages(intruder.get("/integrations/salesforce/connect")))

    for action in ("disconnect", "reconnect"):
        response = intruder.post(
            f"/integrations/salesforce/{conn_id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 404, action
    for url in PAGES:
        page = _messages(intruder.get(url))
        assert local_org.username not in page and local_org.org_id not in page
    assert host.connection().status == "connected"


def test_a_teammate_manages_the_same_connection(host: Any, local_org: Any) -> None:
    connect(host.client(1), local_org)
    page = _messages(host.client(2).get("/integrations/"))
    assert local_org.username in page and "Connected" in page


def test_permission_loader_refusal_gives_403_everywhere(host: Any, local_org: Any) -> None:
    connect(host.client(1), local_org)
    conn_id = host.connection().id
    host.sfsync.permission_loader(lambda tenant_id: False)
    client = host.client(1)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    for action in ("disconnect", "reconnect"):
        assert client.post(f"/integrations/salesforce/{conn_id}/{action}").status_code == 403
    assert client.get("/integrations/salesforce/callback?code=x&state=y").status_code == 403


def test_anonymous_visitors_are_sent_to_the_hosts_login(host: Any) -> None:
    client = host.client(user_id=None)
    for url in [*PAGES, "/integrations/salesforce/callback?code=x&state=y"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert urlsplit(response.location).path == "/login"
    for url in ["/integrations/salesforce/1/disconnect", "/integrations/salesforce/connect"]:
        response = client.post(url)
        assert response.status_code == 302 and urlsplit(response.location).path == "/login"


def test_without_flask_login_anonymous_gets_401(make_host: Any, local_org: Any) -> None:
    from flask_sfsync.testing import config_for

    host = make_host(config_for(local_org), tenant_by_team=True)
    del host.app.login_manager
    host.sfsync.tenant_loader(lambda: None)
    assert host.app.test_client().get("/integrations/").status_code == 401


# -- state and code --------------------------------------------------------------------------


def test_wrong_state_is_refused_and_the_connection_kept(host: Any, local_org: Any) -> None:
    client = host.client()
    connect(client, local_org)
    before = host.connection()
    callback = authorize_at_salesforce(_start(client), local_org.username, local_org.password)

    page = _messages(follow_callback(client, _with_query(callback, state="forged-state")))

    assert "not the one we started" in page
    assert "previous Salesforce connection is unchanged" in page
    after = host.connection()
    assert after.access_token == before.access_token
    assert after.status == "connected"


def test_replayed_callback_is_refused(host: Any, local_org: Any) -> None:
    client = host.client()
    callback = authorize_at_salesforce(_start(client), local_org.username, local_org.password)
    assert "Connected" in _messages(follow_callback(client, callback))
    first = host.connection()

    page = _messages(follow_callback(client, callback))

    assert "already used" in page
    assert host.connection().access_token == first.access_token


def test_reused_code_is_refused_by_salesforce(host: Any, local_org: Any) -> None:
    client = host.client()
    callback = authorize_at_salesforce(_start(client), local_org.username, local_org.password)
    follow_callback(client, callback)
    first = host.connection()
    old_code = parse_qs(urlsplit(callback).query)["code"][0]
    new_state = parse_qs(urlsplit(_start(client)).query)["state"][0]

    replay = _with_query(callback, code=old_code, state=new_state)
    page = _messages(follow_callback(client, replay))

    assert "authorization code" in page and "already used" in page
    assert host.connection().access_token == first.access_token


# -- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["next", "redirect", "return_to", "url"])
def test_no_open_redirect(host: Any, local_org: Any, param: str) -> None:
    client = host.client()
    evil = "https://evil.example/steal"
    token = csrf_token_from(_messages(client.get("/integrations/salesforce/connect")))
    started = client.post(
        f"/integrations/salesforce/connect?{param}={evil}",
        data={"environment": "production", "csrf_token": token, param: evil},
    )
    assert started.location.startswith(local_org.login_url + "/services/oauth2/authorize")
    callback = authorize_at_salesforce(started.location, local_org.username, local_org.password)
    tampered = urlsplit(_with_query(callback, **{param: evil}))
    landed = client.get(f"{tampered.path}?{tampered.query}")
    assert urlsplit(landed.location).netloc in ("", "localhost")
    assert "evil" not in landed.location
    conn_id = host.connection().id
    done = client.post(
        f"/integrations/salesforce/{conn_id}/disconnect?{param}={evil}",
        data={"csrf_token": token, param: evil},
    )
    assert "evil" not in done.location


@pytest.mark.parametrize(
    "domain",
    [
        "https://evil.example",
        "acme.my.salesforce.com.evil.example",
        "https://acme.my.salesforce.com@evil.example",
        "https://acme.my.salesforce.com/../evil",
        "http://acme.my.salesforce.com",
        "https://acme.my.salesforce.com:8443",
    ],
)
def test_custom_domain_cannot_point_elsewhere(host: Any, domain: str) -> None:
    client = host.client()
    token = csrf_token_from(_messages(client.get("/integrations/salesforce/connect")))
    response = client.post(
        "/integrations/salesforce/connect",
        data={"environment": "custom", "domain": domain, "csrf_token": token},
    )
    assert response.status_code == 400
    assert "is not a Salesforce My Domain" in _messages(response)


# -- CSRF ------------------------------------------------------------------------------------


def _post_all(client: Any, conn_id: int, data: dict[str, str]) -> list[int]:
    return [
        client.post(
            "/integrations/salesforce/connect", data={**data, "environment": "sandbox"}
        ).status_code,
        client.post(f"/integrations/salesforce/{conn_id}/disconnect", data=data).status_code,
        client.post(f"/integrations/salesforce/{conn_id}/reconnect", data=data).status_code,
    ]


def test_post_without_csrf_token_is_refused_own_tokens(host: Any, local_org: Any) -> None:
    client = host.client()
    connect(client, local_org)
    conn_id = host.connection().id

    assert _post_all(client, conn_id, {}) == [400, 400, 400]
    assert _post_all(client, conn_id, {"csrf_token": "forged"}) == [400, 400, 400]
    assert host.connection().status == "connected"
    # A page with a form: Disconnect asks first.
    token = csrf_token_from(_messages(client.get(f"/integrations/salesforce/{conn_id}/disconnect")))
    assert _post_all(client, conn_id, {"csrf_token": token}) == [302, 302, 302]


def test_post_without_csrf_token_is_refused_flask_wtf(make_host: Any, local_org: Any) -> None:
    from flask_sfsync.testing import config_for

    host = make_host(config_for(local_org), csrf="wtf")
    client = host.client()
    connect(client, local_org)
    conn_id = host.connection().id

    assert _post_all(client, conn_id, {}) == [400, 400, 400]
    assert _post_all(client, conn_id, {"csrf_token": "forged"}) == [400, 400, 400]
    assert host.connection().status == "connected"
    # The token in our forms is Flask-WTF's own (one token for the host and us).
    with host.app.test_request_context():
        from flask_sfsync.web import csrf

        assert csrf.field_name() == "csrf_token"
    # A page with a form: Disconnect asks first.
    token = csrf_token_from(_messages(client.get(f"/integrations/salesforce/{conn_id}/disconnect")))
    assert _post_all(client, conn_id, {"csrf_token": token}) == [302, 302, 302]
