"""Issue 10 point 1 in a real headless Chromium: a person works in the local org's record pages.

Signs in as one of the org's users, creates, edits, changes the owner, deletes and undeletes a
contact, converts a lead, merges duplicates; every change is checked through the API as a sync
would read it. Each page state is photographed at 1280 and 390 px wide into
``$SFSYNC_SHOTS`` (default /tmp/emulator-shots/).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from flask_sfsync.emulator.handle import LocalOrg

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("SFSYNC_CHROMIUM") or "/usr/bin/chromium"
# The machine has no network: without these Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("SFSYNC_SHOTS", "/tmp/emulator-shots"))
SOFIA = "sofia.alvarez@emulator.example.com"


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="demo") as local_org:
        yield local_org


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shoot(page: Page, name: str) -> None:
    """The page as it is now, wide and narrow; no page may scroll sideways when narrow."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        if width == 390:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} scrolls sideways at 390 px ({overflow} px)"
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(page: Page, org: LocalOrg, username: str = SOFIA) -> None:
    user = org.user(username)
    page.get_by_role("link", name="Sign in").click()
    shoot(page, "01-sign-in")
    page.fill("#username", user.username)
    page.fill("#password", "wrong password")
    page.locator("#Login").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check your username")
    page.fill("#password", user.password)
    page.locator("#Login").click()
    expect(page.locator("header.bar")).to_contain_text(user.name)


def one(org: LocalOrg, soql: str) -> dict[str, Any]:
    records = org.salesforce().query_all(soql, include_deleted=True)["records"]
    assert len(records) == 1, records
    return dict(records[0])


def test_a_person_creates_edits_reassigns_deletes_and_restores_a_contact(
        browser: Browser, org: LocalOrg) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(org.login_url + "/records/Contact")
    shoot(page, "02-contacts-signed-out")
    sign_in(page, org)
    expect(page.locator("h1")).to_have_text("Contacts")
    shoot(page, "03-contacts")

    page.locator("#new-record").click()
    page.fill("#f-FirstName", "Ada")
    page.fill("#f-LastName", "Lovelace")
    page.fill("#f-Email", "not-an-address")
    page.locator("#save").click()
    expect(page.locator("#form-error")).to_contain_text("INVALID_EMAIL_ADDRESS")
    shoot(page, "04-new-contact-error")
    page.fill("#f-Email", "ada@engines.example")
    page.select_option("#f-LeadSource", "Web")
    page.locator("#save").click()
    expect(page.get_by_role("status")).to_contain_text("Ada Lovelace was created.")
    shoot(page, "05-contact-created")
    contact_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    sofia = org.user(SOFIA)
    created = one(org, f"SELECT CreatedById, OwnerId, LeadSource FROM Contact "
                       f"WHERE Id = '{contact_id}'")
    assert (created["CreatedById"], created["OwnerId"], created["LeadSource"]) == (
        sofia.id, sofia.id, "Web")

    page.locator("#edit-record").click()
    shoot(page, "06-edit-contact")
    page.fill("#f-Title", "Countess of Lovelace")
    page.locator("#save").click()
    expect(page.get_by_role("status")).to_contain_text("was saved")
    assert one(org, f"SELECT Title FROM Contact WHERE Id = '{contact_id}'")["Title"] == \
        "Countess of Lovelace"

    marcus = org.user("marcus.chen@emulator.example.com")
    page.locator("#change-owner").click()
    page.select_option("#owner", marcus.id)
    shoot(page, "07-change-owner")
    page.locator("#save-owner").click()
    expect(page.get_by_role("status")).to_contain_text("has a new owner")
    assert one(org, f"SELECT OwnerId FROM Contact WHERE Id = '{contact_id}'")["OwnerId"] == \
        marcus.id

    page.locator("#delete-record").click()
    shoot(page, "08-delete-contact")
    page.locator("#confirm-delete").click()
    expect(page.get_by_role("status")).to_contain_text("was deleted")
    assert one(org, f"SELECT IsDeleted FROM Contact WHERE Id = '{contact_id}'")["IsDeleted"]

    page.get_by_role("link", name="Recycle Bin").click()
    expect(page.locator("h1")).to_have_text("My Recycle Bin")
    shoot(page, "09-recycle-bin")
    page.locator(f"#bin-{contact_id}").check()
    page.locator("#undelete").click()
    expect(page.get_by_role("status")).to_contain_text("restored from the Recycle Bin")
    shoot(page, "10-recycle-bin-restored")
    assert not one(org, f"SELECT IsDeleted FROM Contact WHERE Id = '{contact_id}'")["IsDeleted"]


