"""Reading Bulk API 2.0 result rows (no server needed)."""

from __future__ import annotations

from flask_sfsync.salesforce.bulk import BulkPolling, parse_error


def test_sf_error_column() -> None:
    error = parse_error(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    assert error.status_code == "REQUIRED_FIELD_MISSING"
    assert error.message == "Required fields are missing: [LastName]"
    assert error.fields == ("LastName",)
    # The last colon always starts the field list, even an empty one.
    plain = parse_error("INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email --")
    assert plain.status_code == "INVALID_EMAIL_ADDRESS"
    assert plain.message == "Email: invalid email address: x"
    assert plain.fields == ("Email",)
    no_fields = parse_error("UNKNOWN_EXCEPTION:An unexpected error occurred: --")
    assert (no_fields.message, no_fields.fields) == ("An unexpected error occurred", ())
    two = parse_error("FIELD_INTEGRITY_EXCEPTION:bad:Phone;Email --")
    assert two.fields == ("Phone", "Email")


def test_first_poll_waits_about_as_long_as_the_job_should_take() -> None:
    polling = BulkPolling(records_per_second=10_000, min_wait=0.2, max_wait=10)
    assert polling.first_wait(100) == 0.2
    assert polling.first_wait(50_000) == 5.0
    assert polling.first_wait(10_000_000) == 10
