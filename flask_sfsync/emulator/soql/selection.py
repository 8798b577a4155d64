"""The SELECT list of a record query, resolved: what each record holds, in SELECT order.

Plain fields and parent paths, compound addresses, ``toLabel()`` and ``FORMAT()`` become
resolved paths; ``FIELDS(STANDARD|CUSTOM|ALL)`` expands to the object's fields as the user sees
them (SOQL and SOSL Reference, "FIELDS()": ALL and CUSTOM are unbounded and need a LIMIT of at
most 200; a field named twice is "duplicate field selected"); a sub-query becomes a
:class:`~.subquery.ChildSelect`; ``TYPEOF`` a :class:`~.formatter.TypeofSpec`
(Reference, "TYPEOF"). Aggregate queries are planned by ``aggregate`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.model import COMPOUND_TYPES, FieldDef, ObjectDef
from flask_sfsync.emulator.soql.ast import (
    Call,
    FieldRef,
    FieldsItem,
    Query,
    SubqueryItem,
    TypeofItem,
    ValueItem,
)
from flask_sfsync.emulator.soql.formatter import RecordFormatter, Selected, TypeofSpec
from flask_sfsync.emulator.soql.functions import resolve_value
from flask_sfsync.emulator.soql.lexer import malformed
from flask_sfsync.emulator.soql.paths import NAME_OBJECT, PathResolver, ResolvedPath
from flask_sfsync.emulator.soql.scope import Scope
from flask_sfsync.emulator.soql.subquery import ChildSelect, child_relationship

__all__ = ["FIELDS_LIMIT", "MAX_DEPTH", "Selection", "select_records"]

FIELDS_LIMIT = 200
MAX_DEPTH = 5           # levels of parent-to-child relationships (API v58.0 and later)
FIELDS_LIMIT_MESSAGE = f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}"
UNBOUNDED_MESSAGE = ("The SOQL FIELDS function is not supported with an unbounded set of "
                     "fields in this API.")


@dataclass(slots=True)
class Selection:
    items: list[Selected] = field(default_factory=list)
    paths: list[ResolvedPath] = field(default_factory=list)   # the CSV columns
    # Why Bulk API 2.0 would refuse this query (its "Limits"), None when it would not.
    bulk_refusal: str | None = None

    def formatter(self, scope: Scope, sobject: str) -> RecordFormatter:
        return RecordFormatter(scope.source, sobject, self.items, scope.base_url)


def select_records(scope: Scope, query: Query, obj: ObjectDef, resolver: PathResolver,
                   depth: int = 1) -> Selection:
    selection = Selection()
    seen: set[str] = set()
    soql = scope.soql

    def add(item: Selected, key: str, pos: int) -> None:
        if key.lower() in seen:
            raise SalesforceApiError(400, "INVALID_FIELD", f"duplicate field selected: {key}")
        seen.add(key.lower())
        selection.items.append(item)
        if isinstance(item, ResolvedPath):
            selection.paths.append(item)
            if item.field.type in COMPOUND_TYPES:
                refuse("Compound fields are not supported by Bulk API 2.0 query jobs")

    def refuse(reason: str) -> None:
        selection.bulk_refusal = selection.bulk_refusal or reason

    for item in query.select:
        if isinstance(item, FieldsItem):
            if item.kind != "STANDARD":
                if query.limit is None or query.limit > FIELDS_LIMIT:
                    raise malformed(soql, item.pos, FIELDS_LIMIT_MESSAGE)
                refuse(UNBOUNDED_MESSAGE)
            for fdef in _fields_of(obj, item.kind):
                if scope.bulk and fdef.type in COMPOUND_TYPES:
                    continue
                ref = FieldRef(fdef.name, item.pos)
                add(resolver.resolve(ref), fdef.name, item.pos)
        elif isinstance(item, ValueItem):
            path = _value(resolver, item)
            add(path, path.key or path.canonical, item.pos)
        elif isinstance(item, SubqueryItem):
            child = _child(scope, query, obj, item, depth)
            add(child, child.key, item.pos)
            refuse("Parent-to-child relationship queries are not supported by Bulk API 2.0 "
                   "query jobs")
        else:
            spec = _typeof(scope, obj, resolver, item)
            add(spec, spec.key, item.pos)
            refuse("TYPEOF is not supported by Bulk API 2.0 query jobs")
    typeof_keys = {i.key.lower() for i in selection.items if isinstance(i, TypeofSpec)}
    for path in selection.paths if typeof_keys else ():
        if path.steps and path.steps[0].name.lower() in typeof_keys:
            raise malformed(soql, 0, f"TYPEOF field {path.steps[0].name} can not also be "
                                     f"selected as {path.canonical}")
    if query.offset is not None:
        refuse("OFFSET is not supported by Bulk API 2.0 query jobs")
    if query.security_enforced:
        _check_security_enforced(scope, query, selection)
    return selection


def _check_security_enforced(scope: Scope, query: Query, selection: Selection) -> None:
    """WITH SECURITY_ENFORCED: fields the user cannot read are already unknown to their view
    of the schema (INVALID_FIELD); what Salesforce refuses besides (Apex Developer Guide,
    "Filter SOQL Queries Using WITH SECURITY_ENFORCED") is polymorphic traversal and TYPEOF
    with ELSE."""
    for path in selection.paths:
        if any(step.polymorphic for step in path.steps):
            raise malformed(scope.soql, query.sobject_pos,
                            f"WITH SECURITY_ENFORCED does not support traversal of the "
                            f"polymorphic field {path.canonical}")
    for item in query.select:
        if isinstance(item, TypeofItem) and item.otherwise:
            raise malformed(scope.soql, item.pos, "WITH SECURITY_ENFORCED does not support "
                                                  "TYPEOF expressions with an ELSE clause")


def _fields_of(obj: ObjectDef, kind: str) -> list[FieldDef]:
    return [f for f in obj.fields.values()
            if kind == "ALL" or (f.custom if kind == "CUSTOM" else not f.custom)]


def _value(resolver: PathResolver, item: ValueItem) -> ResolvedPath:
    expr = item.expr
    if isinstance(expr, Call):
        return resolve_value(resolver, expr, item.alias)
    if item.alias:
        raise malformed(resolver.soql, expr.pos, "Only aggregate expressions use field aliasing")
    return resolver.resolve(expr)


def _child(scope: Scope, query: Query, obj: ObjectDef, item: SubqueryItem,
           depth: int) -> ChildSelect:
    sub = item.query
    if depth >= MAX_DEPTH:
        raise malformed(scope.soql, item.pos, f"SOQL statements cannot query more than "
                                              f"{MAX_DEPTH} levels of relationships")
    rel, child = child_relationship(scope, obj, query.alias, sub)
    if sub.group_by or any(isinstance(i, ValueItem) and isinstance(i.expr, Call)
                           and i.expr.is_aggregate for i in sub.select):
        raise malformed(scope.soql, item.pos, "Aggregate functions are not supported in a "
                                              "relationship sub-query")
    resolver = PathResolver(scope.source, child, sub.alias, scope.soql)
    inner = select_records(scope, sub, child, resolver, depth + 1)
    fk = child.field(rel.field)
    assert fk is not None
    key = rel.relationship_name or sub.sobject
    return ChildSelect(key, scope, sub, child, resolver, fk.name,
                       inner.formatter(scope, child.name))


def _typeof(scope: Scope, obj: ObjectDef, resolver: PathResolver,
            item: TypeofItem) -> TypeofSpec:
    soql = scope.soql
    step = resolver.relationship(obj, item.field.path) if "." not in item.field.path else None
    fk = obj.field(step.fk_name) if step is not None else None
    if step is None or fk is None or not step.polymorphic:
        raise malformed(soql, item.field.pos, "TYPEOF can only be used on a polymorphic "
                                              f"relationship field: {item.field.path}")
    targets = {name.lower(): name for name in fk.reference_to}
    branches: dict[str, list[ResolvedPath]] = {}
    for when in item.whens:
        target = scope.source.object_info(targets.get(when.sobject.lower(), ""))
        if target is None:
            raise malformed(soql, when.pos, f"{when.sobject} is not a valid type for "
                                            f"{step.name}")
        branch = PathResolver(scope.source, target, None, soql)
        branches[target.name.lower()] = [branch.resolve(ref) for ref in when.fields]
    otherwise = PathResolver(scope.source, NAME_OBJECT, None, soql)
    return TypeofSpec(step.name, step.fk_name, branches,
                      [otherwise.resolve(ref) for ref in item.otherwise])
