"""A recursive-descent parser for the SOQL that integrations send.

Grammar (keywords case-insensitive)::

    query     := SELECT item (',' item)* FROM name [alias] [WHERE cond]
                 [ORDER BY order (',' order)*] [LIMIT int] [OFFSET int]
    item      := COUNT '(' [path] ')' [alias] | path
    cond      := term (AND term)* | term (OR term)*     -- mixing needs parentheses
    term      := NOT term | '(' cond ')' | path op value
               | path [NOT] IN '(' value, ... ')' | path (INCLUDES|EXCLUDES) '(' ... ')'
    order     := path [ASC|DESC] [NULLS (FIRST|LAST)]

Like Salesforce, AND and OR at one level without parentheses is an error ("unexpected token:
'OR'"). Unsupported parts of SOQL (sub-queries, GROUP BY, TYPEOF ...) fail as MALFORMED_QUERY.
"""

from __future__ import annotations

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.soql.ast import (
    And,
    Comparison,
    Condition,
    CountItem,
    FieldItem,
    FieldRef,
    Literal,
    Not,
    Or,
    OrderItem,
    Query,
    SelectItem,
)
from flask_sfsync.emulator.soql.dates import DATE_LITERALS, N_DATE_LITERALS
from flask_sfsync.emulator.soql.lexer import (
    DATE,
    DATETIME,
    EOF,
    IDENT,
    NUMBER,
    OP,
    PUNCT,
    STRING,
    Token,
    malformed,
    tokenize,
    unexpected,
)

__all__ = ["MAX_OFFSET", "parse"]

MAX_OFFSET = 2000
_MAX_INT = 2**31 - 1
# Words that end a FROM clause instead of being an alias of the object.
_CLAUSE_WORDS = frozenset({
    "WHERE", "ORDER", "LIMIT", "OFFSET", "GROUP", "HAVING", "WITH", "USING", "FOR", "ALL",
    "UPDATE", "VIEW", "REFERENCE",
})
_UNSUPPORTED = frozenset({"GROUP", "HAVING", "WITH", "USING", "TYPEOF", "ALL", "FOR"})
_COMPARISONS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})


