"""The local org's records: schema, users, tables, and the writes the data rules guard.

Storage lives in ``table`` (columns, value indexes, row views, savepoints); the rules that
check one record in ``rules``, those that read other records in ``checks``; ``/updated`` and
``/deleted`` in ``replication``; Tooling custom fields in ``tooling``; ``--data`` files in
``persist``. Those modules take what they need as arguments and never import this one.
Rows are never moved: a delete puts the record in the recycle bin (IsDeleted), which queryAll
and /deleted still see; a hard delete purges it.

Writes take JSON values (as received over REST) and hold ``Org.lock``; reads do not lock, they
see each row either before or after a write. ``Org.transaction()`` makes a block all or none.

Every write is made as a user, with what that user's profile allows (``access``: object and
field permissions) and the org's validation rules (``validation``); ``system_mode`` writes
(lead conversion, merges, automation) skip both, as Salesforce's system context does, and keep
every data rule. ``convert`` converts leads, ``merge`` merges records; ``visibility`` delays
when queries see committed changes; ``query_source(user)`` is what one user's SOQL reads.

``company`` is what Setup > Company Information holds (the org's name, edition, sandbox flag,
address, locale): the Organization record is built from it (``organization_record``), never
stored, and the API cannot write it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from flask_sfsync.emulator.errors import MultipleMatchesError, SalesforceApiError
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.catalog import link_child_relationships, standard_objects
from flask_sfsync.emulator.schema.ids import KEY_PREFIXES, make_id, try_normalize_id
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef
from flask_sfsync.emulator.schema.organization import (
    ORGANIZATION,
    Company,
    check_org_name,
    organization_object,
    organization_row,
)
from flask_sfsync.emulator.schema.user import custom_field_object
from flask_sfsync.emulator.store import (
    checks,
    convert,
    merge,
    persist,
    replication,
    rules,
    tooling,
)
from flask_sfsync.emulator.store.access import Access, Operation
from flask_sfsync.emulator.store.table import RowSequence, RowView, Savepoint, Table, now
from flask_sfsync.emulator.store.users import User, default_users, user_count, user_record
from flask_sfsync.emulator.store.validation import RecordAsSaved, ValidationRules
from flask_sfsync.emulator.store.visibility import QueryView, Visibility

__all__ = ["DEFAULT_BASE_URL", "STAMPS", "MultipleMatchesError", "Org", "RowView", "Table"]

DEFAULT_BASE_URL = "/services/data/v60.0"
_PREFIX_TO_OBJECT = {prefix: name for name, prefix in KEY_PREFIXES.items()}
_NOT_FOUND = "The requested resource does not exist"
# How a write is stamped: "user" sets LastModifiedDate, LastModifiedById and SystemModstamp;
# "workflow" (a workflow field update, a system process) only SystemModstamp; "formula" (a
# formula's inputs changed elsewhere) neither.
STAMPS = ("user", "workflow", "formula")
# A column no field names (RowView never shows it): the record whose delete cascaded to this
# row, so that undeleting that record restores this one and not rows deleted on their own.
_DELETED_WITH = "\x00deletedwith"
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
        self.company = Company(primary_contact=self.users[0].name)
        link_child_relationships(self.schema, _CASCADE)
        self.access = Access(self.users[0].id)
        self.validation = ValidationRules()
        self.visibility = Visibility()

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

    def live_rows(self, sobject: str, include_deleted: bool = False) -> RowSequence:
        """The rows ``scan`` yields, as a sequence that makes each row view when read (the
        SOQL engine's plain queries: a million rows cost their positions, not their views)."""
        table = self._table(sobject)
        size = table.size
        deleted, purged = table.deleted_at, table.purged
        if not purged and (include_deleted or not deleted):
            return RowSequence(table, range(size))
        return RowSequence(table, array("q", (
            idx for idx in range(size)
            if (include_deleted or idx not in deleted) and idx not in purged)))

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
            *, base_url: str = DEFAULT_BASE_URL, user_id: str | None = None) -> dict[str, Any]:
        """``GET /sobjects/X/{id}``: the record as REST JSON; deleted records are NOT_FOUND.

        With ``user_id`` the user's profile applies: fields hidden from it are left out, and
        naming one in ``fields`` is INVALID_FIELD (Salesforce's 400).
        """
        table = self._table(sobject)
        view = table.obj
        if user_id is not None:
            view = self._allowed(table.obj, user_id, "read")
        found = self._locate_row(record_id)
        if found is None or found[0] is not table or table.is_deleted(found[1]):
            raise SalesforceApiError(404, "NOT_FOUND", _NOT_FOUND)
        return table.record_json(found[1], fields, base_url, view)

    def organization_record(self) -> dict[str, Any]:
        """The Organization record, built from ``company`` (soql.paths: a QuerySource's)."""
        return organization_row(self.org_id, self.company, self.created_date, self.admin.id)

    def set_company(self, *, name: str | None = None, sandbox: bool | None = None) -> None:
        """Rename the org (Organization.Name; LastModifiedDate and SystemModstamp move, as
        when Company Information is edited) or say whether it is a sandbox."""
        checked = check_org_name(name) if name is not None else None
        with self.lock:
            if checked is not None and checked != self.company.name:
                self.company.name = checked
                self.company.modified = self.clock()
            if sandbox is not None:
                self.company.sandbox = bool(sandbox)

    # --- what a user sees -------------------------------------------------------------------
    def visible_object(self, obj: ObjectDef, user_id: str) -> ObjectDef | None:
        """``obj`` as ``user_id``'s profile shows it (None: the user may not read it)."""
        return self.access.view(obj, self.user_ref(user_id))

    def visible_objects(self, user_id: str) -> list[ObjectDef]:
        """The data objects the user may read, as the user sees them, by name."""
        uid = self.user_ref(user_id)
        views = (self.access.view(o, uid) for o in sorted(self.schema.values(),
                                                           key=lambda o: o.name))
        return [v for v in views if v is not None and not v.tooling]

    def query_source(self, user_id: str) -> Org | QueryView:
        """What ``user_id``'s SOQL reads: the org itself unless a profile or a lag applies."""
        uid = self.user_ref(user_id)
        restricted = self.access.profile_of(uid).restricts_any()
        if not restricted and not self.visibility.lag:
            return self
        with self.lock:
            unseen = self.visibility.snapshot(self.clock())
        return QueryView(self, lambda obj: self.access.view(obj, uid), unseen)

    def _allowed(self, obj: ObjectDef, user_id: str, operation: Operation) -> ObjectDef:
        """The user's view of ``obj``, or Salesforce's error when the profile forbids it."""
        uid = self.user_ref(user_id)
        self.access.require(uid, obj, operation)
        return self.access.view(obj, uid) or obj

    # --- writes ----------------------------------------------------------------------------
    def create(self, sobject: str, fields: Mapping[str, Any], user_id: str, *,
               allow_duplicates: bool = False, system_mode: bool = False) -> str:
        """Create a record as ``user_id``; ``system_mode`` skips profile and validation rules."""
        with self.lock:
            table = self._table(sobject)
            obj = table.obj
            if not obj.createable:
                raise SalesforceApiError(
                    400, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                    f"entity type {obj.name} does not support insert")
            view = obj if system_mode else self._allowed(obj, user_id, "create")
            coerced = rules.coerce_input(view, fields, True, self)
            changes = {f.name: v for f, v in coerced.values()}
            checks.apply_defaults(table, changes, self.user_ref(user_id))
            rules.apply_derived(obj, changes, lambda name: None, True)
            checks.derive_activity_account(obj, changes, lambda name: None, self.field_of)
            rules.check_required(table.required, changes)
            if not system_mode:
                self._validate(obj, changes, lambda lower: None)
            checks.check_unique(table, changes, None)
            if not allow_duplicates:
                checks.check_duplicates(self.tables, obj, changes, DEFAULT_BASE_URL)
            return self._insert(table, changes, user_id)

    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any], user_id: str, *,
               allow_duplicates: bool = False, system_mode: bool = False) -> None:
        """Update a live record. The duplicate rule alerts only on create (Salesforce's default)."""
        with self.lock:
            table = self._table(sobject)
            idx = self._row_for_write(table, record_id)
            view = table.obj if system_mode else self._allowed(table.obj, user_id, "edit")
            self._update_row(table, idx, fields, user_id, view, validate=not system_mode)

    def automation_update(self, sobject: str, record_id: str, fields: Mapping[str, Any], *,
                          stamp: str = "workflow") -> None:
        """A change made by a process, not a person: ``stamp`` "workflow" moves SystemModstamp
        only (LastModifiedDate and LastModifiedById stay), "formula" moves neither, "user"
        stamps as the admin. System mode: no profile, no validation rules."""
        if stamp not in STAMPS:
            raise ValueError(f"stamp is one of {', '.join(STAMPS)}, not {stamp!r}")
        with self.lock:
            table = self._table(sobject)
            idx = self._row_for_write(table, record_id)
            self._update_row(table, idx, fields, self.admin.id, table.obj, validate=False,
                             stamp=stamp)

    def _update_row(self, table: Table, idx: int, fields: Mapping[str, Any], user_id: str,
                    view: ObjectDef, *, validate: bool, stamp: str = "user") -> None:
        obj = table.obj
        if obj.name == "Lead" and table.value(idx, "isconverted"):
            raise SalesforceApiError(400, "CANNOT_UPDATE_CONVERTED_LEAD",
                                     "cannot reference converted lead", [])
        coerced = rules.coerce_input(view, fields, False, self)
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
        if validate:
            self._validate(obj, changes, lambda lower: table.value(idx, lower))
        checks.check_unique(table, changes, idx)
        self._write(table, idx, changes, user_id, stamp)

    def _validate(self, obj: ObjectDef, changes: Mapping[str, Any],
                  current: Callable[[str], Any]) -> None:
        if self.validation.has_rules(obj.name):
            self.validation.check(obj, RecordAsSaved(obj, changes, current))

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

    def delete(self, record_id: str, user_id: str, *, purge: bool = False,
               system_mode: bool = False) -> None:
        """Move a record (and its cascaded children) to the recycle bin.

        ``purge`` is Bulk API's hardDelete: the records skip the recycle bin, so not even
        queryAll sees them afterwards.
        """
        with self.lock:
            table, idx = self._deletable_row(record_id)
            if not system_mode:
                self._allowed(table.obj, user_id, "delete")
            if table.is_deleted(idx):
                raise SalesforceApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
            self._delete_row(table, idx, user_id, self.clock(), purge)

    def _deletable_row(self, record_id: str) -> tuple[Table, int]:
        if try_normalize_id(record_id) is None:
            raise SalesforceApiError(400, "MALFORMED_ID", f"malformed id {record_id}")
        if self.sobject_of_id(record_id) == ORGANIZATION:
            raise SalesforceApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY",
                                     "insufficient access rights on object id")
        found = self._locate_row(record_id)
        if found is None:
            raise SalesforceApiError(404, "NOT_FOUND", _NOT_FOUND)
        table, _ = found
        if table.obj.tooling or not table.obj.deletable:
            raise SalesforceApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY",
                                     "insufficient access rights on object id")
        return found

    def _delete_row(self, table: Table, idx: int, user_id: str, now: dt.datetime,
                    purge: bool, deleted_with: str | None = None) -> None:
        if self._savepoints:
            self._journal(table, idx)
        self.visibility.note(table, idx, now)
        table.mark_deleted(idx, now, self.user_ref(user_id))
        table.put(idx, _DELETED_WITH, deleted_with)
        record_id = table.cols["id"][idx]
        for child_name, ref in _CASCADE.get(table.obj.name, ()):
            child = self.tables[child_name.lower()]
            col = child.cols.get(ref, [])
            for child_idx, parent in enumerate(col):
                if parent == record_id and not child.is_deleted(child_idx):
                    self._delete_row(child, child_idx, user_id, now, purge, record_id)
        if purge:
            table.purge(idx)  # after the cascade: it needs the parent's Id in place

    def undelete(self, record_id: str, user_id: str) -> None:
        """Restore a record from the recycle bin, with the children its delete cascaded to.

        UNDELETE_FAILED when it is not in the recycle bin; DUPLICATE_VALUE when a unique value
        it holds was taken meanwhile. Reparenting done by a merge stays (as on Salesforce).
        """
        with self.lock:
            table, idx = self._deletable_row(record_id)
            self._allowed(table.obj, user_id, "delete")
            if not table.is_deleted(idx):
                raise SalesforceApiError(400, "UNDELETE_FAILED",
                                         "Entity is not in the recycle bin")
            self._restore_row(table, idx, user_id, self.clock())

    def _restore_row(self, table: Table, idx: int, user_id: str, now: dt.datetime) -> None:
        for field in table.unique:
            value = table.value(idx, field.lower)
            if value is not None and table.lookup(field.lower, value):
                raise SalesforceApiError(
                    400, "DUPLICATE_VALUE",
                    f"duplicate value found: {field.name} duplicates value on record with id: "
                    f"{table.cols['id'][table.lookup(field.lower, value)[0]]}", [field.name])
        if self._savepoints:
            self._journal(table, idx)
        self.visibility.note(table, idx, now)
        table.restore(idx, now, self.user_ref(user_id))
        table.put(idx, _DELETED_WITH, None)
        record_id = table.cols["id"][idx]
        for child_name, _ in _CASCADE.get(table.obj.name, ()):
            child = self.tables[child_name.lower()]
            for child_idx, parent in enumerate(child.cols.get(_DELETED_WITH, [])):
                if parent == record_id and child.is_deleted(child_idx):
                    self._restore_row(child, child_idx, user_id, now)

    def empty_recycle_bin(self, record_ids: Sequence[str]) -> list[str]:
        """Remove records from the recycle bin for good (Salesforce's Empty Recycle Bin,
        SOAP ``emptyRecycleBin()``), with the rows their delete cascaded to; the Ids purged.
        Ids not in the bin are skipped. Like a hard delete, this moves the object's
        getDeleted ``earliestDateAvailable`` past the deletion (``replication``)."""
        purged: list[str] = []
        with self.lock:
            for record_id in record_ids:
                found = self._locate_row(record_id)
                if found is None or not found[0].is_deleted(found[1]):
                    continue
                table, idx = found
                for child_name, _ in _CASCADE.get(table.obj.name, ()):
                    child = self.tables[child_name.lower()]
                    for child_idx, parent in enumerate(child.cols.get(_DELETED_WITH, [])):
                        if parent == table.cols["id"][idx] and child_idx not in child.purged:
                            child.purge(child_idx)
                table.purge(idx)
                purged.append(table.cols["id"][idx])
        return purged

    def recycle_bin(self, sobjects: Sequence[str] | None = None) -> list[tuple[str, RowView]]:
        """Records in the recycle bin (not purged), newest deletion first: (sobject, row)."""
        names = sobjects or [o.name for o in self.schema.values() if not o.tooling]
        found: list[tuple[dt.datetime, str, RowView]] = []
        for name in names:
            table = self._table(name)
            for idx, when in list(table.deleted_at.items()):
                if idx not in table.purged:
                    found.append((when, table.obj.name, RowView(table, idx)))
        found.sort(key=lambda item: item[0], reverse=True)
        return [(name, row) for _, name, row in found]

    # --- lead conversion and merges (convert.py, merge.py) ----------------------------------
    def convert_lead(self, request: convert.LeadConvert, user_id: str) -> convert.LeadConvertResult:
        """Salesforce's convertLead for one lead, as ``user_id``: all or nothing."""
        with self.transaction():
            return convert.convert_lead(self, request, self.user_ref(user_id))

    def merge(self, sobject: str, master_id: str, merged_ids: Sequence[str], user_id: str,
              fields: Mapping[str, Any] | None = None) -> merge.MergeResult:
        """Salesforce's merge: up to two records into a master, as ``user_id``: all or nothing."""
        with self.transaction():
            return merge.merge_records(self, sobject, master_id, list(merged_ids),
                                       self.user_ref(user_id), dict(fields or {}))

    def write_system_fields(self, sobject: str, record_id: str, changes: Mapping[str, Any],
                            user_id: str) -> None:
        """Set stored values past the input rules (IsConverted, MasterRecordId ...), stamped
        as ``user_id``: what the org itself writes during a conversion or a merge."""
        with self.lock:
            table = self._table(sobject)
            idx = self._row_for_write(table, record_id)
            self._write(table, idx, dict(changes), user_id, "user")

    def delete_merged(self, record_id: str, master_id: str, user_id: str) -> None:
        """A merge's loser: MasterRecordId set, then into the recycle bin (no cascade: its
        children were moved to the master first)."""
        with self.lock:
            table, idx = self._deletable_row(record_id)
            if self._savepoints:
                self._journal(table, idx)
            table.put(idx, "masterrecordid", self.field_of(master_id, "id"))
            self._delete_row(table, idx, user_id, self.clock(), False)

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
        if table.obj.name == ORGANIZATION:
            # Read-only through the API here (an admin may edit a few fields in Salesforce).
            raise SalesforceApiError(400, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                                     f"entity type {ORGANIZATION} does not support update")
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
        idx = table.append(record_id, record)
        if self.visibility.lag:
            self.visibility.note(table, idx, now, new=True)
        return record_id

    def _write(self, table: Table, idx: int, changes: Mapping[str, Any], user_id: str,
               stamp: str = "user") -> None:
        if self._savepoints:
            self._journal(table, idx)
        now = self.clock()
        if stamp != "formula":
            self.visibility.note(table, idx, now)
        table.assign(idx, changes)
        if stamp == "user":
            table.touch(idx, now, self.user_ref(user_id))
        elif stamp == "workflow":
            table.put(idx, "systemmodstamp", now)

    def _insert_user(self, user: User) -> None:
        self.tables["user"].append(user.id, user_record(user, self.users[0].id, self.created_date))

    # --- users, profiles, validation rules, required fields (the admin's setup) -------------
    def set_user_active(self, user_id: str, active: bool) -> None:
        """Activate or deactivate a user (an inactive one cannot log in or own records)."""
        with self.lock:
            user = self._known_user(user_id)
            user.is_active = bool(active)
            self._set_user_row(user, {"IsActive": user.is_active})

    def set_user_profile(self, user_id: str, profile_name: str) -> None:
        with self.lock:
            user = self._known_user(user_id)
            profile = self.access.assign(user.id, profile_name)
            self._set_user_row(user, {"ProfileId": profile.id})

    def _known_user(self, user_id: str) -> User:
        user = self.user(user_id)
        if user is None:
            raise KeyError(f"no user {user_id!r}")
        return user

    def _set_user_row(self, user: User, changes: Mapping[str, Any]) -> None:
        table = self.tables["user"]
        self._write(table, table.by_id[user.id], changes, self.admin.id)

    def set_object_access(self, profile_name: str, sobject: str, **permissions: bool) -> None:
        """A profile's object permissions: any of read, create, edit, delete."""
        with self.lock:
            self.access.set_object_access(profile_name, self.object_def(sobject), **permissions)

    def set_field_access(self, profile_name: str, sobject: str, field_name: str,
                         level: str) -> None:
        """A profile's field-level security: "edit", "read_only" or "hidden"."""
        with self.lock:
            self.access.set_field_access(profile_name, self.object_def(sobject), field_name,
                                         level)

    def set_field_required(self, sobject: str, field_name: str, required: bool = True) -> None:
        """Make a custom field required (describe ``nillable: false``; a create without it,
        or an update blanking it, fails with REQUIRED_FIELD_MISSING), or optional again."""
        with self.lock:
            obj = self.object_def(sobject)
            fdef = obj.field(field_name)
            if fdef is None or not fdef.custom:
                raise ValueError(f"{obj.name}.{field_name} is not a custom field; Salesforce "
                                 "makes only custom fields universally required")
            if fdef.type == "boolean":
                raise ValueError("a checkbox is never blank, so it cannot be required")
            # Copy on write: views and describes built from the old field stay consistent.
            obj.add_field(dataclasses.replace(fdef, nillable=not required))
            self.tables[obj.name.lower()].refresh_fields()

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
        # Files saved before profiles, validation rules and the lag existed.
        if "access" not in state:
            self.access = Access(self.users[0].id)
        if "validation" not in state:
            self.validation = ValidationRules()
        if "visibility" not in state:
            self.visibility = Visibility()
        # Files saved before the Organization object existed.
        if "company" not in state:
            self.company = Company(primary_contact=self.users[0].name)
        if ORGANIZATION.lower() not in self.schema:
            obj = organization_object()
            self.schema[obj.name.lower()] = obj
            self.tables[obj.name.lower()] = Table(obj)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the org to ``path`` atomically (``--data FILE``)."""
        persist.save_snapshot(self, self.lock, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Org:
        """The org ``save`` wrote; ValueError for any other file."""
        return persist.load_snapshot(path, cls)
