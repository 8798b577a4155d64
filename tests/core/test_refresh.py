"""Refresh on expiry and the dead refresh token, through the extension's one client factory."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from flask_sfsync import ReconnectNeeded, signals
from flask_sfsync.salesforce import SalesforceApi
from flask_sfsync.testing import connect


def _revoke_at_salesforce(org: Any, token: str) -> None:
    response = requests.post(
        f"{org.login_url}/services/oauth2/revoke", data={"token": token}, timeout=10
    )
    assert response.status_code == 200


def test_expired_access_token_is_refreshed_once_and_stored(host: Any, local_org: Any) -> None:
    connect(host.client(), local_org)
    before = host.connection()
    refreshed: list[str] = []

    def on_refresh(sender: Any, **kwargs: Any) -> None:
        refreshed.append(kwargs["tenant_id"])

    local_org.faults.expire_all_tokens()
    with signals.connection_refreshed.connected_to(on_refresh, host.app), host.app.app_context():
        limits = SalesforceApi(host.sfsync.client_for("acme")).call(lambda sf: sf.limits())

    assert "DailyApiRequests" in limits
    assert refreshed == ["acme"]
    after = host.connection()
    assert after.access_token != before.access_token
    # Salesforce's refresh response has no refresh token: the stored one is kept.
    assert after.refresh_token == before.refresh_token
    assert after.status == "connected"
    token_calls = [e for e in local_org.oauth_log if e.path == "/services/oauth2/token"]
    assert len(token_calls) == 2  # the code exchange and exactly one refresh


def test_refreshed_token_is_used_by_the_next_client(host: Any, local_org: Any) -> None:
    connect(host.client(), local_org)
    local_org.faults.expire_all_tokens()
    with host.app.app_context():
        SalesforceApi(host.sfsync.client_for("acme")).call(lambda sf: sf.limits())
    with host.app.app_context():
        SalesforceApi(host.sfsync.client_for("acme")).call(lambda sf: sf.limits())
    token_calls = [e for e in local_org.oauth_log if e.path == "/services/oauth2/token"]
    assert len(token_calls) == 2


def test_revoked_refresh_token_marks_reconnect_needed(host: Any, local_org: Any) -> None:
    client = host.client()
    connect(client, local_org)
    _revoke_at_salesforce(local_org, host.connection().refresh_token)
    lost: list[dict[str, Any]] = []

    def on_lost(sender: Any, **kwargs: Any) -> None:
        lost.append(kwargs)

    with (
        signals.connection_lost.connected_to(on_lost, host.app),
        host.app.app_context(),
        pytest.raises(ReconnectNeeded),
    ):
        SalesforceApi(host.sfsync.client_for("acme")).call(lambda sf: sf.limits())

    assert [event["reason"] for event in lost] == ["invalid_grant"]
    conn = host.connection()
    assert conn.status == "reconnect_needed"
    assert "expired access/refresh token" in conn.last_error
    page = client.get("/integrations/").get_data(as_text=True)
    assert "Reconnect needed" in page
    assert "Reconnect</button>" in page


def test_reconnect_needed_stops_calling_salesforce(host: Any, local_org: Any) -> None:
    connect(host.client(), local_org)
    _revoke_at_salesforce(local_org, host.connection().refresh_token)
    with host.app.app_context(), pytest.raises(ReconnectNeeded):
        SalesforceApi(host.sfsync.client_for("acme")).call(lambda sf: sf.limits())
    local_org.oauth_log.clear()
    local_org.request_log.clear()

    for _ in range(3):
        with host.app.app_context(), pytest.raises(ReconnectNeeded):
            host.sfsync.client_for("acme")

    assert len(local_org.oauth_log) == 0
    assert len(local_org.request_log) == 0


def test_reconnect_after_reconnect_needed_restores_the_connection(
    host: Any, local_org: Any
) -> None:
    client = host.client()
    connect(client, local_org)
    _revoke_at_salesforce(local_org, host.connection().refresh_token)
    with host.app.app_context(), pytest.raises(ReconnectNeeded):
        SalesforceApi(host.sfsync.client_for("acme")).call(lambda sf: sf.limits())

    page = connect(client, local_org).get_data(as_text=True)

    assert "Connected" in page
    conn = host.connection()
    assert conn.status == "connected" and conn.last_error is None
    with host.app.app_context():
        api = SalesforceApi(host.sfsync.client_for("acme"))
        assert "DailyApiRequests" in api.call(lambda sf: sf.limits())
