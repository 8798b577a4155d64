"""Query results: the matching rows, formatted page by page only when a page is asked for.

A query over a million rows keeps a list of row references; :meth:`QueryResult.records` turns
``count`` of them into REST JSON (``formatter``) and :meth:`QueryResult.rows` into Bulk API 2.0
CSV cells. An aggregate query keeps its AggregateResult records instead.

Page sizes: "Child objects count toward the number of records for the batch size" (REST API,
Query Options Header), so a page of parents with sub-query children holds as many parents as
fit, and at least one; :meth:`records_json` says how many parents a page took.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.soql.formatter import RecordFormatter
from flask_sfsync.emulator.soql.paths import ColumnReader, ResolvedPath

__all__ = ["QueryResult"]

Row = Mapping[str, Any]
Json = dict[str, Any]
_AGGREGATE_ATTRIBUTES = {"type": "AggregateResult"}


class QueryResult:
    """The outcome of one query; pages are formatted lazily from the matched rows."""

    def __init__(
        self,
        *,
        sobject: str,
        matched: Sequence[Row],
        paths: Sequence[ResolvedPath],
        formatter: RecordFormatter | None,
        is_count: bool = False,
        count: int | None = None,
        aggregate_rows: list[Json] | None = None,
        aggregate_columns: Sequence[str] = (),
        read_columns: ColumnReader | None = None,
        bulk_refusal: str | None = None,
    ) -> None:
        self.sobject = sobject
        self._read_columns = read_columns
        self.is_count = is_count
        self._matched = matched
        self._formatter = formatter
        self._paths = list(paths)
        self._aggregate_rows = aggregate_rows
        #: Why a Bulk API 2.0 query job refuses this query (None: it does not).
        self.bulk_refusal = bulk_refusal
        if is_count:
            self.total_size = len(matched) if count is None else count
            self.columns: list[str] = []
        elif aggregate_rows is not None:
            self.total_size = len(aggregate_rows)
            self.columns = list(aggregate_columns)
        else:
            self.total_size = len(matched)
            self.columns = [path.canonical for path in self._paths]
        self._cells = [(path.getter, path.field, path.steps) for path in self._paths]

    def _page_size(self, start: int, count: int) -> int:
        """How many parents a page of ``count`` records takes (children count too)."""
        formatter = self._formatter
        if formatter is None or not formatter.computed:
            return count
        sizes = [getattr(c, "size", None) for c in formatter.computed]
        weighers = [s for s in sizes if s is not None]
        taken, used = 0, 0
        for row in self._matched[start:start + count]:
            weight = 1 + sum(size(row) for size in weighers)
            if taken and used + weight > count:
                break
            taken, used = taken + 1, used + weight
        return taken

    def records(self, start: int, count: int) -> list[Json]:
        """REST records ``start`` to ``start + count`` (fewer at the end)."""
        if self.is_count:
            return []
        if self._aggregate_rows is not None:
            return [{"attributes": dict(_AGGREGATE_ATTRIBUTES), **row}
                    for row in self._aggregate_rows[start:start + count]]
        assert self._formatter is not None
        return self._formatter.page(self._matched[start:start + self._page_size(start, count)])

    def records_json(self, start: int, count: int) -> tuple[str, int]:
        """The JSON array of :meth:`records` (same text as encoding them), and its length."""
        if self._formatter is not None and not self.is_count and self._aggregate_rows is None:
            rows = self._matched[start:start + self._page_size(start, count)]
            text = self._formatter.page_json(rows)
            if text is not None:
                return text, len(rows)
        records = self.records(start, count)
        return values.json_value(records), len(records)

    def rows(self, start: int, count: int) -> list[list[str]]:
        """CSV cells of the same rows, in :attr:`columns` order ("" for null)."""
        if self.is_count:
            return []
        if self._aggregate_rows is not None:
            return [["" if v is None else str(v) for v in row.values()]
                    for row in self._aggregate_rows[start:start + count]]
        rows = self._matched[start : start + count]
        if not rows:
            return []
        direct = [fdef.name for getter, fdef, steps in self._cells if not steps]
        read = self._read_columns
        fetched = iter(read(rows, direct) or ()) if read is not None and direct else iter(())
        to_csv = values.to_csv
        columns = []
        for path, (getter, fdef, steps) in zip(self._paths, self._cells, strict=True):
            column = next(fetched, None) if not steps else None
            if column is None or path.leaf is not None:
                column = [getter(row) for row in rows]
            columns.append([to_csv(fdef, value) for value in column])
        return [list(cells) for cells in zip(*columns, strict=True)]
