"""Building SOQL text safely: literals, long IN lists in chunks.

Values become literals through simple-salesforce's :func:`~simple_salesforce.format.format_soql`
and :func:`~simple_salesforce.format.quote_soql_value` (its escapes are Salesforce's list:
backslash, both quotes, ``\\n \\r \\t \\b \\f``), re-exported here so that every statement
is built one way::

    format_soql("SELECT Id FROM User WHERE Email IN {} AND IsActive = {}", emails, True)

Field and object names are not values: they are written into the text as they are, so they
must come from us or from describe, never from a person.

simple-salesforce writes a ``datetime`` with a ``+00:00`` offset and reads a naive one as
local time: :func:`datetime_literal` writes ``...Z`` and refuses naive datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from simple_salesforce.format import format_soql, quote_soql_value

__all__ = [
    "MAX_SOQL_CHARS",
    "datetime_literal",
    "format_soql",
    "in_chunks",
    "in_list",
    "quote",
    "quote_soql_value",
]

# Salesforce's limit is 100,000 characters per statement; Composite subrequests carry the
# statement in a JSON body, so a long IN list does not meet the 16,384-byte URI limit. Keep
# margin for the rest of the statement.
MAX_SOQL_CHARS = 60_000


def quote(value: str) -> str:
    """A SOQL string literal."""
    return quote_soql_value(value)


def datetime_literal(value: dt.datetime) -> str:
    """A dateTime literal in UTC, ``2024-01-01T00:00:00Z`` (no quotes).

    ``value`` must be aware (a naive one could be any zone). Fractions of a second are dropped,
    i.e. rounded down: ``SystemModstamp >= <literal>`` then never misses a record of that
    second (a pull reads back a lookback window and applies idempotently anyway)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a SOQL dateTime needs an aware datetime (its zone)")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_chunks(
    values: Iterable[str], *, max_chars: int = MAX_SOQL_CHARS, max_items: int = 1000
) -> Iterator[Sequence[str]]:
    """Groups of values for :func:`in_list`, each under ``max_chars`` once quoted and at most
    ``max_items`` long."""
    chunk: list[str] = []
    size = 0
    for value in values:
        cost = len(quote(value)) + 1
        if chunk and (size + cost > max_chars or len(chunk) >= max_items):
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk


def in_list(values: Iterable[str]) -> str:
    """``('a','b')``: the right side of ``IN``."""
    return quote_soql_value(list(values))
