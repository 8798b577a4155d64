"""Field paths (``Email``, ``Account.Name``, ``Who.Type``) resolved against the org's schema.

A resolved path knows its canonical spelling (results use the schema's API names whatever case
the query used), its final :class:`FieldDef`, and a getter that reads its value from a row,
following lookups through :meth:`QuerySource.get_record`.

Polymorphic lookups (Task.Who, Task.What) point at Salesforce's ``Name`` pseudo-object: only its
fields (Id, Name, Type, Email ...) can follow them, ``Type`` is the parent's sObject name, and
the nested record's ``attributes.type`` is ``"Name"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flask_sfsync.emulator.schema.compound import address_reader
from flask_sfsync.emulator.schema.model import COMPOUND_TYPES, FieldDef, ObjectDef, field
from flask_sfsync.emulator.soql.ast import FieldRef
from flask_sfsync.emulator.soql.lexer import query_error

__all__ = [
    "NAME_OBJECT",
    "ColumnReader",
    "Getter",
    "PathResolver",
    "QuerySource",
    "RelStep",
    "ResolvedPath",
]

Row = Mapping[str, Any]
Getter = Callable[[Row], Any]


class QuerySource(Protocol):
    """What the SOQL engine reads; the store's Org implements it."""

    def object_info(self, name: str) -> ObjectDef | None:
        """The object's definition (name case-insensitive), or None when there is none."""

    def scan(self, sobject: str, include_deleted: bool) -> Iterable[Row]:
        """Every row of ``sobject`` (deleted ones only when asked), keyed by API field name."""

    def get_record(self, record_id: str) -> tuple[str, Row] | None:
        """(sObject name, row) of any record by its 18-character Id, deleted ones included."""

# Optional on a QuerySource: ``created_date`` (when the org was created: the audit dates of
# LeadStatus/OpportunityStage/TaskStatus records), ``admin`` (an object with an ``id``) and
# ``organization_record`` (a function returning the Organization record as a row).


# Optional on a QuerySource, as ``read_columns``: the values of ``names`` for every row, column
# by column, or None when the rows are not the source's own. Pages of 2,000 records are the hot
# path of reads; one list per column costs a fraction of a field lookup per row and cell.
ColumnReader = Callable[[Sequence[Row], Sequence[str]], "list[list[Any]] | None"]


# Salesforce's "Name" object: what a polymorphic relationship can reach.
NAME_OBJECT = ObjectDef.build("Name", "Name", "Names", "", [
    field("Id", "id", "Name ID"),
    field("Alias", "string", "Alias", length=8),
    field("Email", "email", "Email"),
    field("FirstName", "string", "First Name", length=40),
    field("LastName", "string", "Last Name", length=80),
    field("Name", "string", "Name", length=255),
    field("Phone", "phone", "Phone"),
    field("Title", "string", "Title", length=80),
    field("Type", "picklist", "Object Type", length=40),
    field("Username", "string", "Username", length=80),
    field("IsActive", "boolean", "Active"),
    field("UserRoleId", "reference", "Role ID", length=18),
    field("ProfileId", "reference", "Profile ID", length=18),
])

_NO_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom "
    "field, be sure to append the '__c' after the custom field name. Please reference your "
    "WSDL or the describe call for the appropriate names."
)
_NO_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a "
    "custom relationship, be sure to append the '__r' after the custom relationship name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass(frozen=True, slots=True)
class RelStep:
    """One lookup followed by a path: the foreign key read, and what it points at."""

    fk_name: str                    # AccountId
    name: str                       # Account (the relationship name)
    target: ObjectDef               # Account, or NAME_OBJECT when polymorphic
    polymorphic: bool


@dataclass(frozen=True, slots=True)
class ResolvedPath:
    steps: tuple[RelStep, ...]
    field: FieldDef
    canonical: str                  # "Account.Name"
    written: str                    # as in the query, for error messages
    getter: Getter
    # The JSON value read from the last record of the path, when it is not simply its
    # ``field`` converted: a compound address, toLabel(), FORMAT().
    leaf: Getter | None = None
    key: str | None = None          # the result key when not the field's name (an alias)


class PathResolver:
    """Resolves the paths of one query against its object."""

    def __init__(self, source: QuerySource, obj: ObjectDef, alias: str | None, soql: str) -> None:
        self.source = source
        self.obj = obj
        self.soql = soql
        self._prefixes = {obj.name.lower()} | ({alias.lower()} if alias else set())

    def resolve(self, ref: FieldRef) -> ResolvedPath:
        parts = ref.parts
        if len(parts) > 1 and parts[0].lower() in self._prefixes and not self._relationship(
                self.obj, parts[0]):
            parts = parts[1:]           # "c.Email" with alias c, or "Contact.Email"
        obj, steps = self.obj, []
        for part in parts[:-1]:
            step = self._relationship(obj, part)
            if step is None:
                raise query_error(self.soql, ref.pos, "INVALID_FIELD",
                                  _NO_RELATIONSHIP.format(name=part))
            steps.append(step)
            obj = step.target
        fdef = obj.field(parts[-1])
        if fdef is None:
            raise query_error(self.soql, ref.pos, "INVALID_FIELD",
                              _NO_COLUMN.format(name=parts[-1], entity=obj.name))
        canonical = ".".join([s.name for s in steps] + [fdef.name])
        leaf = None
        if fdef.type in COMPOUND_TYPES:
            read = address_reader(obj, fdef)
            leaf = lambda row: read(row.get)  # noqa: E731 - a getter like the others
        return ResolvedPath(tuple(steps), fdef, canonical, ref.path,
                            self.getter(tuple(steps), fdef, leaf), leaf)

    def relationship(self, obj: ObjectDef, name: str) -> RelStep | None:
        """The lookup of ``obj`` whose relationship name is ``name`` (any case), if any."""
        return self._relationship(obj, name)

    def _relationship(self, obj: ObjectDef, name: str) -> RelStep | None:
        if obj is NAME_OBJECT:
            return None                 # the Name object has no lookups of its own
        lowered = name.lower()
        for fdef in obj.fields.values():
            if fdef.relationship_name and fdef.relationship_name.lower() == lowered:
                polymorphic = fdef.polymorphic or len(fdef.reference_to) > 1
                if polymorphic:
                    return RelStep(fdef.name, fdef.relationship_name, NAME_OBJECT, True)
                target = self.source.object_info(fdef.reference_to[0]) if fdef.reference_to \
                    else None
                if target is None:
                    return None
                return RelStep(fdef.name, fdef.relationship_name, target, False)
        return None

    def getter(self, steps: tuple[RelStep, ...], fdef: FieldDef,
               leaf: Getter | None = None) -> Getter:
        """Reads the path's value from a row: ``leaf`` of the last record, else its field."""
        name = fdef.name
        if not steps:
            return leaf if leaf is not None else (lambda row: row.get(name))
        get_record = self.source.get_record
        fk_names = [s.fk_name for s in steps]
        # Type on the Name object is the parent's sObject, not a column of the parent row.
        wants_type = steps[-1].polymorphic and name == "Type"

        def follow(row: Row) -> Any:
            sobject = ""
            for fk_name in fk_names:
                ref = row.get(fk_name)
                if ref is None:
                    return None
                found = get_record(ref)
                if found is None:
                    return None
                sobject, row = found
            if wants_type:
                return sobject
            return row.get(name) if leaf is None else leaf(row)

        return follow
