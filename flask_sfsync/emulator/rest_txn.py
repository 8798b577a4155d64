"""Savepoints for allOrNone: undo every write of a Collections or composite call.

The store has no transactions, so the API layer journals what it is about to change: tables'
row counts when the savepoint opens (new rows are cut off on rollback) and the pre-image of
every existing row before an update or delete touches it (:func:`touch`, which the handlers
call). The org's write lock is held for the whole savepoint, so no other writer interleaves.
Savepoints nest (a Collections call with allOrNone inside a composite request): a touch is
recorded in every open savepoint, each keeping the oldest image.

This reaches into ``store.Table``'s columns; an ``Org.transaction()`` in the store would be the
better home (see the E4 report).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_sfsync.emulator.ids import try_normalize_id

if TYPE_CHECKING:
    from flask_sfsync.emulator.store import Org, Table

__all__ = ["Savepoint", "journaling", "touch", "transaction"]

# Account deletes cascade to these children in the store (store._CASCADE).
_CASCADE_CHILDREN = {"Account": (("contact", "accountid"), ("opportunity", "accountid"))}
_MISSING = object()


@dataclass
class _Image:
    values: dict[str, Any]
    deleted_at: Any


@dataclass
class Savepoint:
    org: Org
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    images: dict[tuple[str, int], _Image] = field(default_factory=dict)

    def open(self) -> Savepoint:
        self.sizes = {name: (t.size, t.sequence) for name, t in self.org.tables.items()}
        return self

    def capture(self, name: str, idx: int) -> None:
        if (name, idx) in self.images or idx >= self.sizes.get(name, (0, 0))[0]:
            return  # already imaged, or a row this savepoint created
        table = self.org.tables[name]
        snapshot = {
            lower: col[idx] if idx < len(col) else None for lower, col in table.cols.items()
        }
        self.images[(name, idx)] = _Image(snapshot, table.deleted_at.get(idx, _MISSING))

    def rollback(self) -> None:
        for (name, idx), image in self.images.items():
            _restore(self.org.tables[name], idx, image)
        for name, table in self.org.tables.items():
            size, sequence = self.sizes.get(name, (0, 0))
            _truncate(table, size)
            table.sequence = sequence


def _index_out(table: Table, idx: int) -> None:
    if idx in table.deleted_at:
        return  # deleted rows are not indexed
    for lower in table.indexes:
        col = table.cols.get(lower)
        if col is not None and idx < len(col):
            table.index_remove(lower, col[idx], idx)


def _restore(table: Table, idx: int, image: _Image) -> None:
    _index_out(table, idx)
    for lower, col in table.cols.items():
        if idx < len(col):
            col[idx] = image.values.get(lower)
    if image.deleted_at is _MISSING:
        table.deleted_at.pop(idx, None)
        for lower in table.indexes:
            table.index_add(lower, image.values.get(lower), idx)
    else:
        table.deleted_at[idx] = image.deleted_at


def _truncate(table: Table, size: int) -> None:
    if table.size <= size:
        return
    ids = table.cols["id"]
    for idx in range(size, table.size):
        _index_out(table, idx)
        table.deleted_at.pop(idx, None)
        table.by_id.pop(ids[idx], None)
    for col in table.cols.values():
        del col[size:]
    table.size = size


_active: ContextVar[tuple[Savepoint, ...]] = ContextVar("sfsync_api_savepoints", default=())


def journaling() -> bool:
    """Whether a savepoint is open on this thread (touch() is needed only then)."""
    return bool(_active.get())


def touch(org: Org, record_id: str | None) -> None:
    """Record a row's pre-image in every open savepoint before a write changes it."""
    savepoints = _active.get()
    if not savepoints or record_id is None:
        return
    normalized = try_normalize_id(record_id)
    sobject = org.sobject_of_id(normalized) if normalized else None
    table = org.tables.get(sobject.lower()) if sobject else None
    idx = table.by_id.get(str(normalized)) if table is not None else None
    if sobject is None or idx is None:
        return
    rows = [(sobject.lower(), idx)]
    for child, column in _CASCADE_CHILDREN.get(sobject, ()):
        col = org.tables[child].cols.get(column, [])
        rows += [(child, i) for i, parent in enumerate(col) if parent == normalized]
    for savepoint in savepoints:
        for name, row in rows:
            savepoint.capture(name, row)


@contextmanager
def transaction(org: Org, *, savepoint: bool) -> Iterator[Savepoint | None]:
    """Hold the org's write lock; with ``savepoint``, an escaping exception undoes all writes."""
    with org.lock:
        if not savepoint:
            yield None
            return
        point = Savepoint(org).open()
        token = _active.set((*_active.get(), point))
        try:
            yield point
        except BaseException:
            point.rollback()
            raise
        finally:
            _active.reset(token)
