"""sObject Collections writers against the local org over HTTPS."""

from __future__ import annotations

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce import writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.writers import RecordWrite


def lead(i: int, **extra: object) -> RecordWrite:
    fields = {"LastName": f"Lead {i}", "Company": "Acme", "Email": f"l{i}@example.org",
              "SFSync_Id__c": f"h-{i}", **extra}
    return RecordWrite(str(i), fields)


def calls(org: LocalOrg, fragment: str) -> int:
    return sum(1 for e in org.request_log if fragment in e.path)


def count(api: SalesforceApi, soql: str) -> int:
    return int(api.sf.query(soql)["totalSize"])


def test_upsert_200_per_call_and_idempotent(org: LocalOrg, ready_api: SalesforceApi) -> None:
    org.request_log.clear()
    first = list(writers.upsert(ready_api, "Lead", "SFSync_Id__c", (lead(i) for i in range(450))))
    assert calls(org, "/composite/sobjects/Lead/SFSync_Id__c") == 3
    assert all(r.ok and r.created for r in first)
    assert [r.key for r in first] == [str(i) for i in range(450)]
    again = list(writers.upsert(ready_api, "Lead", "SFSync_Id__c",
                                [lead(i, Title="CEO") for i in range(450)]))
    assert all(r.ok and not r.created for r in again)
    assert [r.id for r in again] == [r.id for r in first]
    assert count(ready_api, "SELECT Id FROM Lead") == 450
    assert count(ready_api, "SELECT Id FROM Lead WHERE Title = 'CEO'") == 450


def test_create_and_update_by_id(ready_api: SalesforceApi) -> None:
    created = list(writers.create(ready_api, "Account", [
        RecordWrite("a", {"Name": "Acme"}), RecordWrite("b", {"Name": "Globex"})]))
    assert all(r.ok and r.created and r.id for r in created)
    updated = list(writers.update(ready_api, "Account", [
        RecordWrite("a", {"Id": created[0].id, "Name": "Acme Corp"}),
        RecordWrite("b", {"Id": created[1].id, "Website": "globex.example"})]))
    assert all(r.ok and not r.created for r in updated)
    names = {r["Name"] for r in ready_api.sf.query("SELECT Name FROM Account")["records"]}
    assert names == {"Acme Corp", "Globex"}


def test_per_record_errors_keep_salesforce_reasons(ready_api: SalesforceApi) -> None:
    results = list(writers.upsert(ready_api, "Lead", "SFSync_Id__c", [
        lead(1), lead(2, Email="not an email"), lead(3), lead(4, LastName=None)]))
    assert [r.ok for r in results] == [True, False, True, False]
    assert results[1].error is not None
    assert results[1].error.status_code == "INVALID_EMAIL_ADDRESS"
    assert "not an email" in results[1].error.message
    assert results[3].error is not None
    assert results[3].error.status_code == "REQUIRED_FIELD_MISSING"
    assert "LastName" in results[3].error.fields


def test_faults_are_retried_until_every_record_is_written_once(
    org: LocalOrg, ready_api: SalesforceApi
) -> None:
    org.faults.fail_next(2, "/composite/sobjects", kind="503")  # at least two, for sure
    org.faults.error_rate(0.2, kind="503")
    org.faults.error_rate(0.2, kind="UNABLE_TO_LOCK_ROW")  # per record in Collections
    results = list(writers.upsert(ready_api, "Lead", "SFSync_Id__c",
                                  [lead(i) for i in range(1000)]))
    org.faults.clear()
    assert all(r.ok for r in results), [r.error for r in results if r.error][:3]
    assert len({r.id for r in results}) == 1000
    assert count(ready_api, "SELECT Id FROM Lead") == 1000
    sent = [e.status for e in org.request_log if "/composite/sobjects" in e.path]
    assert sent.count(503) >= 2
    # 5 chunks of 200; locked records went again in further rounds
    assert sent.count(200) > 5
