"""A person connects Salesforce from the demo, in a real headless Chromium (azzapp's steps).

Everything is real: the demo host served over a socket, the local Salesforce org's login and
consent pages, Authlib's OAuth client with state and PKCE, the token exchange over TLS.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.testing import config_for
from host_demo import create_app
from host_demo.config import normalise_database_url
from host_demo.extensions import db

CHROMIUM = "/usr/bin/chromium"
# The machine has no network: without these Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="demo") as local_org:
        yield local_org


@pytest.fixture
def host(org: LocalOrg, tmp_path: Path) -> Iterator[Flask]:
    url = os.environ.get("SFSYNC_TEST_DATABASE_URL")
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url)
            if url
            else f"sqlite:///{tmp_path / 'host.sqlite3'}",
            "SFSYNC_ENCRYPTION_KEY": "browser-test-encryption-key",
            **config_for(org),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def live_url(host: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, host, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in_to_demo(page: Page, live_url: str) -> None:
    page.goto(live_url + "/login")
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "demo")
    page.get_by_role("button", name="Sign in").click()


def test_a_person_connects_salesforce_and_sees_connected(
    browser: Browser, live_url: str, org: LocalOrg, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_to_demo(page, live_url)

    page.get_by_role("link", name="Integrations").click()
    expect(page.locator("h1")).to_contain_text("Integrations")
    page.get_by_role("link", name="Add Integration").click()
    page.locator("#sfsync-add-salesforce").click()
    page.get_by_label("Production").check()
    page.get_by_role("button", name="Connect").click()

    # Now on the org's own login page, on its login host.
    expect(page).to_have_url(re.compile("^" + re.escape(org.login_url)))
    page.fill("#username", org.username)
    page.fill("#password", org.password)
    page.locator("#Login").click()
    page.locator("#oaapprove").click()

    # Back on the host, connected, with the org's user shown.
    expect(page).to_have_url(re.compile("^" + re.escape(live_url)))
    body = page.locator("body")
    expect(body).to_contain_text("Connected")
    expect(body).to_contain_text(org.username)
    page.screenshot(path=os.environ.get("SFSYNC_SCREENSHOT", str(tmp_path / "connected.png")))
    assert org.request_log is not None


def test_denying_access_leaves_the_integration_unconnected(
    browser: Browser, live_url: str, org: LocalOrg
) -> None:
    page = browser.new_page()
    sign_in_to_demo(page, live_url)
    page.goto(live_url + "/integrations/salesforce/connect")
    page.get_by_label("Sandbox").check()
    page.get_by_role("button", name="Connect").click()
    page.fill("#username", org.username)
    page.fill("#password", org.password)
    page.locator("#Login").click()
    page.locator("#oadeny").click()

    expect(page).to_have_url(re.compile("^" + re.escape(live_url)))
    body = page.locator("body")
    expect(body).to_contain_text("Salesforce access was not allowed")
    expect(body).to_contain_text("Not connected")
    expect(body).not_to_contain_text(org.username)
