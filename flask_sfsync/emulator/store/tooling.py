"""Tooling API CustomField records: a new custom field joins the object's schema and describe.

:func:`new_custom_field` checks a CustomField body and builds the field and its CustomField row;
``Org.add_custom_field`` then adds the field to the ObjectDef (copy on write, so a describe
running on another thread is unharmed), lets the object's table pick up its default and index,
and inserts the row for tooling queries. A second field of the same name is
DUPLICATE_DEVELOPER_NAME.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.custom import field_from_tooling, split_full_name
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef

__all__ = ["new_custom_field"]


def new_custom_field(
    sobject: str, spec: Mapping[str, Any], object_def: Callable[[str], ObjectDef]
) -> tuple[ObjectDef, FieldDef, dict[str, Any]]:
    """The object, the new field and its CustomField record for a Tooling API CustomField body.

    ``object_def(name)`` is the org's lookup (NOT_FOUND for an unknown object). Nothing is
    changed here; the caller adds the field and the record under ``org.lock``.
    """
    object_name, name = split_full_name(spec.get("FullName"))
    if sobject and sobject.lower() != object_name.lower():
        raise SalesforceApiError(400, "FIELD_INTEGRITY_EXCEPTION",
                                 f"FullName {spec.get('FullName')} is not on {sobject}")
    obj = object_def(object_name)
    if obj.field(name) is not None:
        raise SalesforceApiError(
            400, "DUPLICATE_DEVELOPER_NAME",
            f"There is already a field named {name[:-3]} on {obj.name}.", ["FullName"])
    metadata = spec.get("Metadata") or {}
    field = field_from_tooling(name, dict(metadata))
    record = {"DeveloperName": name[:-3], "TableEnumOrId": obj.name,
              "FullName": f"{obj.name}.{name}",
              "Description": metadata.get("description"),
              "InlineHelpText": metadata.get("inlineHelpText"),
              "ManageableState": "unmanaged", "Metadata": dict(metadata)}
    return obj, field, record
