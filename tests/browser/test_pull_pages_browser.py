"""The pull on the pages, in Chromium: a pull error with its Retry on the error log, the
Overview's Pull card while a pull runs (a bar when its total is known, else the records so
far) and after it (the card redraws itself from the polled status, without a reload), and
the pull's run in History.

The demo host (``host_demo``) with its seeded contacts, served over a socket (threads of this
process), connected to the local org's demo data, and a real Redis for the Retry's job. No
worker runs: the pull runs and the pull's error-log entry are written as the pull writes them
(``flask_sfsync.db.runs``' helpers, a ``HOST_REFUSED_VALUE`` entry), so each state stays on
screen for as long as the test looks at it. Screenshots at 1280 and 390 px wide go to
``$SFSYNC_PULL_SHOTS`` (default ``/tmp/pull-shots``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from flask_sfsync import get_state
from flask_sfsync.db import runs
from flask_sfsync.db.models import RunKind
from flask_sfsync.db.types import utcnow
from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.testing import config_for, connect_tenant
from host_demo import create_app
from host_demo.extensions import db
from host_demo.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("SFSYNC_PULL_SHOTS") or "/tmp/pull-shots")
TEAM = "1"


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="demo", app_name="Relay CRM") as local_org:
        yield local_org


@pytest.fixture
def demo_app(org: LocalOrg, redis_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({
        **config_for(org, redis_url),
        "SECRET_KEY": "pull-browser-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 60}},
        "SFSYNC_ENCRYPTION_KEY": "pull-browser-encryption-key",
        "SFSYNC_QUEUE_NAME": f"sfsync-pull-browser-{os.getpid()}",
        "SFSYNC_RECORD_URL": org.login_url + "/records/{sobject}/{id}",
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    connect_tenant(app, org, TEAM)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def base_url(demo_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def shoot(page: Page, name: str) -> None:
    """The page at 1280 and 390 px wide (the top as a person lands on it, and our part
    whole), then back to 1280."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))
        page.locator(".sfsync").first.screenshot(path=str(SHOTS / f"{name}-{width}-whole.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def shoot_card(page: Page, name: str) -> None:
    """The Pull card alone at 1280 and 390 px wide."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#sfsync-pull-panel").screenshot(path=str(SHOTS / f"{name}-{width}-card.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def in_app(app: Flask, work: Any) -> Any:
    with app.app_context():
        state = get_state(app)
        try:
            value = work(state.db.session, state.models)
            state.db.session.commit()
            return value
        finally:
            state.db.session.remove()


def a_pull_run(app: Flask, kind: RunKind, *, total: int = 0, done: int = 0,
               sobject: str | None = None, counts: dict[str, int] | None = None,
               pulled: tuple[str, ...] = ()) -> int:
    def work(session: Any, models: Any) -> int:
        run = runs.new_pull_run(session, models, TEAM, kind, total=total)
        session.flush()
        runs.record_pull_progress(run, done, counts or {}, sobject=sobject)
        states = {s.sobject: s for s in session.scalars(
            sa.select(models.PullState).where(models.PullState.tenant_id == TEAM))}
        for name in pulled:
            row = states.get(name) or models.PullState(tenant_id=TEAM, sobject=name)
            session.add(row)
            row.last_pull_at = utcnow()
            row.created, row.updated, row.deleted, row.skipped, row.failed = 0, 3, 0, 41, 0
        return int(run.id)
    return int(in_app(app, work))


def finish_run(app: Flask, run_id: int, counts: dict[str, int], done: int) -> None:
    def work(session: Any, models: Any) -> None:
        run = session.get(models.SyncRun, run_id)
        runs.record_pull_progress(run, done, counts)
        runs.finish(run)
        found = {s.sobject: s for s in session.scalars(sa.select(models.PullState).where(
            models.PullState.tenant_id == TEAM))}
        for name in ("Account", "Contact", "Lead"):
            row = found.get(name) or models.PullState(tenant_id=TEAM, sobject=name)
            session.add(row)
            row.last_pull_at = utcnow()
            row.created, row.updated, row.deleted, row.skipped, row.failed = 1, 2, 0, 597, 0
    in_app(app, work)


def a_pull_error(app: Flask, org: LocalOrg) -> tuple[int, str]:
    """A Lead of the org whose title this app refused, as the pull records it."""
    with org.org.lock:
        lead = next(iter(org.org.scan("Lead", False)))
    sf_id = str(lead["Id"])

    def work(session: Any, models: Any) -> int:
        contact = session.scalars(sa.select(Contact).where(Contact.team_id == int(TEAM))
                                  .order_by(Contact.id)).first()
        now = datetime.now(UTC)
        entry = models.SyncError(
            tenant_id=TEAM, host_id=str(contact.id), action="pull", sobject="Lead",
            sf_id=sf_id, error_code="HOST_REFUSED_VALUE",
            message="Title is 161 characters; this app keeps at most 128", fields="title",
            attempts=1, created_at=now, last_seen_at=now)
        session.add(entry)
        session.flush()
        return int(entry.id)
    return int(in_app(app, work)), sf_id


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "demo")
    page.get_by_role("button", name="Sign in").click()


def test_the_pull_on_the_error_log_the_overview_and_history(
    browser: Browser, base_url: str, demo_app: Flask, org: LocalOrg
) -> None:
    base = base_url
    entry_id, sf_id = a_pull_error(demo_app, org)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base)

    # The error log: the pull's entry in plain words, its record in Salesforce, Retry.
    page.goto(base + "/integrations/salesforce/errors")
    item = page.locator(f"#sfsync-error-{entry_id}")
    expect(item.locator(".sfsync-error-summary")).to_contain_text(
        "the title in Salesforce is 161 characters and this app keeps at most 128")
    expect(item.locator(".sfsync-error-fix")).to_contain_text(
        "Shorten the title in Salesforce to 128 characters or fewer")
    expect(item.get_by_role("link", name="Open the Lead in Salesforce")).to_have_attribute(
        "href", re.compile(f"/records/Lead/{sf_id}$"))
    expect(page.locator('.sfsync-category[data-category="field_values"]')).to_be_visible()
    shoot(page, "1-error-log-pull-entry")
    item.get_by_role("button", name=re.compile("Retry")).click()
    expect(page.get_by_text("The Salesforce Lead is queued to be pulled again.").first
           ).to_be_visible()
    expect(page.locator(f"#sfsync-error-{entry_id} .sfsync-pending")).to_contain_text(
        "Queued: this Salesforce record is pulled again.")
    shoot(page, "2-error-log-pull-retried")
    # The Overview says a pull waits for a worker; then a worker runs the Retry (as it would).
    page.goto(base + "/integrations/")
    expect(page.locator(".sfsync-pull-progress-title")).to_have_text("Pull waiting to start")
    expect(page.locator(".sfsync-pull-kind")).to_have_text("Records retried from the error log")
    retried = in_app(demo_app, lambda session, models: session.scalar(sa.select(
        models.SyncRun.id).where(models.SyncRun.direction == "pull")))
    finish_run(demo_app, int(retried), {"updated": 1}, done=1)

    # The Overview while a full pull runs and knows its total: a bar.
    run_id = a_pull_run(demo_app, RunKind.FULL, total=1800, done=600, sobject="Contact",
                        counts={"updated": 3, "skipped": 597}, pulled=("Account",))
    page.goto(base + "/integrations/")
    card = page.locator("#sfsync-pull-panel")
    expect(card.locator(".sfsync-pull-progress")).to_be_visible()
    expect(card.locator(".sfsync-pull-progress-text")).to_have_text(
        "Reading Contacts: 600 of 1,800 records.")
    expect(card.locator('.sfsync-pull-row[data-sobject="Contact"]')).to_contain_text(
        "Reading now")
    card.scroll_into_view_if_needed()
    shoot(page, "3-overview-pull-running-bar")
    shoot_card(page, "3-overview-pull-running-bar")

    # It ends: the card redraws itself from the polled status (no reload).
    finish_run(demo_app, run_id, {"created": 2, "updated": 5, "deleted": 1, "skipped": 1792},
               done=1800)
    expect(card.locator(".sfsync-pull-progress")).to_be_hidden(timeout=20000)
    expect(card.locator(".sfsync-pull-summary-text")).to_have_text(
        "Finished: 2 created, 5 updated, 1 deleted, 1,792 skipped, 0 failed.")
    expect(card.locator('.sfsync-pull-row[data-sobject="Contact"] .sfsync-pull-at')
           ).to_contain_text("UTC")
    shoot_card(page, "3b-overview-pull-finished")

    # A scheduled pull that cannot tell its total: the records read so far.
    a_pull_run(demo_app, RunKind.AUTO, done=37, sobject="Lead")
    page.reload()
    expect(card.locator(".sfsync-pull-progress-text")).to_have_text(
        "Reading Leads: 37 records so far.")
    expect(card.locator(".sfsync-pull-bar")).not_to_have_attribute("value", re.compile(".*"))
    shoot(page, "4-overview-pull-running-no-total")
    shoot_card(page, "4-overview-pull-running-no-total")

    # History: the pull runs, marked, with their counts, beside the pushes.
    page.locator('.sfsync-tab[data-tab="history"]').click()
    row = page.locator(f'tr[data-run-id="{run_id}"]')
    expect(row).to_contain_text("Pull from Salesforce")
    expect(row.locator(".sfsync-pull-run-created strong")).to_have_text("2")
    expect(row.locator(".sfsync-pull-run-skipped strong")).to_have_text("1792")
    page.locator("#sfsync-recent-runs").scroll_into_view_if_needed()
    shoot(page, "5-history-pull-run")
