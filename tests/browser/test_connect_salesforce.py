"""A person connects Salesforce from the demo, in a real headless Chromium (azzapp's steps).

Everything is real: the demo host served over a socket (pytest-flask's ``live_server``), the
local Salesforce org's login and consent pages, Authlib's OAuth client with state and PKCE, the
token exchange over TLS.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from pytest_flask.live_server import LiveServer

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.testing import config_for
from host_demo import create_app
from host_demo.config import normalise_database_url
from host_demo.extensions import db

from .conftest import for_live_server


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="demo") as local_org:
        yield local_org


@pytest.fixture
def app(org: LocalOrg, tmp_path: Path) -> Iterator[Flask]:
    """The demo host, seeded, on a fresh database (pytest-flask serves it: ``live_server``)."""
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
    yield for_live_server(app)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def live_url(live_server: LiveServer) -> str:
    return str(live_server.url())


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
