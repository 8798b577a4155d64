"""WHERE clauses compiled into Python closures: one call per row, no AST walk per row.

Semantics follow Salesforce rather than SQL: text comparisons ignore case, ``!=`` and
``NOT IN`` match null values, Ids compare in their 18-character form whether the query wrote
15 or 18 characters, and a relative date literal is a range (``=`` inside it, ``<`` before it,
``>`` after it). Each literal is checked against its field's type the way Salesforce does,
with its error codes and messages.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask_sfsync.emulator.schema.ids import try_normalize_id
from flask_sfsync.emulator.schema.model import COMPOUND_TYPES, STRING_TYPES, FieldDef
from flask_sfsync.emulator.soql.ast import And, Comparison, Condition, Expr, Literal, Not, Or
from flask_sfsync.emulator.soql.dates import date_range, datetime_range
from flask_sfsync.emulator.soql.functions import resolve_expr
from flask_sfsync.emulator.soql.lexer import query_error
from flask_sfsync.emulator.soql.paths import PathResolver, ResolvedPath

__all__ = ["Predicate", "Resolve", "SubSelect", "compile_condition", "compile_where",
           "is_filterable"]

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]
Fold = Callable[[Any], Any]
Resolve = Callable[[Expr], ResolvedPath]
# A semi-join's or anti-join's sub-select: the Ids it selects (for the comparison's path).
SubSelect = Callable[[Comparison, ResolvedPath], frozenset[str]]

NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
ID_TYPES = frozenset({"id", "reference"})
_ORDERING = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# The type names Salesforce's filter errors use.
_TYPE_NAMES = {"int": "integer", "double": "double", "currency": "double", "percent": "double",
               "boolean": "boolean", "date": "date", "datetime": "dateTime"}


def is_filterable(fdef: FieldDef) -> bool:
    """Long text areas and compound fields can be neither filtered nor sorted on."""
    return not (fdef.type == "textarea" and fdef.length > 4000) and fdef.type != "base64" \
        and fdef.type not in COMPOUND_TYPES


def compile_where(condition: Condition, resolver: PathResolver, now: dt.datetime,
                  subselect: SubSelect | None = None) -> Predicate:
    def resolve(expr: Expr) -> ResolvedPath:
        return resolve_expr(resolver, expr)

    return _Compiler(resolve, resolver.soql, now, subselect).compile(condition)


def compile_condition(condition: Condition, resolve: Resolve, soql: str,
                      now: dt.datetime) -> Predicate:
    """A condition over rows whose paths ``resolve`` knows (HAVING over grouped rows)."""
    return _Compiler(resolve, soql, now, None).compile(condition)


def _lower(value: Any) -> Any:
    return value.lower()


def _multi(value: Any) -> Any:
    """A multi-select picklist value as the set of its (case-folded) choices."""
    return frozenset(part.strip().lower() for part in str(value).split(";") if part.strip())


class _Compiler:
    def __init__(self, resolve: Resolve, soql: str, now: dt.datetime,
                 subselect: SubSelect | None) -> None:
        self.resolve = resolve
        self.soql = soql
        self.now = now
        self.subselect = subselect

    def compile(self, condition: Condition) -> Predicate:
        if isinstance(condition, Not):
            inner = self.compile(condition.operand)
            return lambda row: not inner(row)
        if isinstance(condition, And):
            return _all([self.compile(c) for c in condition.operands])
        if isinstance(condition, Or):
            return _any([self.compile(c) for c in condition.operands])
        return self.comparison(condition)

    # --- one comparison -----------------------------------------------------------------

    def comparison(self, cmp: Comparison) -> Predicate:
        path = self.resolve(cmp.field)
        fdef = path.field
        if not is_filterable(fdef):
            raise self.error(cmp, "INVALID_FIELD",
                             f"field '{path.written}' can not be filtered in a query call")
        op = cmp.op
        if cmp.subquery is not None:
            return self.semi_join(cmp, path)
        if op == "LIKE":
            return self.like(cmp, path)
        if op in ("INCLUDES", "EXCLUDES"):
            return self.includes(cmp, path)
        if op in ("IN", "NOT IN"):
            found = self.member(cmp, path)
            return found if op == "IN" else (lambda row: not found(row))
        literal = cmp.values[0]
        if op == "=":
            return self.equals(cmp, path, literal)
        if op == "!=":
            same = self.equals(cmp, path, literal)
            return lambda row: not same(row)
        return self.ordering(cmp, path, literal)

    def equals(self, cmp: Comparison, path: ResolvedPath, literal: Literal) -> Predicate:
        getter = path.getter
        kind = path.field.type
        if literal.kind == "null":
            if kind == "boolean" or kind in STRING_TYPES or kind in ID_TYPES:
                # Salesforce: a checkbox's null is false, and text is never ''.
                return lambda row: not getter(row)
            return lambda row: getter(row) is None
        if literal.kind == "range":
            first, end = self.range(cmp, path, literal)
            return lambda row: (v := getter(row)) is not None and first <= v < end
        key, fold = self.key(cmp, path, literal)
        if key is None or key == "":
            # '' is how SOQL spells an empty (null) text field or Id.
            return lambda row: not getter(row)
        if fold is None:
            return lambda row: getter(row) == key
        return lambda row: (v := getter(row)) is not None and fold(v) == key

    def member(self, cmp: Comparison, path: ResolvedPath) -> Predicate:
        """IN: one set lookup for plain values (lists of 2,000 Ids are common), plus any null
        or date-literal members."""
        plain = [lit for lit in cmp.values if lit.kind not in ("null", "range")]
        others = [self.equals(cmp, path, lit) for lit in cmp.values
                  if lit.kind in ("null", "range")]
        if plain:
            keyed = [self.key(cmp, path, lit) for lit in plain]
            keys = {key for key, _ in keyed if key is not None}
            fold = keyed[0][1]
            getter = path.getter
            if any(key is None or key == "" for key, _ in keyed):    # '': null
                others.append(lambda row: not getter(row))
            if fold is None:
                others.append(lambda row: (v := getter(row)) is not None and v in keys)
            else:
                others.append(lambda row: (v := getter(row)) is not None and fold(v) in keys)
        return _any(others)

    def semi_join(self, cmp: Comparison, path: ResolvedPath) -> Predicate:
        if self.subselect is None:
            raise self.error(cmp, "MALFORMED_QUERY",
                             "Nesting of semi join sub-selects is not supported")
        ids, getter = self.subselect(cmp, path), path.getter
        if cmp.op == "IN":
            return lambda row: (v := getter(row)) is not None and v in ids
        return lambda row: (v := getter(row)) is None or v not in ids

    def ordering(self, cmp: Comparison, path: ResolvedPath, literal: Literal) -> Predicate:
        getter = path.getter
        if literal.kind == "null":
            return lambda row: False
        if literal.kind == "range":
            first, end = self.range(cmp, path, literal)
            # Against a range: < and >= look at its first day, <= and > at its end.
            bound = first if cmp.op in ("<", ">=") else end
            test = operator.lt if cmp.op in ("<", "<=") else operator.ge
            return lambda row: (v := getter(row)) is not None and test(v, bound)
        key, fold = self.key(cmp, path, literal)
        compare = _ORDERING[cmp.op]
        if key is None:
            return lambda row: False
        if fold is None:
            return lambda row: (v := getter(row)) is not None and compare(v, key)
        return lambda row: (v := getter(row)) is not None and compare(fold(v), key)

    def like(self, cmp: Comparison, path: ResolvedPath) -> Predicate:
        literal, getter = cmp.values[0], path.getter
        kind = path.field.type
        if kind not in STRING_TYPES and kind not in ID_TYPES:
            raise self.error(cmp, "INVALID_FIELD",
                             f"invalid operator on field '{path.written}': LIKE is only "
                             "valid on string fields")
        if literal.kind == "null":
            return lambda row: getter(row) is None
        if literal.kind != "string" or literal.pattern is None:
            raise self.type_error(cmp, path)
        regex = re.compile(literal.pattern, re.IGNORECASE | re.DOTALL)
        match = regex.fullmatch
        return lambda row: (v := getter(row)) is not None and match(v) is not None

    def includes(self, cmp: Comparison, path: ResolvedPath) -> Predicate:
        if path.field.type != "multipicklist":
            raise self.error(cmp, "INVALID_FIELD",
                             f"invalid operator on field '{path.written}': INCLUDES and "
                             "EXCLUDES are only valid on multi-select picklist fields")
        wanted = []
        for literal in cmp.values:
            if literal.kind != "string":
                raise self.type_error(cmp, path)
            wanted.append(_multi(literal.value))
        getter = path.getter

        def includes(row: Row) -> bool:
            value = getter(row)
            if value is None:
                return False
            chosen = _multi(value)
            return any(want <= chosen for want in wanted)

        if cmp.op == "INCLUDES":
            return includes
        return lambda row: not includes(row)

    # --- literals against field types --------------------------------------------------

    def key(self, cmp: Comparison, path: ResolvedPath, literal: Literal) -> tuple[Any, Fold | None]:
        """The literal as the field's Python value, and the folding applied to row values."""
        kind = path.field.type
        if kind in ID_TYPES:
            if literal.kind != "string":
                raise self.type_error(cmp, path)
            text = str(literal.value)
            if text == "":
                return None, None
            normalized = try_normalize_id(text)
            if normalized is None:
                raise self.error(cmp, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {text}")
            return normalized, None
        if kind in NUMBER_TYPES:
            if literal.kind != "number":
                raise self.type_error(cmp, path)
            return literal.value, None
        if kind == "boolean":
            if literal.kind != "boolean":
                raise self.type_error(cmp, path)
            return literal.value, None
        if kind in ("date", "datetime"):
            if literal.kind != kind:
                raise self.type_error(cmp, path)
            return literal.value, None
        if literal.kind != "string":
            raise self.type_error(cmp, path)
        if kind == "multipicklist":
            return _multi(literal.value), _multi
        return str(literal.value).lower(), _lower

    def range(self, cmp: Comparison, path: ResolvedPath, literal: Literal) -> tuple[Any, Any]:
        kind = path.field.type
        if kind not in ("date", "datetime"):
            raise self.type_error(cmp, path)
        assert isinstance(literal.value, tuple)
        name: str = literal.value[0]
        n: int = literal.value[1]
        try:
            if kind == "date":
                return date_range(name, n, self.now.astimezone(dt.UTC).date())
            return datetime_range(name, n, self.now)
        except (ValueError, OverflowError):
            raise self.error(cmp, "MALFORMED_QUERY",
                             f"invalid date literal: {literal.text}") from None

    def type_error(self, cmp: Comparison, path: ResolvedPath) -> Exception:
        kind = path.field.type
        name = _TYPE_NAMES.get(kind)
        if name is None:
            kind_name = "id" if kind in ID_TYPES else "string"
            reason = (f"value of filter criterion for field '{path.written}' must be of type "
                      f"{kind_name} and should be enclosed in quotes")
        else:
            reason = (f"value of filter criterion for field '{path.written}' must be of type "
                      f"{name} and should not be enclosed in quotes")
        return self.error(cmp, "INVALID_FIELD", reason)

    def error(self, cmp: Comparison, code: str, reason: str) -> Exception:
        return query_error(self.soql, cmp.field.pos, code, reason)


def _all(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda row: first(row) and second(row)
    # A loop, not nested closures: generated queries can AND hundreds of conditions.
    return lambda row: all(p(row) for p in predicates)


def _any(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda row: first(row) or second(row)
    return lambda row: any(p(row) for p in predicates)

