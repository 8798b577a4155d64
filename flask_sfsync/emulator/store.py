"""The local org's records: one column-oriented table per object, with O(1) indexes.

Why columns: a Contact has ~70 fields but a record typically fills 15. Each table keeps one
Python list per field that was ever written (absent columns read as null/false), so a million
Contacts cost a handful of pointers per filled field, not a dict or a 70-slot list per record.
Indexes: Id -> row, and value -> row(s) for external ID, unique and e-mail fields (the e-mail one
serves upsert by Email and the duplicate rule). Rows are never removed: a delete moves the record
to the recycle bin (IsDeleted), which queryAll and /deleted still see.

Writes take JSON values (as received over REST) and hold ``Org.lock``; reads do not lock, they
see each row either before or after a write. The data rules live in ``rules.py``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from flask_sfsync.emulator import rules, values
from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.ids import KEY_PREFIXES, make_id, try_normalize_id
from flask_sfsync.emulator.schema import FieldDef, ObjectDef
from flask_sfsync.emulator.schema_custom import field_from_tooling, split_full_name
from flask_sfsync.emulator.schema_user import (
    custom_field_object,
    link_child_relationships,
    standard_objects,
)
from flask_sfsync.emulator.users import User, default_users, user_count

__all__ = ["DEFAULT_BASE_URL", "MultipleMatchesError", "Org", "RowView", "Table"]

DEFAULT_BASE_URL = "/services/data/v60.0"
_PREFIX_TO_OBJECT = {prefix: name for name, prefix in KEY_PREFIXES.items()}
_REPLICATION_DAYS = 30
_RECYCLE_BIN_DAYS = 15
_EXCEEDED_ID_LIMIT = 600_000
_NOT_FOUND = "The requested resource does not exist"
# Cascade on delete as Salesforce does for master-detail-like standard relationships.
_CASCADE: dict[str, tuple[tuple[str, str], ...]] = {
    "Account": (("Contact", "accountid"), ("Opportunity", "accountid")),
}


class MultipleMatchesError(SalesforceApiError):
    """Upsert matched several records: REST answers 300 with the records' URLs."""

    def __init__(self, sobject: str, field: str, value: Any, record_ids: list[str]) -> None:
        super().__init__(300, "MULTIPLE_CHOICES",
                         f"More than one record found for external id field {field}: {value}",
                         [field])
        self.sobject = sobject
        self.record_ids = record_ids

    def urls(self, base_url: str = DEFAULT_BASE_URL) -> list[str]:
        """The 300 response body: a JSON array of the matching records' URLs."""
        return [f"{base_url}/sobjects/{self.sobject}/{rid}" for rid in self.record_ids]


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # Salesforce keeps ms


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


class _Savepoint:
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
            _unindex(table, idx)
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
                _unindex(table, idx)
                table.deleted_at.pop(idx, None)
                table.by_id.pop(table.cols["id"][idx], None)
            for col in table.cols.values():
                del col[size:]
            table.size, table.sequence = min(size, table.size), sequence


def _unindex(table: Table, idx: int) -> None:
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


