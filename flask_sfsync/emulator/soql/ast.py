"""The parsed form of a SOQL query: names as written, positions kept for error messages.

Nothing here knows the schema; ``paths`` resolves names against the org's objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "And",
    "Comparison",
    "Condition",
    "CountItem",
    "FieldItem",
    "FieldRef",
    "Literal",
    "Not",
    "Or",
    "OrderItem",
    "Query",
    "SelectItem",
]


@dataclass(frozen=True, slots=True)
class FieldRef:
    path: str          # as written: "Account.Name", "email"
    pos: int

    @property
    def parts(self) -> list[str]:
        return self.path.split(".")


@dataclass(frozen=True, slots=True)
class Literal:
    """A value in WHERE.

    kind: "string" | "number" | "boolean" | "null" | "date" | "datetime" | "range"
    (a relative date literal such as TODAY or LAST_N_DAYS:7: value is (NAME, n)).
    """

    kind: str
    value: object
    pos: int
    text: str
    pattern: str | None = None      # strings: the LIKE regular expression


@dataclass(frozen=True, slots=True)
class Comparison:
    field: FieldRef
    op: str                          # = != < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES
    values: tuple[Literal, ...]      # one value, or the list of IN/INCLUDES


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Condition, ...]


Condition = Comparison | Not | And | Or


@dataclass(frozen=True, slots=True)
class FieldItem:
    field: FieldRef


@dataclass(frozen=True, slots=True)
class CountItem:
    """COUNT() (field None: a count query) or COUNT(field) [alias] (an aggregate)."""

    field: FieldRef | None
    alias: str | None
    pos: int


SelectItem = FieldItem | CountItem


@dataclass(frozen=True, slots=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_first: bool | None        # None: Salesforce's default placement


@dataclass(slots=True)
class Query:
    select: list[SelectItem]
    sobject: str
    sobject_pos: int
    alias: str | None = None
    where: Condition | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    offset_pos: int = 0
