"""Sorting and paging of list pages, from whitelisted query-string values only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

#: What a sort key may order by: mapped columns or SQL expressions.
Orderable = QueryableAttribute[Any] | ColumnElement[Any]


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool

    def toggled(self, key: str) -> dict[str, str]:
        """Query args for a column header: a second click on the sorted column flips it."""
        descending = not self.descending if key == self.key else False
        return {"sort": key, "dir": "desc" if descending else "asc"}


def read_sort(allowed: Mapping[str, Sequence[Orderable]], default: str) -> Sort:
    key = request.args.get("sort", default)
    if key not in allowed:
        key = default
    return Sort(key, request.args.get("dir") == "desc")


def apply_sort(
    stmt: Select[Any], sort: Sort, allowed: Mapping[str, Sequence[Orderable]]
) -> Select[Any]:
    columns = allowed[sort.key]
    # Empty values last either way: a list sorted by company starts with companies.
    ordered = [(c.desc() if sort.descending else c.asc()).nulls_last() for c in columns]
    return stmt.order_by(*ordered)


def read_page() -> int:
    raw = request.args.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (``%`` and ``_`` escaped with ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
