"""Sub-selects: parent-to-child relationship queries and semi-joins / anti-joins.

Parent-to-child (SOQL and SOSL Reference, "Using Relationship Queries", "Understanding Query
Results"): ``SELECT Name, (SELECT LastName FROM Contacts) FROM Account`` answers each account
with ``"Contacts": {"totalSize": n, "done": true, "records": [...]}``, or ``null`` when it has
none. The sub-query's FROM names a child relationship of the outer object (``Contacts``,
``Account.Contacts``, ``a.Contacts``); its WHERE, ORDER BY and LIMIT apply per parent.

Semi-joins and anti-joins (Reference, "Comparison Operators"): ``Id IN (SELECT AccountId FROM
Contact ...)`` and ``NOT IN``, with Salesforce's restrictions: the left operand is an Id or
reference field, the sub-select selects one Id or reference field of another object, it has
no ORDER BY, LIMIT or aggregate, no nested sub-select, at most two per WHERE, and none under
OR or NOT.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.model import ChildRelationship, ObjectDef
from flask_sfsync.emulator.soql.ast import (
    And,
    Comparison,
    Condition,
    FieldRef,
    Not,
    Or,
    Query,
    ValueItem,
)
from flask_sfsync.emulator.soql.formatter import RecordFormatter
from flask_sfsync.emulator.soql.lexer import malformed, query_error
from flask_sfsync.emulator.soql.matching import matched_rows
from flask_sfsync.emulator.soql.paths import PathResolver, ResolvedPath
from flask_sfsync.emulator.soql.scope import Scope

__all__ = ["MAX_SEMI_JOINS", "ChildSelect", "check_semi_joins", "child_relationship",
           "semi_join_ids"]

Row = Mapping[str, Any]
Json = dict[str, Any]
MAX_SEMI_JOINS = 2
_ID_TYPES = frozenset({"id", "reference"})
_NO_CHILD_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in FROM part of query call. If you are attempting "
    "to use a custom relationship, be sure to append the '__r' after the custom relationship "
    "name. Please reference your WSDL or the describe call for the appropriate names."
)


# --- parent-to-child ----------------------------------------------------------------------

def child_relationship(scope: Scope, parent: ObjectDef, alias: str | None,
                       query: Query) -> tuple[ChildRelationship, ObjectDef]:
    """The relationship a sub-query's FROM names, and the child object as the user sees it."""
    parts = query.sobject.split(".")
    prefixes = {parent.name.lower()} | ({alias.lower()} if alias else set())
    if len(parts) > 2 or (len(parts) == 2 and parts[0].lower() not in prefixes):
        raise _no_child(scope, query)
    wanted = parts[-1].lower()
    for rel in parent.child_relationships:
        if rel.relationship_name and rel.relationship_name.lower() == wanted:
            child = scope.source.object_info(rel.child_sobject)
            if child is not None and child.field(rel.field) is not None:
                return rel, child
    raise _no_child(scope, query)


def _no_child(scope: Scope, query: Query) -> SalesforceApiError:
    name = query.sobject.split(".")[-1]
    return query_error(scope.soql, query.sobject_pos, "INVALID_TYPE",
                       _NO_CHILD_RELATIONSHIP.format(name=name))


class ChildSelect:
    """One parent-to-child sub-query of a query: each parent's children, formatted."""

    def __init__(self, key: str, scope: Scope, query: Query, child: ObjectDef,
                 resolver: PathResolver, fk_name: str, formatter: RecordFormatter) -> None:
        self.key = key
        self._scope, self._query, self._child, self._resolver = scope, query, child, resolver
        self._fk = fk_name
        self._formatter = formatter
        self._by_parent: dict[Any, list[Row]] | None = None
        # The child WHERE and ORDER BY are checked now: a bad sub-query fails the whole query.
        self._rows_now = matched_rows(scope, query, child, resolver)

    def _groups(self) -> dict[Any, list[Row]]:
        if self._by_parent is None:
            groups: dict[Any, list[Row]] = {}
            fk = self._fk
            for row in self._rows_now:
                parent = row.get(fk)
                if parent is not None:
                    groups.setdefault(parent, []).append(row)
            start = self._query.offset or 0
            stop = None if self._query.limit is None else start + self._query.limit
            if start or stop is not None:
                groups = {k: v[start:stop] for k, v in groups.items() if v[start:stop]}
            self._by_parent = groups
            self._rows_now = []
        return self._by_parent

    def size(self, row: Row) -> int:
        return len(self._groups().get(row.get("Id"), ()))

    def __call__(self, row: Row) -> Json | None:
        children = self._groups().get(row.get("Id"))
        if not children:
            return None
        return {"totalSize": len(children), "done": True,
                "records": self._formatter.page(children)}


