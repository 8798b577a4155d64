"""Salesforce's data rules for writes: input checks, required fields, derived fields, duplicates.

The store calls these in order for every create/update: :func:`coerce_input` (unknown or
read-only fields, types, lengths, e-mail, restricted picklists, references), then
:func:`apply_derived` (Name, IsClosed ...), :func:`check_required`, and on create the
duplicate rule (:data:`DUPLICATE_RULES`). Messages follow Salesforce's wording.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.ids import KEY_PREFIXES, try_normalize_id
from flask_sfsync.emulator.schema.model import STRING_TYPES, FieldDef, ObjectDef
from flask_sfsync.emulator.store import activities

__all__ = [
    "DUPLICATE_RULES",
    "DuplicateRule",
    "Resolver",
    "apply_derived",
    "check_required",
    "coerce_input",
    "duplicate_error",
    "replication_window",
]

_PREFIX_TO_OBJECT = {prefix: name for name, prefix in KEY_PREFIXES.items()}
# Salesforce's own check is looser than RFC 5322 but rejects the usual mistakes.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class Resolver(Protocol):
    """What the rules need to know about other records (the Org implements it)."""

    def locate(self, record_id: str) -> tuple[str, str, bool] | None:
        """(sobject, canonical id, is_deleted) of an 18-char Id, or None."""

    def find_by_key(self, sobject: str, field_name: str, value: Any) -> list[str]:
        """Ids of live records whose external ID / idLookup field equals ``value``."""

    def is_active_user(self, user_id: str) -> bool: ...


# --- input ----------------------------------------------------------------------------------

def coerce_input(
    obj: ObjectDef, raw: Mapping[str, Any], creating: bool, resolver: Resolver,
) -> dict[str, tuple[FieldDef, Any]]:
    """Check and convert a JSON record body: {lower name: (field, Python value)}."""
    out: dict[str, tuple[FieldDef, Any]] = {}
    read_only: list[str] = []
    for key, raw_value in raw.items():
        if key == "attributes":
            continue
        field = obj.field(key)
        if field is None:
            ref = _relationship_field(obj, key) if isinstance(raw_value, dict) else None
            if ref is None:
                raise SalesforceApiError(
                    400, "INVALID_FIELD",
                    f"No such column '{key}' on sobject of type {obj.name}", [key])
            out[ref.lower] = (ref, _resolve_foreign_key(ref, raw_value, resolver))
            continue
        if field.type == "id":
            if creating:
                raise SalesforceApiError(
                    400, "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call",
                    ["Id"])
            continue  # the caller names the record; an Id in an update body is redundant
        if not (field.createable if creating else field.updateable):
            read_only.append(field.name)
            continue
        value = values.from_json(field, raw_value)
        out[field.lower] = (field, check_value(field, value, resolver))
    if read_only:
        names = ", ".join(read_only)
        raise SalesforceApiError(
            400, "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {names}. Please check the security settings of "
            "this field and verify that it is read/write for your profile or permission set.",
            read_only)
    owner = out.get("ownerid")
    if owner is not None and owner[1] is not None and not resolver.is_active_user(owner[1]):
        raise SalesforceApiError(
            400, "INACTIVE_OWNER_OR_USER",
            f"operation performed with inactive user [{owner[1]}] as owner of "
            f"{obj.label.lower()}", ["OwnerId"])
    return out


def _relationship_field(obj: ObjectDef, key: str) -> FieldDef | None:
    lowered = key.lower()
    for field in obj.fields.values():
        if field.type == "reference" and (field.relationship_name or "").lower() == lowered:
            return field
    return None


def _resolve_foreign_key(field: FieldDef, spec: Mapping[str, Any], resolver: Resolver) -> str:
    """``"Account": {"Ext__c": "A1"}``: a parent named by its external ID (upsert's friend)."""
    keys = [k for k in spec if k != "attributes"]
    target = spec.get("attributes", {}).get("type") if isinstance(
        spec.get("attributes"), dict) else None
    target = target or (field.reference_to[0] if field.reference_to else None)
    if len(keys) != 1 or target is None:
        raise SalesforceApiError(
            400, "INVALID_FIELD",
            f"Foreign key external ID relationship {field.relationship_name} must name exactly "
            "one external ID field", [field.name])
    ext_name, ext_value = keys[0], spec[keys[0]]
    ids = resolver.find_by_key(target, ext_name, ext_value)
    if len(ids) == 1:
        return ids[0]
    what = "not found" if not ids else "found multiple"
    raise SalesforceApiError(
        400, "INVALID_FIELD",
        f"Foreign key external ID: {ext_value} {what} for field {ext_name} in entity {target}",
        [field.name])


def check_value(field: FieldDef, value: Any, resolver: Resolver) -> Any:
    """Per-field checks on a converted value; returns the value to store (interned if useful)."""
    if value is None:
        return None
    if field.type in STRING_TYPES and isinstance(value, str):
        if field.length and len(value) > field.length:
            raise SalesforceApiError(
                400, "STRING_TOO_LONG",
                f"{field.label}: data value too large: {value} (max length={field.length})",
                [field.name])
        if field.type == "email" and value and not _EMAIL_RE.match(value):
            raise SalesforceApiError(
                400, "INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {value}",
                [field.name])
        if field.type == "picklist":
            return _check_picklist(field, value)
        if value == "":
            return None  # Salesforce stores an empty string as null
    if field.type == "reference":
        return _check_reference(field, value, resolver)
    if field.type in _DECIMAL_TYPES and field.precision:
        return _check_number(field, value)
    return value


_DECIMAL_TYPES = frozenset({"double", "currency", "percent"})


def _check_number(field: FieldDef, value: float) -> float:
    """Numbers keep ``scale`` decimals and at most ``precision - scale`` integer digits."""
    rounded = round(float(value), field.scale)
    if abs(rounded) >= 10 ** (field.precision - field.scale):
        raise SalesforceApiError(
            400, "NUMBER_OUTSIDE_VALID_RANGE",
            f"{field.label}: value outside of valid range on numeric field: {value}",
            [field.name])
    return rounded


def _check_picklist(field: FieldDef, value: str) -> str | None:
    if value == "":
        return None
    for item in field.picklist_values:
        if item.value == value or (item.value.lower() == value.lower()):
            return item.value  # the catalog's string object: one copy per value in memory
    if field.restricted_picklist:
        raise SalesforceApiError(
            400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{field.label}: bad value for restricted picklist field: {value}", [field.name])
    return value


def _check_reference(field: FieldDef, value: Any, resolver: Resolver) -> str | None:
    if value == "":
        return None
    normalized = try_normalize_id(value)
    if normalized is None:
        raise SalesforceApiError(
            400, "MALFORMED_ID", f"{field.label}: id value of incorrect type: {value}",
            [field.name])
    target = _PREFIX_TO_OBJECT.get(normalized[:3])
    allowed = [t for t in field.reference_to if t in KEY_PREFIXES]
    if target is None or target not in allowed:
        if target is None and normalized[:3] not in KEY_PREFIXES.values():
            raise SalesforceApiError(400, "INVALID_CROSS_REFERENCE_KEY",
                                     "invalid cross reference id", [field.name])
        raise SalesforceApiError(
            400, "FIELD_INTEGRITY_EXCEPTION",
            f"{field.label}: id value of incorrect type: {value}", [field.name])
    found = resolver.locate(normalized)
    if found is None:
        raise SalesforceApiError(400, "INVALID_CROSS_REFERENCE_KEY",
                                 "invalid cross reference id", [field.name])
    _, canonical, deleted = found
    if deleted:
        raise SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [field.name])
    return canonical


# --- whole-record rules ---------------------------------------------------------------------

def check_required(required: list[FieldDef], record: Mapping[str, Any]) -> None:
    """REQUIRED_FIELD_MISSING unless ``record`` (API name -> value) fills every required field."""
    missing = [f.name for f in required if record.get(f.name) in (None, "")]
    if missing:
        raise SalesforceApiError(
            400, "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]", missing)


def apply_derived(
    obj: ObjectDef, changes: dict[str, Any], get: Callable[[str], Any], creating: bool,
) -> None:
    """Fill fields Salesforce computes from others. ``changes`` maps API names to new values.

    Opportunity, Task and Event rules (stage, status, event times, what a lead's activity
    may link to) are in ``activities``.
    """
    def now(name: str) -> Any:
        return changes[name] if name in changes else get(name)

    name_field = obj.field("Name")
    compound_name = name_field is not None and not name_field.createable
    if compound_name and ({"FirstName", "LastName"} & changes.keys() or creating):
        parts = [now("FirstName"), now("LastName")]
        changes["Name"] = " ".join(p for p in parts if p) or None
    if obj.name in ("Task", "Event"):
        activities.derive_activity(obj.name, changes, now, creating)
    elif obj.name == "Opportunity":
        activities.derive_opportunity(changes, now, creating)


# --- the duplicate rule ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DuplicateRule:
    """Salesforce's standard rule, reduced to an exact, case-insensitive e-mail match.

    Action on create is "Allow" with an alert: the API reports DUPLICATES_DETECTED unless the
    caller sends ``Sforce-Duplicate-Rule-Header: allowSave=true``. Action on edit reports
    nothing, as in a new org.
    """

    sobject: str
    developer_name: str
    match_objects: tuple[tuple[str, str], ...]   # (sobject, matching rule developer name)
    message: str = "Use one of these records?"


DUPLICATE_RULES: dict[str, DuplicateRule] = {
    "Contact": DuplicateRule(
        "Contact", "Standard_Contact_Duplicate_Rule",
        (("Contact", "Standard_Contact_Match_Rule_v1_1"),
         ("Lead", "Standard_Lead_Match_Rule_v1_0"))),
    "Lead": DuplicateRule(
        "Lead", "Standard_Lead_Duplicate_Rule",
        (("Lead", "Standard_Lead_Match_Rule_v1_0"),
         ("Contact", "Standard_Contact_Match_Rule_v1_1"))),
}


def duplicate_error(
    rule: DuplicateRule, matches: list[tuple[str, list[str]]], base_url: str,
) -> SalesforceApiError:
    """DUPLICATES_DETECTED with Salesforce's ``duplicateResult`` naming the matching records."""
    rule_names = dict(rule.match_objects)
    match_results = []
    for sobject, ids in matches:
        match_results.append({
            "entityType": sobject,
            "errors": [],
            "matchEngine": "ExactMatchEngine",
            "matchRecords": [{
                "additionalInformation": [],
                "fieldDiffs": [],
                "matchConfidence": 100.0,
                "record": {"attributes": {"type": sobject,
                                          "url": f"{base_url}/sobjects/{sobject}/{rid}"},
                           "Id": rid},
            } for rid in ids],
            "rule": rule_names[sobject],
            "size": len(ids),
            "success": True,
        })
    result = {
        "allowSave": True,
        "duplicateRule": rule.developer_name,
        "duplicateRuleEntityType": rule.sobject,
        "errorMessage": rule.message,
        "matchResults": match_results,
    }
    return SalesforceApiError(400, "DUPLICATES_DETECTED", rule.message, [],
                              {"duplicateResult": result})


# --- replication windows (/updated, /deleted) -----------------------------------------------

def replication_window(
    now: dt.datetime, start: dt.datetime, end: dt.datetime, days: int,
) -> tuple[dt.datetime, dt.datetime]:
    """(start, latest date covered) of a getUpdated/getDeleted window, or INVALID_REPLICATION_DATE.

    Salesforce ignores the seconds of both bounds, answers for ``days`` back (30 for updated,
    15 for deleted) and covers no further than now.
    """
    start = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    end = end.astimezone(dt.UTC).replace(second=0, microsecond=0)
    if start >= end:
        raise SalesforceApiError(400, "INVALID_REPLICATION_DATE",
                                 "startDate must chronologically precede endDate")
    if start < now - dt.timedelta(days=days):
        raise SalesforceApiError(400, "INVALID_REPLICATION_DATE",
                                 f"startDate cannot be more than {days} days ago")
    return start, min(end, now.replace(second=0, microsecond=0))
