"""Object and field definitions, and their Salesforce describe JSON.

A :class:`FieldDef` carries the properties Salesforce's describe reports for a field; the store
enforces the ones that matter for writes (createable, updateable, nillable, length, picklists,
references, uniqueness). :func:`field` and its helpers keep the per-object catalogs (``sales``,
``activity``, ``user``, with ``common`` field groups) short: each helper fills in the properties
Salesforce gives that kind of field.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

__all__ = [
    "COMPOUND_TYPES",
    "STRING_TYPES",
    "FieldDef",
    "ObjectDef",
    "PicklistValue",
    "field",
    "picklist",
    "reference",
]

# Types whose Python value is a str, and which have a length limit.
STRING_TYPES = frozenset(
    {"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox",
     "encryptedstring"}
)
_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "address": "urn:address",
}
_NOT_GROUPABLE = frozenset({"double", "currency", "percent", "datetime", "textarea", "address"})
# Compound fields: read whole in SELECT, never filtered, sorted, grouped or aggregated.
COMPOUND_TYPES = frozenset({"address"})


@dataclass(slots=True)
class PicklistValue:
    value: str
    label: str | None = None
    active: bool = True
    default_value: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "defaultValue": self.default_value,
            "label": self.label if self.label is not None else self.value,
            "validFor": None,
            "value": self.value,
        }


@dataclass(slots=True)
class FieldDef:
    name: str
    type: str
    label: str
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    id_lookup: bool = False
    unique: bool = False
    custom: bool = False
    picklist_values: list[PicklistValue] = dc_field(default_factory=list)
    restricted_picklist: bool = False
    reference_to: list[str] = dc_field(default_factory=list)
    relationship_name: str | None = None
    default_value: Any = None
    defaulted_on_create: bool = False
    calculated: bool = False
    precision: int = 0
    scale: int = 0
    digits: int = 0
    name_field: bool = False
    case_sensitive: bool = False
    html_formatted: bool = False
    extra_type_info: str | None = None
    compound_field_name: str | None = None
    polymorphic: bool = False
    cascade_delete: bool = False
    inline_help_text: str | None = None
    # Id of the Tooling API CustomField record behind a custom field (00N...).
    tooling_id: str | None = None

    # The lower-cased name: the key of ObjectDef.fields and of the store's columns.
    lower: str = dc_field(init=False, default="")

    def __post_init__(self) -> None:
        self.lower = self.name.lower()

    @property
    def required_on_create(self) -> bool:
        """Salesforce's "required": not nillable, createable, and not filled in by the org."""
        return (
            not self.nillable
            and self.createable
            and not self.defaulted_on_create
            and self.type != "boolean"
        )

    def default_picklist_value(self) -> str | None:
        for value in self.picklist_values:
            if value.default_value and value.active:
                return value.value
        return None

    def soap_type(self) -> str:
        return _SOAP_TYPES.get(self.type, "xsd:string")

    def byte_length(self) -> int:
        if self.type in ("id", "reference"):
            return 18
        return self.length * 3 if self.type in STRING_TYPES else 0

    def describe(self) -> dict[str, Any]:
        """The field entry of an sObject describe, with every key Salesforce sends."""
        long_text = self.type == "textarea" and self.length > 4000
        # A long text area or a compound field is neither filtered, sorted nor aggregated.
        opaque = long_text or self.type in COMPOUND_TYPES
        return {
            "aggregatable": not opaque and self.type != "multipicklist",
            "aiPredictionField": False,
            "autoNumber": False,
            "byteLength": self.byte_length(),
            "calculated": self.calculated,
            "calculatedFormula": None,
            "cascadeDelete": self.cascade_delete,
            "caseSensitive": self.case_sensitive,
            "compoundFieldName": self.compound_field_name,
            "controllerName": None,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default_value,
            "defaultValueFormula": None,
            "defaultedOnCreate": self.defaulted_on_create,
            "dependentPicklist": False,
            "deprecatedAndHidden": False,
            "digits": self.digits,
            "displayLocationInDecimal": False,
            "encrypted": False,
            "externalId": self.external_id,
            "extraTypeInfo": self.extra_type_info,
            "filterable": not opaque,
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "groupable": self.type not in _NOT_GROUPABLE and not opaque
            and self.type != "multipicklist",
            "highScaleNumber": False,
            "htmlFormatted": self.html_formatted,
            "idLookup": self.id_lookup,
            "inlineHelpText": self.inline_help_text,
            "label": self.label,
            "length": self.length,
            "mask": None,
            "maskType": None,
            "name": self.name,
            "nameField": self.name_field,
            "namePointing": self.polymorphic and self.type == "reference",
            "nillable": self.nillable,
            "permissionable": self.nillable and not self.calculated and self.updateable,
            "picklistValues": [value.describe() for value in self.picklist_values],
            "polymorphicForeignKey": self.polymorphic,
            "precision": self.precision,
            "queryByDistance": False,
            "referenceTargetField": None,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": None,
            "restrictedDelete": False,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale,
            "searchPrefilterable": self.type == "reference",
            "soapType": self.soap_type(),
            "sortable": not opaque and self.type != "multipicklist",
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
            "writeRequiresMasterRead": False,
        }


@dataclass(slots=True)
class ChildRelationship:
    child_sobject: str
    field: str
    relationship_name: str | None
    cascade_delete: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "cascadeDelete": self.cascade_delete,
            "childSObject": self.child_sobject,
            "deprecatedAndHidden": False,
            "field": self.field,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": self.relationship_name,
            "restrictedDelete": False,
        }


