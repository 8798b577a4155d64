"""Storage of one object's records: columns, value indexes, row views and savepoints.

Why columns: a Contact has ~70 fields but a record typically fills 15. Each table keeps one
Python list per field that was ever written (absent columns read as null/false), so a million
Contacts cost a handful of pointers per filled field, not a dict or a 70-slot list per record.
Indexes: Id -> row, and value -> row(s) for external ID, unique and e-mail fields (the e-mail one
serves upsert by Email and the duplicate rule). Rows stay in place when deleted (the recycle
bin); a hard delete marks them purged, after which nothing reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef

__all__ = ["RowSequence", "RowView", "Savepoint", "Table", "now", "unindex"]


def now() -> dt.datetime:
    """The current time as Salesforce keeps it: UTC, whole milliseconds."""
    moment = dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Table:
    """One object's records, column by column."""

    def __init__(self, obj: ObjectDef) -> None:
        self.obj = obj
        self.cols: dict[str, list[Any]] = {"id": []}
        self.size = 0
        self.by_id: dict[str, int] = {}
        self.indexes: dict[str, dict[Any, int | list[int]]] = {}
        self.deleted_at: dict[int, dt.datetime] = {}
        self.sequence = 0
        self.purged: set[int] = set()  # hard-deleted rows
        self.defaults: dict[str, Any] = {}
        self.refresh_fields()

    def refresh_fields(self) -> None:
        """Pick up fields added to the ObjectDef (custom fields): defaults and indexes."""
        fields = list(self.obj.fields.values())
        # Per-write work is proportional to the fields written, not to the object's width.
        self.required = [f for f in fields if f.required_on_create]
        self.picklist_defaults = [
            (f.name, f.default_picklist_value()) for f in fields
            if f.type == "picklist" and f.defaulted_on_create and f.default_picklist_value()]
        self.has_owner = "ownerid" in self.obj.fields
        # The audit fields this object keeps (Tooling records have no SystemModstamp).
        self.audit_dates = tuple(n for n in ("CreatedDate", "LastModifiedDate", "SystemModstamp")
                                 if n.lower() in self.obj.fields)
        self.audit_users = tuple(n for n in ("CreatedById", "LastModifiedById")
                                 if n.lower() in self.obj.fields)
        self.unique = [f for f in fields if f.unique]
        for lower, f in self.obj.fields.items():
            if f.type == "boolean":
                self.defaults[lower] = bool(f.default_value)
            if (f.external_id or f.unique or f.type == "email") and lower not in self.indexes:
                self.indexes[lower] = {}

    def value(self, idx: int, lower: str) -> Any:
        col = self.cols.get(lower)
        got = col[idx] if col is not None and idx < len(col) else None
        return self.defaults.get(lower) if got is None else got

    def put(self, idx: int, lower: str, value: Any) -> None:
        col = self.cols.get(lower)
        if col is None:
            if value is None:
                return
            col = self.cols[lower] = []
        size = len(col)
        if size > idx:
            col[idx] = value
        elif value is not None:
            if size < idx:
                col.extend([None] * (idx - size))  # a column short of a row reads as null
            col.append(value)

    def is_deleted(self, idx: int) -> bool:
        return idx in self.deleted_at

    def record_json(self, idx: int, names: list[str] | None, base_url: str,
                    view: ObjectDef | None = None) -> dict[str, Any]:
        """``GET /sobjects/X/{id}``: the row as REST JSON, all fields or ``names``.

        ``view``: the object as the reading user sees it (fields hidden from them are left
        out, or INVALID_FIELD when named); default the whole object.
        """
        obj = view or self.obj
        fields = list(obj.fields.values()) if names is None else [
            self._named(obj, name.strip()) for name in names]
        record_id = self.cols["id"][idx]
        out: dict[str, Any] = {"attributes": {
            "type": self.obj.name, "url": f"{base_url}/sobjects/{self.obj.name}/{record_id}"}}
        for field in fields:
            out[field.name] = values.to_json(field, self.value(idx, field.lower))
        return out

    @staticmethod
    def _named(obj: ObjectDef, name: str) -> FieldDef:
        field = obj.field(name)
        if field is None:
            raise SalesforceApiError(
                400, "INVALID_FIELD",
                f"No such column '{name}' on entity '{obj.name}'. If you are attempting "
                "to use a custom field, be sure to append the '__c' after the custom field "
                "name. Please reference your WSDL or the describe call for the appropriate "
                "names.")
        return field

    # --- row writes (the org checks the data rules and journals before calling these) ---
    def append(self, record_id: str, record: Mapping[str, Any]) -> int:
        """Add a row: ``record`` maps API names (any case) to stored values."""
        idx = self.size
        cols, indexes = self.cols, self.indexes
        cols["id"].append(record_id)
        self.size += 1
        self.by_id[record_id] = idx
        # put() inlined: this runs for every field of every record a write creates.
        for name, value in record.items():
            if value is None:
                continue  # a new row's absent value reads as null
            lower = name.lower()
            col = cols.get(lower)
            if col is None:
                col = cols[lower] = []
            missing = idx - len(col)
            if missing:
                col.extend([None] * missing)  # a column short of a row reads as null
            col.append(value)
            if lower in indexes:
                self.index_add(lower, value, idx)
        return idx

    def assign(self, idx: int, changes: Mapping[str, Any]) -> None:
        """Overwrite fields of a live row, keeping the value indexes right."""
        fields = self.obj.fields
        for name, value in changes.items():
            lower = name.lower()
            if lower in self.indexes:
                self.index_remove(lower, self.value(idx, lower), idx)
                self.index_add(lower, value, idx)
            if value is None and fields[lower].type == "boolean":
                value = False  # a boolean is never null on Salesforce
            self.put(idx, lower, value)

    def touch(self, idx: int, when: dt.datetime, user_ref: str) -> None:
        """LastModifiedDate, SystemModstamp and LastModifiedById after a write."""
        self.put(idx, "lastmodifieddate", when)
        self.put(idx, "systemmodstamp", when)
        self.put(idx, "lastmodifiedbyid", user_ref)

    def mark_deleted(self, idx: int, when: dt.datetime, user_ref: str) -> None:
        """Into the recycle bin: out of the value indexes, IsDeleted true."""
        unindex(self, idx)
        self.deleted_at[idx] = when
        self.put(idx, "isdeleted", True)
        self.touch(idx, when, user_ref)

    def restore(self, idx: int, when: dt.datetime, user_ref: str) -> None:
        """Out of the recycle bin: IsDeleted false, back in the value indexes."""
        self.deleted_at.pop(idx, None)
        self.put(idx, "isdeleted", False)
        for lower in self.indexes:
            self.index_add(lower, self.value(idx, lower), idx)
        self.touch(idx, when, user_ref)

    def purge(self, idx: int) -> None:
        """A hard delete: the row stays in place but nothing finds or scans it any more."""
        unindex(self, idx)
        self.purged.add(idx)
        self.by_id.pop(self.cols["id"][idx], None)

    # --- value indexes ---
    @staticmethod
    def key(field: FieldDef, value: Any) -> Any:
        if isinstance(value, str):
            if field.case_sensitive:
                return value
            lowered = value.lower()
            return value if lowered == value else lowered  # share the string when possible
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return value

    def index_add(self, lower: str, value: Any, idx: int) -> None:
        if value is None:
            return
        index = self.indexes[lower]
        k = self.key(self.obj.fields[lower], value)
        found = index.get(k)
        if found is None:
            index[k] = idx
        elif isinstance(found, int):
            index[k] = [found, idx]
        else:
            found.append(idx)

    def index_remove(self, lower: str, value: Any, idx: int) -> None:
        if value is None:
            return
        index = self.indexes[lower]
        k = self.key(self.obj.fields[lower], value)
        found = index.get(k)
        if found == idx:
            del index[k]
        elif isinstance(found, list) and idx in found:
            found.remove(idx)
            if len(found) == 1:
                index[k] = found[0]

    def lookup(self, lower: str, value: Any) -> list[int]:
        found = self.indexes[lower].get(self.key(self.obj.fields[lower], value))
        if found is None:
            return []
        return [found] if isinstance(found, int) else list(found)


