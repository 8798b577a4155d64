"""The pages as an attacker probes them: a replayed session cookie, framing, odd ids, huge
forms (issue 9, point 7)."""

from __future__ import annotations

from typing import Any

import pytest

from flask_sfsync.testing import authorize_at_salesforce, csrf_token_from, follow_callback
from flask_sfsync.web.safety import safe_next

from .test_security import _messages, _start


def test_a_session_cookie_saved_before_the_callback_cannot_connect_twice(
    host: Any, local_org: Any
) -> None:
    client = host.client()
    started = _start(client)
    saved = client.get_cookie("session")
    assert saved is not None
    callback = authorize_at_salesforce(started, local_org.username, local_org.password)
    assert "Connected" in _messages(follow_callback(client, callback))
    first = host.connection()
    # The attacker puts the pre-callback cookie back and delivers a fresh code for that state.
    client.set_cookie("session", saved.value)
    again = authorize_at_salesforce(started, local_org.username, local_org.password)
    page = _messages(follow_callback(client, again))
    assert "already used or has expired" in page
    assert host.connection().access_token == first.access_token


def test_the_pages_refuse_to_be_framed(host: Any) -> None:
    for url in ("/integrations/", "/integrations/salesforce/connect"):
        response = host.client().get(url)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("bad", ["x'", "1.5", "0x1", "99999999999999999999", "-1"])
def test_odd_connection_ids_are_404(host: Any, local_org: Any, bad: str) -> None:
    client = host.client()
    token = csrf_token_from(_messages(client.get("/integrations/salesforce/connect")))
    for action in ("disconnect", "reconnect"):
        response = client.post(f"/integrations/salesforce/{bad}/{action}",
                               data={"csrf_token": token})
        assert response.status_code == 404, (action, bad)


def test_a_huge_form_is_refused_before_it_is_read(host: Any) -> None:
    client = host.client()
    token = csrf_token_from(_messages(client.get("/integrations/salesforce/connect")))
    response = client.post(
        "/integrations/salesforce/connect",
        data={"environment": "custom", "domain": "a" * 5_000_000, "csrf_token": token},
    )
    assert response.status_code == 413
    assert "a" * 1000 not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x", "/\t/evil.example", "/\\evil.example", "https://evil.example/",
        "http:/evil.example", "/\nLocation: https://evil.example", "evil.example", "",
        "\x00/x",
    ],
)
def test_next_targets_off_this_site_fall_back(target: str) -> None:
    assert safe_next(target, "/integrations/salesforce/sync") == "/integrations/salesforce/sync"


@pytest.mark.parametrize("target", ["/contacts/7", "/contacts?page=2#top", "/"])
def test_next_targets_on_this_site_are_kept(target: str) -> None:
    assert safe_next(target, "/fallback") == target
