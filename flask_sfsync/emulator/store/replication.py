"""``/sobjects/X/updated`` and ``/sobjects/X/deleted``: what changed in a window.

Salesforce answers ``updated`` from SystemModstamp for up to 30 days back and ``deleted`` from
the recycle bin (15 days); both cover the window only up to the last whole minute before now
(``latestDateCovered``), and refuse a window outside those limits with INVALID_REPLICATION_DATE
(``rules.replication_window``).

A record removed from the recycle bin for good (the bin emptied, a Bulk hardDelete) leaves the
delete log: getDeleted no longer lists it, and its ``earliestDateAvailable`` ("the timestamp
of the last physically deleted object" of that type, SOAP API guide, GetDeletedResult) moves
past the deletion, so a window that would have held it is refused with
INVALID_REPLICATION_DATE ("or earlier if an administrator has purged the Recycle Bin. If the
purge has been performed before your getDeleted() call is executed, an
INVALID_REPLICATION_DATE error is returned", getDeleted()): the client must resync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.store import rules

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.table import Table

__all__ = ["deleted_records", "earliest_available", "updated_ids"]

REPLICATION_DAYS = 30
RECYCLE_BIN_DAYS = 15
EXCEEDED_ID_LIMIT = 600_000


def updated_ids(table: Table, start: dt.datetime, end: dt.datetime,
                clock: Callable[[], dt.datetime],
                lock: AbstractContextManager[Any]) -> dict[str, Any]:
    """{"ids", "latestDateCovered"} of live records whose SystemModstamp is in the window.

    ``clock`` and ``lock`` are the org's (its time source and its write lock).
    """
    start, covered = rules.replication_window(clock(), start, end, REPLICATION_DAYS)
    with lock:
        stamps = table.cols.get("systemmodstamp", [])
        ids = [table.cols["id"][i] for i, stamp in enumerate(stamps)
               if stamp is not None and start <= stamp < covered and not table.is_deleted(i)]
    if len(ids) > EXCEEDED_ID_LIMIT:
        raise SalesforceApiError(400, "EXCEEDED_ID_LIMIT",
                                 "too many ids; choose start and end dates closer together")
    return {"ids": ids, "latestDateCovered": values.format_datetime(covered)}


def deleted_records(table: Table, start: dt.datetime, end: dt.datetime,
                    clock: Callable[[], dt.datetime], lock: AbstractContextManager[Any],
                    created_date: dt.datetime) -> dict[str, Any]:
    """deletedRecords, earliestDateAvailable and latestDateCovered of the window.

    ``clock`` and ``lock`` are the org's, ``created_date`` when the org was created.
    """
    now = clock()
    start, covered = rules.replication_window(now, start, end, RECYCLE_BIN_DAYS)
    with lock:
        purged = table.purged
        bin_items = sorted(((i, w) for i, w in table.deleted_at.items() if i not in purged),
                           key=lambda item: item[1])
        gone = [table.deleted_at[i] for i in purged if i in table.deleted_at]
    last_purged = max(gone, default=None)
    earliest = earliest_available(created_date, now, last_purged)
    # Only a purge refuses: a start before the org existed loses nothing.
    if last_purged is not None and start < earliest:
        raise SalesforceApiError(
            400, "INVALID_REPLICATION_DATE",
            f"startDate {values.format_datetime(start)} is before earliestDateAvailable "
            f"{values.format_datetime(earliest)}: records deleted before then were purged "
            "from the Recycle Bin")
    deleted = [{"id": table.cols["id"][i], "deletedDate": values.format_datetime(when)}
               for i, when in bin_items if start <= when < covered]
    return {
        "deletedRecords": deleted,
        "earliestDateAvailable": values.format_datetime(earliest),
        "latestDateCovered": values.format_datetime(covered),
    }


def earliest_available(created_date: dt.datetime, now: dt.datetime,
                       last_purged: dt.datetime | None) -> dt.datetime:
    """Where the delete log is complete from, at a whole minute: the org's creation, the
    recycle bin's 15 days, and the minute after the last record purged from it (a window is
    whole minutes: the one holding the purged deletion would miss it)."""
    earliest = max(created_date, now - dt.timedelta(days=RECYCLE_BIN_DAYS))
    earliest = earliest.replace(second=0, microsecond=0)
    if last_purged is not None:
        after = last_purged.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        earliest = max(earliest, after)
    return earliest
