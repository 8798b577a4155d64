"""SOQL tokens, and Salesforce's way of pointing at the place where a query went wrong.

Salesforce echoes the offending line of the query with a caret under the error, then
``ERROR at Row:r:Column:c`` and the reason::

    \\nSELECT Id FORM Contact\\n          ^\\nERROR at Row:1:Column:11\\nunexpected token: 'FORM'

:func:`query_error` builds that message; every parse and resolve error goes through it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, NamedTuple

from flask_sfsync.emulator.errors import SalesforceApiError

__all__ = [
    "EOF",
    "Token",
    "malformed",
    "query_error",
    "tokenize",
    "unexpected",
]

# Token kinds.
IDENT: Final = "IDENT"      # names and keywords; dotted paths (Account.Name) are one token
STRING: Final = "STRING"
NUMBER: Final = "NUMBER"
DATE: Final = "DATE"
DATETIME: Final = "DATETIME"
OP: Final = "OP"            # = != <> < <= > >=
PUNCT: Final = "PUNCT"      # ( ) , :
EOF: Final = "EOF"

# How far back (in characters) the echoed line starts before the error column; Salesforce
# shows a window of about this size for long lines.
_ECHO_BEFORE = 40

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![A-Za-z_\d])")
# A date or datetime literal, loosely: checked strictly once matched so that a malformed one
# is reported as one token rather than as a date followed by garbage.
_TEMPORAL_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[0-9:.+\-Z]*)?")
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)
_OPERATORS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCTUATION = "(),:"
# Salesforce's quoted-string escapes; \% and \_ only mean something in LIKE patterns.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f",
            '"': '"', "'": "'", "\\": "\\"}


class Token(NamedTuple):
    # A named tuple: a query is tokenized on every call, and tuples are the cheapest to make.
    kind: str
    text: str                 # as written (keywords keep their case; errors quote it)
    pos: int                  # offset into the query text
    value: object = None      # str for STRING, int/float for NUMBER, date/datetime
    pattern: str | None = None  # STRING only: the LIKE regular expression it stands for

    @property
    def upper(self) -> str:
        return self.text.upper()


def query_error(soql: str, pos: int, error_code: str, reason: str) -> SalesforceApiError:
    """A 400 error whose message points at ``pos`` the way Salesforce's SOQL errors do."""
    pos = max(0, min(pos, max(len(soql) - 1, 0)))
    line_start = soql.rfind("\n", 0, pos) + 1
    line_end = soql.find("\n", pos)
    line = soql[line_start : line_end if line_end >= 0 else len(soql)]
    row = soql.count("\n", 0, pos) + 1
    col = pos - line_start
    start = 0
    if col > _ECHO_BEFORE:
        start = col - _ECHO_BEFORE
        # Start the echo at the beginning of the word the window cuts into.
        while start > 0 and not line[start - 1].isspace():
            start -= 1
    message = (
        f"\n{line[start:]}\n{' ' * (col - start)}^\n"
        f"ERROR at Row:{row}:Column:{col + 1}\n{reason}"
    )
    return SalesforceApiError(400, error_code, message)


def malformed(soql: str, pos: int, reason: str) -> SalesforceApiError:
    return query_error(soql, pos, "MALFORMED_QUERY", reason)


def unexpected(soql: str, token: Token) -> SalesforceApiError:
    shown = "<EOF>" if token.kind == EOF else f"'{token.text}'"
    return malformed(soql, token.pos, f"unexpected token: {shown}")


def tokenize(soql: str) -> list[Token]:
    """All tokens of ``soql`` followed by an EOF token."""
    tokens: list[Token] = []
    pos, size = 0, len(soql)
    while True:
        while pos < size and soql[pos].isspace():
            pos += 1
        if pos >= size:
            tokens.append(Token(EOF, "", size))
            return tokens
        token = _next_token(soql, pos)
        tokens.append(token)
        pos = token.pos + len(token.text)


def _next_token(soql: str, pos: int) -> Token:
    ch = soql[pos]
    if ch == "'":
        return _string(soql, pos)
    if ch.isdigit():
        temporal = _TEMPORAL_RE.match(soql, pos)
        if temporal:
            return _temporal(soql, pos, temporal.group())
    if ch.isdigit() or ch in "+-.":
        number = _NUMBER_RE.match(soql, pos)
        if number:
            text = number.group()
            value: float = float(text) if any(c in text for c in ".") else int(text)
            return Token(NUMBER, text, pos, value)
    if ch.isalpha() or ch == "_":
        match = _IDENT_RE.match(soql, pos)
        if match is not None:
            return Token(IDENT, match.group(), pos)
    for op in _OPERATORS:
        if soql.startswith(op, pos):
            return Token(OP, op, pos)
    if ch in _PUNCTUATION:
        return Token(PUNCT, ch, pos)
    # Salesforce's lexer reports a character it cannot start a token with like this.
    end = pos + 1
    while end < len(soql) and not soql[end].isspace() and soql[end] not in "(),'":
        end += 1
    raise malformed(soql, pos, f"unexpected token: '{soql[pos:end]}'")


def _temporal(soql: str, pos: int, text: str) -> Token:
    if "T" not in text:
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise malformed(soql, pos, f"unexpected token: '{text}'") from None
        return Token(DATE, text, pos, value)
    match = _DATETIME_RE.match(text)
    if match is None:
        raise malformed(soql, pos, f"unexpected token: '{text}'")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        value_dt = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=dt.UTC,
        )
    except ValueError:
        raise malformed(soql, pos, f"unexpected token: '{text}'") from None
    if zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value_dt = value_dt - offset if zone[0] == "+" else value_dt + offset
    return Token(DATETIME, text, pos, value_dt)


def _string(soql: str, start: int) -> Token:
    """A quoted string: its value, and the regex it means as a LIKE pattern."""
    value: list[str] = []
    pattern: list[str] = []
    pos = start + 1
    while pos < len(soql):
        ch = soql[pos]
        if ch == "'":
            return Token(STRING, soql[start : pos + 1], start, "".join(value), "".join(pattern))
        if ch == "\\":
            pos += 1
            esc = soql[pos] if pos < len(soql) else ""
            if esc in ("%", "_"):
                value.append(esc)
                pattern.append(re.escape(esc))
            elif esc.lower() in _ESCAPES or esc in _ESCAPES:
                char = _ESCAPES.get(esc, _ESCAPES.get(esc.lower(), ""))
                value.append(char)
                pattern.append(re.escape(char))
            else:
                raise malformed(
                    soql, pos - 1,
                    f"Invalid string literal '{soql[start:pos + 1]}'. "
                    f"Illegal character sequence '\\{esc}' in string literal.",
                )
        else:
            value.append(ch)
            pattern.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        pos += 1
    raise malformed(soql, start, "unexpected token: <EOF>")
