"""The token stream the recursive-descent parser reads: lookahead, expectations, errors."""

from __future__ import annotations

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.soql.ast import FieldRef
from flask_sfsync.emulator.soql.lexer import EOF, IDENT, NUMBER, PUNCT, Token, malformed, unexpected

__all__ = ["MAX_INT", "UNSUPPORTED", "TokenStream"]

MAX_INT = 2**31 - 1
# Parts of SOQL the local org does not run: reported by name rather than as a bare token.
UNSUPPORTED = frozenset({"USING", "FOR", "UPDATE", "ROLLUP", "CUBE", "DISTANCE", "GEOLOCATION"})


class TokenStream:
    def __init__(self, soql: str, tokens: list[Token]) -> None:
        self.soql = soql
        self.tokens = tokens
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != EOF:
            self.index += 1
        return token

    def at_word(self, *words: str) -> bool:
        return self.token.kind == IDENT and self.token.upper in words

    def at_punct(self, char: str) -> bool:
        return self.token.kind == PUNCT and self.token.text == char

    def at_call(self) -> bool:
        """A name followed by "(": a function call."""
        following = self.peek()
        return (self.token.kind == IDENT and "." not in self.token.text
                and following.kind == PUNCT and following.text == "(")

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
        if token.kind == IDENT and token.upper in UNSUPPORTED:
            return malformed(self.soql, token.pos,
                             f"{token.upper} is not supported by the local Salesforce org")
        return unexpected(self.soql, token)

    def error(self, pos: int, reason: str) -> SalesforceApiError:
        return malformed(self.soql, pos, reason)

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
        if token.value > MAX_INT:
            raise malformed(self.soql, token.pos, f"numeric value out of range: {token.text}")
        return token.value
