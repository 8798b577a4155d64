"""The local org's SOQL engine: parse, resolve, filter once, sort once, format pages lazily.

::

    result = execute(org, "SELECT Id, Account.Name FROM Contact WHERE Email LIKE '%@acme.com'")
    result.total_size            # number of matching records (COUNT(): the count)
    result.records(0, 2000)      # REST JSON records of the first page
    result.columns, result.rows(0, 2000)   # Bulk API 2.0 CSV header and cells

The pieces, modules of this package: ``lexer`` (tokens, Salesforce-style error messages),
``parser`` and ``parse_select`` (AST in ``ast``; relative date literals in ``dates``), ``paths``
(field paths against the schema, the :class:`QuerySource` protocol), ``functions`` (date
functions, toLabel, FORMAT), ``filter`` (WHERE compiled to closures), ``order`` (ORDER BY),
``index`` (Id and indexed-field lookups), ``matching`` (WHERE + ORDER BY over rows),
``selection`` (the SELECT list, FIELDS(), TYPEOF), ``subquery`` (parent-to-child sub-queries,
semi-joins), ``aggregate`` (GROUP BY, HAVING, aggregate functions), ``formatter`` and
``result`` (pages). Errors are :class:`~flask_sfsync.emulator.errors.SalesforceApiError` with
status 400 and Salesforce's codes: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE,
INVALID_QUERY_FILTER_OPERATOR, NUMBER_OUTSIDE_VALID_RANGE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.soql.aggregate import plan_aggregate
from flask_sfsync.emulator.soql.ast import Call, Query, ValueItem
from flask_sfsync.emulator.soql.lexer import malformed, query_error
from flask_sfsync.emulator.soql.matching import matched_rows
from flask_sfsync.emulator.soql.parser import MAX_OFFSET, parse
from flask_sfsync.emulator.soql.paths import PathResolver, QuerySource
from flask_sfsync.emulator.soql.result import QueryResult
from flask_sfsync.emulator.soql.scope import Scope
from flask_sfsync.emulator.soql.selection import select_records
from flask_sfsync.emulator.soql.subquery import check_semi_joins, semi_join_ids

__all__ = ["QueryResult", "QuerySource", "execute"]

Row = Mapping[str, Any]

_NOT_SUPPORTED_TYPE = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, "
    "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
    "describe call for the appropriate names."
)
_AGGREGATES_IN_BULK = "Aggregate queries are not supported by Bulk API 2.0 query jobs"


def execute(
    source: QuerySource,
    soql: str,
    *,
    include_deleted: bool = False,
    api_version: str = "60.0",
    now: dt.datetime | None = None,
    tooling: bool = False,
    bulk: bool = False,
) -> QueryResult:
    """Run ``soql`` against ``source``.

    include_deleted: queryAll (rows in the recycle bin too). api_version: the vXX.X of record
    urls. now: the moment TODAY and friends are relative to (default: the current UTC time).
    tooling: records come from the Tooling API (their urls say ``/tooling/sobjects/``).
    bulk: a Bulk API 2.0 query job (FIELDS() leaves out compound fields, which it cannot
    return; ``result.bulk_refusal`` says what else it refuses).
    """
    try:
        base = f"/services/data/v{api_version}/{'tooling/' if tooling else ''}sobjects/"
        scope = Scope(source, soql, now or dt.datetime.now(dt.UTC), include_deleted, base,
                      tooling, bulk)
        return _execute(scope)
    except RecursionError:
        raise SalesforceApiError(400, "MALFORMED_QUERY", "Query is too complicated") from None


def _execute(scope: Scope) -> QueryResult:
    soql = scope.soql
    query = parse(soql)
    obj = scope.source.object_info(query.sobject)
    # The Tooling API sees only its own objects (the data API is lenient: it may see them).
    if obj is None or (scope.tooling and not obj.tooling):
        raise query_error(soql, query.sobject_pos, "INVALID_TYPE",
                          _NOT_SUPPORTED_TYPE.format(name=query.sobject))
    resolver = PathResolver(scope.source, obj, query.alias, soql)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise SalesforceApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                                 f"Maximum SOQL offset allowed is {MAX_OFFSET}")
    subselect = partial(semi_join_ids, scope, obj) if check_semi_joins(query.where, soql) \
        else None
    calls = [i.expr for i in query.select if type(i) is ValueItem and type(i.expr) is Call]
    if calls and any(c.name == "COUNT" and c.arg is None for c in calls):
        return _count(scope, query, obj, resolver, subselect)
    if query.group_by or any(c.is_aggregate for c in calls):
        return _aggregate(scope, query, obj, resolver, subselect)
    if query.having is not None:
        raise malformed(soql, 0, "HAVING is only allowed with GROUP BY")
    selection = select_records(scope, query, obj, resolver)
    matched = matched_rows(scope, query, obj, resolver, subselect=subselect)
    start = query.offset or 0
    if start or query.limit is not None:
        matched = matched[start : None if query.limit is None else start + query.limit]
    return QueryResult(sobject=obj.name, matched=matched, paths=selection.paths,
                       formatter=selection.formatter(scope, obj.name),
                       read_columns=getattr(scope.source, "read_columns", None),
                       bulk_refusal=selection.bulk_refusal)


def _count(scope: Scope, query: Query, obj: ObjectDef, resolver: PathResolver,
           subselect: Any) -> QueryResult:
    """``SELECT COUNT()``: the number of matching records (of groups, with GROUP BY)."""
    if len(query.select) > 1:
        other = next(i for i in query.select
                     if not (isinstance(i, ValueItem) and isinstance(i.expr, Call)
                             and i.expr.name == "COUNT" and i.expr.arg is None))
        raise malformed(scope.soql, other.pos,
                        "COUNT() must be the only element in the SELECT list")
    matched = matched_rows(scope, query, obj, resolver, subselect=subselect,
                           ordered=not query.group_by)
    count = len(matched)
    if query.group_by:
        plan = plan_aggregate(query, resolver, scope.now)
        count = len(plan.run(matched))
    else:
        start = query.offset or 0
        if start or query.limit is not None:
            count = len(matched[start : None if query.limit is None else start + query.limit])
    return QueryResult(sobject=obj.name, matched=[], paths=[], formatter=None, is_count=True,
                       count=count, bulk_refusal=_AGGREGATES_IN_BULK)


def _aggregate(scope: Scope, query: Query, obj: ObjectDef, resolver: PathResolver,
               subselect: Any) -> QueryResult:
    plan = plan_aggregate(query, resolver, scope.now)
    matched = matched_rows(scope, query, obj, resolver, subselect=subselect, ordered=False)
    rows = plan.run(matched)
    return QueryResult(sobject=obj.name, matched=[], paths=[], formatter=None,
                       aggregate_rows=rows, aggregate_columns=plan.columns,
                       bulk_refusal=_AGGREGATES_IN_BULK)
