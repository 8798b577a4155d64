"""A person clears every error of the demo's data set from the pages alone, in Chromium.

The demo host (``host_demo``) with its seeded contacts, served over a socket (threads of this
process), the local org with its demo data, a real Redis and the demo's own worker process
(``flask --app host_demo sfsync worker``), as ``python -m host_demo.run`` starts them. The
demo's rough edges fail the first push: six contacts entered twice with the same email
(Salesforce's duplicate rule refuses the second of each pair), a job title too long for
Salesforce (the seed has none: the test sets one, as an import past the host's form would),
and contacts without email (skipped). The person then, on the pages only: reads what went wrong,
edits the title and retries it, links four duplicates to the existing records and pushes two
anyway, and adds an email to a skipped contact. Screenshots at 1280 and 390 px wide go to
``$SFSYNC_ERRORLOG_SHOTS`` (default ``/tmp/errorlog-shots``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.testing import config_for, connect_tenant
from host_demo import create_app
from host_demo.extensions import db
from host_demo.models import Contact
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SFSYNC_ERRORLOG_SHOTS") or "/tmp/errorlog-shots")
TEAM = "1"  # the demo's first team (Northwind Sales), whose contacts have the duplicates
LONG_TITLE = (
    "Senior Vice President of Global Strategic Partnerships, Channel Alliances and Ecosystem "
    "Development for Europe, the Middle East and Africa, reporting to the Chief Revenue "
    "Officer and the Regional Board of Directors (interim, until the reorganisation)"
)


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="demo", app_name="Relay CRM") as local_org:
        yield local_org


@pytest.fixture
def demo_config(org: LocalOrg, redis_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        **config_for(org, redis_url),
        "SECRET_KEY": "errorlog-browser-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SFSYNC_ENCRYPTION_KEY": "errorlog-browser-encryption-key",
        "SFSYNC_QUEUE_NAME": f"sfsync-errorlog-{os.getpid()}",
        "SFSYNC_RECORD_URL": org.login_url + "/records/{sobject}/{id}",
        "SFSYNC_SWEEP_INTERVAL": 1,
        "SFSYNC_COALESCE_SECONDS": 0.05,
    }


@pytest.fixture
def demo_app(demo_config: dict[str, Any], org: LocalOrg) -> Iterator[Flask]:
    """The demo host, seeded, with the title an import made too long; connected to the org
    as a finished OAuth flow would (the Connect pages have tests of their own)."""
    app = create_app({
        **demo_config,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 60}},
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        contact = db.session.scalars(
            sa.select(Contact).where(Contact.team_id == int(TEAM), Contact.email.is_not(None),
                                     Contact.title.is_not(None)).order_by(Contact.id)
        ).first()
        assert contact is not None
        contact.title = LONG_TITLE  # past the form's 128 characters: as an import writes it
        db.session.commit()
    connect_tenant(app, org, TEAM)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def base_url(demo_app: Flask) -> Iterator[str]:
    """The demo served on a free port, as ``flask run --with-threads`` would."""
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def worker(demo_app: Flask, demo_config: dict[str, Any], tmp_path: Path) -> Iterator[None]:
    """The demo's worker process, configured by environment as ``host_demo.run`` does."""
    env = dict(os.environ)
    for key, value in demo_config.items():
        if key.startswith("SFSYNC_"):
            env[key] = json.dumps(value)  # read back by the demo's parse_env_value
    env.update(
        SECRET_KEY=str(demo_config["SECRET_KEY"]),
        DATABASE_URL=str(demo_config["SQLALCHEMY_DATABASE_URI"]),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "host_demo", "sfsync", "worker"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def shoot(page: Page, name: str) -> None:
    """The page at 1280 and 390 px wide, then back to 1280: the host's top bar and the top
    of our page as a person lands on it, and our part of the page whole."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))
        page.locator(".sfsync").first.screenshot(path=str(SHOTS / f"{name}-{width}-whole.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def status(page: Page, base: str) -> dict[str, Any]:
    response = page.request.get(f"{base}/integrations/salesforce/sync/status.json")
    assert response.ok
    data: dict[str, Any] = response.json()
    return data


def wait_idle(page: Page, base: str, logs: Path) -> dict[str, Any]:
    def idle() -> dict[str, Any] | None:
        now = status(page, base)
        return None if now["syncing"] else now

    try:
        return wait_for(idle, 120, "the sync to finish")  # type: ignore[no-any-return]
    except AssertionError:
        print(logs.read_text(errors="replace")[-6000:])
        raise


def flashed(page: Page, text: str) -> None:
    """A flashed message (the demo's base template shows them, else our layout does)."""
    messages = page.locator('[role="status"], [role="alert"]').filter(has_text=text)
    expect(messages.first).to_be_visible()


def entries(page: Page, code: str | None = None) -> Any:
    selector = ".sfsync-error" + (f'[data-code="{code}"]' if code else "")
    return page.locator(selector)


def test_a_person_clears_every_error_of_the_demo_from_the_pages(
    browser: Browser, base_url: str, worker: None, tmp_path: Path
) -> None:
    base = base_url
    logs = tmp_path / "worker.log"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/login")
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "demo")
    page.get_by_role("button", name="Sign in").click()

    # Save the settings as they come (push as Leads, contacts need an email), then Sync Now.
    page.get_by_role("link", name="Integrations").first.click()
    page.locator('.sfsync-tab[data-tab="contacts"]').click()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.locator('.sfsync-tab[data-tab="overview"]').click()
    page.get_by_role("button", name="Sync Now").click()
    first = wait_idle(page, base, logs)
    assert first["run"]["failed"] == 7, first
    assert first["open_errors"] == 7

    # The error log: seven errors in two groups, each said in plain words.
    page.locator('.sfsync-tab[data-tab="errors"]').click()
    expect(page.locator("#sfsync-health-title")).to_have_text("7 errors to fix")
    groups = page.locator(".sfsync-category")
    expect(groups).to_have_count(2)
    expect(page.locator('.sfsync-category[data-category="duplicates"] .sfsync-category-count')
           ).to_have_text("6")
    expect(page.locator('.sfsync-category[data-category="field_values"] .sfsync-category-count')
           ).to_have_text("1")
    long = entries(page, "STRING_TOO_LONG")
    expect(long.locator(".sfsync-error-fix")).to_contain_text(
        f"Shorten the title to 128 characters (it has {len(LONG_TITLE)}), then Retry.")
    expect(long.locator(".sfsync-error-details")).not_to_have_attribute("open", "")
    assert LONG_TITLE not in page.content()  # the value is cut, even behind Details
    dupes = entries(page, "DUPLICATES_DETECTED")
    expect(dupes).to_have_count(6)
    expect(dupes.first.locator(".sfsync-duplicate-match")).to_contain_text(
        "another contact here with the same email, pushed in the same sync")
    long.locator(".sfsync-error-details summary").click()
    dupes.first.locator(".sfsync-error-details summary").click()
    expect(long.locator(".sfsync-error-code")).to_have_text("STRING_TOO_LONG")
    shoot(page, "1-error-log")
    page.set_viewport_size({"width": 390, "height": 900})  # one entry of each kind, narrow
    long.screenshot(path=str(SHOTS / "1-entry-too-long-390.png"))
    dupes.first.screenshot(path=str(SHOTS / "1-entry-duplicate-390.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # Duplicates: the field values only, then every category again.
    page.locator('.sfsync-category[data-category="field_values"] .sfsync-category-link').click()
    expect(entries(page)).to_have_count(1)
    shoot(page, "2-field-values-only")
    page.get_by_role("link", name="show every category").click()
    expect(entries(page)).to_have_count(7)

    # The too-long title: Edit (the host's page), shorten it, come back, Retry.
    entries(page, "STRING_TOO_LONG").locator(".sfsync-edit").click()
    page.locator('a.btn[href$="/edit"]').first.click()
    page.get_by_label("Title", exact=True).fill("SVP Global Partnerships, EMEA")
    page.get_by_role("button", name="Save changes").click()
    flashed(page, "was saved")
    page.get_by_role("link", name="Integrations").first.click()
    page.locator('.sfsync-tab[data-tab="errors"]').click()
    entries(page, "STRING_TOO_LONG").get_by_role("button", name="Retry").click()
    flashed(page, "The contact is queued to be pushed again.")
    wait_for(lambda: status(page, base)["open_errors"] == 6, what="the title to go through")

    # Four duplicates are the same people: linked to the existing records.
    linked = entries(page, "DUPLICATES_DETECTED").first.get_attribute("data-host-id")
    for _ in range(4):
        entries(page, "DUPLICATES_DETECTED").first.get_by_role(
            "button", name="Link to the existing Salesforce record").click()
        flashed(page, "changes of either go to that record. Nothing else to do")
    expect(entries(page, "DUPLICATES_DETECTED")).to_have_count(2)
    shoot(page, "3-after-linking")
    # Two are different people who share an address: pushed anyway.
    for _ in range(2):
        entries(page, "DUPLICATES_DETECTED").locator(
            ".sfsync-push-anyway:visible").first.click()
        flashed(page, "is queued to be pushed as a record of its own")
    shoot(page, "4-pushing-anyway")
    wait_for(lambda: status(page, base)["open_errors"] == 0, what="every error to clear")
    page.reload()
    expect(page.locator("#sfsync-health-title")).to_have_text("No errors to fix")
    expect(page.locator(".sfsync-no-errors")).to_be_visible()
    expect(page.locator(".sfsync-retry-all")).to_be_disabled()
    shoot(page, "5-no-errors")
    page.get_by_role("link", name="Show resolved errors too").click()
    expect(page.locator(".sfsync-resolved")).to_have_count(7)
    shoot(page, "5-resolved")

    # A contact without email was skipped: add one, Sync Now, it is in Salesforce.
    page.locator('.sfsync-tab[data-tab="history"]').click()
    skipped = page.locator(".sfsync-skipped-row").filter(has_text="no email").first
    host_id = skipped.get_attribute("data-host-id")
    skipped.locator("a").first.click()
    page.locator('a.btn[href$="/edit"]').first.click()
    page.get_by_label("Email", exact=True).fill(f"found.again{host_id}@example.com")
    page.get_by_role("button", name="Save changes").click()
    flashed(page, "was saved")
    page.get_by_role("link", name="Integrations").first.click()
    page.get_by_role("button", name="Sync Now").click()
    last = wait_idle(page, base, logs)
    assert last["open_errors"] == 0 and last["run"]["failed"] == 0, last
    page.goto(f"{base}/integrations/salesforce/contacts/{host_id}/history")
    expect(page.locator('.sfsync-history-row[data-status="pushed"]')).to_have_count(1)
    shoot(page, "6-history")
    page.goto(f"{base}/integrations/salesforce/contacts/{linked}/history")
    expect(page.locator('.sfsync-history-row[data-status="linked"]')).to_have_count(1)
    shoot(page, "7-linked-history")
