"""ORDER BY: sort rows once, as Salesforce orders them.

Text sorts case-insensitively (Salesforce compares upper-cased values in English locales),
picklists sort in their defined value order, and null is the smallest value: first when
ascending, last when descending, unless NULLS FIRST/LAST says otherwise. Several keys are
applied as successive stable sorts, last key first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_sfsync.emulator.schema.model import STRING_TYPES, FieldDef
from flask_sfsync.emulator.soql.ast import OrderItem
from flask_sfsync.emulator.soql.filter import is_filterable
from flask_sfsync.emulator.soql.lexer import query_error
from flask_sfsync.emulator.soql.paths import ResolvedPath

__all__ = ["check_sortable", "normalizer", "sort_rows"]

Row = Mapping[str, Any]


def check_sortable(soql: str, item: OrderItem, path: ResolvedPath) -> None:
    if not is_filterable(path.field) or path.field.type == "multipicklist":
        raise query_error(soql, item.field.pos, "INVALID_FIELD",
                          f"field '{path.written}' can not be sorted in a query call")


def sort_rows(rows: list[Row], order: list[tuple[OrderItem, ResolvedPath]]) -> None:
    for item, path in reversed(order):
        nulls_first = (not item.descending) if item.nulls_first is None else item.nulls_first
        # reverse=True flips the flag order too, so the null flag is chosen to land right.
        null_high = nulls_first == item.descending
        rows.sort(key=_sort_key(path, null_high), reverse=item.descending)


def _sort_key(path: ResolvedPath, null_high: bool) -> Callable[[Row], tuple[Any, ...]]:
    getter, normalize = path.getter, normalizer(path.field)
    null_key: tuple[Any, ...] = (1,) if null_high else (0,)
    present = 0 if null_high else 1
    if normalize is None:
        def key(row: Row) -> tuple[Any, ...]:
            value = getter(row)
            return null_key if value is None else (present, value)
    else:
        def key(row: Row) -> tuple[Any, ...]:
            value = getter(row)
            return null_key if value is None else (present, normalize(value))
    return key


def normalizer(fdef: FieldDef) -> Callable[[Any], Any] | None:
    if fdef.type == "picklist" and fdef.picklist_values:
        rank = {pv.value.lower(): i for i, pv in enumerate(fdef.picklist_values)}
        unknown = len(rank)
        # Values outside the picklist (possible when it is unrestricted) sort after it.
        return lambda value: (rank.get(str(value).lower(), unknown), str(value).upper())
    if fdef.type in STRING_TYPES:
        return lambda value: str(value).upper()
    return None
