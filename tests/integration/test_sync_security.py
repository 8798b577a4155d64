"""The sync pages keep tenants apart, refuse forged POSTs and anonymous visitors."""

from __future__ import annotations

import re

import sqlalchemy as sa

from .conftest import Env

SYNC_GETS = [
    "/integrations/salesforce/settings",
    "/integrations/salesforce/sync",
    "/integrations/salesforce/sync/status.json",
    "/integrations/salesforce/errors",
]
SYNC_POSTS = [
    "/integrations/salesforce/settings",
    "/integrations/salesforce/fields",
    "/integrations/salesforce/sync",
    "/integrations/salesforce/errors/retry-all",
]


def _acme_error(env: Env) -> tuple[int, int]:
    """An error-log entry of tenant acme: (entry id, host contact id)."""
    (contact,) = env.add_contacts([{"first_name": "Bad", "last_name": "Mail",
                                    "email": "not-an-email", "company": "X"}])
    env.save_settings()
    env.workers.start()
    env.sync_now()
    env.wait_idle()
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        entry_id = state.db.session.scalar(sa.select(state.models.SyncError.id))
    assert entry_id is not None
    return entry_id, contact


def test_another_tenant_cannot_see_or_retry_our_entries(env: Env) -> None:
    entry_id, contact = _acme_error(env)
    ours = env.client.get("/integrations/salesforce/errors").get_data(as_text=True)
    assert "INVALID_EMAIL_ADDRESS" in ours
    history = f"/integrations/salesforce/contacts/{contact}/history"
    assert env.client.get(history).status_code == 200

    assert env.client.get("/test-login/2").status_code == 200  # a user of tenant globex
    theirs = env.client.get("/integrations/salesforce/errors").get_data(as_text=True)
    assert "INVALID_EMAIL_ADDRESS" not in theirs
    assert env.client.get(history).status_code == 404
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', theirs)
    assert token is not None
    retry = env.client.post(f"/integrations/salesforce/errors/{entry_id}/retry",
                            data={"csrf_token": token.group(1)})
    assert retry.status_code == 404
    status = env.client.get("/integrations/salesforce/sync/status.json").get_json()
    assert status["run"] is None


def test_posts_without_a_csrf_token_are_refused(env: Env) -> None:
    for url in SYNC_POSTS:
        response = env.client.post(url, data={"push_as": "Lead", "sync_mode": "auto"})
        assert response.status_code == 400, url
    # Nothing was saved by the forged settings POST.
    assert "Pushes are off until you save these settings" in env.page("sfsync.sync_settings")


def test_anonymous_visitors_are_kept_out(env: Env) -> None:
    anonymous = env.app.test_client()
    for url in SYNC_GETS:
        response = anonymous.get(url)
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert "login" in response.headers["Location"], url
