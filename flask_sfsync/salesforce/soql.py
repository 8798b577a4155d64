"""Building SOQL text safely: quoting values and chunking long IN lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

__all__ = ["MAX_SOQL_CHARS", "in_chunks", "in_list", "quote"]

# Salesforce's limit is 100,000 characters per statement; Composite subrequests carry the
# statement in a JSON body, so a long IN list does not meet the 16,384-byte URI limit. Keep
# margin for the rest of the statement.
MAX_SOQL_CHARS = 60_000

_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"'}


def quote(value: str) -> str:
    """A SOQL string literal."""
    return "'" + "".join(_ESCAPES.get(c, c) for c in value) + "'"


def in_chunks(
    values: Iterable[str], *, max_chars: int = MAX_SOQL_CHARS, max_items: int = 1000
) -> Iterator[Sequence[str]]:
    """Quoted-and-joined-ready groups of values, each under ``max_chars`` once quoted."""
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
    return "(" + ",".join(quote(v) for v in values) + ")"
