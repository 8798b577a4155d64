"""A compact, read-only field mapping for planned writes.

A push of 100,000 contacts holds 100,000 planned records until they are written; as dicts
they take about 650 bytes each before their values. A :class:`Row` keeps the values in a tuple
and shares its tuple of field names with every row that has the same fields (most of them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Row"]

_COLUMNS: dict[tuple[str, ...], tuple[str, ...]] = {}


class Row(Mapping[str, Any]):
    __slots__ = ("_columns", "_values")

    def __init__(self, fields: Mapping[str, Any]) -> None:
        columns = tuple(fields)
        # One shared tuple per distinct set of names (bounded: names come from the mapping).
        self._columns = _COLUMNS.setdefault(columns, columns)
        self._values = tuple(fields.values())

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[self._columns.index(key)]
        except ValueError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self._columns, self._values, strict=True))

    def __repr__(self) -> str:
        return f"Row({dict(self)!r})"
