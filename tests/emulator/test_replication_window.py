"""Emptying the recycle bin (or a hard delete) as getDeleted and queryAll see it afterwards.

Salesforce (SOAP API guide, getDeleted() and GetDeletedResult; REST "sObject Get Deleted"):
results go back 15 days "or earlier if an administrator has purged the Recycle Bin. If the
purge has been performed before your getDeleted() call is executed, an
INVALID_REPLICATION_DATE error is returned"; ``earliestDateAvailable`` is "the timestamp of
the last physically deleted object". A record emptied from the bin is gone from queryAll
(after "some time, typically 24 hours": the local org takes the short end, at once).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.emulator.soql.engine import execute
from flask_sfsync.emulator.store.org import Org

START = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def org(clock: Clock) -> Org:
    return Org(clock=clock)


def _all_ids(org: Org, sobject: str) -> set[str]:
    result = execute(org, f"SELECT Id FROM {sobject}", include_deleted=True)
    return {str(r["Id"]) for r in result.records(0, 2000)}


def _refused(org: Org, sobject: str, start: dt.datetime, end: dt.datetime) -> str:
    with pytest.raises(SalesforceApiError) as caught:
        org.deleted_records(sobject, start, end)
    assert caught.value.error_code == "INVALID_REPLICATION_DATE"
    return str(caught.value)


def test_emptying_the_bin_refuses_windows_that_reached_the_purged_deletion(
    org: Org, clock: Clock
) -> None:
    admin = org.admin.id
    gone = org.create("Lead", {"LastName": "Gone", "Company": "Acme"}, admin)
    kept = org.create("Lead", {"LastName": "Kept", "Company": "Acme"}, admin)
    contact = org.create("Contact", {"LastName": "Other"}, admin)
    clock.advance(minutes=3, seconds=20)
    for record_id in (gone, kept, contact):
        org.delete(record_id, admin)
    clock.advance(minutes=5)
    end = clock.now
    before = org.deleted_records("Lead", START, end)
    assert {r["id"] for r in before["deletedRecords"]} == {gone, kept}
    assert before["earliestDateAvailable"] == "2024-05-01T09:00:00.000+0000"

    assert org.empty_recycle_bin([gone, "00Q000000000000AAA"]) == [gone]

    # The window holding the purged deletion (09:03:20) is lost, to its very minute.
    assert "earliestDateAvailable 2024-05-01T09:04:00.000+0000" in _refused(
        org, "Lead", START, end)
    _refused(org, "Lead", START + dt.timedelta(minutes=3), end)
    after = org.deleted_records("Lead", START + dt.timedelta(minutes=4), end)
    assert after["earliestDateAvailable"] == "2024-05-01T09:04:00.000+0000"
    assert after["deletedRecords"] == []  # kept's deletion was at 09:03:20 too
    # Per object: the Contact's delete log is whole.
    assert [r["id"] for r in org.deleted_records("Contact", START, end)["deletedRecords"]] == [
        contact]
    # queryAll, the recycle bin and undelete no longer know the purged lead.
    assert _all_ids(org, "Lead") == {kept}
    assert [str(row["Id"]) for _, row in org.recycle_bin(["Lead"])] == [kept]
    with pytest.raises(SalesforceApiError) as caught:
        org.undelete(gone, admin)
    assert caught.value.error_code == "NOT_FOUND"


def test_a_hard_delete_moves_the_earliest_available_date_too(org: Org, clock: Clock) -> None:
    admin = org.admin.id
    lead = org.create("Lead", {"LastName": "Hard", "Company": "Acme"}, admin)
    clock.advance(minutes=10)
    org.delete(lead, admin, purge=True)  # Bulk API's hardDelete
    clock.advance(minutes=2)
    _refused(org, "Lead", START, clock.now)
    window = org.deleted_records("Lead", START + dt.timedelta(minutes=11), clock.now)
    assert window["deletedRecords"] == []
    assert window["earliestDateAvailable"] == "2024-05-01T09:11:00.000+0000"
    assert _all_ids(org, "Lead") == set()


def test_emptying_an_account_purges_the_contacts_its_delete_took(
    org: Org, clock: Clock
) -> None:
    admin = org.admin.id
    account = org.create("Account", {"Name": "Acme"}, admin)
    org.create("Contact", {"LastName": "Child", "AccountId": account}, admin)
    alone = org.create("Contact", {"LastName": "Alone"}, admin)
    clock.advance(minutes=1)
    org.delete(alone, admin)
    org.delete(account, admin)  # takes the child with it
    clock.advance(minutes=1)
    assert org.empty_recycle_bin([account]) == [account]
    assert _all_ids(org, "Contact") == {alone}
    assert _all_ids(org, "Account") == set()


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def _signed_in_admin(local: LocalOrg) -> requests.Session:
    browser = requests.Session()
    form = browser.get(local.login_url + "/records/login", timeout=10)
    admin = local.user(None)
    answer = browser.post(local.login_url + "/records/login", data={
        "username": admin.username, "password": admin.password,
        "csrf_token": _token(form.text), "next": "/records/Lead"}, timeout=10)
    assert answer.status_code == 200
    return browser


def test_the_recycle_bin_page_empties_the_bin_and_getdeleted_refuses_over_rest(
    local: LocalOrg, sf: Salesforce
) -> None:
    lead = sf.Lead.create({"LastName": "Binned", "Company": "Acme"})["id"]
    sf.Lead.delete(lead)
    now = dt.datetime.now(dt.UTC)
    window: dict[str, Any] = {"start": (now - dt.timedelta(minutes=5)).isoformat(),
                              "end": (now + dt.timedelta(minutes=5)).isoformat()}
    assert sf.restful("sobjects/Lead/deleted/", params=window)["earliestDateAvailable"]

    browser = _signed_in_admin(local)
    url = local.login_url + "/records/recycle-bin"
    page = browser.get(url, timeout=10)
    assert lead in page.text
    emptied = browser.post(url, data={"csrf_token": _token(page.text), "action": "empty"},
                           timeout=10)
    assert emptied.status_code == 200 and "The Recycle Bin is empty." in emptied.text

    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.restful("sobjects/Lead/deleted/", params=window)
    assert refused.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    found = sf.query_all(f"SELECT Id FROM Lead WHERE Id = '{lead}'", include_deleted=True)
    assert found["totalSize"] == 0
