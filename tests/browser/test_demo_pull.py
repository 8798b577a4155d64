"""The pull in the demo, as a person sees it, in a real headless Chromium (point 10 of the pull).

Everything is the demo as ``./scripts/demo.sh`` runs it: ``python -m host_demo.run`` starts
Redis, the local org (its demo data), the worker with its scheduler and the host, here with
``SFSYNC_PULL_INTERVAL=5`` so that the schedule comes round quickly. The person signs in to the
demo, connects the org through its real OAuth pages, pushes the seeded contacts, and then, on
the org's own record pages, edits a Lead's title, converts a Lead, enters a Contact twice and
merges the two, and deletes a Lead. After each change the host's contact page is reloaded until
the host has followed (a deadline, not a timed assertion): the title, the link to the converted
Contact, the potential duplicate and then the merge's master, "Deleted in Salesforce", each
said by the contact's Salesforce panel. Screenshots at 1280 and 390 px wide go to
``$SFSYNC_DEMO_SHOTS`` (default ``/tmp/demo-pull-shots``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.host.test_run import free_port, wait_for_line
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SFSYNC_DEMO_SHOTS") or "/tmp/demo-pull-shots")
PULL_INTERVAL = 3  # seconds between two scheduled pulls (the default is 60)
#: How long the host may take to follow one change: a few schedules, the lookback, a slow CI.
FOLLOW_TIMEOUT = 45.0


@dataclass(frozen=True)
class Demo:
    host: str
    org: str
    username: str
    password: str


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """``python -m host_demo.run`` on a free port with a fresh data folder; stopped with
    SIGTERM as Ctrl-C would, its children with it."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), SFSYNC_PULL_INTERVAL=str(PULL_INTERVAL))
    env.pop("DATABASE_URL", None)
    data = tmp_path / "demo"
    process = subprocess.Popen(
        [sys.executable, "-m", "host_demo.run", "--port", str(port), "--data-dir", str(data)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        banner = wait_for_line(process, "Press Ctrl-C", timeout=120)
        org = re.search(r"Salesforce org\s+(\S+)", banner)
        login = re.search(r"user: (\S+)\s+password: (\S+)", banner)
        assert org and login, banner
        yield Demo(f"http://127.0.0.1:{port}", org.group(1), login.group(1), login.group(2))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # pytest shows this only when the test failed.
        for name in ("host.log", "worker.log", "setup.log"):
            log = data / "logs" / name
            if log.exists():
                print(f"--- {name} (end) ---\n" + log.read_text(errors="replace")[-4000:])


def shoot(page: Page, name: str) -> None:
    """The whole page at 1280 and 390 px wide; no page may scroll sideways when narrow."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        if width == 390:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} scrolls sideways at 390 px ({overflow} px)"
    page.set_viewport_size({"width": 1280, "height": 900})


def connect_and_push(page: Page, demo: Demo) -> None:
    page.goto(demo.host + "/login")
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Add Integration").click()
    page.locator("#sfsync-add-salesforce").click()
    page.get_by_label("Production").check()
    page.get_by_role("button", name="Connect").click()
    page.fill("#username", demo.username)
    page.fill("#password", demo.password)
    page.locator("#Login").click()
    page.locator("#oaapprove").click()
    expect(page.locator("body")).to_contain_text("Salesforce is connected")
    page.goto(demo.host + "/integrations/salesforce/settings")
    page.get_by_role("button", name="Save settings").click()  # push as Leads
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto(demo.host + "/integrations/")
    page.get_by_role("button", name="Sync Now").click()
    expect(page.locator(".sfsync-run-state")).to_contain_text("sync finished", timeout=60_000)
    expect(page.locator("#sfsync-sync-panel .sfsync-count-pushed")).not_to_have_text("0")


def open_contact(page: Page, demo: Demo, name: str) -> str:
    """Find a contact by name with the host's search, open it; its page's URL."""
    page.goto(demo.host + "/contacts/?q=" + name.replace(" ", "+"))
    page.locator("a.person", has_text=name).first.click()
    expect(page.locator("h1")).to_contain_text(name)
    return page.url


def panel(page: Page) -> Locator:
    return page.locator("#sfsync-contact-panel")


def follow(page: Page, url: str, done: Callable[[Page], bool], what: str) -> None:
    """Reload the host's contact page until ``done`` (the schedule pulls every few seconds)."""
    def reloaded() -> bool:
        page.goto(url)
        if done(page):
            return True
        page.wait_for_timeout(500)  # between reloads, not an assertion
        return False

    wait_for(reloaded, FOLLOW_TIMEOUT, what)


def state(page: Page) -> str | None:
    return panel(page).get_attribute("data-sync-state")


def linked_to(page: Page) -> tuple[str, str] | None:
    """The record the panel says the contact is linked to (``Lead 00Q...``), if any."""
    link = panel(page).locator("p", has=page.locator("a.sfsync-record-link"))
    if not link.count():
        return None
    found = re.match(r"\s*(\w+)\s+(\w{18})\b", link.first.inner_text())
    return (found.group(1), found.group(2)) if found else None


def org_record(page: Page, sobject: str) -> str:
    """The id of the contact's ``sobject`` in Salesforce, as its panel links it."""
    expect(panel(page)).to_have_attribute("data-sync-state", "in_salesforce")
    linked = linked_to(page)
    assert linked is not None and linked[0] == sobject, panel(page).inner_text()
    return linked[1]


def test_the_host_follows_edits_conversions_merges_and_deletes_made_in_salesforce(
        browser: Browser, demo: Demo) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    connect_and_push(page, demo)
    org = context.new_page()  # the org's pages, signed in by the Connect above

    # 1. A Lead's title, edited on its record page, comes back to the contact.
    lars = open_contact(page, demo, "Lars Hartmann")
    lead = org_record(page, "Lead")
    shoot(page, "01-host-contact-pushed")
    org.goto(f"{demo.org}/records/Lead/{lead}")
    org.locator("#edit-record").click()
    org.fill("#f-Title", "Chief Technology Officer")
    shoot(org, "02-org-edit-lead")
    org.locator("#save").click()
    expect(org.get_by_role("status")).to_contain_text("was saved")
    follow(page, lars, lambda p: "Chief Technology Officer" in p.locator(".person-head")
           .inner_text(), "the title on the host")
    expect(panel(page).locator(".sfsync-history-short li").first).to_contain_text("Pulled")
    shoot(page, "03-host-title-pulled")

    # 2. A converted Lead: the contact is linked to the Contact it became.
    lucas = open_contact(page, demo, "Lucas Sato")
    lead = org_record(page, "Lead")
    org.goto(f"{demo.org}/records/Lead/{lead}")
    org.locator("#convert-lead").click()
    shoot(org, "04-org-convert-lead")
    org.locator("#convert").click()
    conversion = org.locator("#conversion")
    expect(conversion).to_contain_text("Contact:")
    shoot(org, "05-org-lead-converted")
    converted = org.get_by_role("link", name=re.compile(r"^Lucas Sato \(003")).get_attribute(
        "href") or ""
    contact_id = converted.rsplit("/", 1)[-1]
    assert contact_id.startswith("003")
    follow(page, lucas, lambda p: linked_to(p) == ("Contact", contact_id),
           "the link to the converted Contact")
    expect(panel(page)).to_have_attribute("data-sync-state", "in_salesforce")
    shoot(page, "06-host-lead-converted")

    # 3. The same person entered again as a Contact: a potential duplicate; merged, the
    #    contact follows the master.
    org.goto(f"{demo.org}/records/Contact/new")
    org.fill("#f-FirstName", "Lucas")
    org.fill("#f-LastName", "Sato")
    org.fill("#f-Email", "lucas.sato26@icloud.com")
    org.fill("#f-Title", "Head of Sales")
    org.locator("#save").click()
    expect(org.locator("#duplicates")).to_be_visible()  # Salesforce's duplicate rule warns
    shoot(org, "07-org-duplicate-warning")
    org.locator("#save").click()  # Save anyway
    expect(org.get_by_role("status")).to_contain_text("was created")
    master = org.url.split("?")[0].rsplit("/", 1)[-1]
    follow(page, lucas, lambda p: state(p) == "duplicate_in_salesforce",
           "the potential duplicate")
    expect(panel(page).locator(".sfsync-state-records")).to_contain_text(master)
    shoot(page, "08-host-potential-duplicate")
    org.goto(f"{demo.org}/records/Contact/{master}")
    org.locator("#merge-record").click()
    org.locator(f"#pick-{contact_id}").check()
    shoot(org, "09-org-merge-pick")
    org.locator("#next").click()
    org.locator(f"input[name=master][value='{master}']").check()
    shoot(org, "10-org-merge-master")
    org.locator("#merge").click()
    expect(org.get_by_role("status")).to_contain_text("merged into")
    follow(page, lucas, lambda p: state(p) == "in_salesforce"
           and linked_to(p) == ("Contact", master), "the link to the master")
    expect(page.locator(".person-head")).to_contain_text("Head of Sales")  # the master's
    expect(panel(page).locator(".sfsync-history-short")).to_contain_text("Merged in Salesforce")
    shoot(page, "11-host-merged")

    # 4. A deleted Lead: the contact stays, and says so.
    ivan = open_contact(page, demo, "Ivan Schneider")
    lead = org_record(page, "Lead")
    org.goto(f"{demo.org}/records/Lead/{lead}")
    org.locator("#delete-record").click()
    shoot(org, "12-org-delete-lead")
    org.locator("#confirm-delete").click()
    expect(org.get_by_role("status")).to_contain_text("was deleted")
    follow(page, ivan, lambda p: state(p) == "deleted_in_salesforce",
           "Deleted in Salesforce")
    expect(panel(page)).to_contain_text("Deleted in Salesforce")
    expect(panel(page).locator(".sfsync-state-records")).to_contain_text(lead)
    shoot(page, "13-host-deleted-in-salesforce")
