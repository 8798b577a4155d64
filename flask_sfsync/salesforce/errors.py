"""One exception tree for everything :mod:`flask_sfsync.salesforce` raises, and what to do about it.

Callers catch the branch that tells them what to do, never a library's exception::

    SalesforceError                       base of everything flask_sfsync.salesforce raises
    ├── EnvironmentChoiceError(ValueError)  a person chose/typed a login host we cannot use
    │   ├── UnknownEnvironment
    │   └── InvalidDomain
    ├── OAuthFlowError                    Salesforce refused an OAuth step (.error, .description)
    └── SalesforceFailure                 a classified call failure (.status, .errors,
        │                                 .disposition, .error_code)
        ├── TransientFailure              retry with backoff (network errors and timeouts,
        │                                 500/502/503/504, SERVER_UNAVAILABLE,
        │                                 UNABLE_TO_LOCK_ROW; also during OAuth)
        ├── SessionExpired                INVALID_SESSION_ID: refreshed once
        ├── ConnectionPaused              stop calling this org until ``.resume_at``
        │   ├── RequestLimitExceeded      the org's daily API limit is spent
        │   └── BudgetExhausted           our own share of the daily limit is spent (never sent)
        ├── ReconnectNeeded               invalid_grant / no tokens: a person must connect again
        └── PermanentFailure              anything else: not retried, logged with Salesforce's
                                          errorCode and message (``.errors``)

:func:`classify` turns simple-salesforce's, requests' and OAuth errors into the
:class:`SalesforceFailure` branch (None for anything else: a bug of ours surfaces as itself).
Per-record errors of sObject Collections / Bulk API results are not exceptions: they are
:class:`RecordError` values, sorted by :func:`disposition_of` into the same dispositions.

Messages are safe to show and log: they never carry a token, code or secret.
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import simple_salesforce.exceptions as sfexc

__all__ = [
    "DEFAULT_LIMIT_PAUSE",
    "BudgetExhausted",
    "ConnectionPaused",
    "Disposition",
    "EnvironmentChoiceError",
    "InvalidDomain",
    "OAuthFlowError",
    "PermanentFailure",
    "ReconnectNeeded",
    "RecordError",
    "RequestLimitExceeded",
    "SalesforceError",
    "SalesforceFailure",
    "SessionExpired",
    "TransientFailure",
    "UnknownEnvironment",
    "classify",
    "disposition_of",
    "record_error",
]

# Salesforce's daily limit is a rolling 24-hour window: nothing says when calls free up, so a
# paused connection looks again after this long.
DEFAULT_LIMIT_PAUSE = 15 * 60.0

TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class Disposition(enum.Enum):
    """What a caller does with a failure."""

    RETRY = "retry"
    REFRESH = "refresh"
    PAUSE = "pause"
    RECONNECT = "reconnect"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class RecordError:
    """Salesforce's own error for one record (or one request), kept verbatim for the error log."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()
    # DUPLICATES_DETECTED: the ids of the records a duplicate rule matched.
    duplicate_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The error in Salesforce's own JSON shape (``statusCode``, ``message``, ...)."""
        return {
            "statusCode": self.status_code,
            "message": self.message,
            "fields": list(self.fields),
            "duplicateIds": list(self.duplicate_ids),
        }


def record_error(entry: Mapping[str, Any]) -> RecordError:
    """Read one Salesforce error entry: Collections' ``statusCode`` or REST's ``errorCode``."""
    # OAuth errors ({"error", "error_description"}) share the shape for invalid_grant.
    code = entry.get("statusCode") or entry.get("errorCode") or entry.get("error")
    return RecordError(
        status_code=str(code or "UNKNOWN_EXCEPTION"),
        message=str(entry.get("message") or entry.get("error_description") or ""),
        fields=tuple(str(f) for f in entry.get("fields") or ()),
        duplicate_ids=_duplicate_ids(entry.get("duplicateResult")),
    )


def _duplicate_ids(result: Any) -> tuple[str, ...]:
    if not isinstance(result, Mapping):
        return ()
    ids: list[str] = []
    for match in result.get("matchResults") or ():
        for candidate in match.get("matchRecords") or ():
            record = candidate.get("record") or {}
            record_id = record.get("Id") or record.get("id")
            if record_id and record_id not in ids:
                ids.append(str(record_id))
    return tuple(ids)


def disposition_of(code: str, status: int | None = None) -> Disposition:
    """Sort an errorCode (and HTTP status, when there is one) into what to do next."""
    if code in TRANSIENT_CODES or status in TRANSIENT_STATUSES:
        return Disposition.RETRY
    if code == "INVALID_SESSION_ID":
        return Disposition.REFRESH
    if code == "REQUEST_LIMIT_EXCEEDED":
        return Disposition.PAUSE
    if code == "invalid_grant":
        return Disposition.RECONNECT
    return Disposition.FAIL


class SalesforceError(Exception):
    """Base of everything :mod:`flask_sfsync.salesforce` raises."""


# -- a person's choice of login host ---------------------------------------------------------


class EnvironmentChoiceError(SalesforceError, ValueError):
    """A person can fix this by choosing or typing something else."""


class UnknownEnvironment(EnvironmentChoiceError):
    def __init__(self, kind: str) -> None:
        super().__init__(
            f"Unknown Salesforce environment {kind[:40]!r}: "
            "choose Production, Sandbox or Custom domain."
        )


