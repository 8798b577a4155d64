"""What one user's queries see: their profile's view of the schema, and committed changes only
once they have become visible.

Salesforce stamps SystemModstamp when a transaction starts writing; the change becomes visible
to queries when it commits, which can be seconds later (Estuary measured 1-3 s). A pull that
reads ``SystemModstamp >= watermark`` without a lookback misses such a change for good. With a
lag set (:meth:`Visibility.set_lag`), the org keeps the state of each row from before each
write for that long after the write's stamp, and queries see that earlier state (or no row, for
a record created since): the change then shows up with a SystemModstamp already in the past.

:class:`QueryView` is the SOQL engine's ``QuerySource`` for one user; the org hands out itself
instead when neither a restricted profile nor a lag applies (the fast path).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.ids import try_normalize_id
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.store.table import RowView, Table

__all__ = ["QueryView", "SnapshotRow", "Visibility"]

_DELETED = "\x00deleted"  # the image key for "was in the recycle bin"
Image = dict[str, Any]


class Visibility:
    """Pending (not yet visible) changes: per row, (visible from, state before the change)."""

    def __init__(self) -> None:
        self.lag = 0.0
        self._pending: dict[tuple[str, int], list[tuple[dt.datetime, Image | None]]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"lag": self.lag, "_pending": {}}  # a saved org has committed everything

    def set_lag(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the visibility lag cannot be negative")
        self.lag = float(seconds)
        if not self.lag:
            self._pending.clear()

    def note(self, table: Table, idx: int, when: dt.datetime, *, new: bool = False) -> None:
        """Before a write to row ``idx`` stamped ``when`` (after the append, for a new row)."""
        if not self.lag:
            return
        image = None if new else _image(table, idx)
        visible = when + dt.timedelta(seconds=self.lag)
        self._pending.setdefault((table.obj.name.lower(), idx), []).append((visible, image))

    def snapshot(self, now: dt.datetime) -> dict[tuple[str, int], Image | None]:
        """Rows whose current state is not visible at ``now``: the state queries see instead."""
        out: dict[tuple[str, int], Image | None] = {}
        for key in list(self._pending):
            entries = [e for e in self._pending[key] if e[0] > now]
            if entries:
                self._pending[key] = entries
                out[key] = entries[0][1]
            else:
                del self._pending[key]
        return out


def _image(table: Table, idx: int) -> Image:
    image = {lower: col[idx] if idx < len(col) else None for lower, col in table.cols.items()}
    image[_DELETED] = table.is_deleted(idx)
    return image


class SnapshotRow(Mapping[str, Any]):
    """A row as it was before a change that is not visible yet (keys: API names, any case)."""

    __slots__ = ("_image", "_table")

    def __init__(self, table: Table, image: Image) -> None:
        self._table = table
        self._image = image

    def __getitem__(self, name: str) -> Any:
        lower = name.lower()
        if lower not in self._table.obj.fields:
            raise KeyError(name)
        value = self._image.get(lower)
        return self._table.defaults.get(lower) if value is None else value

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in self._table.obj.fields.values())

    def __len__(self) -> int:
        return len(self._table.obj.fields)


class StoreReader(Protocol):
    """What a view reads of the org (the Org implements it)."""

    tables: dict[str, Table]
    created_date: dt.datetime

    @property
    def admin(self) -> Any: ...

    def object_info(self, name: str) -> ObjectDef | None: ...
    def organization_record(self) -> dict[str, Any]: ...
    def scan(self, sobject: str, include_deleted: bool = False) -> Iterator[RowView]: ...
    def get_record(self, record_id: str) -> tuple[str, Mapping[str, Any]] | None: ...
    def find_by_key(self, sobject: str, field_name: str, value: Any) -> list[str]: ...
    def read_columns(self, rows: Sequence[Mapping[str, Any]],
                     names: Sequence[str]) -> list[list[Any]] | None: ...


class QueryView:
    """The SOQL engine's source for one user: ``view(obj)`` is the user's view of an object
    (None: not readable); ``unseen`` the rows whose current state is not visible yet."""

    def __init__(self, org: StoreReader, view: Callable[[ObjectDef], ObjectDef | None],
                 unseen: dict[tuple[str, int], Image | None]) -> None:
        self._org = org
        self._view = view
        self._unseen = unseen
        self.read_columns = org.read_columns
        # Optional QuerySource attributes: the audit dates of LeadStatus and friends, and the
        # Organization record.
        self.created_date = org.created_date
        self.admin = org.admin
        self.organization_record = org.organization_record

    def object_info(self, name: str) -> ObjectDef | None:
        obj = self._org.object_info(name)
        return None if obj is None else self._view(obj)

    def scan(self, sobject: str, include_deleted: bool = False) -> Iterator[Mapping[str, Any]]:
        if not self._unseen:
            yield from self._org.scan(sobject, include_deleted)
            return
        table = self._org.tables[sobject.lower()]
        name = table.obj.name.lower()
        size, deleted, purged = table.size, table.deleted_at, table.purged
        for idx in range(size):
            if idx in purged:
                continue
            key = (name, idx)
            if key in self._unseen:
                row = self._seen_row(table, key)
                if row is not None and (include_deleted or not row[1]):
                    yield row[0]
            elif include_deleted or idx not in deleted:
                yield RowView(table, idx)

    def _seen_row(self, table: Table, key: tuple[str, int]) -> tuple[SnapshotRow, bool] | None:
        image = self._unseen[key]
        if image is None:
            return None  # created since: not there yet
        return SnapshotRow(table, image), bool(image[_DELETED])

    def get_record(self, record_id: str) -> tuple[str, Mapping[str, Any]] | None:
        found = self._org.get_record(record_id)
        if found is None or not self._unseen:
            return found
        table = self._org.tables[found[0].lower()]
        normalized = try_normalize_id(record_id)
        idx = table.by_id.get(normalized) if normalized else None
        key = (table.obj.name.lower(), idx if idx is not None else -1)
        if key not in self._unseen:
            return found
        row = self._seen_row(table, key)
        return None if row is None else (found[0], row[0])

    def find_by_key(self, sobject: str, field_name: str, value: Any) -> list[str]:
        if self._unseen:
            # The value indexes hold current values; scan instead (the engine falls back).
            raise SalesforceApiError(400, "INVALID_FIELD", "no index while changes are pending")
        return self._org.find_by_key(sobject, field_name, value)
