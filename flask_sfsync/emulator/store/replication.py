"""``/sobjects/X/updated`` and ``/sobjects/X/deleted``: what changed in a window.

Salesforce answers ``updated`` from SystemModstamp for up to 30 days back and ``deleted`` from
the recycle bin (15 days); both cover the window only up to the last whole minute before now
(``latestDateCovered``), and refuse a window outside those limits with INVALID_REPLICATION_DATE
(``rules.replication_window``).
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

__all__ = ["deleted_records", "updated_ids"]

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
    start, covered = rules.replication_window(clock(), start, end, RECYCLE_BIN_DAYS)
    with lock:
        bin_items = sorted(table.deleted_at.items(), key=lambda item: item[1])
    deleted = [{"id": table.cols["id"][i], "deletedDate": values.format_datetime(when)}
               for i, when in bin_items if start <= when < covered]
    earliest = max(created_date, clock() - dt.timedelta(days=RECYCLE_BIN_DAYS))
    return {
        "deletedRecords": deleted,
        "earliestDateAvailable": values.format_datetime(
            earliest.replace(second=0, microsecond=0)),
        "latestDateCovered": values.format_datetime(covered),
    }