# --- semi-joins and anti-joins --------------------------------------------------------------

def check_semi_joins(where: Condition | None, soql: str) -> int:
    """Salesforce's placement rules for semi-join sub-selects; returns how many there are."""
    if where is None or (isinstance(where, Comparison) and where.subquery is None):
        return 0           # the common case, without a walk
    found: list[Comparison] = []

    def walk(cond: Condition, top: bool) -> None:
        if isinstance(cond, Comparison):
            if cond.subquery is not None:
                if not top:
                    raise malformed(soql, cond.field.pos,
                                    "Semi join sub-selects are only allowed at top level WHERE "
                                    "expressions and not in nested WHERE expressions.")
                found.append(cond)
        elif isinstance(cond, And):
            for operand in cond.operands:
                walk(operand, top)
        elif isinstance(cond, Or):
            for operand in cond.operands:
                walk(operand, False)
        elif isinstance(cond, Not):
            walk(cond.operand, False)

    if where is not None:
        walk(where, True)
    if len(found) > MAX_SEMI_JOINS:
        raise malformed(soql, found[MAX_SEMI_JOINS].field.pos,
                        f"No more than {MAX_SEMI_JOINS} semi join sub-selects are allowed in "
                        "a WHERE clause")
    return len(found)


def semi_join_ids(scope: Scope, outer: ObjectDef, cmp: Comparison,
                  left: ResolvedPath) -> frozenset[str]:
    """The Ids a semi-join's (or anti-join's) sub-select selects."""
    sub = cmp.subquery
    assert sub is not None
    soql = scope.soql

    def error(pos: int, reason: str) -> SalesforceApiError:
        return malformed(soql, pos, reason)

    if left.steps or left.field.type not in _ID_TYPES:
        raise error(cmp.field.pos, f"semi join sub selects are only allowed on Id or reference "
                                   f"fields, not on '{left.written}'")
    inner = scope.source.object_info(sub.sobject)
    if inner is None or inner.tooling != outer.tooling:
        raise query_error(soql, sub.sobject_pos, "INVALID_TYPE",
                          f"sObject type '{sub.sobject}' is not supported.")
    if inner.name == outer.name:
        raise error(sub.sobject_pos, "The inner and outer selects should not be on the same "
                                     "object type")
    if len(sub.select) != 1 or not isinstance(sub.select[0], ValueItem) \
            or not isinstance(sub.select[0].expr, FieldRef) or sub.select[0].alias:
        raise error(sub.select[0].pos if isinstance(sub.select[0], ValueItem) else cmp.field.pos,
                    "semi join sub selects can only select one Id or reference field")
    for clause, present, pos in (("ORDER BY", sub.order_by, sub.sobject_pos),
                                 ("LIMIT", sub.limit is not None, sub.limit_pos),
                                 ("OFFSET", sub.offset is not None, sub.offset_pos),
                                 ("GROUP BY", sub.group_by, sub.sobject_pos)):
        if present:
            raise error(pos, f"{clause} is not allowed in a semi join sub-select")
    resolver = PathResolver(scope.source, inner, sub.alias, soql)
    selected = resolver.resolve(sub.select[0].expr)
    if selected.steps or selected.field.type not in _ID_TYPES:
        raise error(sub.select[0].pos, "semi join sub selects can only query id fields, cannot "
                                       f"use: '{selected.written}'")
    getter: Callable[[Row], Any] = selected.getter
    rows = matched_rows(scope, sub, inner, resolver, subselect=None, ordered=False)
    return frozenset(v for v in map(getter, rows) if v is not None)