def test_a_person_converts_a_lead_into_a_new_account_contact_and_opportunity(
        browser: Browser, org: LocalOrg) -> None:
    sf = org.salesforce()
    lead_id = sf.Lead.create({"FirstName": "Alan", "LastName": "Turing",
                              "Company": "Bletchley Labs", "Email": "alan@bletchley.example",
                              "City": "Milton Keynes"})["id"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{org.login_url}/records/Lead/{lead_id}")
    sign_in(page, org)
    page.goto(f"{org.login_url}/records/Lead/{lead_id}")
    shoot(page, "11-lead")
    page.locator("#convert-lead").click()
    page.fill("#opportunity-name", "Bletchley - Bombe")
    shoot(page, "12-convert-lead")
    page.locator("#convert").click()
    expect(page.locator("#conversion")).to_contain_text("Account: Bletchley Labs")
    shoot(page, "13-lead-converted")
    expect(page.locator("#edit-record")).to_have_count(0)
    lead = one(org, f"SELECT IsConverted, ConvertedAccountId, ConvertedContactId, "
                    f"ConvertedOpportunityId, LastModifiedById FROM Lead WHERE Id = '{lead_id}'")
    assert lead["IsConverted"] is True and lead["LastModifiedById"] == org.user(SOFIA).id
    contact = one(org, f"SELECT AccountId, MailingCity FROM Contact "
                       f"WHERE Id = '{lead['ConvertedContactId']}'")
    assert contact == {"attributes": contact["attributes"],
                       "AccountId": lead["ConvertedAccountId"], "MailingCity": "Milton Keynes"}
    assert one(org, f"SELECT Name FROM Opportunity WHERE Id = "
                    f"'{lead['ConvertedOpportunityId']}'")["Name"] == "Bletchley - Bombe"
    page.get_by_role("link", name="Bletchley Labs").first.click()
    expect(page.locator("h1")).to_have_text("Bletchley Labs")
    expect(page.locator(".related").first).to_contain_text("Alan Turing")
    shoot(page, "14-account-with-related-lists")


def test_a_person_merges_duplicate_contacts(browser: Browser, org: LocalOrg) -> None:
    sf = org.salesforce()
    headers = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    master = sf.Contact.create({"FirstName": "Grace", "LastName": "Hopper",
                                "Email": "grace@navy.example", "Phone": "+1 555 0100"})["id"]
    loser = sf.Contact.create({"FirstName": "Grace", "LastName": "Hopper", "Title": "RADM",
                               "Email": "grace@navy.example"}, headers=headers)["id"]
    task = sf.Task.create({"Subject": "Thank Grace", "WhoId": loser})["id"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{org.login_url}/records/Contact/{master}")
    sign_in(page, org)
    page.goto(f"{org.login_url}/records/Contact/{master}")
    page.locator("#merge-record").click()
    shoot(page, "15-merge-pick")
    page.locator(f"#pick-{loser}").check()
    page.locator("#next").click()
    expect(page.locator("h1")).to_contain_text("Choose the master")
    page.locator(f"input[name=pick_Title][value='{loser}']").check()
    shoot(page, "16-merge-fields")
    page.locator("#merge").click()
    expect(page.get_by_role("status")).to_contain_text("merged into Grace Hopper")
    shoot(page, "17-merged")
    merged = one(org, f"SELECT Title, Phone FROM Contact WHERE Id = '{master}'")
    assert (merged["Title"], merged["Phone"]) == ("RADM", "+1 555 0100")
    assert one(org, f"SELECT MasterRecordId FROM Contact WHERE Id = '{loser}'")[
        "MasterRecordId"] == master
    assert one(org, f"SELECT WhoId FROM Task WHERE Id = '{task}'")["WhoId"] == master
    page.goto(f"{org.login_url}/records/Contact/{loser}")
    expect(page.locator("#in-recycle-bin")).to_contain_text("merged into")
    shoot(page, "18-merged-loser")
    assert re.search(r"Grace Hopper", page.content())
