"""Pushing host contacts end to end against the local org over HTTPS."""

from __future__ import annotations

from typing import Any

import pytest

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce import writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache
from flask_sfsync.sync.links import MemoryLinkStore
from flask_sfsync.sync.owners import OwnerDirectory
from flask_sfsync.sync.push import push
from flask_sfsync.sync.push.matching import MatchedBy
from flask_sfsync.sync.push.plan import Action, SkipReason
from flask_sfsync.sync.push.results import Outcome, OutcomeStatus, PushReport
from flask_sfsync.sync.push.settings import PushAs, PushSettings
from flask_sfsync.sync.records import HostContact


def person(i: int, **values: Any) -> HostContact:
    contact: HostContact = {"id": str(i), "first_name": "Ada", "last_name": f"Person {i}",
                            "email": f"p{i}@example.org", "company": "Acme"}
    contact.update(values)  # type: ignore[typeddict-item]
    return contact


def run(api: SalesforceApi, describe: DescribeCache, contacts: list[HostContact],
        settings: PushSettings, store: MemoryLinkStore | None = None,
        seen: list[Outcome] | None = None) -> PushReport:
    return push(api, contacts, settings, store if store is not None else MemoryLinkStore(),
                describe=describe, owners=OwnerDirectory(),
                on_outcomes=seen.extend if seen is not None else None)


def rows(api: SalesforceApi, soql: str) -> list[dict[str, Any]]:
    return list(api.query(soql))


def create(api: SalesforceApi, sobject: str, **fields: Any) -> dict[str, Any]:
    """A record made by someone else in the org (duplicate alerts let through)."""
    allow = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    made = api.sf.restful(f"sobjects/{sobject}", method="POST", json=fields, headers=allow)
    assert isinstance(made, dict)
    return made


def add_restricted_picklist(api: SalesforceApi) -> None:
    api.rest("POST", "tooling/sobjects/CustomField", json={
        "FullName": "Lead.Rating_Level__c",
        "Metadata": {"label": "Rating Level", "type": "Picklist", "valueSet": {
            "restricted": True,
            "valueSetDefinition": {"value": [{"fullName": "Hot"}, {"fullName": "Cold"}]}}},
    })


