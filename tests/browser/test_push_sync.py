"""Sync Now with its live progress, then Auto Sync, in a real headless Chromium.

The host app is served over a socket (pytest-flask's ``live_server``, in a process of its
own), a worker process pushes to the local org over HTTPS, and the Integrations page's
progress panel updates itself by polling the JSON status.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from pytest_flask.live_server import LiveServer

from tests.integration.conftest import (  # noqa: F401  (fixtures)
    Env,
    app_config,
    make_env,
    org,
    wait_for,
)

from .conftest import SERVER_NAME, for_live_server


@pytest.fixture
def env(make_env: Any) -> Env:  # noqa: F811
    made: Env = make_env(
        SFSYNC_BULK_THRESHOLD=100_000, SFSYNC_PUSH_PAGE_SIZE=100, SERVER_NAME=SERVER_NAME
    )
    return made


@pytest.fixture
def app(env: Env) -> Flask:
    """The integration tests' host app, connected to the org (pytest-flask serves it)."""
    return for_live_server(env.app)


@pytest.fixture
def page(browser: Browser) -> Page:
    return browser.new_page()


def test_sync_now_shows_progress_then_auto_sync_pushes_an_edit(
    env: Env, live_server: LiveServer, page: Page
) -> None:
    base = live_server.url()
    ids = env.add_contacts([
        {"first_name": "Dorothy", "last_name": f"Vaughan{i}", "email": f"d{i}@example.com",
         "company": "NACA"} for i in range(1500)
    ])
    env.workers.start()
    page.goto(f"{base}/test-login/1")
    page.goto(f"{base}/integrations/salesforce/settings")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    env.org.faults.latency(0.5)  # slow enough to watch the bar move
    page.goto(f"{base}/integrations/")
    panel = page.locator("#sfsync-sync-panel")
    page.get_by_role("button", name="Sync Now").click()
    expect(panel.locator(".sfsync-progress")).to_be_visible()
    expect(page.get_by_role("button", name="Sync Now")).to_be_disabled()
    wait_for(lambda: 0 < int(panel.locator(".sfsync-progress-bar").get_attribute("value") or 0)
             < 1500, what="the bar to move")
    env.org.faults.latency(0)
    expect(panel.locator(".sfsync-count-pushed")).to_have_text("1500", timeout=60_000)
    expect(panel.locator(".sfsync-progress")).to_be_hidden()
    expect(page.get_by_role("button", name="Sync Now")).to_be_enabled()
    # Auto Sync: turning it on starts a full sync (nothing changed), then edits follow.
    page.goto(f"{base}/integrations/salesforce/settings")
    page.get_by_label("Auto Sync").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Auto Sync is on")).to_be_visible()
    env.wait_idle()
    env.edit(ids[0], title="Computer")
    wait_for(lambda: any(r.get("Title") == "Computer" for r in env.records("Lead")),
             what="the edit in the org")
    page.goto(f"{base}/integrations/")
    expect(page.locator(".sfsync-mode")).to_have_text("Auto Sync")
    expect(page.locator(".sfsync-run-state")).to_contain_text("Auto sync finished")
