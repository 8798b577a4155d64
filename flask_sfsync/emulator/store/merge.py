"""Merging duplicates: Salesforce's ``merge`` of up to three Leads, Contacts or Accounts.

As Salesforce documents it (``merge()`` in the SOAP API guide, "Merging Records" and "Triggers
and Merge Statements" in the Apex guide): the master record keeps its Id and gets the field
values the caller picked from the others (an update, with the update's rules); every record
related to a merged record is reparented to the master (contacts, opportunities and child
accounts of an account; tasks and events of a contact or lead; any other lookup to them); then
the merged records go to the recycle bin with MasterRecordId set to the master, where queryAll
shows them. Undeleting a merged record later does not undo the reparenting.

The caller (``Org.merge``) holds a transaction: any error leaves nothing merged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.ids import try_normalize_id
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.store.access import Access
from flask_sfsync.emulator.store.table import Table

__all__ = ["MAX_MERGED", "MERGEABLE", "MergeResult", "merge_records"]

MERGEABLE = ("Lead", "Contact", "Account")
MAX_MERGED = 2  # besides the master: "Up to three records can be merged in a single request"
# Lookups a merge never moves: who did what, and the merge's own pointer.
_NOT_REPARENTED = frozenset({"ownerid", "createdbyid", "lastmodifiedbyid", "masterrecordid"})
# Parents first, so that an activity's derived AccountId follows its moved WhatId.
_ORDER = ("Account", "Contact", "Opportunity", "Lead", "Task", "Event")


@dataclass(frozen=True, slots=True)
class MergeResult:
    id: str
    merged_record_ids: tuple[str, ...]
    updated_related_ids: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """Salesforce's MergeResult."""
        return {"id": self.id, "mergedRecordIds": list(self.merged_record_ids),
                "updatedRelatedIds": list(self.updated_related_ids), "success": True,
                "errors": []}


class MergingOrg(Protocol):
    """What a merge uses of the org (``store.org.Org``)."""

    access: Access
    tables: dict[str, Table]

    def object_def(self, name: str) -> ObjectDef: ...
    def get_record(self, record_id: str) -> tuple[str, Mapping[str, Any]] | None: ...
    def scan(self, sobject: str, include_deleted: bool = False) -> Iterator[Any]: ...
    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any], user_id: str, *,
               allow_duplicates: bool = False, system_mode: bool = False) -> None: ...
    def write_system_fields(self, sobject: str, record_id: str, changes: Mapping[str, Any],
                            user_id: str) -> None: ...
    def delete_merged(self, record_id: str, master_id: str, user_id: str) -> None: ...


def merge_records(org: MergingOrg, sobject: str, master_id: str, merged_ids: list[str],
                  user_id: str, fields: Mapping[str, Any]) -> MergeResult:
    obj = org.object_def(sobject)
    if obj.name not in MERGEABLE:
        raise SalesforceApiError(400, "INVALID_TYPE_FOR_OPERATION",
                                 f"entity type {obj.name} does not support merge")
    master, losers = _check_ids(org, obj, master_id, merged_ids)
    org.access.require(user_id, obj, "edit")
    org.access.require(user_id, obj, "delete")
    # The master's picked values: an update as the user, profile and validation rules apply.
    org.update(obj.name, master, fields, user_id)
    moved = _reparent(org, set(losers), master, user_id)
    for loser in losers:
        org.delete_merged(loser, master, user_id)
    return MergeResult(master, tuple(losers), tuple(moved))


def _check_ids(org: MergingOrg, obj: ObjectDef, master_id: str,
               merged_ids: list[str]) -> tuple[str, list[str]]:
    if not merged_ids:
        raise SalesforceApiError(400, "REQUIRED_FIELD_MISSING",
                                 "Provide at least one record to merge into the master",
                                 ["recordToMergeIds"])
    if len(merged_ids) > MAX_MERGED:
        raise SalesforceApiError(400, "LIMIT_EXCEEDED",
                                 "A merge combines at most 3 records, the master included")
    master = _live_id(org, obj, master_id)
    losers = [_live_id(org, obj, rid) for rid in merged_ids]
    if master in losers or len(set(losers)) != len(losers):
        raise SalesforceApiError(400, "INVALID_ID_FIELD",
                                 "A record cannot be merged with itself", ["recordToMergeIds"])
    return master, losers


def _live_id(org: MergingOrg, obj: ObjectDef, record_id: str) -> str:
    normalized = try_normalize_id(record_id)
    found = org.get_record(normalized) if normalized else None
    if found is None or found[0] != obj.name:
        raise SalesforceApiError(400, "INVALID_CROSS_REFERENCE_KEY",
                                 f"invalid cross reference id: {record_id}")
    if found[1]["IsDeleted"]:
        raise SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted")
    return str(found[1]["Id"])


def _reparent(org: MergingOrg, losers: set[str], master: str, user_id: str) -> list[str]:
    """Point every live lookup at a loser to the master; the Ids of the records moved."""
    moved: list[str] = []
    names = sorted(org.tables, key=lambda n: (_rank(org.tables[n].obj.name), n))
    for name in names:
        table = org.tables[name]
        if table.obj.tooling:
            continue
        for idx, refs in _referencing(table, losers | {master}, losers).items():
            record_id = table.cols["id"][idx]
            writable = {f: master for f in refs if table.obj.fields[f.lower()].updateable}
            if writable:
                org.update(table.obj.name, record_id, writable, user_id, system_mode=True)
            # Derived lookups (an activity's AccountId) may have followed already.
            rest = {f: master for f in refs
                    if f not in writable and table.value(idx, f.lower()) in losers}
            if rest:
                org.write_system_fields(table.obj.name, record_id, rest, user_id)
            moved.append(record_id)
    return moved


def _rank(sobject: str) -> int:
    return _ORDER.index(sobject) if sobject in _ORDER else len(_ORDER)


def _referencing(table: Table, skip_ids: set[str], losers: set[str]) -> dict[int, list[str]]:
    """Live rows (other than ``skip_ids``) with a lookup holding a loser: row -> field names."""
    found: dict[int, list[str]] = {}
    ids = table.cols["id"]
    for fdef in table.obj.fields.values():
        if fdef.type != "reference" or fdef.lower in _NOT_REPARENTED:
            continue
        for idx, value in enumerate(table.cols.get(fdef.lower, ())):
            if value in losers and not table.is_deleted(idx) and idx not in table.purged \
                    and ids[idx] not in skip_ids:
                found.setdefault(idx, []).append(fdef.name)
    return found
