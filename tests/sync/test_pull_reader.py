"""The pull's reader against a real local org over HTTPS (no mocks): every record stamped at or
after the start comes back at least once, in (SystemModstamp, Id) order, however page
boundaries fall within a second; the first pages of three objects cost one API call; a late
visible change is caught by the lookback; deletes come back from queryAll.

The org's clock (``Org.clock``) is replaced by a hand-driven one so that thousands of records
share one SystemModstamp second and the visibility lag is exact.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.sync.pull import Page, Watermark, poll, read_since, spec_for
from flask_sfsync.sync.pull.reader import parse_datetime, start_of

T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
CONTACT = spec_for("Contact")


class Clock:
    """The org's clock, moved by the test: whole milliseconds, UTC, as Salesforce keeps it."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, when: dt.datetime) -> None:
        self.at = when

    def tick(self, seconds: float) -> dt.datetime:
        self.at += dt.timedelta(seconds=seconds)
        return self.at


@pytest.fixture
def clock(org: LocalOrg) -> Iterator[Clock]:
    clock = Clock(T0)
    saved = org.org.clock
    org.org.clock = clock
    yield clock
    org.org.clock = saved


def _create(org: LocalOrg, sobject: str, n: int, tag: str, **extra: str) -> list[str]:
    store = org.org
    ids = []
    for i in range(n):
        fields = {"LastName": f"{tag}{i}", **extra}
        ids.append(store.create(sobject, fields, store.admin.id, allow_duplicates=True,
                                system_mode=True))
    return ids


def _key(record: dict[str, object]) -> tuple[dt.datetime, str]:
    stamp = parse_datetime(record["SystemModstamp"])
    assert stamp is not None
    return stamp, str(record["Id"])


def _ids(pages: list[Page]) -> list[str]:
    return [str(r["Id"]) for p in pages for r in p.records]


def _usage(org: LocalOrg) -> int:
    return int(org.org.api_usage)


def test_thousands_of_records_in_one_second_are_all_read_in_order(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    # 2,650 records in one second (more than a dozen pages of 200 in it), then seconds of
    # 150 records (pages of 200 straddle them), then one of 1,000 again: 5,150 in all.
    ids = _create(org, "Contact", 2650, "Same")
    for s in range(1, 11):
        clock.set(T0 + dt.timedelta(seconds=s, milliseconds=250))
        ids += _create(org, "Contact", 150, f"Sec{s}-")
    clock.set(T0 + dt.timedelta(seconds=20, milliseconds=999))
    ids += _create(org, "Contact", 1000, "Late")
    assert len(ids) == 5150

    pages = list(read_since(api, CONTACT, None, limit=200))
    read = _ids(pages)
    assert set(read) == set(ids)
    assert len(read) == len(set(read))  # here no boundary made one read twice
    for page in pages:
        keys = [_key(r) for r in page.records]
        assert keys == sorted(keys), "a page out of (SystemModstamp, Id) order"
        assert len(page.records) <= 200
    # Across pages too: each page starts at or after where the one before ended.
    ends = [(_key(p.records[0]), _key(p.records[-1])) for p in pages if p.records]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))

    # From a start inside the run: exactly what is stamped at or after it.
    start = T0 + dt.timedelta(seconds=5)
    later = set(_ids(list(read_since(api, CONTACT, start, limit=200))))
    expected = {r["Id"] for r in org.org.scan("Contact") if r["SystemModstamp"] >= start}
    assert later == {str(i) for i in expected}


