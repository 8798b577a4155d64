"""A push fed page by page (the full sync's way), against the local org over HTTPS."""

from __future__ import annotations

from typing import Any

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.bulk import BulkPolling
from flask_sfsync.salesforce.describe import DescribeCache
from flask_sfsync.sync.links import MemoryLinkStore
from flask_sfsync.sync.owners import OwnerDirectory
from flask_sfsync.sync.push.results import Outcome, OutcomeStatus
from flask_sfsync.sync.push.settings import PushAs, PushSettings
from flask_sfsync.sync.push.stream import PushStream
from flask_sfsync.sync.records import HostContact


def person(i: int, **values: Any) -> HostContact:
    contact: HostContact = {"id": str(i), "first_name": "Ada", "last_name": f"Person {i}",
                            "email": f"p{i}@example.org", "company": "Acme"}
    contact.update(values)  # type: ignore[typeddict-item]
    return contact


def stream_for(api: SalesforceApi, describe: DescribeCache, settings: PushSettings,
               store: MemoryLinkStore, seen: list[Outcome], expected: int) -> PushStream:
    return PushStream(api, settings, store, on_outcomes=seen.extend, describe=describe,
                      owners=OwnerDirectory(), expected=expected, keep_outcomes=False)


def test_pages_past_the_threshold_make_one_bulk_job(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    settings = PushSettings(bulk_threshold=50)
    store = MemoryLinkStore()
    seen: list[Outcome] = []
    stream = stream_for(ready_api, describe, settings, store, seen, expected=120)
    org.request_log.clear()
    pages = [[person(i) for i in range(start, start + 40)] for start in (0, 40, 80)]
    pages[2][5] = person(85, last_name=None)  # Salesforce refuses this one
    stream.add(pages[0])
    assert stream.pending and not seen  # held: the group may still grow past the threshold
    stream.add(pages[1])
    stream.add(pages[2])
    assert stream.pending
    report = stream.finish()
    assert report.stopped is None and not stream.pending
    assert not report.outcomes  # kept by the sink only
    jobs = [e for e in org.request_log if e.path.endswith("/jobs/ingest")]
    assert len(jobs) == 1  # one job for the three pages
    assert not any("/composite/sobjects" in e.path for e in org.request_log)
    by_status = {s: {o.host_id for o in seen if o.status is s} for s in OutcomeStatus}
    assert len(seen) == 120 and by_status[OutcomeStatus.FAILED] == {"85"}
    assert len(store.links) == 119
    failed = next(o for o in seen if o.host_id == "85")
    assert failed.error is not None and failed.error.status_code == "REQUIRED_FIELD_MISSING"
    # Fed again page by page: the unchanged ones cost nothing, the failed one is tried
    # again on its own (Collections: one record is far below the threshold).
    again: list[Outcome] = []
    second = stream_for(ready_api, describe, settings, store, again, expected=120)
    org.request_log.clear()
    for page in pages:
        second.add(page)
    second.finish()
    assert sum(o.status is OutcomeStatus.SKIPPED for o in again) == 119
    assert [o.host_id for o in again if o.status is OutcomeStatus.FAILED] == ["85"]
    writes = [e.path for e in org.request_log if "/jobs/ingest" in e.path
              or "/composite/sobjects" in e.path]
    assert len(writes) == 1 and "/composite/sobjects" in writes[0]


def test_small_pushes_write_while_planning_and_survive_faults(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    """Parallel Collections calls (the stream's pipeline) with 20% of calls answering 503
    and 20% of records locked: every contact ends up in Salesforce exactly once."""
    describe.prefetch(ready_api, ("Lead", "Contact"))
    org.faults.error_rate(0.2, kind="503")
    org.faults.error_rate(0.2, kind="UNABLE_TO_LOCK_ROW")
    settings = PushSettings(write_concurrency=3)
    store = MemoryLinkStore()
    seen: list[Outcome] = []
    stream = stream_for(ready_api, describe, settings, store, seen, expected=1000)
    for start in range(0, 1000, 250):
        stream.add([person(i) for i in range(start, start + 250)])
    report = stream.finish()
    org.faults.clear()
    assert report.stopped is None
    assert sorted(o.host_id for o in seen) == sorted(str(i) for i in range(1000))
    assert {o.status for o in seen} == {OutcomeStatus.PUSHED}
    ids = [r["SFSync_Id__c"] for r in ready_api.query("SELECT SFSync_Id__c FROM Lead")]
    assert sorted(ids) == sorted(str(i) for i in range(1000))
    assert len(store.links) == 1000


def test_bulk_polls_follow_the_jobs_progress() -> None:
    polling = BulkPolling(records_per_second=20_000, min_wait=0.2, max_wait=10, probe=0.5)
    assert polling.first_poll(100_000) == 2.5  # half the estimate: the job says its pace
    # two thirds done after 2.5 s: the rest takes about 1.25 s more
    assert abs(polling.next_wait(100_000, 66_000, 2.5, 2.5) - 1.1 * 34_000 * 2.5 / 66_000) < 1e-9
    # not started yet (queued behind other jobs): wait longer each time
    assert polling.next_wait(100_000, 0, 2.5, 2.5) == 3.75
    assert polling.next_wait(100_000, 0, 30, 9) == 10


def test_contact_pages_share_their_account_lookups(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    """Companies spread over pages: their Accounts are looked up and created together."""
    settings = PushSettings(push_as=PushAs.CONTACT)
    store = MemoryLinkStore()
    seen: list[Outcome] = []
    stream = stream_for(ready_api, describe, settings, store, seen, expected=30)
    org.request_log.clear()
    contacts = [person(i, company=f"Company {i % 6}") for i in range(30)]
    for start in range(0, 30, 10):
        stream.add(contacts[start : start + 10])
    assert stream.pending  # waiting for their Accounts
    report = stream.finish()
    assert report.accounts_created == 6
    creates = [e for e in org.request_log
               if e.method == "POST" and e.path.endswith("/composite/sobjects")]
    assert len(creates) == 1  # the six Accounts in one call
    assert {o.status for o in seen} == {OutcomeStatus.PUSHED} and len(seen) == 30
    accounts = {r["Id"]: r["Name"] for r in ready_api.query("SELECT Id, Name FROM Account")}
    assert sorted(accounts.values()) == [f"Company {k}" for k in range(6)]
    for row in ready_api.query("SELECT SFSync_Id__c, AccountId FROM Contact"):
        assert accounts[row["AccountId"]] == f"Company {int(row['SFSync_Id__c']) % 6}"


def test_a_large_contact_push_reads_the_orgs_accounts_with_its_first_lookup(
    org: LocalOrg, ready_api: SalesforceApi
) -> None:
    """Describes, the Accounts and the email index in one Composite call: the Account that
    exists is used, the others are created without any lookup."""
    existing = ready_api.rest("POST", "sobjects/Account", json={"Name": "Company 0"})["id"]
    settings = PushSettings(push_as=PushAs.CONTACT, bulk_threshold=100_000)
    seen: list[Outcome] = []
    contacts = [person(i, company=f"Company {i % 30}") for i in range(2100)]
    stream = stream_for(ready_api, DescribeCache(), settings, MemoryLinkStore(), seen,
                        expected=len(contacts))
    org.request_log.clear()
    for start in range(0, 2100, 700):
        stream.add(contacts[start : start + 700])
    report = stream.finish()
    assert report.accounts_created == 29 and len(seen) == 2100
    assert {o.status for o in seen} == {OutcomeStatus.PUSHED}
    posts = [e.path.rsplit("/", 1)[-1] for e in org.request_log if e.method == "POST"]
    assert posts.count("composite") == 1  # nothing looked up after the first call
    assert posts.count("sobjects") == 1  # the 29 new Accounts
    rows = ready_api.query(f"SELECT Id FROM Contact WHERE AccountId = '{existing}'")
    assert len(list(rows)) == 70
