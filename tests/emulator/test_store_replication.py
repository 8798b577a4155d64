"""/updated and /deleted windows, --data persistence and the demo seed of the local org."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.store.org import Org
from flask_sfsync.emulator.store.seed import seed

START = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    """A settable clock: replication windows depend on 'now'."""

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


def test_updated_ids_follow_system_modstamp(org: Org, clock: Clock) -> None:
    admin = org.admin.id
    clock.advance(minutes=5)
    early = org.create("Contact", {"LastName": "Early"}, admin)
    clock.advance(minutes=10)
    late = org.create("Contact", {"LastName": "Late"}, admin)
    clock.advance(minutes=10)
    org.update("Contact", early, {"Title": "Now"}, admin)
    clock.advance(minutes=5)

    middle = org.updated_ids("Contact", START + dt.timedelta(minutes=10),
                             START + dt.timedelta(minutes=20))
    everything = org.updated_ids("Contact", START, START + dt.timedelta(days=1))

    assert middle == {"ids": [late], "latestDateCovered": "2024-05-01T09:20:00.000+0000"}
    assert sorted(everything["ids"]) == sorted([early, late])
    # an end in the future is covered only up to now
    assert everything["latestDateCovered"] == "2024-05-01T09:30:00.000+0000"


def test_deleted_records_report_their_deleted_date(org: Org, clock: Clock) -> None:
    admin = org.admin.id
    contact_id = org.create("Contact", {"LastName": "Bin"}, admin)
    clock.advance(minutes=3, seconds=20)
    org.delete(contact_id, admin)
    clock.advance(minutes=5)

    result = org.deleted_records("Contact", START, START + dt.timedelta(hours=1))

    assert result["deletedRecords"] == [
        {"id": contact_id, "deletedDate": "2024-05-01T09:03:20.000+0000"}]
    assert result["earliestDateAvailable"] == "2024-05-01T09:00:00.000+0000"
    assert org.updated_ids("Contact", START, START + dt.timedelta(hours=1))["ids"] == []


@pytest.mark.parametrize(("start", "end"), [
    (START + dt.timedelta(hours=1), START),
    (START, START + dt.timedelta(seconds=30)),  # seconds are ignored: an empty window
    (START - dt.timedelta(days=31), START),
])
def test_invalid_replication_windows(org: Org, clock: Clock, start: dt.datetime,
                                     end: dt.datetime) -> None:
    clock.advance(hours=2)

    for call in (org.updated_ids, org.deleted_records):
        with pytest.raises(SalesforceApiError) as caught:
            call("Contact", start, end)
        assert caught.value.error_code == "INVALID_REPLICATION_DATE"


def test_deleted_reaches_back_15_days_and_updated_30(org: Org, clock: Clock) -> None:
    clock.advance(days=20)
    start = clock.now - dt.timedelta(days=16)

    assert org.updated_ids("Contact", start, clock.now)["ids"] == []
    with pytest.raises(SalesforceApiError) as caught:
        org.deleted_records("Contact", start, clock.now)
    assert caught.value.error_code == "INVALID_REPLICATION_DATE"


def test_save_and_load_keep_records_custom_fields_and_indexes(org: Org, tmp_path: Path) -> None:
    admin = org.admin.id
    org.add_custom_field("Contact", {"FullName": "Contact.Ext__c", "Metadata": {
        "label": "Ext", "type": "Text", "length": 20, "externalId": True, "unique": True}})
    kept = org.create("Contact", {"LastName": "Kept", "Ext__c": "k1"}, admin)
    gone = org.create("Contact", {"LastName": "Gone"}, admin)
    org.delete(gone, admin)
    path = tmp_path / "org.data"

    org.save(str(path))
    loaded = Org.load(str(path))

    assert loaded.org_id == org.org_id
    assert [u.username for u in loaded.users] == [u.username for u in org.users]
    assert loaded.upsert("Contact", "Ext__c", "K1", {"Title": "x"}, admin) == (kept, False)
    assert [r["Id"] for r in loaded.scan("Contact", include_deleted=True)] == [kept, gone]
    assert loaded.object_def("Contact").field("Ext__c") is not None
    assert loaded.create("Contact", {"LastName": "New"}, admin) not in (kept, gone)
    with loaded.lock:  # a fresh lock, usable after loading
        pass


def test_load_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "not-an-org"
    path.write_bytes(b"hello")

    with pytest.raises(ValueError, match="not a flask-sfsync local org data file"):
        Org.load(str(path))


def test_demo_seed_is_a_small_realistic_org() -> None:
    org = Org()

    seed(org, "demo")

    counts = {name: org.count(name) for name in ("Account", "Contact", "Lead", "Opportunity",
                                                 "Task", "Event")}
    assert counts == {"Account": 30, "Contact": 120, "Lead": 60, "Opportunity": 20,
                      "Task": 40, "Event": 15}
    contact_emails = {r["Email"] for r in org.scan("Contact")}
    lead_emails = [r["Email"] for r in org.scan("Lead")]
    assert sum(1 for e in lead_emails if e in contact_emails) == 12
    assert len(lead_emails) - len(set(lead_emails)) == 3
    owners = {r["OwnerId"] for r in org.scan("Contact")}
    assert len(owners) > 1 and all(org.is_active_user(o) for o in owners)


def test_empty_seed_and_unknown_seed() -> None:
    org = Org()
    seed(org, "empty")

    assert org.count("Contact") == 0
    with pytest.raises(ValueError, match="unknown seed"):
        seed(org, "huge")
