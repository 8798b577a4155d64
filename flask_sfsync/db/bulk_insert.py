"""INSERT many rows fast: one compiled statement, one driver ``executemany``.

Links and history of a 100,000-contact push are written through here (see
:func:`insert_many`); :func:`chunks` keeps IN lists under old SQLite builds' 999 parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from ..host import SessionLike

__all__ = ["chunks", "insert_many"]

CHUNK = 900  # bound parameters per IN list (old SQLite builds allow 999)


def insert_many(
    session: SessionLike, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) with one driver ``executemany``.

    SQLAlchemy's own executemany processes every parameter of every row in Python, which
    was most of the time a 100,000-contact push spent storing its links and history. Here
    the statement is compiled once, and only columns whose type converts values (dates on
    SQLite, our ``UTCDateTime``) are converted: a value repeated from the previous row (the
    chunk's timestamp) is converted once.
    """
    if not rows:
        return
    conn = session.connection()
    sql, order, processors = _prepared(table, tuple(columns), conn.dialect)
    if any(processors):
        rows = _converted(rows, processors)
    params: list[Any]
    if order is None:
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    elif order == list(range(len(columns))):
        params = rows if isinstance(rows, list) else list(rows)
    else:
        params = [tuple(row[i] for i in order) for row in rows]
    conn.exec_driver_sql(sql, params)


_Prepared = tuple[str, list[int] | None, list[Any]]  # converters: Callable | None
_PREPARED: dict[tuple[int, tuple[str, ...], str], tuple[sa.Table, _Prepared]] = {}


def _prepared(table: sa.Table, columns: tuple[str, ...], dialect: sa.Dialect) -> _Prepared:
    """The statement, the parameter order (None: named parameters) and each column's
    converter, once per table, columns and dialect (compiling costs more than 200 rows)."""
    key = (id(table), columns, dialect.name)
    cached = _PREPARED.get(key)
    if cached is not None and cached[0] is table:
        return cached[1]
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    order = (
        [columns.index(name) for name in compiled.positiontup or ()]
        if compiled.positional else None
    )
    prepared: _Prepared = (compiled.string, order, processors)
    _PREPARED[key] = (table, prepared)
    return prepared


def _converted(
    rows: Sequence[Sequence[Any]], processors: Sequence[Callable[[Any], Any] | None]
) -> list[tuple[Any, ...]]:
    out = [tuple(row) for row in rows]
    for i, convert in enumerate(processors):
        if convert is None:
            continue
        first = out[0][i]
        if all(row[i] is first for row in out):  # one timestamp for the whole chunk
            value = convert(first)
            out = [(*row[:i], value, *row[i + 1 :]) for row in out]
        else:
            out = [(*row[:i], convert(row[i]), *row[i + 1 :]) for row in out]
    return out


def chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
