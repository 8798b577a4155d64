"""The demo in a real headless Chromium: sign in, browse, search, and a screenshot to look at.

The screenshot goes to ``$HOST_DEMO_SCREENSHOT_DIR`` when set (else the test's temp folder).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
]


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    app.config["CONTACTS_PER_PAGE"] = 25
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_a_person_signs_in_searches_and_opens_a_contact(live_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("HOST_DEMO_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(live_url + "/contacts/")
            expect(page).to_have_url(f"{live_url}/login?next=%2Fcontacts%2F")
            page.fill("input[name=email]", "demo@example.com")
            page.fill("input[name=password]", "demo")
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_title("Contacts · Relay CRM")
            rows = page.locator("table.table tbody tr")
            expect(rows).to_have_count(25)
            expect(page.locator(".pager")).to_contain_text("of 251 contacts")
            # The stylesheet is served and applied (a dark top bar, not an unstyled page).
            topbar = page.locator(".topbar")
            assert topbar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(17, 24, 39)"
            page.screenshot(path=str(shots / "contacts.png"))

            first = rows.first.locator("strong").inner_text()
            page.fill(".toolbar input[name=q]", first.split()[-1])
            page.get_by_role("button", name="Filter").click()
            expect(rows.first).to_contain_text(first.split()[-1])
            rows.first.locator("a.person").click()
            expect(page.locator("h1")).to_contain_text(first)
            integrations = page.get_by_role("link", name="Integrations")
            assert integrations.get_attribute("href") == "/integrations/"
            page.screenshot(path=str(shots / "contact.png"))
        finally:
            browser.close()
