"""A recursive-descent parser for the SOQL that integrations and ORM/ELT clients send.

Grammar (keywords case-insensitive; the SELECT list is in ``parse_select``)::

    query     := SELECT item (',' item)* FROM name [alias] [WHERE cond]
                 [WITH SECURITY_ENFORCED] [GROUP BY expr (',' expr)* [HAVING cond]]
                 [ORDER BY order (',' order)*] [LIMIT int] [OFFSET int]
    cond      := term (AND term)* | term (OR term)*     -- mixing needs parentheses
    term      := NOT term | '(' cond ')' | expr op value
               | expr [NOT] IN '(' value, ... ')' | expr [NOT] IN '(' query ')'
               | expr (INCLUDES|EXCLUDES) '(' ... ')'
    order     := expr [ASC|DESC] [NULLS (FIRST|LAST)]

Like Salesforce, AND and OR at one level without parentheses is an error ("unexpected token:
'OR'"). A sub-query's FROM may name a relationship (``Contacts``, ``Account.Contacts``).
Parts of SOQL the local org does not run (``USING SCOPE``, ``FOR UPDATE``, ``GROUP BY
ROLLUP``, ``WITH DATA CATEGORY`` ...) fail as MALFORMED_QUERY.
"""

from __future__ import annotations

from flask_sfsync.emulator.soql.ast import (
    And,
    Comparison,
    Condition,
    Expr,
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
    malformed,
    tokenize,
)
from flask_sfsync.emulator.soql.parse_select import parse_expr, parse_select_item
from flask_sfsync.emulator.soql.stream import TokenStream

__all__ = ["MAX_OFFSET", "parse"]

MAX_OFFSET = 2000
# Words that end a FROM clause instead of being an alias of the object.
_CLAUSE_WORDS = frozenset({
    "WHERE", "ORDER", "LIMIT", "OFFSET", "GROUP", "HAVING", "WITH", "USING", "FOR", "ALL",
    "UPDATE", "VIEW", "REFERENCE",
})
_COMPARISONS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})
_LITERAL_KINDS = {STRING: "string", NUMBER: "number", DATE: "date", DATETIME: "datetime"}


def parse(soql: str) -> Query:
    """The AST of ``soql``; SalesforceApiError(400, MALFORMED_QUERY) when it is not SOQL."""
    try:
        parser = _Parser(soql, tokenize(soql))
        query = parser.query(nested=False)
        if parser.token.kind != EOF:
            raise parser.unexpected()
        return query
    except RecursionError:
        # Thousands of nested parentheses: refuse rather than crash the server.
        raise malformed(soql, 0, "Query is too complicated") from None


class _Parser(TokenStream):
    # --- clauses ------------------------------------------------------------------------

    def query(self, nested: bool) -> Query:
        self.expect_word("SELECT")
        items = [self.select_item()]
        while self.at_punct(","):
            self.advance()
            items.append(self.select_item())
        self.expect_word("FROM")
        name = self.token
        if name.kind != IDENT or ("." in name.text and not nested):
            raise self.unexpected()
        self.advance()
        query = Query(items, name.text, name.pos)
        if self.token.kind == IDENT and self.token.upper not in _CLAUSE_WORDS:
            query.alias = self.advance().text
        if self.at_word("WHERE"):
            self.advance()
            query.where = self.condition()
        if self.at_word("WITH"):
            self.with_clause(query)
        if self.at_word("GROUP"):
            self.advance()
            self.expect_word("BY")
            query.group_by = [self.group_expr()]
            while self.at_punct(","):
                self.advance()
                query.group_by.append(self.group_expr())
            if self.at_word("HAVING"):
                self.advance()
                query.having = self.condition()
        if self.at_word("ORDER"):
            self.advance()
            self.expect_word("BY")
            query.order_by = [self.order_item()]
            while self.at_punct(","):
                self.advance()
                query.order_by.append(self.order_item())
        if self.at_word("LIMIT"):
            query.limit_pos = self.advance().pos
            query.limit = self.integer()
        if self.at_word("OFFSET"):
            self.advance()
            query.offset_pos = self.token.pos
            query.offset = self.integer()
        return query

    def select_item(self) -> SelectItem:
        return parse_select_item(self, lambda: self.query(nested=True))

    def with_clause(self, query: Query) -> None:
        start = self.advance()
        if self.at_word("SECURITY_ENFORCED"):
            self.advance()
            query.security_enforced = True
            return
        if self.at_word("USER_MODE", "SYSTEM_MODE"):
            # Access modes are Apex's (Database.query), not the API's.
            raise self.error(self.token.pos, f"unexpected token: '{self.token.text}'")
        raise self.error(start.pos, "WITH DATA CATEGORY is not supported by the local "
                         "Salesforce org")

    def group_expr(self) -> Expr:
        if self.at_word("ROLLUP", "CUBE") and self.peek().text == "(":
            raise self.unexpected()
        return parse_expr(self)

    def order_item(self) -> OrderItem:
        ref = parse_expr(self)
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

    # --- WHERE and HAVING ---------------------------------------------------------------

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
        ref = parse_expr(self)
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
            return self.membership(ref, "NOT IN")
        if self.at_word("IN"):
            self.advance()
            return self.membership(ref, "IN")
        if self.at_word("INCLUDES", "EXCLUDES"):
            op = self.advance().upper
            return Comparison(ref, op, self.value_list())
        raise self.unexpected()

    def membership(self, ref: Expr, op: str) -> Comparison:
        if self.at_punct("(") and self.peek().kind == IDENT and self.peek().upper == "SELECT":
            self.advance()
            sub = self.query(nested=True)
            self.expect_punct(")")
            return Comparison(ref, op, (), sub)
        return Comparison(ref, op, self.value_list())

    def value_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        values = [self.value()]
        while self.at_punct(","):
            self.advance()
            values.append(self.value())
        self.expect_punct(")")
        return tuple(values)

    def value(self) -> Literal:
        token = self.token
        if token.kind in _LITERAL_KINDS:
            self.advance()
            return Literal(_LITERAL_KINDS[token.kind], token.value, token.pos, token.text,
                           token.pattern)
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
