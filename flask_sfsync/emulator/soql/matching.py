"""The rows a query's WHERE matches, in its ORDER BY order: filter once, sort once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_sfsync.emulator.schema.catalog import is_built
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.soql.ast import Query
from flask_sfsync.emulator.soql.filter import SubSelect, compile_where
from flask_sfsync.emulator.soql.functions import resolve_expr
from flask_sfsync.emulator.soql.index import indexed_rows
from flask_sfsync.emulator.soql.order import check_sortable, sort_rows
from flask_sfsync.emulator.soql.paths import PathResolver
from flask_sfsync.emulator.soql.scope import Scope

__all__ = ["matched_rows"]

Row = Mapping[str, Any]


def matched_rows(scope: Scope, query: Query, obj: ObjectDef, resolver: PathResolver, *,
                 subselect: SubSelect | None = None, ordered: bool = True) -> Sequence[Row]:
    """Rows of ``obj`` that ``query.where`` matches, sorted by ``query.order_by`` if
    ``ordered`` (an aggregate query sorts its groups instead)."""
    predicate = None
    if query.where is not None:
        predicate = compile_where(query.where, resolver, scope.now, subselect)
    order = []
    if ordered:
        order = [(item, resolve_expr(resolver, item.field)) for item in query.order_by]
        for item, path in order:
            check_sortable(scope.soql, item, path)
    rows: Iterable[Row] | None = None
    if not is_built(obj.name):
        rows = indexed_rows(scope.source, obj.name, query.where, resolver,
                            scope.include_deleted)
        live_rows = getattr(scope.source, "live_rows", None)
        if rows is None and predicate is None and not order and live_rows is not None:
            # Every row, in place: the store's lazy sequence (a page makes its row views).
            everything: Sequence[Row] = live_rows(obj.name, scope.include_deleted)
            return everything
    if rows is None:
        rows = scope.rows(obj)
    matched = [row for row in rows if predicate(row)] if predicate else list(rows)
    if order:
        sort_rows(matched, order)
    return matched
