"""The integration's pages as a person uses them, in Chromium: the tabs, the Overview's Auto
Sync toggle and honest summary, Disconnect asking first, disabled controls that look it, and
each contact's state on the host's pages; with screenshots at 1280 and 390 px.

Screenshots go to ``$SFSYNC_SCREENSHOTS`` (default: the test's temporary directory).
"""

from __future__ import annotations

import os
from pathlib import Path
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
)

from .conftest import SERVER_NAME, for_live_server

WIDTHS = (1280, 390)


@pytest.fixture
def env(make_env: Any) -> Env:  # noqa: F811
    made: Env = make_env(SERVER_NAME=SERVER_NAME)
    return made


@pytest.fixture
def app(env: Env) -> Flask:
    return for_live_server(env.app)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SFSYNC_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pages(browser: Browser, base: str) -> dict[int, Page]:
    pages = {}
    for width in WIDTHS:
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{base}/test-login/1")
        pages[width] = page
    return pages


def _shoot(pages: dict[int, Page], shots: Path, name: str, url: str | None = None) -> None:
    for width, page in pages.items():
        if url is not None:
            page.goto(url)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        # The page never scrolls sideways (a wide table scrolls inside its own card).
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert fits, f"{name} at {width}px is wider than the screen"


def test_overview_tabs_toggle_summary_and_disconnect(
    env: Env, live_server: LiveServer, browser: Browser, shots: Path
) -> None:
    base = live_server.url()
    env.add_contacts([
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "company": "E"},
        {"first_name": "Bad", "last_name": "Mail", "email": "not-an-email", "company": "X"},
    ])
    env.workers.start()
    pages = _pages(browser, base)
    page = pages[1280]

    page.goto(f"{base}/integrations/")
    tabs = page.locator(".sfsync-tabs .sfsync-tab")
    expect(tabs).to_have_text(["Overview", "Contacts", "Error log", "History"])
    expect(page.locator('.sfsync-tab[aria-current="page"]')).to_have_text("Overview")
    # Before the settings are saved, Auto Sync cannot be turned on, and it looks so.
    toggle = page.get_by_role("button", name="Turn on Auto Sync")
    expect(toggle).to_be_disabled()
    assert float(toggle.evaluate("b => getComputedStyle(b).opacity")) < 0.6
    _shoot(pages, shots, "overview-unsaved", f"{base}/integrations/")

    env.save_settings()
    page.goto(f"{base}/integrations/")
    page.get_by_role("button", name="Sync Now").click()
    # The push's summary (the Pull card has its own, .sfsync-pull-summary).
    summary = page.locator(".sfsync-push-summary")
    # However fast the sync, its outcome shows, in the colour of a sync with failures.
    expect(summary).to_have_text(
        "Finished with 1 failure: 1 pushed, 0 unchanged, 0 skipped, 1 failed.", timeout=30_000
    )
    expect(summary).to_have_class("sfsync-summary sfsync-push-summary sfsync-summary-failures")
    expect(page.locator(".sfsync-last-sync-at")).not_to_have_text("Never")
    expect(page.locator(".sfsync-open-errors")).to_have_text("1 contact with an open error")
    _shoot(pages, shots, "overview-finished-with-failures", f"{base}/integrations/")

    page.get_by_role("button", name="Turn on Auto Sync").click()
    expect(page.get_by_text("Auto Sync is on")).to_be_visible()
    expect(page.locator(".sfsync-mode")).to_have_text("Auto Sync")

    page.locator('.sfsync-tab[data-tab="history"]').click()
    expect(page.locator('.sfsync-tab[aria-current="page"]')).to_have_text("History")
    expect(page.locator('tr[data-outcome="failures"]').first).to_contain_text(
        "finished with failures")
    _shoot(pages, shots, "history", f"{base}/integrations/salesforce/sync")

    page.goto(f"{base}/integrations/")
    page.get_by_role("link", name="Disconnect…").click()
    expect(page.get_by_text("Your Salesforce records stay as they are")).to_be_visible()
    _shoot(pages, shots, "disconnect-confirm", page.url)
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Disconnected; the token was revoked at Salesforce")).to_be_visible()
    page.goto(f"{base}/integrations/salesforce/sync")
    sync_now = page.get_by_role("button", name="Sync Now")
    expect(sync_now).to_be_disabled()
    assert float(sync_now.evaluate("b => getComputedStyle(b).opacity")) < 0.6
    _shoot(pages, shots, "history-disconnected", f"{base}/integrations/salesforce/sync")


def test_contact_states_on_the_hosts_pages(
    env: Env, live_server: LiveServer, browser: Browser, shots: Path
) -> None:
    base = live_server.url()
    ada, nomail, bad, grace = env.add_contacts([
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "company": "E"},
        {"first_name": "No", "last_name": "Mail", "company": "X"},
        {"first_name": "Bad", "last_name": "Mail", "email": "not-an-email", "company": "X"},
        {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
    ])
    env.workers.start()
    pages = _pages(browser, base)
    env.save_settings(sync_mode="auto")
    env.wait_idle()
    page = pages[1280]
    page.goto(f"{base}/contacts")
    expect(page.locator('[data-sync-state="in_salesforce"]')).to_have_count(2)
    expect(page.locator('[data-sync-state="skipped"]')).to_have_count(1)
    expect(page.locator('[data-sync-state="failed"]')).to_have_text("Not in Salesforce")
    _shoot(pages, shots, "contact-list-badges", f"{base}/contacts")
    page.goto(f"{base}/contacts/{nomail}")
    panel = page.locator("#sfsync-contact-panel")
    expect(panel.locator(".sfsync-badge")).to_have_text("Skipped")
    expect(panel.locator(".sfsync-state-reason")).to_contain_text("no email")
    _shoot(pages, shots, "contact-skipped", f"{base}/contacts/{nomail}")
    page.goto(f"{base}/contacts/{ada}")
    expect(panel.locator(".sfsync-badge")).to_have_text("In Salesforce")
    _shoot(pages, shots, "contact-in-salesforce", f"{base}/contacts/{ada}")
    # Out of date: the latest push failed; the reason is on the contact's page.
    env.edit(grace, title="T" * 300)
    env.wait_idle()
    page.goto(f"{base}/contacts/{grace}")
    expect(panel.locator(".sfsync-badge")).to_have_text("Out of date")
    expect(panel.locator(".sfsync-state-reason")).to_contain_text("STRING_TOO_LONG")
    _shoot(pages, shots, "contact-out-of-date", f"{base}/contacts/{grace}")
    # Pending while disconnected: the change waits, and the page says why.
    env.workers.stop_all()
    page.goto(f"{base}/integrations/")
    page.get_by_role("link", name="Disconnect…").click()
    page.get_by_role("button", name="Disconnect").click()
    env.edit(ada, title="Countess")
    page.goto(f"{base}/contacts/{ada}")
    expect(panel.locator(".sfsync-badge")).to_have_text("Pending")
    expect(panel.locator(".sfsync-state-reason")).to_contain_text("not connected")
    _shoot(pages, shots, "contact-pending", f"{base}/contacts/{ada}")
    assert bad
