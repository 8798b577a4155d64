"""Query results: the matching rows, formatted page by page only when a page is asked for.

A query over a million rows keeps a list of row references; :meth:`QueryResult.records` turns
``count`` of them into REST JSON (``attributes`` with type and url, parent relationships as
nested records or null) and :meth:`QueryResult.rows` into Bulk API 2.0 CSV cells.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.model import STRING_TYPES, FieldDef
from flask_sfsync.emulator.schema.values import json_text as _json_text
from flask_sfsync.emulator.schema.values import json_value as _json
from flask_sfsync.emulator.soql.paths import ColumnReader, QuerySource, RelStep, ResolvedPath

__all__ = ["Aggregate", "QueryResult", "RecordFormatter"]

Row = Mapping[str, Any]
Json = dict[str, Any]
# Types whose Python value is already its JSON value.
_JSON_AS_IS = STRING_TYPES | {"id", "reference", "boolean", "int"}

# Entry kinds of a record layout.
_FIELD, _TYPE, _PARENT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``COUNT(field) [alias]`` without GROUP BY: one AggregateResult row."""

    key: str
    path: ResolvedPath | None


@dataclass(slots=True)
class _Node:
    """The fields selected from one record (the queried one or a parent)."""

    entries: list[tuple[str, int, Any]] = field(default_factory=list)
    children: dict[str, tuple[RelStep, _Node]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)


def _record_maker(keys: Sequence[str]) -> Callable[..., Json]:
    """A function building one record dict from its values, positionally.

    A dict display is the cheapest way CPython builds a dict (half the cost of
    ``dict(zip(keys, values))``), and pages of 2,000 records are the hot path of reads; the
    keys are schema field names, passed as literals through ``repr``.
    """
    params = ", ".join(f"_{i}" for i in range(len(keys)))
    body = ", ".join(f"{key!r}: _{i}" for i, key in enumerate(keys))
    maker: Callable[..., Json] = eval(f"lambda {params}: {{{body}}}", {})
    return maker


def _record_template(sobject: str, url_prefix: str, keys: Sequence[str]) -> str:
    """``str.format`` template of one record's JSON: the Id, then each key's JSON value."""
    def literal(text: str) -> str:
        return text.replace("{", "{{").replace("}", "}}")

    head = f'{{"attributes":{{"type":{_json_text(sobject)},"url":{_json_text(url_prefix)[:-1]}'
    parts = [literal(head), "{}", literal('"}')]
    parts += [literal(f",{_json_text(key)}:") + "{}" for key in keys]
    return "".join(parts) + literal("}")


def _converter(fdef: FieldDef) -> Callable[[Any], Any] | None:
    if fdef.type in _JSON_AS_IS:
        return None
    return lambda value: values.to_json(fdef, value)


class RecordFormatter:
    """Turns a row into a REST record: built once per query, applied per row."""

    def __init__(self, source: QuerySource, sobject: str, paths: Sequence[ResolvedPath],
                 base_url: str) -> None:
        """base_url: what record urls start with, e.g. ``/services/data/v60.0/sobjects/``."""
        self._get_record = source.get_record
        self._base = base_url
        root = _Node()
        for path in paths:
            node = root
            for step in path.steps:
                if step.name not in node.children:
                    child = _Node()
                    node.children[step.name] = (step, child)
                    node.entries.append((step.name, _PARENT, step.name))
                node = node.children[step.name][1]
            if path.field.name not in node.keys:
                node.keys.add(path.field.name)
                polymorphic_type = bool(path.steps) and path.steps[-1].polymorphic \
                    and path.field.name == "Type"
                kind = _TYPE if polymorphic_type else _FIELD
                node.entries.append((path.field.name, kind, (path.field.name,
                                                              _converter(path.field))))
        self._top = self._compile(root)
        self._url_prefix = f"{self._base}{sobject}/"
        self._sobject = sobject
        self._read_columns: ColumnReader | None = getattr(source, "read_columns", None)
        self._make = _record_maker(["attributes", *(key for key, _, _ in self._top)])
        self._template = _record_template(sobject, self._url_prefix,
                                          [key for key, _, _ in self._top])
        # What a page reads column by column: the Id (for urls), each field, each lookup's fk.
        self._reads = ["Id", *(payload[0] if kind == _FIELD else payload[0].fk_name
                               for _, kind, payload in self._top)]

    def _compile(self, node: _Node) -> list[tuple[str, int, Any]]:
        """Entries ready for formatting: parents carry their fk name and their own layout."""
        compiled: list[tuple[str, int, Any]] = []
        for key, kind, payload in node.entries:
            if kind == _PARENT:
                step, child = node.children[payload]
                compiled.append((key, _PARENT, (step, self._compile(child))))
            else:
                compiled.append((key, kind, payload))
        return compiled

    def __call__(self, row: Row) -> Json:
        record: Json = {"attributes": {"type": self._sobject,
                                       "url": f"{self._url_prefix}{row.get('Id')}"}}
        self._fill(record, row, self._top, "")
        return record

    def page(self, rows: Sequence[Row]) -> list[Json]:
        """Records of many rows: the same JSON as calling the formatter on each row."""
        columns = self._read_columns(rows, self._reads) if rows and self._read_columns else None
        if columns is None:
            return [self(row) for row in rows]
        prefix, sobject = self._url_prefix, self._sobject
        out = [[{"type": sobject, "url": f"{prefix}{rid}"} for rid in columns[0]]]
        for (_, kind, payload), column in zip(self._top, columns[1:], strict=True):
            if kind == _FIELD:
                convert = payload[1]
                if convert is not None:
                    column = [None if v is None else convert(v) for v in column]
            else:  # the top level has no _TYPE entries: only parents of a polymorphic lookup
                # One nested record per distinct parent on the page (owners and accounts
                # repeat); records are only encoded, never changed, so sharing is safe.
                step, entries = payload
                parents = {ref: self._parent(ref, step, entries) for ref in set(column)}
                column = [parents[ref] for ref in column]
            out.append(column)
        return list(map(self._make, *out))

    def page_json(self, rows: Sequence[Row]) -> str | None:
        """The JSON text of ``page(rows)`` (compact, UTF-8 as is), written cell by cell.

        Query pages are the hot path of reads: encoding each cell straight to JSON skips
        building 2,000 dicts and walking them again in the encoder. None when the rows cannot
        be read column by column (the caller then encodes :meth:`page`).
        """
        columns = self._read_columns(rows, self._reads) if rows and self._read_columns else None
        if columns is None:
            return None
        cells = [columns[0]]  # record Ids go into the url unquoted: they are [0-9A-Za-z]
        for (_, kind, payload), column in zip(self._top, columns[1:], strict=True):
            if kind == _FIELD:
                convert = payload[1]
                if convert is not None:
                    column = [None if v is None else convert(v) for v in column]
                cells.append([_json_text(v) if type(v) is str else _json(v) for v in column])
            else:
                step, entries = payload
                parents = {ref: _json(self._parent(ref, step, entries)) for ref in set(column)}
                cells.append([parents[ref] for ref in column])
        return "[" + ",".join(map(self._template.format, *cells)) + "]"

    def _fill(self, record: Json, row: Row, entries: list[tuple[str, int, Any]],
              sobject: str) -> None:
        for key, kind, payload in entries:
            if kind == _FIELD:
                name, convert = payload
                value = row.get(name)
                record[key] = value if convert is None or value is None else convert(value)
            elif kind == _TYPE:
                record[key] = sobject
            else:
                step, child_entries = payload
                record[key] = self._parent(row.get(step.fk_name), step, child_entries)

    def _parent(self, ref: Any, step: RelStep,
                entries: list[tuple[str, int, Any]]) -> Json | None:
        if ref is None:
            return None
        found = self._get_record(ref)
        if found is None:
            return None
        sobject, parent = found
        nested: Json = {"attributes": {
            "type": "Name" if step.polymorphic else sobject,
            "url": f"{self._base}{sobject}/{ref}",
        }}
        self._fill(nested, parent, entries, sobject)
        return nested


