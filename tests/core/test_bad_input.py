"""Bad input and failures during connect: a clear message, the previous connection intact."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from flask_sfsync import get_state
from flask_sfsync.testing import authorize_at_salesforce, connect, csrf_token_from, follow_callback


def _post_connect(client: Any, **data: str) -> Any:
    token = csrf_token_from(client.get("/integrations/salesforce/connect").get_data(as_text=True))
    return client.post("/integrations/salesforce/connect", data={**data, "csrf_token": token})


@pytest.fixture
def connected(host: Any, local_org: Any) -> Any:
    client = host.client()
    connect(client, local_org)
    return client


def _assert_intact(host: Any, before: Any, org: Any) -> None:
    after = host.connection()
    assert (after.status, after.access_token, after.org_id) == (
        "connected",
        before.access_token,
        before.org_id,
    )
    with host.app.app_context():
        assert "DailyApiRequests" in host.sfsync.api_for("acme").call(lambda sf: sf.limits())


def test_unknown_environment(host: Any, local_org: Any, connected: Any) -> None:
    before = host.connection()
    response = _post_connect(connected, environment="staging")
    assert response.status_code == 400
    assert "Unknown Salesforce environment &#39;staging&#39;" in response.get_data(as_text=True)
    _assert_intact(host, before, local_org)


@pytest.mark.parametrize("domain", ["", "acme corp", "-acme", "acme.salesforce.com", "a" * 60])
def test_malformed_custom_domain(host: Any, local_org: Any, connected: Any, domain: str) -> None:
    before = host.connection()
    response = _post_connect(connected, environment="custom", domain=domain)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    if domain:
        assert "is not a Salesforce My Domain" in html
    else:  # an empty box is not quoted back as a domain: the page says what to type
        assert "Enter your My Domain" in html and "&#39;&#39;" not in html
    assert 'value="custom" checked' in html  # the form keeps what the person chose
    _assert_intact(host, before, local_org)


@pytest.mark.parametrize(
    ("domain", "login_host"),
    [
        ("acme", "acme.my.salesforce.com"),
        ("ACME.my.salesforce.com", "acme.my.salesforce.com"),
        ("https://acme--dev.sandbox.my.salesforce.com/", "acme--dev.sandbox.my.salesforce.com"),
        ("acme--uat", "acme--uat.sandbox.my.salesforce.com"),
        ("acme-corp.develop.my.salesforce.com", "acme-corp.develop.my.salesforce.com"),
    ],
)
def test_custom_domain_goes_to_its_my_domain(host: Any, domain: str, login_host: str) -> None:
    response = _post_connect(host.client(), environment="custom", domain=domain)
    assert response.status_code == 302
    assert response.location.startswith(f"https://{login_host}/services/oauth2/authorize?")


def test_sandbox_uses_the_sandbox_login_url(make_host: Any, local_org: Any) -> None:
    from flask_sfsync.testing import config_for

    config = {**config_for(local_org), "SFSYNC_LOGIN_URL_PRODUCTION": "https://login.example"}
    host = make_host(config)
    client = host.client()
    page = connect(client, local_org, environment="sandbox").get_data(as_text=True)
    assert "Connected" in page
    assert host.connection().environment == "sandbox"


def test_salesforce_down_during_connect(host: Any, local_org: Any, connected: Any) -> None:
    before = host.connection()
    started = _post_connect(connected, environment="production")
    callback = authorize_at_salesforce(started.location, local_org.username, local_org.password)
    local_org.faults.down()
    try:
        page = follow_callback(connected, callback).get_data(as_text=True)
    finally:
        local_org.faults.up()
    assert "Salesforce could not be reached" in page
    assert "previous Salesforce connection is unchanged" in page
    _assert_intact(host, before, local_org)


def test_deny_at_salesforce(host: Any, local_org: Any, connected: Any) -> None:
    # Salesforce skips the Allow page once a user approved the app, unless asked for consent.
    state = get_state(host.app)
    state.settings = replace(state.settings, oauth_prompt="consent")
    before = host.connection()
    page = connect(connected, local_org, decision="deny").get_data(as_text=True)
    assert "Deny was chosen at Salesforce" in page
    _assert_intact(host, before, local_org)


def test_deny_on_first_connect_leaves_nothing(host: Any, local_org: Any) -> None:
    page = connect(host.client(), local_org, decision="deny").get_data(as_text=True)
    assert "Deny was chosen" in page
    assert "Not connected" in page
    assert host.connection() is None


def test_messages_are_not_repeated_when_the_host_base_shows_them(host: Any, local_org: Any) -> None:
    from jinja2 import DictLoader

    host.app.jinja_loader = DictLoader(
        {
            "base.html": "{% for m in get_flashed_messages() %}<p class=host>{{ m }}</p>"
            "{% endfor %}{% block title %}{% endblock %}{% block content %}{% endblock %}"
        }
    )
    host.app.jinja_env.cache = {}
    page = connect(host.client(), local_org, decision="deny").get_data(as_text=True)
    assert page.count("Deny was chosen") == 1
    assert "<p class=host>" in page
