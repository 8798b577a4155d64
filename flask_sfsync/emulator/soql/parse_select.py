"""The SELECT list: fields, function calls with aliases, FIELDS(), sub-queries and TYPEOF.

::

    item      := '(' query ')' | FIELDS '(' STANDARD|CUSTOM|ALL ')'
               | TYPEOF path (WHEN name THEN path, ...)+ [ELSE path, ...] END
               | expr [alias]
    expr      := name '(' [expr] ')' | path
"""

from __future__ import annotations

from collections.abc import Callable

from flask_sfsync.emulator.soql.ast import (
    AGGREGATES,
    Call,
    Expr,
    FieldRef,
    FieldsItem,
    Query,
    SelectItem,
    SubqueryItem,
    TypeofItem,
    TypeofWhen,
    ValueItem,
)
from flask_sfsync.emulator.soql.lexer import IDENT
from flask_sfsync.emulator.soql.stream import TokenStream

__all__ = ["DATE_FUNCTIONS", "FUNCTIONS", "parse_expr", "parse_select_item"]

#: Date functions: what each returns from a date or dateTime value.
DATE_FUNCTIONS = frozenset({
    "CALENDAR_MONTH", "CALENDAR_QUARTER", "CALENDAR_YEAR", "DAY_IN_MONTH", "DAY_IN_WEEK",
    "DAY_IN_YEAR", "DAY_ONLY", "FISCAL_MONTH", "FISCAL_QUARTER", "FISCAL_YEAR", "HOUR_IN_DAY",
    "WEEK_IN_MONTH", "WEEK_IN_YEAR",
})
FUNCTIONS = AGGREGATES | DATE_FUNCTIONS | {"TOLABEL", "FORMAT", "CONVERTTIMEZONE"}
# Words after an item that are not its alias.
_NOT_ALIAS = frozenset({"FROM", "WHEN", "ELSE", "END", "THEN"})
_FIELDS_KINDS = ("STANDARD", "CUSTOM", "ALL")


def parse_expr(stream: TokenStream) -> Expr:
    """A field path, or a function call (whose argument is an expression)."""
    if not stream.at_call():
        return stream.path()
    name_token = stream.advance()
    name = name_token.upper
    if name not in FUNCTIONS:
        raise stream.error(name_token.pos, f"Unknown function: {name_token.text}")
    stream.expect_punct("(")
    arg: Expr | None = None
    if not stream.at_punct(")"):
        arg = parse_expr(stream)
    elif name != "COUNT":
        raise stream.unexpected()
    close = stream.expect_punct(")")
    return Call(name, arg, name_token.pos, stream.soql[name_token.pos:close.pos + 1])


def parse_select_item(stream: TokenStream, subquery: Callable[[], Query]) -> SelectItem:
    token = stream.token
    if stream.at_punct("("):
        stream.advance()
        query = subquery()
        stream.expect_punct(")")
        return SubqueryItem(query, token.pos)
    if stream.at_word("FIELDS") and stream.peek().text == "(":
        return _fields(stream)
    if stream.at_word("TYPEOF"):
        return _typeof(stream)
    expr = parse_expr(stream)
    alias = None
    if stream.token.kind == IDENT and stream.token.upper not in _NOT_ALIAS \
            and "." not in stream.token.text:
        # After a plain field a name is an alias only where the list goes on ("Name n,"
        # or "Name n FROM"): "SELECT Id FORM Contact" is a misspelled FROM.
        following = stream.peek()
        if isinstance(expr, Call) or following.text == "," or following.upper == "FROM":
            alias = stream.advance().text
    return ValueItem(expr, alias)


def _fields(stream: TokenStream) -> FieldsItem:
    start = stream.advance()
    stream.expect_punct("(")
    if not stream.at_word(*_FIELDS_KINDS):
        raise stream.unexpected()
    kind = stream.advance().upper
    stream.expect_punct(")")
    return FieldsItem(kind, start.pos)


def _field_list(stream: TokenStream) -> tuple[FieldRef, ...]:
    fields = [stream.path()]
    while stream.at_punct(","):
        stream.advance()
        fields.append(stream.path())
    return tuple(fields)


def _typeof(stream: TokenStream) -> TypeofItem:
    start = stream.advance()
    ref = stream.path()
    whens: list[TypeofWhen] = []
    while stream.at_word("WHEN"):
        stream.advance()
        name = stream.token
        if name.kind != IDENT or "." in name.text:
            raise stream.unexpected()
        stream.advance()
        stream.expect_word("THEN")
        whens.append(TypeofWhen(name.text, name.pos, _field_list(stream)))
    if not whens:
        raise stream.unexpected()
    otherwise: tuple[FieldRef, ...] = ()
    if stream.at_word("ELSE"):
        stream.advance()
        otherwise = _field_list(stream)
    stream.expect_word("END")
    return TypeofItem(ref, tuple(whens), otherwise, start.pos)
