"""Index shortcuts: fetch the few rows a selective WHERE names instead of scanning millions.

``Id = x`` / ``Id IN (...)`` fetch rows with :meth:`QuerySource.get_record`; an equality on a
field the source indexes (e-mail, external IDs, unique fields) uses its optional
``find_by_key``. Either way the full WHERE still runs on the rows found, so an index only has
to return a superset of the matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.ids import try_normalize_id
from flask_sfsync.emulator.soql.ast import And, Comparison, Condition, FieldRef
from flask_sfsync.emulator.soql.paths import PathResolver, QuerySource

__all__ = ["KeyedQuerySource", "indexed_rows"]

Row = Mapping[str, Any]
# Text types whose values an index keys case-insensitively, as SOQL's = compares them.
_INDEXABLE_TYPES = frozenset({"email", "string", "phone", "url"})


@runtime_checkable
class KeyedQuerySource(Protocol):
    """A source that can look live records up by an indexed field (the store's Org can)."""

    def find_by_key(self, sobject: str, field_name: str, value: Any) -> list[str]:
        """Ids of live records whose field equals value; SalesforceApiError if not indexed."""


def indexed_rows(source: QuerySource, sobject: str, where: Condition | None,
                 resolver: PathResolver, include_deleted: bool) -> list[Row] | None:
    """The candidate rows when an index applies to ``where``, else None (scan everything)."""
    for cmp in _equalities(where):
        ids = _ids_for(source, sobject, cmp, resolver, include_deleted)
        if ids is not None:
            return _fetch(source, sobject, ids, include_deleted)
    return None


def _equalities(where: Condition | None) -> list[Comparison]:
    """Comparisons every matching row must satisfy: the WHERE itself or top-level AND parts."""
    operands = where.operands if isinstance(where, And) else (where,)
    return [c for c in operands
            if isinstance(c, Comparison) and c.op in ("=", "IN") and c.values
            and isinstance(c.field, FieldRef)
            and all(v.kind == "string" and v.value for v in c.values)]


def _ids_for(source: QuerySource, sobject: str, cmp: Comparison, resolver: PathResolver,
             include_deleted: bool) -> list[str] | None:
    assert isinstance(cmp.field, FieldRef)
    path = resolver.resolve(cmp.field)
    if path.steps:
        return None
    if path.field.type == "id":
        ids = [try_normalize_id(v.value) for v in cmp.values]
        return None if None in ids else [i for i in ids if i is not None]
    if (include_deleted or path.field.type not in _INDEXABLE_TYPES
            or path.field.case_sensitive or not isinstance(source, KeyedQuerySource)):
        return None
    found: list[str] = []
    try:
        for literal in cmp.values:
            found.extend(source.find_by_key(sobject, path.field.name, literal.value))
    except SalesforceApiError:
        return None          # not an indexed field
    return found


def _fetch(source: QuerySource, sobject: str, ids: list[str],
           include_deleted: bool) -> list[Row]:
    rows = []
    for record_id in dict.fromkeys(ids):
        found = source.get_record(record_id)
        if found is None or found[0] != sobject:
            continue
        if not include_deleted and found[1].get("IsDeleted"):
            continue
        rows.append(found[1])
    return rows
