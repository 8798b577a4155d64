"""The pull's Bulk API 2.0 read and its getDeleted check against the local org over HTTPS.

No mocks: the API client is built as production builds one (instance URL, token, a session
that trusts the org's CA), and the org answers through its real HTTP stack. The org's clock
is driven by hand so that thousands of records share a SystemModstamp and getDeleted's
minute windows are exact; API calls are counted from the org's request log.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
import requests
from simple_salesforce.api import Salesforce

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce.api import RetryPolicy, SalesforceApi
from flask_sfsync.salesforce.bulk import BulkPolling
from flask_sfsync.sync.pull import (
    Coverage,
    DeletedWindow,
    Page,
    ReplicationWindowLost,
    count_since,
    deleted_since,
    poll,
    read_bulk,
    read_since,
    spec_for,
    use_bulk,
)
from flask_sfsync.sync.pull.stamps import parse_datetime

T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
LEAD = spec_for("Lead")
FAST_POLL = BulkPolling(min_wait=0.05, max_wait=0.5)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, when: dt.datetime) -> None:
        self.at = when


@pytest.fixture
def clock(org: LocalOrg) -> Iterator[Clock]:
    clock = Clock(T0)
    saved = org.org.clock, org.org.created_date
    org.org.clock = clock
    org.org.created_date = T0 - dt.timedelta(days=1)  # the org existed before the test's time
    yield clock
    org.org.clock, org.org.created_date = saved


@pytest.fixture
def api(org: LocalOrg) -> Iterator[SalesforceApi]:
    session = requests.Session()
    session.verify = org.ca_bundle
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify= (psf/requests#3829)
    sf = Salesforce(instance_url=org.instance_url,
                    session_id=org.issue_token()["access_token"], session=session)
    retry = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.1)
    with SalesforceApi(sf, retry=retry, cache_key=(org.org_id, org.user(None).id)) as api:
        yield api


def _leads(org: LocalOrg, n: int, tag: str) -> list[str]:
    store = org.org
    return [store.create("Lead", {"LastName": f"{tag}{i}", "Company": "Acme",
                                  "Email": f"{tag.lower()}{i}@example.com"},
                         store.admin.id, allow_duplicates=True, system_mode=True)
            for i in range(n)]


def _records(pages: list[Page]) -> list[dict[str, object]]:
    return [r for p in pages for r in p.records]


def _key(record: dict[str, object]) -> tuple[dt.datetime, str]:
    stamp = parse_datetime(record["SystemModstamp"])
    assert stamp is not None
    return stamp, str(record["Id"])


def _calls(org: LocalOrg) -> list[str]:
    # "POST jobs/query": the path after /services/data/vXX.X/.
    return [f"{e.method} {e.path.split('/services/data/', 1)[-1].split('/', 1)[-1]}"
            for e in org.request_log.entries()]


def test_bulk_read_returns_exactly_what_rest_pages_return(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    # 5,000 leads: 2,600 in one second, the rest 200 to a second; then older ones updated
    # and deleted, so that Id order (the job's chunk order) is not SystemModstamp order.
    ids = _leads(org, 2600, "Same")
    for s in range(1, 13):
        clock.set(T0 + dt.timedelta(seconds=s, milliseconds=500))
        ids += _leads(org, 200, f"Sec{s}-")
    clock.set(T0 + dt.timedelta(seconds=30))
    for record_id in ids[:300]:
        org.org.update("Lead", record_id, {"Title": "Moved"}, org.org.admin.id)
    for record_id in ids[300:310]:
        org.org.delete(record_id, org.org.admin.id)
    assert len(ids) == 5000

    org.request_log.clear()
    assert count_since(api, LEAD, None) == 5000
    assert use_bulk(5000, 4000) and not use_bulk(5000, 10_000)
    assert len(org.request_log) == 1

    org.request_log.clear()
    rest = list(read_since(api, LEAD, None))
    rest_calls = len(org.request_log)
    org.request_log.clear()
    bulk = list(read_bulk(api, LEAD, None, expected=5000, polling=FAST_POLL))
    bulk_calls = _calls(org)

    assert _records(bulk) == _records(rest)  # the same dicts, in the same order
    by_id = {str(r["Id"]): r for r in _records(bulk)}
    assert len(by_id) == 5000
    assert by_id[ids[300]]["IsDeleted"] is True and by_id[ids[0]]["Title"] == "Moved"
    assert by_id[ids[-1]]["Email"] == "sec12-199@example.com"
    assert by_id[ids[-1]]["Phone"] is None
    keys = [_key(r) for r in _records(bulk)]
    assert keys == sorted(keys)
    assert all(len(p.records) <= 2000 for p in bulk)
    # Pages ordered across their boundaries too: a watermark may move after each one.
    assert all(_key(a.records[-1]) <= _key(b.records[0]) for a, b in itertools.pairwise(bulk))
    # Create, a poll or more, one results page: a handful of calls against REST's pages.
    assert bulk_calls[0] == "POST jobs/query"
    assert [c for c in bulk_calls if "/results" in c] == [bulk_calls[-1]]
    assert len(bulk_calls) <= 5
    assert rest_calls == 5  # pages of 2,000, each less its last second

    # From a start inside the run: the same again, for the window only.
    start = T0 + dt.timedelta(seconds=6)
    window = _records(list(read_bulk(api, LEAD, start, polling=FAST_POLL, page_size=700)))
    assert window == _records(list(read_since(api, LEAD, start)))
    assert count_since(api, LEAD, start) == len(window) == 1400 + 310


def test_deleted_since_sees_a_delete_then_loses_the_window_when_the_bin_is_emptied(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    kept, gone = _leads(org, 2, "Bin")
    clock.set(T0 + dt.timedelta(minutes=1, seconds=20))
    org.org.delete(gone, org.org.admin.id)
    org.org.delete(kept, org.org.admin.id)
    clock.set(T0 + dt.timedelta(minutes=5))

    org.request_log.clear()
    window = deleted_since(api, "Lead", T0, clock())
    assert len(org.request_log) == 1
    assert set(window.ids) == {gone, kept}
    assert window.latest_covered == T0 + dt.timedelta(minutes=5)
    assert window.earliest_available is not None and window.earliest_available <= T0

    # One of them is removed from the recycle bin for good.
    assert org.org.empty_recycle_bin([gone]) == [gone]
    with pytest.raises(ReplicationWindowLost) as lost:
        deleted_since(api, "Lead", T0, clock())
    assert lost.value.sobject == "Lead"
    assert "INVALID_REPLICATION_DATE" in str(lost.value)
    # queryAll no longer returns it; the other deleted lead is still there.
    every = {str(r["Id"]) for r in _records(list(read_since(api, LEAD, None)))}
    assert gone not in every and kept in every
    # A window from after the purge is whole again, and never lists the purged record.
    after = deleted_since(api, "Lead", T0 + dt.timedelta(minutes=2), clock())
    assert after.ids == ()
    assert after.earliest_available == T0 + dt.timedelta(minutes=2)
    # Other objects' windows are not affected.
    assert deleted_since(api, "Contact", T0, clock()).ids == ()


def test_poll_carries_the_deleted_check_in_its_one_call(
    org: LocalOrg, api: SalesforceApi, clock: Clock
) -> None:
    (lead,) = _leads(org, 1, "Polled")
    clock.set(T0 + dt.timedelta(minutes=1))
    org.org.delete(lead, org.org.admin.id)
    clock.set(T0 + dt.timedelta(minutes=3))
    specs = [spec_for("Lead"), spec_for("Contact"), spec_for("Account")]
    starts = dict.fromkeys(("Lead", "Contact", "Account"), T0)
    windows = {o: (T0, clock()) for o in ("Lead", "Contact", "Account")}

    org.request_log.clear()
    pages = poll(api, specs, starts, deleted_windows=windows)
    assert _calls(org) == ["POST composite"]
    assert [p.sobject for p in pages] == ["Lead", "Contact", "Account"]
    assert [str(r["Id"]) for r in pages[0].records] == [lead]
    assert isinstance(pages[0].deleted, DeletedWindow) and pages[0].deleted.ids == (lead,)
    assert isinstance(pages[1].deleted, DeletedWindow) and pages[1].deleted.ids == ()

    org.org.empty_recycle_bin([lead])
    org.request_log.clear()
    pages = poll(api, specs, starts, deleted_windows=windows)
    assert len(org.request_log) == 1
    assert isinstance(pages[0].deleted, ReplicationWindowLost)
    assert isinstance(pages[2].deleted, DeletedWindow)  # the others are still whole
    assert pages[0].records == []  # and queryAll no longer has the lead
    # Without windows, poll is what it was: pages only.
    assert all(p.deleted is None for p in poll(api, specs, starts))


def _read(api: SalesforceApi, start: dt.datetime | None,
          lookback: dt.timedelta) -> tuple[list[str], dt.datetime | None]:
    coverage = Coverage(lookback)
    ids: list[str] = []
    proven: dt.datetime | None = None
    for page in read_since(api, LEAD, start):
        ids.extend(r["Id"] for r in page.records)
        proven = coverage.add(page)
    return ids, proven


def test_a_read_after_a_burst_moves_the_next_start_past_it(
    org: LocalOrg, clock: Clock, api: SalesforceApi
) -> None:
    """The org dates its answers by its own clock; a burst just before a read is read again
    once, by the next read, and never after."""
    lookback = dt.timedelta(seconds=10)
    burst = set(_leads(org, 2500, "Burst"))  # one second: more than a page
    clock.set(T0 + dt.timedelta(seconds=1))
    ids, proven = _read(api, None, lookback)
    assert set(ids) == burst
    # Asked a second after the burst: only what was stamped a lookback before is proven.
    assert proven is not None and proven < T0

    clock.set(T0 + dt.timedelta(seconds=60))
    late = set(_leads(org, 2, "Late"))
    clock.set(T0 + dt.timedelta(seconds=61))
    ids, proven = _read(api, proven, lookback)
    assert set(ids) == burst | late  # read again: it could have been invisible the first time
    assert proven is not None and T0 + dt.timedelta(seconds=1) < proven <= T0 + dt.timedelta(
        seconds=61) - lookback

    clock.set(T0 + dt.timedelta(seconds=120))
    org.request_log.clear()
    ids, proven = _read(api, proven, lookback)
    assert set(ids) <= late  # the burst is behind the start now
    assert len(org.request_log) == 1
    assert proven is not None and proven >= T0 + dt.timedelta(seconds=100)
