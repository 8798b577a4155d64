"""The connect / disconnect / reconnect flow against a running local org, through real HTTP."""

from __future__ import annotations

from typing import Any

import requests

from flask_sfsync import signals
from flask_sfsync.testing import authorize_at_salesforce, connect, csrf_token_from, follow_callback


def test_connect_shows_connected_org_user_and_email(host: Any, local_org: Any) -> None:
    client = host.client(user_id=1)
    page = connect(client, local_org)

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Connected" in html
    assert local_org.username in html
    assert local_org.admin.email in html
    assert local_org.org_id in html
    conn = host.connection("acme")
    assert conn.status == "connected"
    assert conn.org_id == local_org.org_id
    assert conn.sf_user_id == local_org.admin.id
    assert conn.instance_url == local_org.instance_url
    assert conn.environment == "production"
    assert conn.connected_at is not None


def test_connect_sends_connection_established(host: Any, local_org: Any) -> None:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append({"sender": sender, **kwargs})

    with signals.connection_established.connected_to(receiver, host.app):
        connect(host.client(), local_org)
    assert len(received) == 1
    assert received[0]["sender"] is host.app
    assert received[0]["tenant_id"] == "acme"


def test_disconnect_revokes_at_salesforce_and_forgets_tokens(host: Any, local_org: Any) -> None:
    client = host.client()
    connect(client, local_org)
    refresh_token = host.connection().refresh_token
    conn_id = host.connection().id
    # Disconnect asks first; its confirmation holds the form.
    page = client.get(f"/integrations/salesforce/{conn_id}/disconnect")
    assert "Salesforce records stay" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))

    done = client.post(
        f"/integrations/salesforce/{conn_id}/disconnect",
        data={"csrf_token": token},
        follow_redirects=True,
    )

    assert "revoked at Salesforce" in done.get_data(as_text=True)
    conn = host.connection()
    assert conn.status == "disconnected"
    assert conn.access_token is None and conn.refresh_token is None
    refused = requests.post(
        f"{local_org.login_url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": local_org.client_id,
            "client_secret": local_org.client_secret,
        },
        timeout=10,
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_reconnect_after_disconnect(host: Any, local_org: Any) -> None:
    client = host.client()
    connect(client, local_org)
    conn_id = host.connection().id
    confirm = client.get(f"/integrations/salesforce/{conn_id}/disconnect")
    token = csrf_token_from(confirm.get_data(as_text=True))
    client.post(f"/integrations/salesforce/{conn_id}/disconnect", data={"csrf_token": token})
    page = client.get("/integrations/").get_data(as_text=True)
    assert "Reconnect" in page

    token = csrf_token_from(page)
    started = client.post(
        f"/integrations/salesforce/{conn_id}/reconnect", data={"csrf_token": token}
    )
    assert started.status_code == 302
    assert started.location.startswith(f"{local_org.login_url}/services/oauth2/authorize")
    callback = authorize_at_salesforce(started.location, local_org.username, local_org.password)
    landed = follow_callback(client, callback)

    assert "Connected" in landed.get_data(as_text=True)
    conn = host.connection()
    assert conn.id == conn_id
    assert conn.status == "connected"
    assert conn.refresh_token


def test_the_connect_page_names_the_login_host_it_opens(host: Any, local_org: Any) -> None:
    page = host.client().get("/integrations/salesforce/connect").get_data(as_text=True)
    local_host = local_org.login_url.split("://", 1)[1].rstrip("/")
    assert page.count(local_host) == 2  # Production and Sandbox both point at the local org
    assert "login.salesforce.com" not in page