def test_records_created_while_reading_arrive_now_or_in_the_next_read(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    ids = set(_create(org, "Contact", 900, "Before"))
    seen: set[str] = set()
    marks: list[Watermark] = []
    made_during: set[str] = set()
    for n, page in enumerate(read_since(api, CONTACT, None, limit=200)):
        seen.update(str(r["Id"]) for r in page.records)
        marks.extend(Watermark(*_key(r)) for r in page.records)
        # Between pages: a few new records, some in the second being read, some later.
        if n < 3:
            made_during.update(_create(org, "Contact", 7, f"During{n}-"))
            clock.tick(0.4)
    assert ids <= seen
    last = max(marks)
    # The next read, from the watermark with the lookback, brings whatever this one missed.
    again = _ids(list(read_since(api, CONTACT, start_of(last, dt.timedelta(seconds=3)),
                                 limit=200)))
    assert made_during <= seen | set(again)
    assert ids | made_during == seen | set(again)


def test_poll_reads_three_objects_in_one_api_call(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    lead = _create(org, "Lead", 3, "Lead", Company="Acme")
    contact = _create(org, "Contact", 4, "Contact")
    account = [org.org.create("Account", {"Name": f"Account {i}"}, org.org.admin.id,
                              allow_duplicates=True) for i in range(2)]
    specs = [spec_for("Lead"), spec_for("Contact"), spec_for("Account")]
    before = _usage(org)
    org.request_log.clear()
    pages = poll(api, specs, {"Lead": None, "Contact": None, "Account": None})
    assert _usage(org) - before == 1
    assert [(e.method, e.path.rsplit("/", 1)[-1]) for e in org.request_log.entries()] == [
        ("POST", "composite")]
    assert [p.sobject for p in pages] == ["Lead", "Contact", "Account"]
    assert [set(_ids([p])) for p in pages] == [set(lead), set(contact), set(account)]

    # An idle poll from the watermarks: one call, nothing to read further.
    starts = {p.sobject: start_of(max(Watermark(*_key(r)) for r in p.records),
                                  dt.timedelta(seconds=0)) for p in pages}
    clock.tick(60)
    before = _usage(org)
    again = poll(api, specs, starts)
    for spec, first in zip(specs, again, strict=True):
        list(read_since(api, spec, starts[spec.sobject], first=first))  # short: no more calls
    assert _usage(org) - before == 1


def test_a_change_visible_late_is_caught_by_the_lookback_only(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    (slow_id,) = _create(org, "Contact", 1, "Slow")
    clock.tick(30)
    # A long transaction: stamped at T+100, visible (committed) 2 s later.
    org.set_visibility_lag(2)
    clock.set(T0 + dt.timedelta(seconds=100))
    org.org.update("Contact", slow_id, {"Title": "Changed"}, org.org.admin.id)
    # A short one beside it: stamped at T+101, visible 0.2 s later.
    org.set_visibility_lag(0.2)
    clock.set(T0 + dt.timedelta(seconds=101))
    (fast_id,) = _create(org, "Contact", 1, "Fast")

    clock.set(T0 + dt.timedelta(seconds=101, milliseconds=500))  # the pull reads now
    first = [r for p in read_since(api, CONTACT, T0 + dt.timedelta(seconds=60)) for r in
             p.records]
    assert [r["Id"] for r in first] == [fast_id]  # the slow change is not visible yet
    mark = Watermark(*_key(first[-1]))
    assert mark.stamp == T0 + dt.timedelta(seconds=101)

    clock.set(T0 + dt.timedelta(seconds=104))  # both committed long ago
    # Lookback 0: the read starts at T+101 and the change stamped T+100 is missed for good.
    no_lookback = _ids(list(read_since(api, CONTACT, start_of(mark, dt.timedelta(0)))))
    assert slow_id not in no_lookback
    # Lookback 3 s (at least the lag): from T+98 the change is read, with its new value.
    lookback = [r for p in read_since(api, CONTACT, start_of(mark, dt.timedelta(seconds=3)))
                for r in p.records]
    slow = [r for r in lookback if r["Id"] == slow_id]
    assert slow and slow[0]["Title"] == "Changed"
    assert parse_datetime(slow[0]["SystemModstamp"]) == T0 + dt.timedelta(seconds=100)


def test_deleted_records_come_back_marked_deleted(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    ids = _create(org, "Contact", 5, "Gone")
    clock.tick(5)
    org.org.delete(ids[1], org.org.admin.id)
    org.org.delete(ids[3], org.org.admin.id)
    records = {str(r["Id"]): r for p in read_since(api, CONTACT, T0 + dt.timedelta(seconds=2))
               for r in p.records}
    assert set(records) == {ids[1], ids[3]}  # the deletes moved their SystemModstamp
    assert all(r["IsDeleted"] is True for r in records.values())
    every = {str(r["Id"]): r["IsDeleted"] for p in read_since(api, CONTACT, None)
             for r in p.records}
    assert every == {i: i in (ids[1], ids[3]) for i in ids}
