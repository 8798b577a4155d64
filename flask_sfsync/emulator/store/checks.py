"""Write-time rules that need the org's indexes: defaults, derived lookups, uniqueness, duplicates.

``rules.py`` checks one record's values on their own; these read other records (a unique
field's index, the duplicate rule's e-mail index, a WhatId's account), so they live beside the
store. Each runs under the org's write lock, inside ``Org.create`` / ``Org.update``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.ids import KEY_PREFIXES
from flask_sfsync.emulator.store import rules
from flask_sfsync.emulator.store.table import Table

if TYPE_CHECKING:
    from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef

__all__ = [
    "apply_defaults",
    "body_without_key",
    "check_duplicates",
    "check_unique",
    "derive_activity_account",
]

_ACCOUNT, _CONTACT, _OPPORTUNITY = (KEY_PREFIXES[n] for n in ("Account", "Contact", "Opportunity"))


def apply_defaults(table: Table, changes: dict[str, Any], owner_id: str) -> None:
    """Picklist defaults, and OwnerId: ``owner_id`` (the token's user) unless the body names one."""
    for name, default in table.picklist_defaults:
        if name not in changes:
            changes[name] = default
    if table.has_owner and changes.get("OwnerId") is None:
        changes["OwnerId"] = owner_id


def derive_activity_account(obj: ObjectDef, changes: dict[str, Any], get: Callable[[str], Any],
                            field_of: Callable[[str, str], Any]) -> None:
    """Task/Event AccountId: the WhatId's account, else the contact's (as Salesforce does).

    ``get(name)`` reads the record's current value; ``field_of(id, lower)`` another record's.
    """
    if obj.name not in ("Task", "Event") or not {"WhoId", "WhatId"} & changes.keys():
        return
    what = changes["WhatId"] if "WhatId" in changes else get("WhatId")
    who = changes["WhoId"] if "WhoId" in changes else get("WhoId")
    account = None
    if what and what.startswith(_ACCOUNT):
        account = what
    elif what and what.startswith(_OPPORTUNITY):
        account = field_of(what, "accountid")
    if account is None and who and who.startswith(_CONTACT):
        account = field_of(who, "accountid")
    changes["AccountId"] = account


def check_unique(table: Table, changes: Mapping[str, Any], own: int | None) -> None:
    """DUPLICATE_VALUE when a unique field's new value is another live record's."""
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


def check_duplicates(tables: Mapping[str, Table], obj: ObjectDef, changes: Mapping[str, Any],
                     base_url: str) -> None:
    """The org's active duplicate rule (Contact and Lead, matching on e-mail)."""
    rule = rules.DUPLICATE_RULES.get(obj.name)
    email = changes.get("Email")
    if rule is None or not email:
        return
    matches = []
    for sobject, _ in rule.match_objects:
        table = tables[sobject.lower()]
        ids = [table.cols["id"][i] for i in table.lookup("email", email)]
        if ids:
            matches.append((sobject, ids))
    if matches:
        raise rules.duplicate_error(rule, matches, base_url)


def body_without_key(field: FieldDef, ext_value: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Collections upsert repeats the key in the body; it must agree with the key."""
    body = dict(fields)
    for key in [k for k in body if k.lower() == field.lower]:
        given = body.pop(key)
        if field.type == "id" or given is None or given == ext_value:
            continue
        if Table.key(field, values.from_json(field, given)) != \
                Table.key(field, values.from_json(field, ext_value)):
            raise SalesforceApiError(
                400, "INVALID_FIELD",
                f"The value of {field.name} in the record does not match the external ID "
                f"value {ext_value}", [field.name])
    return body
