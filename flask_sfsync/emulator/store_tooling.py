"""Tooling API CustomField records: a new custom field joins the object's schema and describe.

The field is added to the ObjectDef (copy on write, so a describe running on another thread is
unharmed), the object's table picks up its default and index, and a CustomField row records it
for tooling queries. A second field of the same name is DUPLICATE_DEVELOPER_NAME.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema_custom import field_from_tooling, split_full_name

if TYPE_CHECKING:
    from flask_sfsync.emulator.schema import FieldDef
    from flask_sfsync.emulator.store import Org

__all__ = ["add_custom_field"]


def add_custom_field(org: Org, sobject: str, spec: Mapping[str, Any], user_id: str) -> FieldDef:
    """Create a custom field from a Tooling API CustomField body (call under ``org.lock``)."""
    object_name, name = split_full_name(spec.get("FullName"))
    if sobject and sobject.lower() != object_name.lower():
        raise SalesforceApiError(400, "FIELD_INTEGRITY_EXCEPTION",
                                 f"FullName {spec.get('FullName')} is not on {sobject}")
    obj = org.object_def(object_name)
    if obj.field(name) is not None:
        raise SalesforceApiError(
            400, "DUPLICATE_DEVELOPER_NAME",
            f"There is already a field named {name[:-3]} on {obj.name}.", ["FullName"])
    metadata = spec.get("Metadata") or {}
    field = field_from_tooling(name, dict(metadata))
    obj.add_field(field)
    org.tables[obj.name.lower()].refresh_fields()
    record = {"DeveloperName": name[:-3], "TableEnumOrId": obj.name,
              "FullName": f"{obj.name}.{name}",
              "Description": metadata.get("description"),
              "InlineHelpText": metadata.get("inlineHelpText"),
              "ManageableState": "unmanaged", "Metadata": dict(metadata)}
    field.tooling_id = org.insert_row("CustomField", record, user_id)
    return field
