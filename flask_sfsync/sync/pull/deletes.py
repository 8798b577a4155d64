"""Which records Salesforce deleted in a window (REST ``sobjects/X/deleted``, getDeleted), and
when that window is lost so that only a full resync can tell.

queryAll already returns deleted records (``IsDeleted``) while they sit in the recycle bin;
getDeleted reads the delete log, which is what says that the bin was emptied. Its rules
(REST API guide, "sObject Get Deleted"; SOAP API guide, getDeleted() and GetDeletedResult):

* both bounds are read in whole minutes (seconds ignored), UTC; the start must come before
  the end, else INVALID_REPLICATION_DATE;
* results go back 15 days at most, "or earlier if an administrator has purged the Recycle
  Bin": a window reaching before a purge is refused with INVALID_REPLICATION_DATE;
* ``earliestDateAvailable`` is "the timestamp of the last physically deleted object" of
  that type: a window starting before it may miss deletions ("you must resync your data");
* ``latestDateCovered`` (at most the end, at most now's minute) is where the next window
  starts, so that nothing still completing is skipped;
* more than 600,000 Ids is EXCEEDED_ID_LIMIT (a narrower window helps).

:func:`deleted_since` reads one window (one API call); :func:`deleted_path` and
:func:`window_from` let :func:`~.reader.poll` carry the same read as a Composite subrequest.
A lost window is :class:`ReplicationWindowLost`, raised or returned, never a silent gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ...salesforce import PermanentFailure, SalesforceApi
from ...salesforce.api import subrequest_failure
from .stamps import parse_datetime

__all__ = [
    "DELETED_DAYS",
    "INVALID_REPLICATION_DATE",
    "DeletedWindow",
    "ReplicationWindowLost",
    "deleted_path",
    "deleted_since",
    "lost_reason",
    "minute",
    "window_from",
]

#: How far back getDeleted answers (the recycle bin's life).
DELETED_DAYS = 15
INVALID_REPLICATION_DATE = "INVALID_REPLICATION_DATE"


class ReplicationWindowLost(Exception):
    """Salesforce can no longer say what was deleted in the window: the recycle bin was
    emptied (or purged itself), or the window is older than 15 days. Deletions may have been
    missed; a full resync of ``sobject`` is the only way to find them."""

    def __init__(self, sobject: str, message: str) -> None:
        super().__init__(f"{sobject}: {message}")
        self.sobject = sobject
        self.message = message


@dataclass(frozen=True)
class DeletedWindow:
    """What getDeleted said of one window: the Ids deleted in it (oldest first),
    ``earliest_available`` (the delete log is whole from then on) and ``latest_covered``
    (where the next window starts)."""

    sobject: str
    ids: tuple[str, ...]
    earliest_available: dt.datetime | None
    latest_covered: dt.datetime | None


def minute(when: dt.datetime) -> dt.datetime:
    """``when`` in UTC at its whole minute, as getDeleted reads it."""
    if when.tzinfo is None:
        raise ValueError("a getDeleted bound needs an aware datetime")
    return when.astimezone(dt.UTC).replace(second=0, microsecond=0)


def lost_reason(start: dt.datetime, earliest_available: dt.datetime | None) -> str | None:
    """Why a window starting at ``start`` is lost (None: it is whole)."""
    if earliest_available is not None and minute(start) < earliest_available:
        return (f"deletions before {earliest_available.isoformat()} are no longer kept "
                "(the Recycle Bin was emptied or is older than 15 days): "
                "a full resync is needed")
    return None


def deleted_path(sobject: str, start: dt.datetime, end: dt.datetime) -> str | None:
    """The getDeleted resource (relative to ``/services/data/vXX.X/``) for the window, or
    None when it holds no whole minute yet (nothing to ask)."""
    first, last = minute(start), minute(end)
    if first >= last:
        return None
    query = urlencode({"start": first.isoformat(), "end": last.isoformat()})
    return f"sobjects/{sobject}/deleted/?{query}"


def window_from(sobject: str, start: dt.datetime, status: int, body: Any) -> DeletedWindow:
    """A getDeleted answer as a :class:`DeletedWindow`; ReplicationWindowLost when Salesforce
    refused the window or the log no longer reaches back to ``start``."""
    if status >= 300:
        failure = subrequest_failure(f"sobjects/{sobject}/deleted", status, body)
        if failure.error_code == INVALID_REPLICATION_DATE:
            raise ReplicationWindowLost(sobject, str(failure))
        raise failure
    earliest = parse_datetime(body.get("earliestDateAvailable"))
    reason = lost_reason(start, earliest)
    if reason is not None:
        raise ReplicationWindowLost(sobject, reason)
    records: Sequence[Mapping[str, Any]] = body.get("deletedRecords") or ()
    ordered = sorted(records, key=lambda r: str(r.get("deletedDate") or ""))
    return DeletedWindow(
        sobject,
        tuple(str(r["id"]) for r in ordered),
        earliest,
        parse_datetime(body.get("latestDateCovered")),
    )


def deleted_since(
    api: SalesforceApi, sobject: str, start: dt.datetime, end: dt.datetime
) -> DeletedWindow:
    """The records of ``sobject`` deleted from ``start`` to ``end`` (whole minutes), in one
    API call; none (and no call) when the window holds no whole minute. Raises
    :class:`ReplicationWindowLost` when that window can no longer be read whole."""
    path = deleted_path(sobject, start, end)
    if path is None:
        return DeletedWindow(sobject, (), None, minute(start))
    try:
        body = api.rest("GET", path)
    except PermanentFailure as exc:
        if exc.error_code == INVALID_REPLICATION_DATE:
            raise ReplicationWindowLost(sobject, str(exc)) from exc
        raise
    return window_from(sobject, start, 200, body)