class Savepoint:
    """Pre-images of the rows a transaction touched, and each table's size when it began."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.sizes = {name: (t.size, t.sequence) for name, t in tables.items()}
        self.images: dict[tuple[str, int], tuple[dict[str, Any], dt.datetime | None]] = {}

    def capture(self, name: str, table: Table, idx: int) -> None:
        if (name, idx) in self.images or idx >= self.sizes.get(name, (0, 0))[0]:
            return  # imaged already, or a row created inside the transaction
        row = {lower: col[idx] if idx < len(col) else None for lower, col in table.cols.items()}
        self.images[(name, idx)] = (row, table.deleted_at.get(idx))

    def rollback(self, tables: dict[str, Table]) -> None:
        for (name, idx), (row, deleted_at) in self.images.items():
            table = tables[name]
            unindex(table, idx)
            for lower, col in table.cols.items():
                if idx < len(col):
                    col[idx] = row.get(lower)
            table.deleted_at.pop(idx, None)
            if deleted_at is None:
                for lower in table.indexes:
                    table.index_add(lower, row.get(lower), idx)
            else:
                table.deleted_at[idx] = deleted_at
        for name, table in tables.items():
            size, sequence = self.sizes.get(name, (0, 0))
            for idx in range(size, table.size):
                unindex(table, idx)
                table.deleted_at.pop(idx, None)
                table.by_id.pop(table.cols["id"][idx], None)
            for col in table.cols.values():
                del col[size:]
            table.size, table.sequence = min(size, table.size), sequence


def unindex(table: Table, idx: int) -> None:
    if idx in table.deleted_at:
        return  # deleted rows are not in the value indexes
    for lower in table.indexes:
        table.index_remove(lower, table.value(idx, lower), idx)


class RowView(Mapping[str, Any]):
    """A record as a read-only mapping of API field name (any case) -> Python value."""

    __slots__ = ("_idx", "_table")

    def __init__(self, table: Table, idx: int) -> None:
        self._table = table
        self._idx = idx

    def __getitem__(self, name: str) -> Any:
        lower = name.lower()
        if lower not in self._table.obj.fields:
            raise KeyError(name)
        return self._table.value(self._idx, lower)

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in self._table.obj.fields.values())

    def __len__(self) -> int:
        return len(self._table.obj.fields)

    def __repr__(self) -> str:
        return f"<{self._table.obj.name} {self._table.cols['id'][self._idx]}>"

    @staticmethod
    def columns(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[list[Any]] | None:
        """``names``' values of rows of one table, column by column; None for other rows."""
        first = rows[0] if rows else None
        if not isinstance(first, RowView):
            return None
        table = first._table
        if not all(type(row) is RowView and row._table is table for row in rows):
            return None
        idxs = [row._idx for row in rows]  # type: ignore[attr-defined]
        out = []
        for name in names:
            lower = name.lower()
            col = table.cols.get(lower)
            default = table.defaults.get(lower)
            if col is None:
                out.append([default] * len(idxs))
                continue
            size = len(col)  # a column short of a row reads as null, as Table.value does
            values_ = [col[i] if i < size else None for i in idxs]
            if default is not None:
                values_ = [default if v is None else v for v in values_]
            out.append(values_)
        return out


class RowSequence(Sequence[RowView]):
    """Rows of one table by position, each view made when it is read.

    What a plain query (no WHERE, no ORDER BY) keeps of a million rows: their positions
    (``range`` or 8 bytes each), not a million row views; a page slices 2,000 of them.
    """

    __slots__ = ("_idxs", "_table")

    def __init__(self, table: Table, idxs: Sequence[int]) -> None:
        self._table = table
        self._idxs = idxs

    def __len__(self) -> int:
        return len(self._idxs)

    @overload
    def __getitem__(self, key: int) -> RowView: ...

    @overload
    def __getitem__(self, key: slice) -> list[RowView]: ...

    def __getitem__(self, key: int | slice) -> RowView | list[RowView]:
        if isinstance(key, slice):
            table = self._table
            return [RowView(table, idx) for idx in self._idxs[key]]
        return RowView(self._table, self._idxs[key])