class QueryResult:
    """The outcome of one query; pages are formatted lazily from the matched rows."""

    def __init__(
        self,
        *,
        sobject: str,
        matched: list[Row],
        paths: Sequence[ResolvedPath],
        formatter: RecordFormatter | None,
        is_count: bool = False,
        aggregates: Sequence[Aggregate] = (),
        count: int | None = None,
        read_columns: ColumnReader | None = None,
    ) -> None:
        self.sobject = sobject
        self._read_columns = read_columns
        self.is_count = is_count
        self._matched = matched
        self._formatter = formatter
        self._paths = list(paths)
        self._aggregate_row: Json | None = None
        if aggregates:
            self._aggregate_row = {
                agg.key: (len(matched) if agg.path is None else
                          sum(1 for row in matched if agg.path.getter(row) is not None))
                for agg in aggregates
            }
        if is_count:
            self.total_size = len(matched) if count is None else count
            self.columns: list[str] = []
        elif self._aggregate_row is not None:
            self.total_size = 1
            self.columns = list(self._aggregate_row)
        else:
            self.total_size = len(matched)
            self.columns = [path.canonical for path in self._paths]
        self._cells = [(path.getter, path.field, path.steps) for path in self._paths]

    def records(self, start: int, count: int) -> list[Json]:
        """REST records ``start`` to ``start + count`` (fewer at the end)."""
        if self.is_count:
            return []
        if self._aggregate_row is not None:
            page = [{"attributes": {"type": "AggregateResult"}, **self._aggregate_row}]
            return page[start : start + count]
        assert self._formatter is not None
        return self._formatter.page(self._matched[start : start + count])

    def records_json(self, start: int, count: int) -> tuple[str, int]:
        """The JSON array of :meth:`records` (same text as encoding them), and its length."""
        if self._formatter is not None and not self.is_count and self._aggregate_row is None:
            rows = self._matched[start : start + count]
            text = self._formatter.page_json(rows)
            if text is not None:
                return text, len(rows)
        records = self.records(start, count)
        return values.json_value(records), len(records)

    def rows(self, start: int, count: int) -> list[list[str]]:
        """CSV cells of the same rows, in :attr:`columns` order ("" for null)."""
        if self.is_count:
            return []
        if self._aggregate_row is not None:
            page = [[str(value) for value in self._aggregate_row.values()]]
            return page[start : start + count]
        rows = self._matched[start : start + count]
        if not rows:
            return []
        direct = [fdef.name for getter, fdef, steps in self._cells if not steps]
        read = self._read_columns
        fetched = iter(read(rows, direct) or ()) if read is not None and direct else iter(())
        to_csv = values.to_csv
        columns = []
        for getter, fdef, steps in self._cells:
            column = next(fetched, None) if not steps else None
            if column is None:
                column = [getter(row) for row in rows]
            columns.append([to_csv(fdef, value) for value in column])
        return [list(cells) for cells in zip(*columns, strict=True)]