def test_bad_records_fail_alone_with_salesforce_reasons_then_retry_works(
    ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    add_restricted_picklist(ready_api)
    settings = PushSettings(field_map={"Lead": {"rating": "Rating_Level__c"}})
    good = [person(i, rating="Hot") for i in range(6)]
    bad = [person(10, last_name=None), person(11, title="t" * 300),
           person(12, email="not-an-email"), person(13, rating="Lukewarm")]
    store = MemoryLinkStore()
    seen: list[Outcome] = []
    report = run(ready_api, describe, good + bad, settings, store, seen)
    failed = {o.host_id: o.error for o in report.of(OutcomeStatus.FAILED)}
    assert {k: e.status_code for k, e in failed.items() if e} == {
        "10": "REQUIRED_FIELD_MISSING",
        "11": "STRING_TOO_LONG",
        "12": "INVALID_EMAIL_ADDRESS",
        "13": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    }
    assert "Lukewarm" in (failed["13"].message if failed["13"] else "")
    assert report.counts["pushed"] == 6 and report.counts["created"] == 6
    assert len(rows(ready_api, "SELECT Id FROM Lead")) == 6
    assert set(store.links) == {str(i) for i in range(6)}
    assert sorted(o.host_id for o in seen) == sorted(o.host_id for o in report.outcomes)

    fixed = [person(10), person(11, title="CTO"), person(12), person(13, rating="Cold")]
    again = run(ready_api, describe, good + fixed, settings, store)
    assert again.counts["pushed"] == 4 and again.counts["failed"] == 0
    assert {o.host_id for o in again.of(OutcomeStatus.SKIPPED)} == {str(i) for i in range(6)}
    assert all(o.skip_reason is SkipReason.UNCHANGED for o in again.of(OutcomeStatus.SKIPPED))
    assert len(rows(ready_api, "SELECT Id FROM Lead")) == 10


def test_unchanged_contacts_cost_no_calls_and_changes_update_the_same_record(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    contacts = [person(i) for i in range(5)]
    store = MemoryLinkStore()
    first = run(ready_api, describe, contacts, PushSettings(lead_source="Host"), store)
    assert first.counts["created"] == 5
    again = run(ready_api, describe, contacts, PushSettings(lead_source="Host"), store)
    assert again.api_calls == 0 and again.counts["skipped"] == 5
    contacts[2] = person(2, title="Boss")
    changed = run(ready_api, describe, contacts, PushSettings(lead_source="Host"), store)
    outcome = changed.outcome("2")
    assert outcome is not None and outcome.action is Action.UPDATE
    assert outcome.sf_id == first.outcome("2").sf_id  # type: ignore[union-attr]
    lead = rows(ready_api, f"SELECT Title, LeadSource FROM Lead WHERE Id = '{outcome.sf_id}'")
    assert lead[0]["Title"] == "Boss" and lead[0]["LeadSource"] == "Host"


def test_settings_skip_contacts_without_email_or_in_other_stages(
    ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    contacts = [person(1), person(2, email=None), person(3, stage="lost")]
    settings = PushSettings(stages=frozenset({"lead", None}))
    report = run(ready_api, describe, [person(1, stage="lead"), *contacts[1:]], settings)
    skipped = {o.host_id: o.skip_reason for o in report.of(OutcomeStatus.SKIPPED)}
    assert skipped == {"2": SkipReason.NO_EMAIL, "3": SkipReason.STAGE_NOT_PUSHED}
    assert report.counts["pushed"] == 1


def test_matching_prefers_external_id_then_contact_over_lead_by_email(
    ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    lead_same_email = create(ready_api, "Lead", LastName="L", Company="C",
                             Email="p1@example.org")
    contact_same_email = create(ready_api, "Contact", LastName="C", Email="P1@Example.org")
    ours = create(ready_api, "Lead", LastName="Old", Company="C", Email="old@example.org",
                  SFSync_Id__c="2")
    report = run(ready_api, describe, [person(1), person(2), person(3)], PushSettings())
    by_host = {o.host_id: o for o in report.outcomes}
    assert (by_host["1"].sobject, by_host["1"].sf_id) == ("Contact", contact_same_email["id"])
    assert by_host["1"].matched_by is MatchedBy.EMAIL
    assert (by_host["2"].sf_id, by_host["2"].matched_by) == (ours["id"], MatchedBy.EXTERNAL_ID)
    assert by_host["3"].created
    untouched = rows(ready_api, f"SELECT LastName FROM Lead WHERE Id = '{lead_same_email['id']}'")
    assert untouched[0]["LastName"] == "L"
    stamped = rows(ready_api, f"SELECT SFSync_Id__c FROM Contact "
                              f"WHERE Id = '{contact_same_email['id']}'")
    assert stamped[0]["SFSync_Id__c"] == "1"


def test_duplicate_rule_hit_reports_the_matching_record(
    ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    first = run(ready_api, describe, [person(1, email="same@example.org")], PushSettings())
    existing = first.outcome("1")
    assert existing is not None and existing.sf_id
    # Another host contact with the same email: the record is the first one's, so a create is
    # attempted and Salesforce's duplicate rule stops it.
    second = run(ready_api, describe, [person(2, email="same@example.org")], PushSettings())
    outcome = second.outcome("2")
    assert outcome is not None and outcome.error is not None
    assert outcome.error.status_code == "DUPLICATES_DETECTED"
    assert existing.sf_id in outcome.error.duplicate_ids


def test_push_as_contacts_with_accounts_and_owners(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    acme = create(ready_api, "Account", Name="ACME")
    users = {u.email: u for u in org.org.users}
    active = next(u for u in org.org.users if u.is_active and not u.is_admin)
    inactive = next((u for u in org.org.users if not u.is_active), None)
    contacts = [
        person(1, company="Acme", owner_email=active.email.upper()),
        person(2, company="Globex", owner_email=inactive.email if inactive else None),
        person(3, company="Globex"),
    ]
    settings = PushSettings(push_as=PushAs.CONTACT)
    report = run(ready_api, describe, contacts, settings)
    assert report.counts["pushed"] == 3 and report.accounts_created == 1
    found = {r["SFSync_Id__c"]: r for r in rows(
        ready_api, "SELECT SFSync_Id__c, AccountId, Account.Name, OwnerId FROM Contact")}
    assert found["1"]["AccountId"] == acme["id"]
    assert found["1"]["OwnerId"] == active.id
    assert found["2"]["AccountId"] == found["3"]["AccountId"]
    assert found["2"]["Account"]["Name"] == "Globex"
    assert found["2"]["OwnerId"] == org.admin.id  # inactive owner: Salesforce's default
    assert len(rows(ready_api, "SELECT Id FROM Account")) == 2
    assert users  # the org has users with emails


def test_faults_at_20_percent_still_push_every_contact_exactly_once(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    describe.prefetch(ready_api, ("Lead", "Contact"))
    org.faults.error_rate(0.2, kind="503")
    org.faults.error_rate(0.2, kind="UNABLE_TO_LOCK_ROW")
    contacts = [person(i) for i in range(600)]
    store = MemoryLinkStore()
    report = run(ready_api, describe, contacts, PushSettings(), store)
    org.faults.clear()
    assert report.counts["failed"] == 0, report.of(OutcomeStatus.FAILED)[:3]
    assert report.counts["pushed"] == 600
    ids = [r["SFSync_Id__c"] for r in rows(ready_api, "SELECT SFSync_Id__c FROM Lead")]
    assert sorted(ids) == sorted(str(i) for i in range(600))
    assert len(store.links) == 600


def test_large_sets_go_through_bulk_api(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    contacts = [person(i) for i in range(2100)]
    contacts[7] = person(7, last_name=None)
    store = MemoryLinkStore()
    org.request_log.clear()
    report = run(ready_api, describe, contacts, PushSettings(), store)
    assert report.counts["pushed"] == 2099 and report.counts["created"] == 2099
    failed = report.outcome("7")
    assert failed is not None and failed.error is not None
    assert failed.error.status_code == "REQUIRED_FIELD_MISSING"
    paths = [e.path for e in org.request_log]
    assert any(p.endswith("/jobs/ingest") for p in paths)
    assert not any("/composite/sobjects" in p for p in paths)
    assert report.api_calls <= 10, paths
    assert len(rows(ready_api, "SELECT Id FROM Lead")) == 2099
    # every contact changed: updates by link, again in one Bulk job
    changed = [person(i, title="Dr") for i in range(2100)]
    again = run(ready_api, describe, changed, PushSettings(), store)
    assert again.counts["pushed"] == 2100
    assert {o.action for o in again.of(OutcomeStatus.PUSHED)} >= {Action.UPDATE}
    assert len(rows(ready_api, "SELECT Id FROM Lead WHERE Title = 'Dr'")) == 2100


@pytest.mark.parametrize("threshold", [50])
def test_bulk_threshold_is_configurable(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache, threshold: int
) -> None:
    org.request_log.clear()
    report = run(ready_api, describe, [person(i) for i in range(60)],
                 PushSettings(bulk_threshold=threshold))
    assert report.counts["pushed"] == 60
    assert any(e.path.endswith("/jobs/ingest") for e in org.request_log)


def test_a_record_deleted_in_salesforce_gets_a_new_one(
    ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    store = MemoryLinkStore()
    first = run(ready_api, describe, [person(1), person(2)], PushSettings(), store)
    gone = first.outcome("1")
    assert gone is not None and gone.sf_id
    deleted = list(writers.delete(ready_api, [gone.sf_id, gone.sf_id]))
    assert [r.ok for r in deleted] == [True]
    assert all(r.ok for r in writers.delete(ready_api, [gone.sf_id]))  # again: already done
    again = run(ready_api, describe, [person(1, title="New"), person(2, title="New")],
                PushSettings(), store)
    assert again.counts["failed"] == 0 and again.counts["pushed"] == 2
    replaced = again.outcome("1")
    assert replaced is not None and replaced.created and replaced.sf_id != gone.sf_id
    assert store.links["1"].sf_id == replaced.sf_id
    assert len(rows(ready_api, "SELECT Id FROM Lead WHERE Title = 'New'")) == 2


def test_bulk_push_survives_faults_and_finds_existing_records(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    existing = create(ready_api, "Contact", LastName="Known", Email="p5@example.org")
    describe.prefetch(ready_api, ("Lead", "Contact"))
    org.faults.fail_next(1, "/jobs/ingest", kind="503")
    org.faults.error_rate(0.2, kind="503")
    org.faults.error_rate(0.2, kind="UNABLE_TO_LOCK_ROW")
    store = MemoryLinkStore()
    report = run(ready_api, describe, [person(i) for i in range(2100)], PushSettings(), store)
    org.faults.clear()
    assert report.counts["failed"] == 0, report.of(OutcomeStatus.FAILED)[:3]
    known = report.outcome("5")
    assert known is not None and known.sf_id == existing["id"]
    assert known.matched_by is MatchedBy.EMAIL and known.sobject == "Contact"
    ids = [r["SFSync_Id__c"] for r in rows(ready_api, "SELECT SFSync_Id__c FROM Lead")]
    assert sorted(ids) == sorted(str(i) for i in range(2100) if i != 5)
    assert len(store.links) == 2100


def test_a_value_salesforce_cannot_read_fails_its_call_not_the_push(
    ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    contacts = [person(i) for i in range(250)]
    contacts[3] = person(3, meeting_date="next tuesday")
    report = run(ready_api, describe, contacts, PushSettings())
    failed = report.of(OutcomeStatus.FAILED)
    assert report.stopped is None
    assert "3" in {o.host_id for o in failed}
    assert all(o.error is not None and o.error.status_code for o in failed)
    # the other chunk of 50 went through whatever happened to the first 200
    assert report.counts["pushed"] >= 50
    assert report.counts["pushed"] + report.counts["failed"] == 250