def parse(soql: str) -> Query:
    """The AST of ``soql``; SalesforceApiError(400, MALFORMED_QUERY) when it is not SOQL."""
    try:
        return _Parser(soql).query()
    except RecursionError:
        # Thousands of nested parentheses: refuse rather than crash the server.
        raise malformed(soql, 0, "Query is too complicated") from None


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.index = 0

    # --- token helpers ------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != EOF:
            self.index += 1
        return token

    def at_word(self, *words: str) -> bool:
        return self.token.kind == IDENT and self.token.upper in words

    def at_punct(self, char: str) -> bool:
        return self.token.kind == PUNCT and self.token.text == char

    def expect_word(self, word: str) -> Token:
        if not self.at_word(word):
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, char: str) -> Token:
        if not self.at_punct(char):
            raise self.unexpected()
        return self.advance()

    def unexpected(self) -> SalesforceApiError:
        token = self.token
        if token.kind == IDENT and token.upper in _UNSUPPORTED:
            return malformed(self.soql, token.pos,
                             f"{token.upper} is not supported by the local Salesforce org")
        return unexpected(self.soql, token)

    def path(self) -> FieldRef:
        token = self.token
        if token.kind != IDENT:
            raise self.unexpected()
        self.advance()
        return FieldRef(token.text, token.pos)

    def integer(self) -> int:
        token = self.token
        if token.kind != NUMBER or not isinstance(token.value, int) or token.text[0] in "+-":
            raise self.unexpected()
        self.advance()
        if token.value > _MAX_INT:
            raise malformed(self.soql, token.pos, f"numeric value out of range: {token.text}")
        return token.value

    # --- clauses ------------------------------------------------------------------------

    def query(self) -> Query:
        self.expect_word("SELECT")
        items = [self.select_item()]
        while self.at_punct(","):
            self.advance()
            items.append(self.select_item())
        self.expect_word("FROM")
        name = self.token
        if name.kind != IDENT or "." in name.text:
            raise self.unexpected()
        self.advance()
        query = Query(items, name.text, name.pos)
        if self.token.kind == IDENT and self.token.upper not in _CLAUSE_WORDS:
            query.alias = self.advance().text
        if self.at_word("WHERE"):
            self.advance()
            query.where = self.condition()
        if self.at_word("ORDER"):
            self.advance()
            self.expect_word("BY")
            query.order_by = [self.order_item()]
            while self.at_punct(","):
                self.advance()
                query.order_by.append(self.order_item())
        if self.at_word("LIMIT"):
            self.advance()
            query.limit = self.integer()
        if self.at_word("OFFSET"):
            self.advance()
            query.offset_pos = self.token.pos
            query.offset = self.integer()
        if self.token.kind != EOF:
            raise self.unexpected()
        return query

    def select_item(self) -> SelectItem:
        token = self.token
        if self.at_punct("("):
            raise malformed(self.soql, token.pos,
                            "relationship sub-queries are not supported by the local "
                            "Salesforce org")
        if self.at_word("COUNT") and self.tokens[self.index + 1].text == "(":
            self.advance()
            self.advance()
            ref = None if self.at_punct(")") else self.path()
            self.expect_punct(")")
            alias = None
            if self.token.kind == IDENT and self.token.upper not in ("FROM",):
                alias = self.advance().text
            return CountItem(ref, alias, token.pos)
        if self.at_word("TYPEOF", "FIELDS"):
            raise self.unexpected() if token.upper == "TYPEOF" else malformed(
                self.soql, token.pos, "FIELDS() is not supported by the local Salesforce org")
        return FieldItem(self.path())

    def order_item(self) -> OrderItem:
        ref = self.path()
        descending = False
        if self.at_word("ASC", "DESC"):
            descending = self.advance().upper == "DESC"
        nulls_first: bool | None = None
        if self.at_word("NULLS"):
            self.advance()
            if not self.at_word("FIRST", "LAST"):
                raise self.unexpected()
            nulls_first = self.advance().upper == "FIRST"
        return OrderItem(ref, descending, nulls_first)

    # --- WHERE --------------------------------------------------------------------------

    def condition(self) -> Condition:
        first = self.term()
        if not self.at_word("AND", "OR"):
            return first
        joiner = self.token.upper
        operands = [first]
        while self.at_word(joiner):
            self.advance()
            operands.append(self.term())
        if self.at_word("AND", "OR"):
            # Salesforce insists on parentheses when AND and OR meet.
            raise self.unexpected()
        return And(tuple(operands)) if joiner == "AND" else Or(tuple(operands))

    def term(self) -> Condition:
        if self.at_word("NOT"):
            self.advance()
            return Not(self.term())
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        ref = self.path()
        token = self.token
        if token.kind == OP and token.text in _COMPARISONS:
            self.advance()
            op = "!=" if token.text == "<>" else token.text
            return Comparison(ref, op, (self.value(),))
        if self.at_word("LIKE"):
            self.advance()
            return Comparison(ref, "LIKE", (self.value(),))
        if self.at_word("NOT"):
            self.advance()
            self.expect_word("IN")
            return Comparison(ref, "NOT IN", self.value_list())
        if self.at_word("IN", "INCLUDES", "EXCLUDES"):
            op = self.advance().upper
            return Comparison(ref, op, self.value_list())
        raise self.unexpected()

    def value_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        if self.at_word("SELECT"):
            raise malformed(self.soql, self.token.pos,
                            "semi-join sub-selects are not supported by the local "
                            "Salesforce org")
        values = [self.value()]
        while self.at_punct(","):
            self.advance()
            values.append(self.value())
        self.expect_punct(")")
        return tuple(values)

    def value(self) -> Literal:
        token = self.token
        kinds = {STRING: "string", NUMBER: "number", DATE: "date", DATETIME: "datetime"}
        if token.kind in kinds:
            self.advance()
            return Literal(kinds[token.kind], token.value, token.pos, token.text, token.pattern)
        if token.kind == PUNCT and token.text == ":":
            raise malformed(self.soql, token.pos, "Bind variables only allowed in Apex code")
        if token.kind != IDENT:
            raise self.unexpected()
        word = token.upper
        if word in ("TRUE", "FALSE"):
            self.advance()
            return Literal("boolean", word == "TRUE", token.pos, token.text)
        if word == "NULL":
            self.advance()
            return Literal("null", None, token.pos, token.text)
        if word in DATE_LITERALS:
            self.advance()
            return Literal("range", (word, 0), token.pos, token.text)
        if word in N_DATE_LITERALS:
            self.advance()
            self.expect_punct(":")
            n = self.integer()
            return Literal("range", (word, n), token.pos, f"{token.text}:{n}")
        raise self.unexpected()
