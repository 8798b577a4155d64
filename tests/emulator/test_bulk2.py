"""Bulk API 2.0 over sockets, driven by simple-salesforce's bulk2 exactly as integrations use it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import requests
from emulator_support import api, wait_for_job
from simple_salesforce.exceptions import SalesforceOperationError

from flask_sfsync.emulator.handle import LocalOrg

JOBS = "/services/data/v60.0/jobs"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def call(local: LocalOrg, method: str, path: str, **kwargs: Any) -> requests.Response:
    return api(local, method, f"{JOBS}{path}", **kwargs)


def wait_final(local: LocalOrg, job_id: str, kind: str = "ingest") -> dict[str, Any]:
    return wait_for_job(local, job_id, kind)


def upload(local: LocalOrg, job_id: str, data: bytes,
           content_type: str = "text/csv") -> requests.Response:
    return call(local, "PUT", f"/ingest/{job_id}/batches", data=data,
                headers={"Content-Type": content_type})


def open_job(local: LocalOrg, csv_data: bytes, **options: Any) -> str:
    """An ingest job of Contacts with its data uploaded, still Open."""
    body = {"object": "Contact", "operation": "insert", **options}
    job_id = str(call(local, "POST", "/ingest", json=body).json()["id"])
    assert upload(local, job_id, csv_data).status_code == 201
    return job_id


def test_insert_then_results(local: LocalOrg, sf: Any) -> None:
    records = [{"LastName": f"Bulk{i}", "Email": f"bulk{i}@example.com"} for i in range(250)]
    records.append({"LastName": "", "Email": "nolast@example.com"})
    [result] = sf.bulk2.Contact.insert(records=records, wait=0)
    assert result["numberRecordsProcessed"] == 251
    assert result["numberRecordsFailed"] == 1
    assert local.org.count("Contact") == 250
    ok = rows(sf.bulk2.Contact.get_successful_records(result["job_id"]))
    assert len(ok) == 250 and ok[0]["sf__Created"] == "true"
    assert ok[0]["sf__Id"].startswith("003") and ok[0]["LastName"] == "Bulk0"
    failed = rows(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert failed[0]["sf__Error"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    assert failed[0]["Email"] == "nolast@example.com"
    assert rows(sf.bulk2.Contact.get_unprocessed_records(result["job_id"])) == []


def test_upsert_update_delete(local: LocalOrg, sf: Any) -> None:
    sf.bulk2.Contact.upsert(
        records=[{"Email": "a@example.com", "LastName": "A"}], external_id_field="Email", wait=0
    )
    [again] = sf.bulk2.Contact.upsert(
        records=[
            {"Email": "a@example.com", "LastName": "A2"},
            {"Email": "b@example.com", "LastName": "B"},
        ],
        external_id_field="Email",
        wait=0,
    )
    created = {
        r["Email"]: r["sf__Created"]
        for r in rows(sf.bulk2.Contact.get_successful_records(again["job_id"]))
    }
    assert created == {"a@example.com": "false", "b@example.com": "true"}
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Contact ORDER BY Email")["records"]]
    sf.bulk2.Contact.update(records=[{"Id": ids[0], "FirstName": "Up"}], wait=0)
    assert sf.Contact.get(ids[0])["FirstName"] == "Up"
    assert sf.Contact.get(ids[0])["LastName"] == "A2"  # an empty cell is left alone
    [gone] = sf.bulk2.Contact.delete(records=[{"Id": ids[1]}], wait=0)
    assert gone["numberRecordsFailed"] == 0
    assert local.org.count("Contact") == 1


def test_query_pages_with_locator(sf: Any) -> None:
    sf.bulk2.Contact.insert(records=[{"LastName": f"P{i:03d}"} for i in range(120)], wait=0)
    pages = list(
        sf.bulk2.Contact.query(
            "SELECT Id, LastName FROM Contact ORDER BY LastName", max_records=50, wait=0
        )
    )
    assert [len(rows(page)) for page in pages] == [50, 50, 20]
    assert rows(pages[0])[0]["LastName"] == "P000"


def test_query_results_headers(local: LocalOrg, sf: Any) -> None:
    sf.bulk2.Contact.insert(records=[{"LastName": "H1"}, {"LastName": "H2"}], wait=0)
    job = call(
        local,
        "POST",
        "/query",
        json={"operation": "query", "query": "SELECT LastName FROM Contact"},
    ).json()
    wait_final(local, job["id"], "query")
    first = call(local, "GET", f"/query/{job['id']}/results", params={"maxRecords": 1})
    assert first.headers["Sforce-NumberOfRecords"] == "1"
    assert first.text == '"LastName"\n"H1"\n'
    last = call(
        local,
        "GET",
        f"/query/{job['id']}/results",
        params={"maxRecords": 1, "locator": first.headers["Sforce-Locator"]},
    )
    assert last.headers["Sforce-Locator"] == "null"


def test_bad_soql_in_query_job(local: LocalOrg) -> None:
    response = call(local, "POST", "/query", json={"operation": "query", "query": "SELECT"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_job_states_and_listing(local: LocalOrg) -> None:
    job = call(local, "POST", "/ingest", json={"object": "Contact", "operation": "insert"}).json()
    assert job["state"] == "Open"
    assert job["contentUrl"] == f"services/data/v60.0/jobs/ingest/{job['id']}/batches"
    listed = call(local, "GET", "/ingest").json()
    assert listed["done"] is True and job["id"] in [r["id"] for r in listed["records"]]
    assert upload(local, job["id"], b"LastName\nS1\nS2\n").status_code == 201
    closed = call(local, "PATCH", f"/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert closed.json()["state"] in ("UploadComplete", "InProgress", "JobComplete")
    info = wait_final(local, job["id"])
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 2)
    assert call(local, "DELETE", f"/ingest/{job['id']}").status_code == 204
    assert call(local, "GET", f"/ingest/{job['id']}").status_code == 404


def test_abort_leaves_rows_unprocessed(local: LocalOrg) -> None:
    job_id = open_job(local, b"LastName\nU1\n")
    aborted = call(local, "PATCH", f"/ingest/{job_id}", json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    unprocessed = call(local, "GET", f"/ingest/{job_id}/unprocessedrecords")
    assert rows(unprocessed.text) == [{"LastName": "U1"}]
    assert local.org.count("Contact") == 0


@pytest.mark.parametrize(
    ("data", "line_ending", "message"),
    [
        (b'LastName\n"unclosed\n', "LF", "ClientInputError"),
        (b"LastName\r\nX\r\n", "LF", "LineEnding is invalid"),
        (b"Nope__c\nX\n", "LF", "InvalidBatch : Field name not found : Nope__c"),
    ],
)
def test_bad_csv_fails_the_job(
    local: LocalOrg, data: bytes, line_ending: str, message: str
) -> None:
    job_id = open_job(local, data, lineEnding=line_ending)
    call(local, "PATCH", f"/ingest/{job_id}", json={"state": "UploadComplete"})
    info = wait_final(local, job_id)
    assert info["state"] == "Failed"
    assert message in info["errorMessage"]


def test_failed_job_raises_in_simple_salesforce(sf: Any) -> None:
    with pytest.raises(SalesforceOperationError):
        sf.bulk2.Contact.insert(records=[{"Nope__c": "x"}], wait=0)


def test_wrong_requests(local: LocalOrg) -> None:
    job = call(local, "POST", "/ingest", json={"object": "Contact", "operation": "insert"}).json()
    wrong = upload(local, job["id"], b"{}", "application/json")
    assert wrong.status_code == 415
    assert wrong.json()[0]["errorCode"] == "UNSUPPORTED_MEDIA_TYPE"
    bad_object = call(local, "POST", "/ingest", json={"object": "Nope", "operation": "insert"})
    assert bad_object.status_code == 400 and bad_object.json()[0]["errorCode"] == "INVALIDJOB"
    no_ext = call(local, "POST", "/ingest", json={"object": "Contact", "operation": "upsert"})
    assert no_ext.status_code == 400
    assert call(local, "GET", "/ingest/7508d0000000999AAA").status_code == 404


def test_states_open_upload_complete_in_progress_complete(local: LocalOrg) -> None:
    job_id = open_job(local, b"LastName\nS1\nS2\n")
    assert call(local, "GET", f"/ingest/{job_id}").json()["state"] == "Open"
    # Holding the org's write lock parks the job after it starts: InProgress is observable.
    with local.org.lock:
        closed = call(local, "PATCH", f"/ingest/{job_id}", json={"state": "UploadComplete"})
        assert closed.json()["state"] in ("UploadComplete", "InProgress")
        running = wait_for_job(local, job_id, states=("InProgress",))
        assert running["numberRecordsProcessed"] == 0
    done = wait_final(local, job_id)
    assert (done["state"], done["numberRecordsProcessed"], done["numberRecordsFailed"]) == (
        "JobComplete", 2, 0)


def test_abort_while_in_progress_keeps_the_rest_unprocessed(local: LocalOrg) -> None:
    lines = "".join(f"R{i}\n" for i in range(450))
    job_id = open_job(local, f"LastName\n{lines}".encode())
    with local.org.lock:
        call(local, "PATCH", f"/ingest/{job_id}", json={"state": "UploadComplete"})
        wait_for_job(local, job_id, states=("InProgress",))
        aborted = call(local, "PATCH", f"/ingest/{job_id}", json={"state": "Aborted"})
        assert aborted.json()["state"] == "Aborted"
    info = wait_final(local, job_id)
    assert info["state"] == "Aborted"
    unprocessed = rows(call(local, "GET", f"/ingest/{job_id}/unprocessedrecords").text)
    done = rows(call(local, "GET", f"/ingest/{job_id}/successfulResults").text)
    # The chunk that had started finishes; every row after it is reported unprocessed.
    assert len(done) + len(unprocessed) == 450 and unprocessed
    assert local.org.count("Contact") == len(done)


def test_query_all_job_sees_the_recycle_bin(local: LocalOrg, sf: Any) -> None:
    kept = sf.Contact.create({"LastName": "Kept"})["id"]
    binned = sf.Contact.create({"LastName": "Binned"})["id"]
    sf.Contact.delete(binned)
    soql = "SELECT Id, IsDeleted FROM Contact ORDER BY LastName"
    live = [rows(page) for page in sf.bulk2.Contact.query(soql, wait=0)]
    assert [r["Id"] for r in live[0]] == [kept]
    every = [rows(page) for page in sf.bulk2.Contact.query_all(soql, wait=0)]
    assert [(r["Id"], r["IsDeleted"]) for r in every[0]] == [
        (binned, "true"), (kept, "false")]


def test_hard_delete_empties_the_recycle_bin_too(local: LocalOrg, sf: Any) -> None:
    account = sf.Account.create({"Name": "Gone Inc"})["id"]
    contact = sf.Contact.create({"LastName": "Gone", "AccountId": account})["id"]
    [result] = sf.bulk2.Account.hard_delete(records=[{"Id": account}], wait=0)
    assert result["numberRecordsFailed"] == 0
    # The Account's cascade (its Contacts) skips the recycle bin with it.
    for sobject, record_id in (("Account", account), ("Contact", contact)):
        soql = f"SELECT Id FROM {sobject} WHERE Id = '{record_id}'"
        assert sf.query_all(soql, include_deleted=True)["totalSize"] == 0
