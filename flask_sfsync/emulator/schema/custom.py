"""Tooling API CustomField bodies -> FieldDef (the custom fields an integration creates)."""

from __future__ import annotations

import re
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.model import FieldDef, PicklistValue, field

__all__ = ["SUPPORTED_TYPES", "field_from_tooling"]

SUPPORTED_TYPES = {
    "Text": "string", "TextArea": "textarea", "LongTextArea": "textarea", "Email": "email",
    "Phone": "phone", "Date": "date", "DateTime": "datetime", "Number": "double",
    "Checkbox": "boolean", "Picklist": "picklist", "Url": "url", "Currency": "currency",
    "Percent": "percent",
}
_API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*__c$")


def _invalid(message: str, fields: list[str] | None = None) -> SalesforceApiError:
    return SalesforceApiError(400, "FIELD_INTEGRITY_EXCEPTION", message, fields or [])


def split_full_name(full_name: Any) -> tuple[str, str]:
    """"Contact.Foo__c" -> ("Contact", "Foo__c"), or a Salesforce-style error."""
    if not isinstance(full_name, str) or full_name.count(".") != 1:
        raise SalesforceApiError(400, "INVALID_INPUT" if full_name else "REQUIRED_FIELD_MISSING",
                                 "FullName must be of the form Object.Field__c", ["FullName"])
    sobject, name = full_name.split(".")
    if not _API_NAME.match(name) or len(name) > 43:
        raise _invalid(f"Invalid field name: {name}. The name must begin with a letter, end "
                       "with __c, and not contain two consecutive underscores.", ["FullName"])
    return sobject, name


def field_from_tooling(name: str, metadata: dict[str, Any]) -> FieldDef:
    """Build the FieldDef a CustomField body describes, with Salesforce's checks."""
    label = metadata.get("label")
    if not label:
        raise SalesforceApiError(400, "REQUIRED_FIELD_MISSING",
                                 "Required fields are missing: [Label]", ["Label"])
    kind = metadata.get("type")
    if kind not in SUPPORTED_TYPES:
        raise _invalid(f"Invalid or unsupported field type: {kind}", ["Type"])
    common: dict[str, Any] = {
        "custom": True,
        "external_id": bool(metadata.get("externalId")),
        "unique": bool(metadata.get("unique")),
        "case_sensitive": bool(metadata.get("caseSensitive")),
        "inline_help_text": metadata.get("inlineHelpText"),
        "nillable": not metadata.get("required"),
    }
    common["id_lookup"] = common["external_id"] or common["unique"]
    sf_type = SUPPORTED_TYPES[kind]
    if kind == "Text":
        common["length"] = _length(metadata, 1, 255)
    elif kind == "TextArea":
        common["length"] = 255
    elif kind == "LongTextArea":
        common["length"] = _length(metadata, 256, 131072)
    elif kind in ("Number", "Currency", "Percent"):
        precision = int(metadata.get("precision") or 18)
        scale = int(metadata.get("scale") or 0)
        if not 1 <= precision <= 18 or not 0 <= scale <= precision:
            raise _invalid("Precision must be 1-18 and scale 0-precision", ["Precision"])
        common.update(precision=precision, scale=scale)
    elif kind == "Checkbox":
        common.update(default_value=str(metadata.get("defaultValue", "false")).lower() == "true",
                      nillable=False, defaulted_on_create=True)
    elif kind == "Picklist":
        common.update(_picklist(metadata))
    result = field(name, sf_type, label, **common)
    if kind == "TextArea":
        result.extra_type_info = "plaintextarea"
    return result


def _length(metadata: dict[str, Any], low: int, high: int) -> int:
    raw = metadata.get("length")
    try:
        length = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _invalid("Length: You must enter a value", ["Length"]) from None
    if not low <= length <= high:
        raise _invalid(f"Length: value must be between {low} and {high}", ["Length"])
    return length


def _picklist(metadata: dict[str, Any]) -> dict[str, Any]:
    value_set = metadata.get("valueSet") or {}
    definition = value_set.get("valueSetDefinition") or {}
    items = definition.get("value") or []
    if not items:
        raise _invalid("Picklist: You must enter at least one value", ["ValueSet"])
    values = [PicklistValue(str(item.get("fullName") or item.get("valueName")),
                            label=item.get("label") or None,
                            default_value=bool(item.get("default")))
              for item in items]
    return {
        "picklist_values": values,
        "restricted_picklist": bool(value_set.get("restricted")),
        "length": 255,
        "defaulted_on_create": any(v.default_value for v in values),
    }
