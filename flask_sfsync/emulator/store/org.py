"""The local org's records: schema, users, tables, and the writes the data rules guard.

Storage lives in ``table`` (columns, value indexes, row views, savepoints); the rules that
check one record in ``rules``, those that read other records in ``checks``; ``/updated`` and
``/deleted`` in ``replication``; Tooling custom fields in ``tooling``; ``--data`` files in
``persist``. Those modules take what they need as arguments and never import this one.
Rows are never moved: a delete puts the record in the recycle bin (IsDeleted), which queryAll
and /deleted still see; a hard delete purges it.

Writes take JSON values (as received over REST) and hold ``Org.lock``; reads do not lock, they
see each row either before or after a write. ``Org.transaction()`` makes a block all or none.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from flask_sfsync.emulator.errors import MultipleMatchesError, SalesforceApiError
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.catalog import link_child_relationships, standard_objects
from flask_sfsync.emulator.schema.ids import KEY_PREFIXES, make_id, try_normalize_id
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef
from flask_sfsync.emulator.schema.user import custom_field_object
from flask_sfsync.emulator.store import checks, persist, replication, rules, tooling
from flask_sfsync.emulator.store.table import RowView, Savepoint, Table, now
from flask_sfsync.emulator.store.users import User, default_users, user_count, user_record

__all__ = ["DEFAULT_BASE_URL", "MultipleMatchesError", "Org", "RowView", "Table"]

DEFAULT_BASE_URL = "/services/data/v60.0"
_PREFIX_TO_OBJECT = {prefix: name for name, prefix in KEY_PREFIXES.items()}
_NOT_FOUND = "The requested resource does not exist"
# Cascade on delete as Salesforce does for master-detail-like standard relationships.
_CASCADE: dict[str, tuple[tuple[str, str], ...]] = {
    "Account": (("Contact", "accountid"), ("Opportunity", "accountid")),
}


class Org:
    """A Salesforce org's data: schema, records, users and the rules that guard writes."""

    def __init__(self, *, clock: Callable[[], dt.datetime] = now) -> None:
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
        self._savepoints: list[Savepoint] = []
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
        deleted, purged = table.deleted_at, table.purged
        for idx in range(size):
            if (include_deleted or idx not in deleted) and idx not in purged:
                yield RowView(table, idx)

    def read_columns(self, rows: Sequence[Mapping[str, Any]],
                     names: Sequence[str]) -> list[list[Any]] | None:
        """The SOQL engine's column reader (soql.paths.ColumnReader) over this org's rows."""
        return RowView.columns(rows, names)

    def count(self, sobject: str, include_deleted: bool = False) -> int:
        table = self._table(sobject)
        if include_deleted:
            return table.size - len(table.purged)
        return table.size - len(table.deleted_at)

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
        return table.record_json(found[1], fields, base_url)

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
            checks.apply_defaults(table, changes, self.user_ref(user_id))
            rules.apply_derived(obj, changes, lambda name: None, True)
            checks.derive_activity_account(obj, changes, lambda name: None, self.field_of)
            rules.check_required(table.required, changes)
            checks.check_unique(table, changes, None)
            if not allow_duplicates:
                checks.check_duplicates(self.tables, obj, changes, DEFAULT_BASE_URL)
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
            checks.derive_activity_account(
                obj, changes, lambda n: table.value(idx, n.lower()), self.field_of)
            missing = [f.name for f, v in coerced.values()
                       if v is None and not f.nillable and f.type != "boolean"]
            if missing:
                raise SalesforceApiError(
                    400, "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]", missing)
            checks.check_unique(table, changes, idx)
            self._write(table, idx, changes, user_id)

    def upsert(self, sobject: str, ext_field: str, ext_value: Any, fields: Mapping[str, Any],
               user_id: str, *, allow_duplicates: bool = False) -> tuple[str, bool]:
        """Create or update by an external ID (or Id, or an idLookup field): (id, created)."""
        with self.lock:
            table = self._table(sobject)
            field = self._lookup_field(table.obj, ext_field)
            body = checks.body_without_key(field, ext_value, fields)
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

    def delete(self, record_id: str, user_id: str, *, purge: bool = False) -> None:
        """Move a record (and its cascaded children) to the recycle bin.

        ``purge`` is Bulk API's hardDelete: the records skip the recycle bin, so not even
        queryAll sees them afterwards.
        """
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
            self._delete_row(table, idx, user_id, self.clock(), purge)

    def _delete_row(self, table: Table, idx: int, user_id: str, now: dt.datetime,
                    purge: bool) -> None:
        if self._savepoints:
            self._journal(table, idx)
        table.mark_deleted(idx, now, self.user_ref(user_id))
        record_id = table.cols["id"][idx]
        for child_name, ref in _CASCADE.get(table.obj.name, ()):
            child = self.tables[child_name.lower()]
            col = child.cols.get(ref, [])
            for child_idx, parent in enumerate(col):
                if parent == record_id and not child.is_deleted(child_idx):
                    self._delete_row(child, child_idx, user_id, now, purge)
        if purge:
            table.purge(idx)  # after the cascade: it needs the parent's Id in place

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or none: hold the write lock; an exception leaving the block undoes its writes.

        Transactions nest (a Collections call with allOrNone inside a composite request).
        """
        with self.lock:
            point = Savepoint(self.tables)
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

    def field_of(self, record_id: str, lower: str) -> Any:
        """One field of any record by Id (None when there is no such record)."""
        found = self._locate_row(record_id)
        return None if found is None else found[0].value(found[1], lower)

    def user_ref(self, user_id: str) -> str:
        """The canonical (shared) string for a user Id; unknown users act as the admin."""
        for user in self.users:
            if user.id == user_id:
                return user.id
        normalized = try_normalize_id(user_id)
        return next((u.id for u in self.users if u.id == normalized), self.admin.id)

    def _next_id(self, table: Table) -> str:
        table.sequence += 1
        return make_id(table.obj.key_prefix, table.sequence + 0x1F00)

    def _insert(self, table: Table, changes: Mapping[str, Any], user_id: str) -> str:
        now, user_ref = self.clock(), self.user_ref(user_id)
        record_id = self._next_id(table)
        record: dict[str, Any] = dict.fromkeys(table.audit_dates, now)
        record.update(dict.fromkeys(table.audit_users, user_ref))
        record.update(changes)
        table.append(record_id, record)
        return record_id

    def _write(self, table: Table, idx: int, changes: Mapping[str, Any], user_id: str) -> None:
        if self._savepoints:
            self._journal(table, idx)
        table.assign(idx, changes)
        table.touch(idx, self.clock(), self.user_ref(user_id))

    def _insert_user(self, user: User) -> None:
        self.tables["user"].append(user.id, user_record(user, self.users[0].id, self.created_date))

    # --- Tooling: custom fields --------------------------------------------------------------
    def add_custom_field(self, sobject: str, spec: Mapping[str, Any],
                         user_id: str | None = None) -> FieldDef:
        """Create a custom field from a Tooling API CustomField body; it joins describe."""
        with self.lock:
            obj, field, record = tooling.new_custom_field(sobject, spec, self.object_def)
            obj.add_field(field)
            self.tables[obj.name.lower()].refresh_fields()
            field.tooling_id = self.insert_row("CustomField", record, user_id or self.admin.id)
            return field

    def custom_fields(self) -> list[Mapping[str, Any]]:
        return list(self.scan("CustomField"))

    def insert_row(self, sobject: str, record: Mapping[str, Any], user_id: str) -> str:
        """Append a record as given, past the data rules (system records such as CustomField)."""
        return self._insert(self.tables[sobject.lower()], record, user_id)

    # --- replication: /updated and /deleted --------------------------------------------------
    def updated_ids(self, sobject: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        """``/sobjects/X/updated``: {"ids", "latestDateCovered"} by SystemModstamp."""
        return replication.updated_ids(self._table(sobject), start, end, self.clock, self.lock)

    def deleted_records(self, sobject: str, start: dt.datetime,
                        end: dt.datetime) -> dict[str, Any]:
        """``/sobjects/X/deleted``: deletedRecords, earliestDateAvailable, latestDateCovered."""
        return replication.deleted_records(
            self._table(sobject), start, end, self.clock, self.lock, self.created_date)

    # --- persistence (persist.py does the file work) ----------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["lock"]
        state["_savepoints"] = []
        state["clock"] = None if self.clock is now else self.clock
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()
        self._savepoints = []
        if self.clock is None:
            self.clock = now

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the org to ``path`` atomically (``--data FILE``)."""
        persist.save_snapshot(self, self.lock, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Org:
        """The org ``save`` wrote; ValueError for any other file."""
        return persist.load_snapshot(path, cls)