class Org:
    """A Salesforce org's data: schema, records, users and the rules that guard writes."""

    def __init__(self, *, clock: Callable[[], dt.datetime] = _now) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.created_date = clock()
        self.org_id = make_id(KEY_PREFIXES["Organization"], 1)
        self.schema: dict[str, ObjectDef] = {o.name.lower(): o for o in standard_objects()}
        self.tooling_schema: dict[str, ObjectDef] = {"customfield": custom_field_object()}
        self.tables: dict[str, Table] = {
            name: Table(obj) for name, obj in {**self.schema, **self.tooling_schema}.items()}
        self.api_usage = 0
        self.daily_api_limit = 100_000
        self._savepoints: list[_Savepoint] = []
        user_ids = [self._next_id(self.tables["user"]) for _ in range(user_count())]
        self.users: list[User] = default_users(user_ids)
        for user in self.users:
            self._insert_user(user)
        link_child_relationships(self.schema, _CASCADE)

    # --- lookups ---------------------------------------------------------------------------
    @property
    def admin(self) -> User:
        return self.users[0]

    def user(self, user_id: str) -> User | None:
        normalized = try_normalize_id(user_id)
        return next((u for u in self.users if u.id == normalized), None)

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with these credentials (the login form of the OAuth flow)."""
        for user in self.users:
            if user.username.lower() == username.strip().lower() and user.password == password:
                return user if user.is_active else None
        return None

    def object_def(self, name: str) -> ObjectDef:
        obj = self.schema.get(name.lower())
        if obj is None:
            raise SalesforceApiError(404, "NOT_FOUND", _NOT_FOUND)
        return obj

    def object_info(self, name: str) -> ObjectDef | None:
        lowered = name.lower()
        return self.schema.get(lowered) or self.tooling_schema.get(lowered)

    def _table(self, name: str) -> Table:
        table = self.tables.get(name.lower())
        if table is None:
            raise SalesforceApiError(
                404, "NOT_FOUND", _NOT_FOUND) if name.lower() not in self.tooling_schema else \
                SalesforceApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
        return table

    def sobject_of_id(self, record_id: str) -> str | None:
        """The object an Id's key prefix names (whether or not the record exists)."""
        normalized = try_normalize_id(record_id)
        return _PREFIX_TO_OBJECT.get(normalized[:3]) if normalized else None

    def _locate_row(self, record_id: str) -> tuple[Table, int] | None:
        normalized = try_normalize_id(record_id)
        if normalized is None:
            return None
        name = _PREFIX_TO_OBJECT.get(normalized[:3])
        table = self.tables.get(name.lower()) if name else None
        if table is None:
            return None
        idx = table.by_id.get(normalized)
        return None if idx is None else (table, idx)

    # rules.Resolver
    def locate(self, record_id: str) -> tuple[str, str, bool] | None:
        found = self._locate_row(record_id)
        if found is None:
            return None
        table, idx = found
        return table.obj.name, table.cols["id"][idx], table.is_deleted(idx)

    def find_by_key(self, sobject: str, field_name: str, value: Any) -> list[str]:
        table = self._table(sobject)
        field = self._lookup_field(table.obj, field_name)
        if field.type == "id":
            found = self._locate_row(str(value))
            if found is None or found[0] is not table or table.is_deleted(found[1]):
                return []
            return [table.cols["id"][found[1]]]
        typed = values.from_json(field, value)
        return [table.cols["id"][i] for i in table.lookup(field.lower, typed)
                if not table.is_deleted(i)]

    def is_active_user(self, user_id: str) -> bool:
        user = self.user(user_id)
        return user is not None and user.is_active

    def _lookup_field(self, obj: ObjectDef, name: str) -> FieldDef:
        field = obj.field(name)
        indexed = self.tables[obj.name.lower()].indexes
        if field is None or not (field.type == "id" or field.lower in indexed):
            raise SalesforceApiError(
                404, "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {name}")
        return field

    # --- reads -----------------------------------------------------------------------------
    def scan(self, sobject: str, include_deleted: bool = False) -> Iterator[RowView]:
        table = self._table(sobject)
        size = table.size  # rows appended while we iterate are not ours to see
        deleted = table.deleted_at
        for idx in range(size):
            if include_deleted or idx not in deleted:
                yield RowView(table, idx)

    def read_columns(self, rows: Sequence[Mapping[str, Any]],
                     names: Sequence[str]) -> list[list[Any]] | None:
        """The SOQL engine's column reader (soql_paths.ColumnReader) over this org's rows."""
        return RowView.columns(rows, names)

    def count(self, sobject: str, include_deleted: bool = False) -> int:
        table = self._table(sobject)
        return table.size if include_deleted else table.size - len(table.deleted_at)

    def get_record(self, record_id: str) -> tuple[str, Mapping[str, Any]] | None:
        found = self._locate_row(record_id)
        if found is None:
            return None
        table, idx = found
        return table.obj.name, RowView(table, idx)

    def get(self, sobject: str, record_id: str, fields: list[str] | None = None,
            *, base_url: str = DEFAULT_BASE_URL) -> dict[str, Any]:
        """``GET /sobjects/X/{id}``: the record as REST JSON; deleted records are NOT_FOUND."""
        table = self._table(sobject)
        found = self._locate_row(record_id)
        if found is None or found[0] is not table or table.is_deleted(found[1]):
            raise SalesforceApiError(404, "NOT_FOUND", _NOT_FOUND)
        wanted = self._fields_named(table.obj, fields)
        return self._json(table, found[1], wanted, base_url)

    def _fields_named(self, obj: ObjectDef, names: list[str] | None) -> list[FieldDef]:
        if names is None:
            return list(obj.fields.values())
        out = []
        for name in names:
            field = obj.field(name.strip())
            if field is None:
                raise SalesforceApiError(
                    400, "INVALID_FIELD",
                    f"No such column '{name.strip()}' on entity '{obj.name}'. If you are "
                    "attempting to use a custom field, be sure to append the '__c' after the "
                    "custom field name. Please reference your WSDL or the describe call for the "
                    "appropriate names.")
            out.append(field)
        return out

    def _json(self, table: Table, idx: int, fields: list[FieldDef],
              base_url: str) -> dict[str, Any]:
        record_id = table.cols["id"][idx]
        out: dict[str, Any] = {"attributes": {
            "type": table.obj.name, "url": f"{base_url}/sobjects/{table.obj.name}/{record_id}"}}
        for field in fields:
            out[field.name] = values.to_json(field, table.value(idx, field.lower))
        return out

    # --- writes ----------------------------------------------------------------------------
    def create(self, sobject: str, fields: Mapping[str, Any], user_id: str, *,
               allow_duplicates: bool = False) -> str:
        with self.lock:
            table = self._table(sobject)
            obj = table.obj
            if not obj.createable:
                raise SalesforceApiError(
                    400, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                    f"entity type {obj.name} does not support insert")
            coerced = rules.coerce_input(obj, fields, True, self)
            changes = {f.name: v for f, v in coerced.values()}
            self._apply_defaults(table, changes, user_id)
            rules.apply_derived(obj, changes, lambda name: None, True)
            self._derive_activity_account(obj, changes, lambda name: None)
            rules.check_required(table.required, changes)
            self._check_unique(table, changes, None)
            if not allow_duplicates:
                self._check_duplicates(obj, changes)
            return self._insert(table, changes, user_id)

    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any], user_id: str, *,
               allow_duplicates: bool = False) -> None:
        """Update a live record. The duplicate rule alerts only on create (Salesforce's default)."""
        with self.lock:
            table = self._table(sobject)
            idx = self._row_for_write(table, record_id)
            obj = table.obj
            coerced = rules.coerce_input(obj, fields, False, self)
            changes = {f.name: v for f, v in coerced.values()}
            rules.apply_derived(obj, changes, lambda n: table.value(idx, n.lower()), False)
            self._derive_activity_account(obj, changes, lambda n: table.value(idx, n.lower()))
            missing = [f.name for f, v in coerced.values()
                       if v is None and not f.nillable and f.type != "boolean"]
            if missing:
                raise SalesforceApiError(
                    400, "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]", missing)
            self._check_unique(table, changes, idx)
            self._write(table, idx, changes, user_id)

    def upsert(self, sobject: str, ext_field: str, ext_value: Any, fields: Mapping[str, Any],
               user_id: str, *, allow_duplicates: bool = False) -> tuple[str, bool]:
        """Create or update by an external ID (or Id, or an idLookup field): (id, created)."""
        with self.lock:
            table = self._table(sobject)
            field = self._lookup_field(table.obj, ext_field)
            body = self._without_key(field, ext_value, fields)
            if field.type == "id":
                if ext_value in (None, ""):
                    return self.create(sobject, body, user_id,
                                       allow_duplicates=allow_duplicates), True
                idx = self._row_for_write(table, str(ext_value))
                self.update(sobject, table.cols["id"][idx], body, user_id)
                return table.cols["id"][idx], False
            typed = values.from_json(field, ext_value)
            matches = [i for i in table.lookup(field.lower, typed) if not table.is_deleted(i)]
            if len(matches) > 1:
                raise MultipleMatchesError(table.obj.name, field.name, ext_value,
                                           [table.cols["id"][i] for i in matches])
            if matches:
                record_id = table.cols["id"][matches[0]]
                self.update(sobject, record_id, body, user_id)
                return record_id, False
            body = {**body, field.name: ext_value}
            return self.create(sobject, body, user_id, allow_duplicates=allow_duplicates), True

    @staticmethod
    def _without_key(field: FieldDef, ext_value: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Collections upsert repeats the key in the body; it must agree with the key."""
        body = dict(fields)
        for key in [k for k in body if k.lower() == field.lower]:
            given = body.pop(key)
            if field.type != "id" and given is not None and \
                    Table.key(field, values.from_json(field, given)) != \
                    Table.key(field, values.from_json(field, ext_value)):
                raise SalesforceApiError(
                    400, "INVALID_FIELD",
                    f"The value of {field.name} in the record does not match the external ID "
                    f"value {ext_value}", [field.name])
        return body

    def delete(self, record_id: str, user_id: str) -> None:
        """Move a record (and its cascaded children) to the recycle bin."""
        with self.lock:
            if try_normalize_id(record_id) is None:
                raise SalesforceApiError(400, "MALFORMED_ID", f"malformed id {record_id}")
            found = self._locate_row(record_id)
            if found is None:
                raise SalesforceApiError(404, "NOT_FOUND", _NOT_FOUND)
            table, idx = found
            if table.obj.tooling or not table.obj.deletable:
                raise SalesforceApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY",
                                         "insufficient access rights on object id")
            if table.is_deleted(idx):
                raise SalesforceApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
            self._delete_row(table, idx, user_id, self.clock())

    def _delete_row(self, table: Table, idx: int, user_id: str, now: dt.datetime) -> None:
        if self._savepoints:
            self._journal(table, idx)
        for lower in table.indexes:
            table.index_remove(lower, table.value(idx, lower), idx)
        table.deleted_at[idx] = now
        table.put(idx, "isdeleted", True)
        table.put(idx, "systemmodstamp", now)
        table.put(idx, "lastmodifieddate", now)
        table.put(idx, "lastmodifiedbyid", self._user_ref(user_id))
        record_id = table.cols["id"][idx]
        for child_name, ref in _CASCADE.get(table.obj.name, ()):
            child = self.tables[child_name.lower()]
            col = child.cols.get(ref, [])
            for child_idx, parent in enumerate(col):
                if parent == record_id and not child.is_deleted(child_idx):
                    self._delete_row(child, child_idx, user_id, now)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or none: hold the write lock; an exception leaving the block undoes its writes.

        Transactions nest (a Collections call with allOrNone inside a composite request).
        """
        with self.lock:
            point = _Savepoint(self.tables)
            self._savepoints.append(point)
            try:
                yield
            except BaseException:
                point.rollback(self.tables)
                raise
            finally:
                self._savepoints.remove(point)

    def _journal(self, table: Table, idx: int) -> None:
        name = table.obj.name.lower()
        for point in self._savepoints:
            point.capture(name, table, idx)

    # --- write helpers ---------------------------------------------------------------------
    def _row_for_write(self, table: Table, record_id: str) -> int:
        normalized = try_normalize_id(record_id)
        if normalized is None or _PREFIX_TO_OBJECT.get(normalized[:3]) != table.obj.name:
            raise SalesforceApiError(
                400, "MALFORMED_ID",
                f"{table.obj.label} ID: id value of incorrect type: {record_id}", ["Id"])
        idx = table.by_id.get(normalized)
        if idx is None:
            raise SalesforceApiError(404, "NOT_FOUND", _NOT_FOUND)
        if table.is_deleted(idx):
            raise SalesforceApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return idx

    def _derive_activity_account(self, obj: ObjectDef, changes: dict[str, Any],
                                 get: Callable[[str], Any]) -> None:
        """Task/Event AccountId: the WhatId's account, else the contact's (as Salesforce does)."""
        if obj.name not in ("Task", "Event") or not {"WhoId", "WhatId"} & changes.keys():
            return
        what = changes["WhatId"] if "WhatId" in changes else get("WhatId")
        who = changes["WhoId"] if "WhoId" in changes else get("WhoId")
        account = None
        if what and what.startswith(KEY_PREFIXES["Account"]):
            account = what
        elif what and what.startswith(KEY_PREFIXES["Opportunity"]):
            account = self._parent_value(what, "accountid")
        if account is None and who and who.startswith(KEY_PREFIXES["Contact"]):
            account = self._parent_value(who, "accountid")
        changes["AccountId"] = account

    def _parent_value(self, record_id: str, lower: str) -> Any:
        found = self._locate_row(record_id)
        return None if found is None else found[0].value(found[1], lower)

    def _user_ref(self, user_id: str) -> str:
        """The canonical (shared) string for a user Id; unknown users act as the admin."""
        for user in self.users:
            if user.id == user_id:
                return user.id
        normalized = try_normalize_id(user_id)
        return next((u.id for u in self.users if u.id == normalized), self.admin.id)

    def _apply_defaults(self, table: Table, changes: dict[str, Any], user_id: str) -> None:
        for name, default in table.picklist_defaults:
            if name not in changes:
                changes[name] = default
        if table.has_owner and changes.get("OwnerId") is None:
            changes["OwnerId"] = self._user_ref(user_id)

    def _check_unique(self, table: Table, changes: Mapping[str, Any], own: int | None) -> None:
        for field in table.unique:
            value = changes.get(field.name)
            if value is None:
                continue
            others = [i for i in table.lookup(field.lower, value) if i != own]
            if others:
                raise SalesforceApiError(
                    400, "DUPLICATE_VALUE",
                    f"duplicate value found: {field.name} duplicates value on record with id: "
                    f"{table.cols['id'][others[0]]}", [field.name])

    def _check_duplicates(self, obj: ObjectDef, changes: Mapping[str, Any]) -> None:
        rule = rules.DUPLICATE_RULES.get(obj.name)
        email = changes.get("Email")
        if rule is None or not email:
            return
        matches = []
        for sobject, _ in rule.match_objects:
            table = self.tables[sobject.lower()]
            ids = [table.cols["id"][i] for i in table.lookup("email", email)]
            if ids:
                matches.append((sobject, ids))
        if matches:
            raise rules.duplicate_error(rule, matches, DEFAULT_BASE_URL)

    def _next_id(self, table: Table) -> str:
        table.sequence += 1
        return make_id(table.obj.key_prefix, table.sequence + 0x1F00)

    def _insert(self, table: Table, changes: Mapping[str, Any], user_id: str) -> str:
        now = self.clock()
        user_ref = self._user_ref(user_id)
        record_id = self._next_id(table)
        idx = table.size
        table.cols["id"].append(record_id)
        table.size += 1
        table.by_id[record_id] = idx
        audit = {"createddate": now, "lastmodifieddate": now, "systemmodstamp": now,
                 "createdbyid": user_ref, "lastmodifiedbyid": user_ref}
        for lower, value in audit.items():
            if lower in table.obj.fields:
                table.put(idx, lower, value)
        for name, value in changes.items():
            lower = name.lower()
            table.put(idx, lower, value)
            if lower in table.indexes:
                table.index_add(lower, value, idx)
        return record_id

    def _write(self, table: Table, idx: int, changes: Mapping[str, Any], user_id: str) -> None:
        if self._savepoints:
            self._journal(table, idx)
        now = self.clock()
        for name, value in changes.items():
            lower = name.lower()
            if lower in table.indexes:
                table.index_remove(lower, table.value(idx, lower), idx)
                table.index_add(lower, value, idx)
            if value is None and table.obj.fields[lower].type == "boolean":
                value = False
            table.put(idx, lower, value)
        table.put(idx, "lastmodifieddate", now)
        table.put(idx, "systemmodstamp", now)
        table.put(idx, "lastmodifiedbyid", self._user_ref(user_id))

    def _insert_user(self, user: User) -> None:
        table = self.tables["user"]
        record = {
            "Username": user.username, "Email": user.email, "FirstName": user.first_name,
            "LastName": user.last_name, "Name": user.name, "Alias": user.alias,
            "CommunityNickname": user.alias, "IsActive": user.is_active, "Title": user.title,
            "TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US", "UserType": "Standard",
            "ProfileId": make_id("00e", 1 if user.is_admin else 2),
        }
        now = self.created_date
        idx = table.size
        table.cols["id"].append(user.id)
        table.size += 1
        table.by_id[user.id] = idx
        for name, value in {**record, "CreatedDate": now, "LastModifiedDate": now,
                            "SystemModstamp": now, "CreatedById": self.users[0].id,
                            "LastModifiedById": self.users[0].id}.items():
            table.put(idx, name.lower(), value)
            if name.lower() in table.indexes:
                table.index_add(name.lower(), value, idx)

    # --- Tooling: custom fields --------------------------------------------------------------
    def add_custom_field(self, sobject: str, spec: Mapping[str, Any],
                         user_id: str | None = None) -> FieldDef:
        """Create a custom field from a Tooling API CustomField body; it joins describe."""
        with self.lock:
            object_name, name = split_full_name(spec.get("FullName"))
            if sobject and sobject.lower() != object_name.lower():
                raise SalesforceApiError(400, "FIELD_INTEGRITY_EXCEPTION",
                                         f"FullName {spec.get('FullName')} is not on {sobject}")
            obj = self.object_def(object_name)
            if obj.field(name) is not None:
                raise SalesforceApiError(
                    400, "DUPLICATE_DEVELOPER_NAME",
                    f"There is already a field named {name[:-3]} on {obj.name}.", ["FullName"])
            metadata = spec.get("Metadata") or {}
            field = field_from_tooling(name, dict(metadata))
            obj.add_field(field)
            table = self.tables[obj.name.lower()]
            table.refresh_fields()
            tooling = self.tables["customfield"]
            record = {"DeveloperName": name[:-3], "TableEnumOrId": obj.name,
                      "FullName": f"{obj.name}.{name}",
                      "Description": metadata.get("description"),
                      "InlineHelpText": metadata.get("inlineHelpText"),
                      "ManageableState": "unmanaged", "Metadata": dict(metadata)}
            field_id = self._insert(tooling, record, user_id or self.admin.id)
            field.tooling_id = field_id
            return field

    def custom_fields(self) -> list[Mapping[str, Any]]:
        return list(self.scan("CustomField"))

    # --- replication: /updated and /deleted --------------------------------------------------
    def updated_ids(self, sobject: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        """``/sobjects/X/updated``: {"ids", "latestDateCovered"} by SystemModstamp."""
        table = self._table(sobject)
        start, covered = rules.replication_window(self.clock(), start, end, _REPLICATION_DAYS)
        with self.lock:
            stamps = table.cols.get("systemmodstamp", [])
            ids = [table.cols["id"][i] for i, stamp in enumerate(stamps)
                   if stamp is not None and start <= stamp < covered and not table.is_deleted(i)]
        if len(ids) > _EXCEEDED_ID_LIMIT:
            raise SalesforceApiError(400, "EXCEEDED_ID_LIMIT",
                                     "too many ids; choose start and end dates closer together")
        return {"ids": ids, "latestDateCovered": values.format_datetime(covered)}

    def deleted_records(self, sobject: str, start: dt.datetime,
                        end: dt.datetime) -> dict[str, Any]:
        """``/sobjects/X/deleted``: deletedRecords, earliestDateAvailable, latestDateCovered."""
        table = self._table(sobject)
        start, covered = rules.replication_window(self.clock(), start, end, _RECYCLE_BIN_DAYS)
        with self.lock:
            bin_items = sorted(table.deleted_at.items(), key=lambda item: item[1])
        deleted = [{"id": table.cols["id"][i], "deletedDate": values.format_datetime(when)}
                   for i, when in bin_items if start <= when < covered]
        earliest = max(self.created_date, self.clock() - dt.timedelta(days=_RECYCLE_BIN_DAYS))
        return {
            "deletedRecords": deleted,
            "earliestDateAvailable": values.format_datetime(
                earliest.replace(second=0, microsecond=0)),
            "latestDateCovered": values.format_datetime(covered),
        }

    # --- persistence (persist.py does the file work) ----------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["lock"]
        state["_savepoints"] = []
        state["clock"] = None if self.clock is _now else self.clock
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()
        self._savepoints = []
        if self.clock is None:
            self.clock = _now

    def save(self, path: str) -> None:
        from flask_sfsync.emulator.persist import save_org

        save_org(self, path)

    @classmethod
    def load(cls, path: str) -> Org:
        from flask_sfsync.emulator.persist import load_org

        return load_org(path)
