"""Rows as REST records: built once per query, applied page by page.

A record is ``attributes`` (type and url) then the selected fields in SELECT order: plain
fields, parent relationships as nested records (or null), compound and function values
(``leaf`` of a path), parent-to-child sub-query results (``{"totalSize","done","records"}`` or
null) and ``TYPEOF`` parents (a nested record of the parent's own type with its branch's
fields). Pages of 2,000 plain records are the hot path of reads: they are read column by column
and written straight to JSON text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.model import STRING_TYPES, FieldDef
from flask_sfsync.emulator.schema.values import json_text as _json_text
from flask_sfsync.emulator.schema.values import json_value as _json
from flask_sfsync.emulator.soql.paths import ColumnReader, QuerySource, RelStep, ResolvedPath

__all__ = ["Computed", "RecordFormatter", "TypeofSpec"]

Row = Mapping[str, Any]
Json = dict[str, Any]
Entry = tuple[str, int, Any]
# Types whose Python value is already its JSON value.
_JSON_AS_IS = STRING_TYPES | {"id", "reference", "boolean", "int"}

# Entry kinds of a record layout.
_FIELD, _TYPE, _PARENT, _LEAF, _COMPUTED, _TYPEOF = range(6)
_READ = (_FIELD, _PARENT)            # entries read column by column on a page


class Computed(Protocol):
    """A value computed from the whole row: a parent-to-child sub-query's result."""

    key: str

    def __call__(self, row: Row) -> Any: ...


@dataclass(frozen=True, slots=True)
class TypeofSpec:
    """``TYPEOF What WHEN Account THEN ... ELSE ... END``, resolved per object."""

    key: str                                   # the relationship name: What
    fk_name: str                               # WhatId
    branches: dict[str, list[ResolvedPath]]    # sObject name (lower case) -> its fields
    otherwise: list[ResolvedPath] = field(default_factory=list)


Selected = ResolvedPath | Computed | TypeofSpec


def _record_maker(keys: Sequence[str]) -> Callable[..., Json]:
    """A function building one record dict from its values, positionally.

    A dict display is the cheapest way CPython builds a dict (half the cost of
    ``dict(zip(keys, values))``); the keys are schema field names, passed as literals.
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


class _Node:
    """The fields selected from one record (the queried one or a parent)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.children: dict[str, tuple[RelStep, _Node]] = {}
        self.keys: set[str] = set()

    def add(self, path: ResolvedPath) -> None:
        node = self
        for step in path.steps:
            if step.name not in node.children:
                node.children[step.name] = (step, _Node())
                node.entries.append((step.name, _PARENT, step.name))
            node = node.children[step.name][1]
        key = path.key or path.field.name
        if key in node.keys:
            return
        node.keys.add(key)
        if path.leaf is not None:
            node.entries.append((key, _LEAF, path.leaf))
        elif path.steps and path.steps[-1].polymorphic and path.field.name == "Type":
            node.entries.append((key, _TYPE, None))
        else:
            node.entries.append((key, _FIELD, (path.field.name, _converter(path.field))))

    def compile(self) -> list[Entry]:
        """Entries ready for formatting: parents carry their step and their own layout."""
        out: list[Entry] = []
        for key, kind, payload in self.entries:
            if kind == _PARENT:
                step, child = self.children[payload]
                out.append((key, _PARENT, (step, child.compile())))
            else:
                out.append((key, kind, payload))
        return out


def layout(paths: Sequence[ResolvedPath]) -> list[Entry]:
    node = _Node()
    for path in paths:
        node.add(path)
    return node.compile()


