"""Classification of Salesforce failures into the one exception tree (no server needed)."""

from __future__ import annotations

import requests
import simple_salesforce.exceptions as sfexc

from flask_sfsync.salesforce import errors
from flask_sfsync.salesforce.errors import (
    BudgetExhausted,
    ConnectionPaused,
    Disposition,
    OAuthFlowError,
    PermanentFailure,
    ReconnectNeeded,
    RequestLimitExceeded,
    SalesforceFailure,
    SessionExpired,
    TransientFailure,
    classify,
    disposition_of,
    record_error,
)


def test_all_names_public_things_and_only_those() -> None:
    public = {
        name for name, value in vars(errors).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == errors.__name__
    }
    assert public <= set(errors.__all__)
    assert all(hasattr(errors, name) for name in errors.__all__)


def test_tree_shape() -> None:
    assert issubclass(RequestLimitExceeded, ConnectionPaused)
    assert issubclass(BudgetExhausted, ConnectionPaused)
    for cls in (TransientFailure, SessionExpired, ConnectionPaused, ReconnectNeeded,
                PermanentFailure):
        assert issubclass(cls, SalesforceFailure)


def http_error(cls: type[sfexc.SalesforceError], status: int, body: object) -> BaseException:
    # simple-salesforce hands the parsed JSON body (or text) as ``content``
    return cls("https://x/services/data/v60.0/x", status, "x", body)  # type: ignore[arg-type]


def test_per_record_dispositions() -> None:
    assert disposition_of("UNABLE_TO_LOCK_ROW") is Disposition.RETRY
    assert disposition_of("SERVER_UNAVAILABLE") is Disposition.RETRY
    assert disposition_of("INVALID_SESSION_ID") is Disposition.REFRESH
    assert disposition_of("REQUEST_LIMIT_EXCEEDED") is Disposition.PAUSE
    assert disposition_of("invalid_grant") is Disposition.RECONNECT
    assert disposition_of("REQUIRED_FIELD_MISSING") is Disposition.FAIL
    assert disposition_of("UNKNOWN_EXCEPTION", 503) is Disposition.RETRY


def test_record_error_keeps_salesforce_words_and_duplicate_ids() -> None:
    entry = {
        "statusCode": "DUPLICATES_DETECTED",
        "message": "Use one of these records?",
        "fields": [],
        "duplicateResult": {
            "matchResults": [
                {"entityType": "Lead", "matchRecords": [{"record": {"Id": "00Q000000000001AAA"}}]},
                {"entityType": "Contact",
                 "matchRecords": [{"record": {"Id": "003000000000001AAA"}}]},
            ]
        },
    }
    error = record_error(entry)
    assert error.status_code == "DUPLICATES_DETECTED"
    assert error.message == "Use one of these records?"
    assert error.duplicate_ids == ("00Q000000000001AAA", "003000000000001AAA")
    rest = record_error({"errorCode": "INVALID_FIELD", "message": "No column", "fields": ["X"]})
    assert (rest.status_code, rest.fields) == ("INVALID_FIELD", ("X",))


def test_http_failures() -> None:
    lock = [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access"}]
    assert isinstance(classify(http_error(sfexc.SalesforceMalformedRequest, 400, lock)),
                      TransientFailure)
    for status in (500, 502, 503, 504):
        body = [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]
        assert isinstance(classify(http_error(sfexc.SalesforceGeneralError, status, body)),
                          TransientFailure)
    html = classify(http_error(sfexc.SalesforceGeneralError, 502, "<html>Bad gateway</html>"))
    assert isinstance(html, TransientFailure)
    expired = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
    assert isinstance(classify(http_error(sfexc.SalesforceExpiredSession, 401, expired)),
                      SessionExpired)
    limit = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    paused = classify(http_error(sfexc.SalesforceRefusedRequest, 403, limit), now=1000.0)
    assert isinstance(paused, RequestLimitExceeded)
    assert paused.resume_at == 1000.0 + errors.DEFAULT_LIMIT_PAUSE


def test_everything_else_is_permanent_with_salesforce_code() -> None:
    body = [{"errorCode": "INVALID_FIELD", "message": "No such column 'Foo'", "fields": []}]
    failure = classify(http_error(sfexc.SalesforceMalformedRequest, 400, body))
    assert isinstance(failure, PermanentFailure)
    assert failure.error_code == "INVALID_FIELD"
    assert failure.errors[0].message == "No such column 'Foo'"
    assert failure.disposition is Disposition.FAIL


def test_network_and_oauth_failures() -> None:
    assert isinstance(classify(requests.ConnectionError("reset")), TransientFailure)
    assert isinstance(classify(requests.ReadTimeout("slow")), TransientFailure)
    assert isinstance(classify(OAuthFlowError("invalid_grant", "expired access/refresh token")),
                      ReconnectNeeded)
    assert isinstance(classify(ReconnectNeeded("connect again")), ReconnectNeeded)


def test_bugs_are_not_salesforce_failures() -> None:
    assert classify(KeyError("x")) is None
    assert classify(ValueError("x")) is None


def test_one_tree_for_everything_the_transport_raises() -> None:
    parents = {
        errors.EnvironmentChoiceError: (errors.SalesforceError, ValueError),
        errors.UnknownEnvironment: (errors.EnvironmentChoiceError,),
        errors.InvalidDomain: (errors.EnvironmentChoiceError,),
        errors.OAuthFlowError: (errors.SalesforceError,),
        errors.SalesforceFailure: (errors.SalesforceError,),
        errors.TransientFailure: (errors.SalesforceFailure,),
        errors.SessionExpired: (errors.SalesforceFailure,),
        errors.ConnectionPaused: (errors.SalesforceFailure,),
        errors.RequestLimitExceeded: (errors.ConnectionPaused,),
        errors.BudgetExhausted: (errors.ConnectionPaused,),
        errors.ReconnectNeeded: (errors.SalesforceFailure,),
        errors.PermanentFailure: (errors.SalesforceFailure,),
    }
    for cls, bases in parents.items():
        assert cls.__bases__ == bases, cls
    # without Salesforce's own entries, a ReconnectNeeded is logged as invalid_grant
    assert ReconnectNeeded("no refresh token is stored").error_code == "invalid_grant"
    assert classify(OAuthFlowError("access_denied")) is None  # a person's answer, not a call's


def test_the_packages_export_what_they_list() -> None:
    import flask_sfsync.salesforce as salesforce
    import flask_sfsync.sync as sync

    for package in (salesforce, sync):
        assert all(hasattr(package, name) for name in package.__all__), package
    assert {
        "Action", "HostContact", "Link", "LinkStore", "MatchedBy", "MemoryLinkStore", "Outcome",
        "OutcomeSink", "OutcomeStatus", "PushAs", "PushReport", "PushSettings", "PushStream",
        "SkipReason", "push",
    } <= set(sync.__all__)
    assert callable(sync.push) and sync.PushStream.__module__ == "flask_sfsync.sync.push.stream"
