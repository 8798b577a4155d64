"""The local org's SOQL engine: parse, resolve, filter once, sort once, format pages lazily.

::

    result = execute(org, "SELECT Id, Account.Name FROM Contact WHERE Email LIKE '%@acme.com'")
    result.total_size            # number of matching records (COUNT(): the count)
    result.records(0, 2000)      # REST JSON records of the first page
    result.columns, result.rows(0, 2000)   # Bulk API 2.0 CSV header and cells

The pieces, modules of this package: ``lexer`` (tokens, Salesforce-style error messages),
``parser`` (AST in ``ast``; relative date literals in ``dates``), ``paths`` (field paths against
the schema, the :class:`QuerySource` protocol), ``filter`` (WHERE compiled to closures),
``order`` (ORDER BY), ``index`` (Id and indexed-field lookups), ``result`` (pages). Errors are
:class:`~flask_sfsync.emulator.errors.SalesforceApiError` with status 400 and Salesforce's
codes: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR,
NUMBER_OUTSIDE_VALID_RANGE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.soql.ast import CountItem, FieldItem, Query
from flask_sfsync.emulator.soql.filter import compile_where
from flask_sfsync.emulator.soql.index import indexed_rows
from flask_sfsync.emulator.soql.lexer import malformed, query_error
from flask_sfsync.emulator.soql.order import check_sortable, sort_rows
from flask_sfsync.emulator.soql.parser import MAX_OFFSET, parse
from flask_sfsync.emulator.soql.paths import PathResolver, QuerySource, ResolvedPath
from flask_sfsync.emulator.soql.result import Aggregate, QueryResult, RecordFormatter

__all__ = ["QueryResult", "QuerySource", "execute"]

Row = Mapping[str, Any]

_NOT_SUPPORTED_TYPE = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, "
    "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
    "describe call for the appropriate names."
)


def execute(
    source: QuerySource,
    soql: str,
    *,
    include_deleted: bool = False,
    api_version: str = "60.0",
    now: dt.datetime | None = None,
    tooling: bool = False,
) -> QueryResult:
    """Run ``soql`` against ``source``.

    include_deleted: queryAll (rows in the recycle bin too). api_version: the vXX.X of record
    urls. now: the moment TODAY and friends are relative to (default: the current UTC time).
    tooling: records come from the Tooling API (their urls say ``/tooling/sobjects/``).
    """
    try:
        base = f"/services/data/v{api_version}/{'tooling/' if tooling else ''}sobjects/"
        return _execute(source, soql, include_deleted, base, now, tooling)
    except RecursionError:
        raise SalesforceApiError(400, "MALFORMED_QUERY", "Query is too complicated") from None


def _execute(source: QuerySource, soql: str, include_deleted: bool, base_url: str,
             now: dt.datetime | None, tooling: bool) -> QueryResult:
    query = parse(soql)
    obj = source.object_info(query.sobject)
    # The Tooling API sees only its own objects (the data API is lenient: it may see them).
    if obj is None or (tooling and not obj.tooling):
        raise query_error(soql, query.sobject_pos, "INVALID_TYPE",
                          _NOT_SUPPORTED_TYPE.format(name=query.sobject))
    resolver = PathResolver(source, obj, query.alias, soql)
    paths, aggregates, is_count = _selection(query, resolver, soql)
    predicate = None
    if query.where is not None:
        predicate = compile_where(query.where, resolver, now or dt.datetime.now(dt.UTC))
    order = [(item, resolver.resolve(item.field)) for item in query.order_by]
    for item, path in order:
        check_sortable(soql, item, path)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise SalesforceApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                                 f"Maximum SOQL offset allowed is {MAX_OFFSET}")

    rows: Iterable[Row] | None = indexed_rows(source, obj.name, query.where, resolver,
                                              include_deleted)
    if rows is None:
        rows = source.scan(obj.name, include_deleted)
    matched = [row for row in rows if predicate(row)] if predicate else list(rows)
    if order:
        sort_rows(matched, order)
    start = query.offset or 0
    stop = None if query.limit is None else start + query.limit
    # LIMIT/OFFSET of an aggregate query apply to its one result row, not to its input.
    if (start or stop is not None) and not aggregates:
        matched = matched[start:stop]
    formatter = None if is_count or aggregates else RecordFormatter(
        source, obj.name, paths, base_url)
    return QueryResult(sobject=obj.name, matched=matched, paths=paths, formatter=formatter,
                       is_count=is_count, aggregates=aggregates,
                       read_columns=getattr(source, "read_columns", None))


def _selection(query: Query, resolver: PathResolver,
               soql: str) -> tuple[list[ResolvedPath], list[Aggregate], bool]:
    """The selected paths, the COUNT(field) aggregates, and whether this is SELECT COUNT()."""
    counts = [item for item in query.select if isinstance(item, CountItem)]
    fields = [item for item in query.select if isinstance(item, FieldItem)]
    if any(item.field is None for item in counts):
        if len(query.select) > 1:
            other = next(i for i in query.select if not (isinstance(i, CountItem)
                                                          and i.field is None))
            pos = other.pos if isinstance(other, CountItem) else other.field.pos
            raise malformed(soql, pos, "COUNT() must be the only element in the SELECT list")
        return [], [], True
    if counts and fields:
        first = fields[0].field
        raise malformed(soql, first.pos, f"Field must be grouped or aggregated: {first.path}")
    aggregates = []
    for index, item in enumerate(counts):
        path = resolver.resolve(item.field) if item.field is not None else None
        aggregates.append(Aggregate(item.alias or f"expr{index}", path))
    paths: list[ResolvedPath] = []
    seen: set[str] = set()
    for field_item in fields:
        path = resolver.resolve(field_item.field)
        if path.canonical.lower() in seen:
            raise SalesforceApiError(400, "INVALID_FIELD",
                                     f"duplicate field selected: {path.canonical}")
        seen.add(path.canonical.lower())
        paths.append(path)
    return paths, aggregates, False

