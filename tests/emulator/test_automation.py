"""Issue 10 point 4: changes made by other automation, and changes that become queryable after
their SystemModstamp, as an incremental pull (``WHERE SystemModstamp >= watermark - lookback``)
meets them.

The org's clock is a test clock here, so "three seconds later" needs no sleeping.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.emulator.store.table import now

MARCUS = "marcus.chen@emulator.example.com"


class Clock:
    def __init__(self) -> None:
        self.now = now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(local: LocalOrg) -> Clock:
    clock = Clock()
    local.org.clock = clock
    return clock


def _literal(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamps(sf: Any, record_id: str) -> tuple[str, str, str]:
    row = sf.Contact.get(record_id)
    return row["LastModifiedDate"], row["SystemModstamp"], row["LastModifiedById"]


def test_workflow_and_formula_changes(local: LocalOrg, sf: Any, clock: Clock) -> None:
    contact = sf.Contact.create({"LastName": "Stamped"})["id"]
    created = _stamps(sf, contact)
    clock.advance(5)
    answer = requests.patch(f"{local.login_url}/_emulator/records/Contact/{contact}",
                            json={"fields": {"Title": "By workflow"}, "stamp": "workflow"},
                            timeout=10)
    assert answer.status_code == 200
    after_workflow = _stamps(sf, contact)
    assert after_workflow[0] == created[0]            # LastModifiedDate kept
    assert after_workflow[1] > created[1]             # SystemModstamp moved
    assert after_workflow[2] == created[2]            # LastModifiedById kept
    clock.advance(5)
    local.automation_update("Contact", contact, {"Description": "formula"}, stamp="formula")
    assert _stamps(sf, contact) == after_workflow     # neither stamp moved
    assert sf.Contact.get(contact)["Description"] == "formula"
    # A pull by SystemModstamp sees the workflow change, never the formula change.
    for seconds_back, seen in [(7, 1), (2, 0)]:
        since = _literal(clock.now - dt.timedelta(seconds=seconds_back))
        query = f"SELECT Id FROM Contact WHERE SystemModstamp >= {since}"
        assert sf.query(query)["totalSize"] == seen
    bad = requests.patch(f"{local.login_url}/_emulator/records/Contact/{contact}",
                         json={"fields": {"Title": "x"}, "stamp": "sometimes"}, timeout=10)
    assert bad.status_code == 400


def test_a_change_by_another_user_through_the_control_api(local: LocalOrg, sf: Any) -> None:
    contact = sf.Contact.create({"LastName": "Theirs"})["id"]
    requests.patch(f"{local.login_url}/_emulator/records/Contact/{contact}",
                   json={"fields": {"Title": "Theirs"}, "user": MARCUS}, timeout=10)
    assert _stamps(sf, contact)[2] == local.user(MARCUS).id


def _pull(sf: Any, since: dt.datetime) -> dict[str, str | None]:
    rows = sf.query_all(f"SELECT Id, Title FROM Contact WHERE SystemModstamp >= "
                        f"{_literal(since)} ORDER BY SystemModstamp, Id")["records"]
    return {r["Id"]: r["Title"] for r in rows}


@pytest.mark.parametrize(("lookback", "caught"), [(0, False), (3, True)])
def test_a_pull_needs_a_lookback_as_long_as_the_visibility_lag(
        local: LocalOrg, sf: Any, clock: Clock, lookback: float, caught: bool) -> None:
    answer = requests.post(local.login_url + "/_emulator/visibility-lag", json={"seconds": 3},
                           timeout=10)
    assert answer.json() == {"seconds": 3.0}
    watermark = clock.now - dt.timedelta(minutes=1)
    contact = sf.Contact.create({"LastName": "Late", "Title": "v1"})["id"]
    clock.advance(1)
    # Committed, stamped, not queryable yet: the first pull sees nothing and moves on.
    assert _pull(sf, watermark) == {}
    assert sf.Contact.get(contact)["Title"] == "v1"   # a read by Id is not a query
    watermark = clock.now
    clock.advance(3)
    seen = _pull(sf, watermark - dt.timedelta(seconds=lookback))
    assert (contact in seen) is caught


def test_an_update_shows_its_old_version_until_it_is_visible(
        local: LocalOrg, sf: Any, clock: Clock) -> None:
    contact = sf.Contact.create({"LastName": "Versioned", "Title": "old"})["id"]
    local.set_visibility_lag(3)
    clock.advance(1)
    sf.Contact.update(contact, {"Title": "new"})
    sf.Contact.delete(sf.Contact.create({"LastName": "Fleeting"})["id"])
    [row] = sf.query(f"SELECT Title FROM Contact WHERE Id = '{contact}'")["records"]
    assert row["Title"] == "old"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1
    clock.advance(3)
    [row] = sf.query(f"SELECT Title FROM Contact WHERE Id = '{contact}'")["records"]
    assert row["Title"] == "new"
    deleted = sf.query_all("SELECT LastName, IsDeleted FROM Contact WHERE IsDeleted = true",
                           include_deleted=True)["records"]
    assert [(r["LastName"], r["IsDeleted"]) for r in deleted] == [("Fleeting", True)]
    local.set_visibility_lag(0)
    assert requests.get(local.login_url + "/_emulator/visibility-lag", timeout=10).json() == {
        "seconds": 0.0}
