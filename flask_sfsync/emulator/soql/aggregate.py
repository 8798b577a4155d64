"""Aggregate queries: COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX, GROUP BY and HAVING.

As the SOQL and SOSL Reference describes them ("Aggregate Functions", "GROUP BY", "HAVING",
"Using Aliases with GROUP BY", "Date Functions"): the result is AggregateResult records; each
aggregate or date function without an alias is named ``expr0``, ``expr1`` ... in SELECT order,
a grouped field is named by its field name; every selected field must be grouped or aggregated;
a grouped field must be groupable (not a dateTime, double, currency, percent or long text);
SUM and AVG take numbers; MIN and MAX follow the field's sort order (picklists: their value
order). Without GROUP BY there is exactly one result row, with GROUP BY one per group. HAVING
filters groups, ORDER BY sorts them, LIMIT and OFFSET count them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.model import COMPOUND_TYPES, FieldDef, field
from flask_sfsync.emulator.soql.ast import AGGREGATES, Call, Expr, FieldRef, Query, ValueItem
from flask_sfsync.emulator.soql.filter import compile_condition
from flask_sfsync.emulator.soql.functions import formatter, label_of, resolve_expr
from flask_sfsync.emulator.soql.lexer import malformed, query_error
from flask_sfsync.emulator.soql.order import check_sortable, normalizer, sort_rows
from flask_sfsync.emulator.soql.paths import PathResolver, ResolvedPath

__all__ = ["AggregatePlan", "plan_aggregate"]

Row = Mapping[str, Any]
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
_NOT_GROUPABLE = frozenset({"double", "currency", "percent", "datetime", "textarea",
                            "multipicklist", "base64"}) | COMPOUND_TYPES


def _expr_key(resolver: PathResolver, expr: Expr) -> str:
    """One spelling per expression, to match SELECT items against GROUP BY ones."""
    if isinstance(expr, FieldRef):
        return resolver.resolve(expr).canonical.lower()
    inner = "" if expr.arg is None else _expr_key(resolver, expr.arg)
    return f"{expr.name}({inner})"


@dataclass(frozen=True, slots=True)
class _Aggregate:
    name: str
    path: ResolvedPath | None        # None: COUNT() / COUNT(Id) of rows
    result: FieldDef                 # the type HAVING and ORDER BY compare it as

    def compute(self, rows: Sequence[Row]) -> Any:
        if self.path is None:
            return len(rows)
        got = [v for v in map(self.path.getter, rows) if v is not None]
        name = self.name
        if name == "COUNT":
            return len(got)
        if name == "COUNT_DISTINCT":
            return len({v.lower() if isinstance(v, str) else v for v in got})
        if not got:
            return None
        if name == "SUM":
            total = sum(got)
            return total if self.path.field.type == "int" else float(total)
        if name == "AVG":
            return sum(got) / len(got)
        key = normalizer(self.path.field) or (lambda v: v)
        return min(got, key=key) if name == "MIN" else max(got, key=key)


@dataclass(frozen=True, slots=True)
class _Output:
    key: str                         # the result's name: alias, field name or exprN
    source: str                      # expression key of the group value or aggregate
    to_json: Callable[[Any], Any]


@dataclass(slots=True)
class AggregatePlan:
    """How to turn matched rows into AggregateResult records."""

    groups: list[tuple[str, ResolvedPath]]
    aggregates: dict[str, _Aggregate]
    outputs: list[_Output]
    having: Callable[[Row], bool] | None
    order: list[Any]
    offset: int
    limit: int | None

    @property
    def columns(self) -> list[str]:
        return [out.key for out in self.outputs]

    def run(self, rows: Sequence[Row]) -> list[dict[str, Any]]:
        """The AggregateResult records (JSON values) of ``rows``."""
        buckets: dict[tuple[Any, ...], list[Row]] = {}
        if self.groups:
            getters = [path.getter for _, path in self.groups]
            for row in rows:
                key = tuple(_group_value(g(row)) for g in getters)
                buckets.setdefault(key, []).append(row)
        else:
            buckets[()] = list(rows)
        records: list[Row] = []
        for members in buckets.values():
            record: dict[str, Any] = {}
            if self.groups:
                first = members[0]
                for name, path in self.groups:
                    record[name] = path.getter(first)
            for name, agg in self.aggregates.items():
                record[name] = agg.compute(members)
            records.append(record)
        if self.having is not None:
            records = [r for r in records if self.having(r)]
        if self.order:
            sort_rows(records, self.order)
        stop = None if self.limit is None else self.offset + self.limit
        records = records[self.offset:stop]
        return [{out.key: out.to_json(record[out.source]) for out in self.outputs}
                for record in records]


def _group_value(value: Any) -> Any:
    # Text groups ignore case, as SOQL's comparisons do.
    return value.lower() if isinstance(value, str) else value


def plan_aggregate(query: Query, resolver: PathResolver, now: dt.datetime) -> AggregatePlan:
    soql = resolver.soql
    groups: dict[str, ResolvedPath] = {}
    for expr in query.group_by:
        if isinstance(expr, Call) and expr.is_aggregate:
            raise malformed(soql, expr.pos, f"Aggregate function {expr.written} can not be "
                                            "grouped")
        path = resolve_expr(resolver, expr)
        if path.field.type in _NOT_GROUPABLE:
            raise query_error(soql, expr.pos, "INVALID_FIELD",
                              f"field '{path.written}' can not be grouped in a query call")
        groups[_expr_key(resolver, expr)] = path
    aggregates: dict[str, _Aggregate] = {}

    def aggregate(call: Call) -> str:
        key = _expr_key(resolver, call)
        if key not in aggregates:
            aggregates[key] = _make_aggregate(call, resolver)
        return key

    outputs = _outputs(query, resolver, groups, aggregate)
    having = None
    if query.having is not None:
        resolve = _grouped_resolver(resolver, groups, aggregates, aggregate, "Field")
        having = compile_condition(query.having, resolve, soql, now)
    order = []
    if query.order_by:
        resolve = _grouped_resolver(resolver, groups, aggregates, aggregate, "Ordered field")
        for item in query.order_by:
            path = resolve(item.field)
            check_sortable(soql, item, path)
            order.append((item, path))
    return AggregatePlan(list(groups.items()), aggregates, outputs, having, order,
                         query.offset or 0, query.limit)


def _outputs(query: Query, resolver: PathResolver, groups: dict[str, ResolvedPath],
             aggregate: Callable[[Call], str]) -> list[_Output]:
    soql = resolver.soql
    outputs: list[_Output] = []
    expr_index = 0
    for item in query.select:
        if not isinstance(item, ValueItem):
            raise malformed(soql, item.pos, "Only fields and functions can be selected in an "
                                            "aggregate query")
        expr = item.expr
        wrap = None
        if isinstance(expr, Call) and expr.name in ("FORMAT", "TOLABEL") \
                and expr.arg is not None:
            wrap, expr = expr.name, expr.arg
        if isinstance(expr, Call) and expr.name in AGGREGATES:
            source = aggregate(expr)
            agg_path = resolver.resolve(expr.arg) if isinstance(expr.arg, FieldRef) else None
            convert = _aggregate_json(expr.name, agg_path, wrap)
        else:
            source = _expr_key(resolver, expr)
            if source not in groups:
                shown = expr.path
                raise malformed(soql, expr.pos, f"Field must be grouped or aggregated: {shown}")
            convert = _value_json(groups[source].field, wrap)
        if item.alias:
            key = item.alias
        elif isinstance(item.expr, Call) and wrap != "TOLABEL" and not (
                wrap == "FORMAT" and isinstance(expr, FieldRef)):
            key, expr_index = f"expr{expr_index}", expr_index + 1
        else:
            key = groups[source].field.name if source in groups else item.expr.path
        if any(out.key.lower() == key.lower() for out in outputs):
            raise malformed(soql, item.pos, f"duplicate alias: {key}")
        outputs.append(_Output(key, source, convert))
    return outputs


def _make_aggregate(call: Call, resolver: PathResolver) -> _Aggregate:
    soql = resolver.soql
    if call.arg is None:
        return _Aggregate("COUNT", None, field("expr", "int"))
    if not isinstance(call.arg, FieldRef):
        raise malformed(soql, call.pos, f"{call.written}: an aggregate function takes a field")
    path = resolver.resolve(call.arg)
    kind = path.field.type
    allowed = kind not in COMPOUND_TYPES and kind != "multipicklist" and not (
        kind == "textarea" and path.field.length > 4000)
    if call.name in ("SUM", "AVG"):
        allowed = allowed and kind in NUMBER_TYPES
    elif call.name in ("MIN", "MAX"):
        allowed = allowed and kind != "boolean"
    if not allowed:
        raise query_error(soql, call.pos, "INVALID_FIELD",
                          f"field {path.written} does not support aggregate operator "
                          f"{call.name}")
    if call.name in ("COUNT", "COUNT_DISTINCT"):
        result = field("expr", "int")
    elif call.name == "AVG" or (call.name == "SUM" and kind != "int"):
        result = field("expr", "double")
    else:
        result = path.field
    return _Aggregate(call.name, path, result)


def _aggregate_json(name: str, path: ResolvedPath | None,
                    wrap: str | None) -> Callable[[Any], Any]:
    if path is None or name in ("COUNT", "COUNT_DISTINCT"):
        return lambda value: value
    fdef = path.field
    if wrap == "FORMAT":
        fmt = formatter(fdef)
        return lambda value: None if value is None else fmt(value)
    if name in ("MIN", "MAX"):
        return lambda value: values.to_json(fdef, value)
    return lambda value: value


def _value_json(fdef: FieldDef, wrap: str | None) -> Callable[[Any], Any]:
    if wrap == "TOLABEL":
        return label_of(fdef)
    if wrap == "FORMAT":
        fmt = formatter(fdef)
        return lambda value: None if value is None else fmt(value)
    return lambda value: values.to_json(fdef, value)


def _grouped_resolver(resolver: PathResolver, groups: dict[str, ResolvedPath],
                      aggregates: dict[str, _Aggregate], aggregate: Callable[[Call], str],
                      what: str) -> Callable[[Expr], ResolvedPath]:
    """Paths over grouped records, for HAVING and ORDER BY."""
    def resolve(expr: Expr) -> ResolvedPath:
        if isinstance(expr, Call) and expr.name in AGGREGATES:
            key = aggregate(expr)
            fdef = aggregates[key].result
        else:
            key = _expr_key(resolver, expr)
            if key not in groups:
                raise malformed(resolver.soql, expr.pos,
                                f"{what} must be grouped or aggregated: {expr.path}")
            fdef = groups[key].field
        return ResolvedPath((), fdef, expr.path, expr.path, lambda row: row.get(key))

    return resolve