class RecordFormatter:
    """Turns a row into a REST record: built once per query, applied per row."""

    def __init__(self, source: QuerySource, sobject: str, selected: Sequence[Selected],
                 base_url: str) -> None:
        """base_url: what record urls start with, e.g. ``/services/data/v60.0/sobjects/``."""
        self._get_record = source.get_record
        self._base = base_url
        root = _Node()
        extra: list[tuple[int, Entry]] = []
        for item in selected:
            if isinstance(item, ResolvedPath):
                root.add(item)
            elif isinstance(item, TypeofSpec):
                payload = (item.fk_name, {name: layout(paths) for name, paths
                                          in item.branches.items()}, layout(item.otherwise))
                extra.append((len(root.entries), (item.key, _TYPEOF, payload)))
            else:
                extra.append((len(root.entries), (item.key, _COMPUTED, item)))
        top = root.compile()
        for offset, (position, entry) in enumerate(extra):
            top.insert(position + offset, entry)
        self._top = top
        self.computed = [payload for _, kind, payload in top if kind == _COMPUTED]
        self._url_prefix = f"{self._base}{sobject}/"
        self._sobject = sobject
        self._read_columns: ColumnReader | None = getattr(source, "read_columns", None)
        self._maker: Callable[..., Json] | None = None    # built on first use: page() only
        self._template = _record_template(sobject, self._url_prefix,
                                          [key for key, _, _ in self._top])
        # What a page reads column by column: the Id (for urls), each field, each lookup's fk.
        self._reads = ["Id", *(payload[0] if kind == _FIELD else payload[0].fk_name
                               for _, kind, payload in self._top if kind in _READ)]

    def __call__(self, row: Row) -> Json:
        record: Json = {"attributes": {"type": self._sobject,
                                       "url": f"{self._url_prefix}{row.get('Id')}"}}
        self._fill(record, row, self._top, "")
        return record

    def _columns(self, rows: Sequence[Row]) -> list[list[Any]] | None:
        if not rows or self._read_columns is None:
            return None
        return self._read_columns(rows, self._reads)

    def page(self, rows: Sequence[Row]) -> list[Json]:
        """Records of many rows: the same JSON as calling the formatter on each row."""
        columns = self._columns(rows)
        if columns is None:
            return [self(row) for row in rows]
        prefix, sobject = self._url_prefix, self._sobject
        out = [[{"type": sobject, "url": f"{prefix}{rid}"} for rid in columns[0]]]
        read = iter(columns[1:])
        for _, kind, payload in self._top:
            if kind == _FIELD:
                column = next(read)
                convert = payload[1]
                if convert is not None:
                    column = [None if v is None else convert(v) for v in column]
            elif kind == _PARENT:
                # One nested record per distinct parent on the page (owners and accounts
                # repeat); records are only encoded, never changed, so sharing is safe.
                column, (step, entries) = next(read), payload
                parents = {ref: self._parent(ref, step, entries) for ref in set(column)}
                column = [parents[ref] for ref in column]
            else:
                column = [self._value(kind, payload, row) for row in rows]
            out.append(column)
        if self._maker is None:
            self._maker = _record_maker(["attributes", *(key for key, _, _ in self._top)])
        return list(map(self._maker, *out))

    def page_json(self, rows: Sequence[Row]) -> str | None:
        """The JSON text of ``page(rows)`` (compact, UTF-8 as is), written cell by cell.

        None when the rows cannot be read column by column (the caller then encodes
        :meth:`page`).
        """
        columns = self._columns(rows)
        if columns is None:
            return None
        cells = [columns[0]]  # record Ids go into the url unquoted: they are [0-9A-Za-z]
        read = iter(columns[1:])
        for _, kind, payload in self._top:
            if kind == _FIELD:
                column = next(read)
                convert = payload[1]
                if convert is not None:
                    column = [None if v is None else convert(v) for v in column]
                cells.append([_json_text(v) if type(v) is str else _json(v) for v in column])
            elif kind == _PARENT:
                column, (step, entries) = next(read), payload
                parents = {ref: _json(self._parent(ref, step, entries)) for ref in set(column)}
                cells.append([parents[ref] for ref in column])
            else:
                cells.append([_json(self._value(kind, payload, row)) for row in rows])
        return "[" + ",".join(map(self._template.format, *cells)) + "]"

    def _value(self, kind: int, payload: Any, row: Row) -> Any:
        if kind in (_LEAF, _COMPUTED):
            return payload(row)
        return self._typeof(row, payload)

    def _fill(self, record: Json, row: Row, entries: list[Entry], sobject: str) -> None:
        for key, kind, payload in entries:
            if kind == _FIELD:
                name, convert = payload
                value = row.get(name)
                record[key] = value if convert is None or value is None else convert(value)
            elif kind == _TYPE:
                record[key] = sobject
            elif kind == _PARENT:
                step, child_entries = payload
                record[key] = self._parent(row.get(step.fk_name), step, child_entries)
            else:
                record[key] = self._value(kind, payload, row)

    def _parent(self, ref: Any, step: RelStep, entries: list[Entry]) -> Json | None:
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

    def _typeof(self, row: Row, payload: tuple[str, dict[str, list[Entry]], list[Entry]]
                ) -> Json | None:
        fk_name, branches, otherwise = payload
        ref = row.get(fk_name)
        found = self._get_record(ref) if ref is not None else None
        if found is None:
            return None
        sobject, parent = found
        nested: Json = {"attributes": {"type": sobject, "url": f"{self._base}{sobject}/{ref}"}}
        self._fill(nested, parent, branches.get(sobject.lower(), otherwise), sobject)
        return nested