@dataclass(slots=True)
class ObjectDef:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: dict[str, FieldDef]
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    custom: bool = False
    # Salesforce's standard matching: records of these objects with the same e-mail are
    # reported by the active duplicate rule.
    child_relationships: list[ChildRelationship] = dc_field(default_factory=list)
    # Tooling objects (CustomField) are not listed in the data API's describe global.
    tooling: bool = False

    @classmethod
    def build(
        cls, name: str, label: str, label_plural: str, key_prefix: str,
        fields: list[FieldDef], **flags: Any,
    ) -> ObjectDef:
        return cls(name, label, label_plural, key_prefix,
                   {f.name.lower(): f for f in fields}, **flags)

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def add_field(self, field_def: FieldDef) -> None:
        # Copy on write: a describe or scan iterating the old dict on another thread is unharmed.
        self.fields = {**self.fields, field_def.lower: field_def}

    def name_field(self) -> FieldDef | None:
        for f in self.fields.values():
            if f.name_field:
                return f
        return None

    def _urls(self, base_url: str) -> dict[str, str]:
        root = f"{base_url}/sobjects/{self.name}"
        return {
            "compactLayouts": f"{root}/describe/compactLayouts",
            "rowTemplate": f"{root}/{{ID}}",
            "approvalLayouts": f"{root}/describe/approvalLayouts",
            "defaultValues": f"{root}/defaultValues?recordTypeId&fields",
            "listviews": f"{root}/listviews",
            "describe": f"{root}/describe",
            "quickActions": f"{root}/quickActions",
            "layouts": f"{root}/describe/layouts",
            "sobject": root,
        }

    def _flags(self) -> dict[str, Any]:
        return {
            "activateable": False,
            "associateEntityType": None,
            "associateParentEntity": None,
            "createable": self.createable,
            "custom": self.custom,
            "customSetting": False,
            "deepCloneable": False,
            "deletable": self.deletable,
            "deprecatedAndHidden": False,
            "feedEnabled": not self.tooling,
            "hasSubtypes": False,
            "isInterface": False,
            "isSubtype": False,
            "keyPrefix": self.key_prefix,
            "label": self.label,
            "labelPlural": self.label_plural,
            "layoutable": not self.tooling,
            "mergeable": self.name in ("Account", "Contact", "Lead"),
            "mruEnabled": not self.tooling,
            "name": self.name,
            "queryable": True,
            "replicateable": not self.tooling,
            "retrieveable": True,
            "searchable": not self.tooling,
            "triggerable": not self.tooling,
            "undeletable": not self.tooling and self.deletable,  # only what a delete can bin
            "updateable": self.updateable,
        }

    def describe_global_entry(self, base_url: str) -> dict[str, Any]:
        """One entry of ``GET /sobjects`` (describe global)."""
        urls = self._urls(base_url)
        entry = self._flags()
        entry["urls"] = {k: urls[k] for k in ("rowTemplate", "describe", "sobject")}
        return entry

    def describe(self, base_url: str) -> dict[str, Any]:
        """``GET /sobjects/{name}/describe``; base_url is e.g. ``/services/data/v60.0``."""
        out = self._flags()
        out.update({
            "actionOverrides": [],
            "childRelationships": [rel.describe() for rel in self.child_relationships],
            "compactLayoutable": not self.tooling,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [f.describe() for f in self.fields.values()],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [] if self.tooling else [{
                "active": True, "available": True, "defaultRecordTypeMapping": True,
                "developerName": "Master", "master": True, "name": "Master",
                "recordTypeId": "012000000000000AAA",
                "urls": {"layout": f"{base_url}/sobjects/{self.name}/describe/layouts/"
                         "012000000000000AAA"},
            }],
            "searchLayoutable": not self.tooling,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All " + self.label_plural.lower(),
                                 "name": "everything"}],
            "urls": self._urls(base_url),
        })
        return dict(sorted(out.items()))


# --- builders used by the object catalogs -------------------------------------------------

def field(name: str, type_: str, label: str | None = None, **props: Any) -> FieldDef:
    """A field with the properties Salesforce gives its type unless overridden."""
    defaults: dict[str, Any] = {}
    if type_ == "id":
        defaults = {"length": 18, "nillable": False, "createable": False, "updateable": False,
                    "id_lookup": True, "defaulted_on_create": True}
    elif type_ == "boolean":
        defaults = {"nillable": False, "defaulted_on_create": True, "default_value": False}
    elif type_ == "email":
        defaults = {"length": 80, "id_lookup": True}
    elif type_ == "phone":
        defaults = {"length": 40}
    elif type_ == "url" or type_ in ("string", "combobox"):
        defaults = {"length": 255}
    elif type_ == "textarea":
        defaults = {"length": 32000, "extra_type_info": "plaintextarea"}
    elif type_ == "int":
        defaults = {"digits": 9}
    elif type_ in ("currency", "double"):
        defaults = {"precision": 18, "scale": 2}
    defaults.update(props)
    return FieldDef(name=name, type=type_, label=label or name, **defaults)


def picklist(name: str, label: str, values: list[str], default: str | None = None,
             **props: Any) -> FieldDef:
    items = [PicklistValue(v, default_value=(v == default)) for v in values]
    props.setdefault("length", 255 if name not in ("Salutation",) else 40)
    if default is not None:
        props.setdefault("defaulted_on_create", True)
    return field(name, "picklist", label, picklist_values=items, **props)


def reference(name: str, label: str, to: list[str], relationship: str, **props: Any) -> FieldDef:
    props.setdefault("polymorphic", len(to) > 1)
    return field(name, "reference", label, length=18, reference_to=to,
                 relationship_name=relationship, **props)
