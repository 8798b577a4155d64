"""The pure parts of the pull's Bulk read and getDeleted check: CSV cells as REST values,
when to use Bulk, and getDeleted's window rules (whole minutes, a lost window)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from flask_sfsync.salesforce import PermanentFailure
from flask_sfsync.sync.pull import DeletedWindow, ReplicationWindowLost, spec_for, use_bulk
from flask_sfsync.sync.pull.bulk_read import converters_for, csv_record
from flask_sfsync.sync.pull.deletes import deleted_path, lost_reason, minute, window_from
from flask_sfsync.sync.pull.stamps import parse_datetime

T = dt.datetime(2024, 5, 1, 10, 20, 30, 500_000, tzinfo=dt.UTC)


def test_a_csv_row_becomes_the_record_rest_returns() -> None:
    spec = spec_for("Lead", extra=["Host_Id__c", "Score__c", "Visits__c"])
    converters = converters_for(spec, {"Score__c": "double", "visits__c": "int"})
    header = ["Id", "SystemModstamp", "IsDeleted", "LastModifiedDate", "LastModifiedById",
              "MasterRecordId", "FirstName", "LastName", "Email", "Phone", "Title", "OwnerId",
              "Company", "IsConverted", "ConvertedContactId", "ConvertedAccountId",
              "host_id__c", "Score__c", "Visits__c", "Unasked"]
    row = ["00Q000000000001AAA", "2024-05-01T10:20:30.000Z", "false",
           "2024-05-01T10:20:30.000Z", "0058d0000000001AAA", "", "Ada", "Lovelace",
           "ada@example.com", "", "Eng, \"Lead\"", "0058d0000000001AAA", "Acme", "true", "",
           "", "h-1", "4.5", "7", "x"]
    record = csv_record(header, row, converters)
    assert record == {
        "Id": "00Q000000000001AAA", "SystemModstamp": "2024-05-01T10:20:30.000+0000",
        "IsDeleted": False, "LastModifiedDate": "2024-05-01T10:20:30.000+0000",
        "LastModifiedById": "0058d0000000001AAA", "MasterRecordId": None, "FirstName": "Ada",
        "LastName": "Lovelace", "Email": "ada@example.com", "Phone": None,
        "Title": "Eng, \"Lead\"", "OwnerId": "0058d0000000001AAA", "Company": "Acme",
        "IsConverted": True, "ConvertedContactId": None, "ConvertedAccountId": None,
        "Host_Id__c": "h-1", "Score__c": 4.5, "Visits__c": 7,
    }
    assert parse_datetime(record["SystemModstamp"]) == T.replace(microsecond=0)


@pytest.mark.parametrize(("count", "threshold", "bulk"), [
    (10_001, 10_000, True), (10_000, 10_000, False), (5, 0, False), (10**6, -1, False),
])
def test_use_bulk_above_the_threshold_only(count: int, threshold: int, bulk: bool) -> None:
    assert use_bulk(count, threshold) is bulk


def test_a_deleted_window_is_read_in_whole_minutes() -> None:
    path = deleted_path("Lead", T, T + dt.timedelta(minutes=3))
    assert path is not None
    url = urlsplit(path)
    assert url.path == "sobjects/Lead/deleted/"
    assert parse_qs(url.query) == {"start": ["2024-05-01T10:20:00+00:00"],
                                   "end": ["2024-05-01T10:23:00+00:00"]}
    # Within one minute there is nothing to ask yet (Salesforce would refuse start == end).
    assert deleted_path("Lead", T, T + dt.timedelta(seconds=20)) is None
    with pytest.raises(ValueError):
        minute(T.replace(tzinfo=None))


def test_a_window_starting_before_the_earliest_available_date_is_lost() -> None:
    earliest = dt.datetime(2024, 5, 1, 10, 21, tzinfo=dt.UTC)
    assert lost_reason(T, earliest) is not None  # starts 10:20, the log is whole from 10:21
    assert lost_reason(T + dt.timedelta(seconds=30), earliest) is None
    assert lost_reason(T, None) is None
    body = {"deletedRecords": [], "earliestDateAvailable": "2024-05-01T10:21:00.000+0000",
            "latestDateCovered": "2024-05-01T10:25:00.000+0000"}
    with pytest.raises(ReplicationWindowLost) as lost:
        window_from("Lead", T, 200, body)
    assert lost.value.sobject == "Lead" and "resync" in lost.value.message


def test_a_window_answer_lists_ids_oldest_first() -> None:
    body = {"deletedRecords": [{"id": "b", "deletedDate": "2024-05-01T10:24:00.000+0000"},
                               {"id": "a", "deletedDate": "2024-05-01T10:22:00.000+0000"}],
            "earliestDateAvailable": "2024-04-20T09:00:00.000+0000",
            "latestDateCovered": "2024-05-01T10:25:00.000+0000"}
    assert window_from("Contact", T, 200, body) == DeletedWindow(
        "Contact", ("a", "b"), dt.datetime(2024, 4, 20, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 1, 10, 25, tzinfo=dt.UTC))


def test_a_refused_window_is_lost_and_other_failures_raise() -> None:
    refused = [{"errorCode": "INVALID_REPLICATION_DATE", "message": "purged"}]
    with pytest.raises(ReplicationWindowLost, match="purged"):
        window_from("Lead", T, 400, refused)
    too_many = [{"errorCode": "EXCEEDED_ID_LIMIT", "message": "too many ids"}]
    with pytest.raises(PermanentFailure) as failure:
        window_from("Lead", T, 400, too_many)
    assert failure.value.error_code == "EXCEEDED_ID_LIMIT"