class InvalidDomain(EnvironmentChoiceError):
    def __init__(self, text: str) -> None:
        super().__init__(
            f"{text[:100]!r} is not a Salesforce My Domain. Enter it as 'acme', "
            f"'acme.my.salesforce.com' or 'https://acme--dev.sandbox.my.salesforce.com'."
        )


# -- OAuth -------------------------------------------------------------------------------------


class OAuthFlowError(SalesforceError):
    """Salesforce answered an OAuth request with an error (``access_denied``, ...).

    ``invalid_grant`` (a reused code, a dead refresh token) is classified as
    :class:`ReconnectNeeded` when it ends a call."""

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description or ""
        super().__init__(f"{error}: {self.description}" if description else error)


# -- a call's failure ------------------------------------------------------------------------


class SalesforceFailure(SalesforceError):
    """A classified failure of a call; ``errors`` holds Salesforce's error entries when it
    sent any."""

    def __init__(
        self, message: str, *, status: int | None = None, errors: Iterable[RecordError] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors: tuple[RecordError, ...] = tuple(errors)

    @property
    def error_code(self) -> str:
        return self.errors[0].status_code if self.errors else type(self).__name__

    @property
    def disposition(self) -> Disposition:
        return Disposition.FAIL


class TransientFailure(SalesforceFailure):
    @property
    def disposition(self) -> Disposition:
        return Disposition.RETRY


class SessionExpired(SalesforceFailure):
    @property
    def disposition(self) -> Disposition:
        return Disposition.REFRESH


class ConnectionPaused(SalesforceFailure):
    """The connection must not call Salesforce before ``resume_at`` (epoch seconds)."""

    def __init__(
        self,
        message: str,
        *,
        resume_at: float,
        status: int | None = None,
        errors: Iterable[RecordError] = (),
    ) -> None:
        super().__init__(message, status=status, errors=errors)
        self.resume_at = resume_at

    @property
    def disposition(self) -> Disposition:
        return Disposition.PAUSE


class RequestLimitExceeded(ConnectionPaused):
    pass


class BudgetExhausted(ConnectionPaused):
    pass


class ReconnectNeeded(SalesforceFailure):
    """Salesforce refused the refresh token (``invalid_grant``) or no tokens are stored.

    Without Salesforce's own entries, ``errors`` says ``invalid_grant`` with the message, so
    every ReconnectNeeded is logged alike."""

    def __init__(
        self, message: str, *, status: int | None = None, errors: Iterable[RecordError] = ()
    ) -> None:
        errors = tuple(errors) or (RecordError("invalid_grant", message),)
        super().__init__(message, status=status, errors=errors)

    @property
    def disposition(self) -> Disposition:
        return Disposition.RECONNECT


class PermanentFailure(SalesforceFailure):
    pass


@dataclass(frozen=True)
class _Reading:
    status: int | None
    errors: list[RecordError] = field(default_factory=list)


def classify(exc: BaseException, *, now: float | None = None) -> SalesforceFailure | None:
    """Turn a simple-salesforce, requests or OAuth exception into the failure branch.

    Returns None for anything that is not a Salesforce failure (a bug in our code must
    surface as itself, not be retried or logged as Salesforce's fault).
    """
    if isinstance(exc, SalesforceFailure):
        return exc
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return TransientFailure(f"network: {exc}")
    # authlib's OAuthError carries .error; simple-salesforce's login failure carries .code
    if "invalid_grant" in (getattr(exc, "error", None), getattr(exc, "code", None)):
        return ReconnectNeeded(str(exc), errors=[RecordError("invalid_grant", str(exc))])
    if isinstance(exc, sfexc.SalesforceError):
        return _from_http(_read(exc), now=time.time() if now is None else now)
    return None


def _read(exc: sfexc.SalesforceError) -> _Reading:
    content: Any = exc.content
    if isinstance(content, bytes | str):
        try:
            content = json.loads(content)
        except ValueError:
            content = [{"errorCode": f"HTTP_{exc.status}", "message": str(content)[:500]}]
    if isinstance(content, Mapping):  # Bulk API and OAuth errors are single objects
        content = [content]
    errors = (
        [record_error(e) for e in content if isinstance(e, Mapping)]
        if isinstance(content, list)
        else []
    )
    return _Reading(exc.status, errors)


def _from_http(reading: _Reading, *, now: float) -> SalesforceFailure:
    code = reading.errors[0].status_code if reading.errors else f"HTTP_{reading.status}"
    message = f"{code}: {reading.errors[0].message}" if reading.errors else code
    kwargs: dict[str, Any] = {"status": reading.status, "errors": reading.errors}
    disposition = disposition_of(code, reading.status)
    if disposition is Disposition.RETRY:
        return TransientFailure(message, **kwargs)
    if disposition is Disposition.REFRESH:
        return SessionExpired(message, **kwargs)
    if disposition is Disposition.PAUSE:
        return RequestLimitExceeded(message, resume_at=now + DEFAULT_LIMIT_PAUSE, **kwargs)
    if disposition is Disposition.RECONNECT:
        return ReconnectNeeded(message, **kwargs)
    return PermanentFailure(message, **kwargs)
