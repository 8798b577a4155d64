"""Row-level SOQL functions as resolved paths: date functions, toLabel(), FORMAT().

Each call resolves to a :class:`ResolvedPath` whose getter computes the function of its
argument, with a result field of the function's type, so WHERE, GROUP BY and ORDER BY treat it
like any field. Following the SOQL and SOSL Reference:

* Date functions (CALENDAR_YEAR, DAY_ONLY, HOUR_IN_DAY, FISCAL_QUARTER ...) take a date or
  dateTime field (DAY_ONLY and HOUR_IN_DAY a dateTime one), optionally through
  ``convertTimezone()``; DAY_IN_WEEK is 1 for Sunday. The org's fiscal year starts in January
  and every user is on UTC, so FISCAL_* equal CALENDAR_* and convertTimezone() changes nothing.
* ``toLabel(field)``: a picklist value's label in the user's language (en_US: the label).
* ``FORMAT(field)``: numbers, currency, percent, dates and dateTimes formatted for the
  user's locale (en_US).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask_sfsync.emulator.schema.model import FieldDef, field
from flask_sfsync.emulator.soql.ast import Call, Expr, FieldRef
from flask_sfsync.emulator.soql.lexer import query_error
from flask_sfsync.emulator.soql.parse_select import DATE_FUNCTIONS
from flask_sfsync.emulator.soql.paths import Getter, PathResolver, ResolvedPath

__all__ = ["resolve_expr", "resolve_value"]

_DATE_TYPES = frozenset({"date", "datetime"})
_PICKLISTS = frozenset({"picklist", "multipicklist"})
_FORMATTABLE = frozenset({"int", "double", "currency", "percent", "date", "datetime"})


def _week_day(day: dt.date) -> int:
    return (day.weekday() + 1) % 7 + 1          # Sunday 1 .. Saturday 7


_DATE_PARTS: dict[str, Callable[[Any], Any]] = {
    "CALENDAR_MONTH": lambda v: v.month,
    "CALENDAR_QUARTER": lambda v: (v.month - 1) // 3 + 1,
    "CALENDAR_YEAR": lambda v: v.year,
    "DAY_IN_MONTH": lambda v: v.day,
    "DAY_IN_WEEK": _week_day,
    "DAY_IN_YEAR": lambda v: v.timetuple().tm_yday,
    "DAY_ONLY": lambda v: v.date(),
    "FISCAL_MONTH": lambda v: v.month,
    "FISCAL_QUARTER": lambda v: (v.month - 1) // 3 + 1,
    "FISCAL_YEAR": lambda v: v.year,
    "HOUR_IN_DAY": lambda v: v.hour,
    "WEEK_IN_MONTH": lambda v: (v.day - 1) // 7 + 1,
    "WEEK_IN_YEAR": lambda v: (v.timetuple().tm_yday - 1) // 7 + 1,
}


def resolve_expr(resolver: PathResolver, expr: Expr) -> ResolvedPath:
    """A field path, or a row-level function call, as a resolved path (WHERE, ORDER BY)."""
    if isinstance(expr, FieldRef):
        return resolver.resolve(expr)
    if expr.is_aggregate:
        raise query_error(resolver.soql, expr.pos, "MALFORMED_QUERY",
                          f"Aggregate function {expr.written} is only allowed in the SELECT "
                          "list, HAVING and ORDER BY of an aggregate query")
    if expr.name in DATE_FUNCTIONS:
        return _date_function(resolver, expr)
    if expr.name == "CONVERTTIMEZONE":
        raise query_error(resolver.soql, expr.pos, "MALFORMED_QUERY",
                          "convertTimezone() can only be used in a date function")
    return resolve_value(resolver, expr, None)


def resolve_value(resolver: PathResolver, call: Call, alias: str | None) -> ResolvedPath:
    """``toLabel(field)`` or ``FORMAT(field)`` in a SELECT list (the result keeps the field's
    place and name, or takes the alias)."""
    if call.name not in ("TOLABEL", "FORMAT") or not isinstance(call.arg, FieldRef):
        if call.name in DATE_FUNCTIONS:
            raise _error(resolver, call, "MALFORMED_QUERY",
                         f"Date function {call.written} is only allowed in the SELECT list "
                         "of a query with GROUP BY")
        raise _error(resolver, call, "MALFORMED_QUERY",
                     f"{call.written} is not valid in this part of the query")
    inner = resolver.resolve(call.arg)
    fdef = inner.field
    if call.name == "TOLABEL":
        if fdef.type not in _PICKLISTS:
            raise _error(resolver, call, "INVALID_FIELD",
                         f"toLabel() can only be used on picklist fields: {inner.written}")
        convert = label_of(fdef)
    else:
        if fdef.type not in _FORMATTABLE:
            raise _error(resolver, call, "INVALID_FIELD",
                         f"FORMAT() can not be used on field {inner.written} of type "
                         f"{fdef.type}")
        convert = formatter(fdef)
    result = field(fdef.name, "string", fdef.label, length=fdef.length or 255)
    leaf: Getter = lambda row: convert(row.get(fdef.name))  # noqa: E731
    getter = resolver.getter(inner.steps, fdef, leaf)
    return ResolvedPath(inner.steps, result, alias or inner.canonical, call.written, getter,
                        leaf, alias)


def _date_function(resolver: PathResolver, call: Call) -> ResolvedPath:
    arg = call.arg
    if isinstance(arg, Call) and arg.name == "CONVERTTIMEZONE":
        arg = arg.arg           # every user is on UTC: the value is unchanged
    if not isinstance(arg, FieldRef):
        raise _error(resolver, call, "MALFORMED_QUERY",
                     f"{call.written}: a date function takes a date or dateTime field")
    inner = resolver.resolve(arg)
    kind = inner.field.type
    needs_datetime = call.name in ("DAY_ONLY", "HOUR_IN_DAY")
    if kind not in _DATE_TYPES or (needs_datetime and kind != "datetime"):
        wanted = "dateTime" if needs_datetime else "date or dateTime"
        raise _error(resolver, call, "INVALID_FIELD",
                     f"{call.name}() can only be used with {wanted} fields: {inner.written}")
    part, get = _DATE_PARTS[call.name], inner.getter

    def compute(row: Any) -> Any:
        value = get(row)
        return None if value is None else part(value)

    result = field(call.written, "date" if call.name == "DAY_ONLY" else "int", call.written)
    return ResolvedPath((), result, call.written, call.written, compute)


def _error(resolver: PathResolver, call: Call, code: str, reason: str) -> Exception:
    return query_error(resolver.soql, call.pos, code, reason)


def label_of(fdef: FieldDef) -> Callable[[Any], Any]:
    labels = {v.value.lower(): (v.label if v.label is not None else v.value)
              for v in fdef.picklist_values}

    def label(value: Any) -> Any:
        if value is None:
            return None
        if fdef.type == "multipicklist":
            return ";".join(labels.get(p.lower(), p) for p in str(value).split(";"))
        return labels.get(str(value).lower(), value)

    return label


def formatter(fdef: FieldDef) -> Callable[[Any], Any]:
    """en_US formatting, as the Salesforce Classic UI shows the field."""
    kind = fdef.type

    def fmt(value: Any) -> Any:
        if value is None:
            return None
        if kind == "datetime":
            hour = value.hour % 12 or 12
            return (f"{value.month}/{value.day}/{value.year}, {hour}:{value.minute:02d} "
                    f"{'AM' if value.hour < 12 else 'PM'}")
        if kind == "date":
            return f"{value.month}/{value.day}/{value.year}"
        number = f"{value:,.{fdef.scale}f}" if kind != "int" else f"{int(value):,}"
        if kind == "currency":
            return f"${number}" if value >= 0 else f"-${number[1:]}"
        return f"{number}%" if kind == "percent" else number

    return fmt
