"""The parsed form of a SOQL query: names as written, positions kept for error messages.

Nothing here knows the schema; ``paths`` resolves names against the org's objects.

An expression (:data:`Expr`) is a field path or a function call: an aggregate (``COUNT(Id)``),
a date function (``CALENDAR_YEAR(CreatedDate)``), ``toLabel(Status)``, ``FORMAT(Amount)`` or
``convertTimezone(CreatedDate)``. A select item is an expression with an optional alias,
``FIELDS(ALL)``, a parent-to-child sub-query or a ``TYPEOF`` block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AGGREGATES",
    "And",
    "Call",
    "Comparison",
    "Condition",
    "Expr",
    "FieldRef",
    "FieldsItem",
    "Literal",
    "Not",
    "Or",
    "OrderItem",
    "Query",
    "SelectItem",
    "SubqueryItem",
    "TypeofItem",
    "TypeofWhen",
    "ValueItem",
]

#: Aggregate functions (upper case); COUNT() with no argument is the count query.
AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})


@dataclass(frozen=True, slots=True)
class FieldRef:
    path: str          # as written: "Account.Name", "email"
    pos: int

    @property
    def parts(self) -> list[str]:
        return self.path.split(".")


@dataclass(frozen=True, slots=True)
class Call:
    """``NAME(arg)``; ``arg`` is None only for ``COUNT()``."""

    name: str                        # upper-cased: COUNT, CALENDAR_YEAR, TOLABEL, FORMAT ...
    arg: Expr | None
    pos: int
    written: str                     # the call as written, for messages and CSV columns

    @property
    def path(self) -> str:
        return self.written

    @property
    def is_aggregate(self) -> bool:
        return self.name in AGGREGATES or (self.arg is not None and isinstance(self.arg, Call)
                                           and self.arg.is_aggregate)


Expr = FieldRef | Call


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
    field: Expr
    op: str                          # = != < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES
    values: tuple[Literal, ...]      # one value, or the list of IN/INCLUDES
    subquery: Query | None = None    # a semi-join (IN) or anti-join (NOT IN) sub-select


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
class ValueItem:
    """A field path or function call in SELECT, with its alias."""

    expr: Expr
    alias: str | None = None

    @property
    def field(self) -> Expr:
        return self.expr

    @property
    def pos(self) -> int:
        return self.expr.pos


@dataclass(frozen=True, slots=True)
class FieldsItem:
    """``FIELDS(STANDARD|CUSTOM|ALL)``."""

    kind: str                        # STANDARD, CUSTOM or ALL
    pos: int


@dataclass(frozen=True, slots=True)
class SubqueryItem:
    """``(SELECT ... FROM Contacts ...)``: a parent-to-child relationship query."""

    query: Query
    pos: int


@dataclass(frozen=True, slots=True)
class TypeofWhen:
    sobject: str
    pos: int
    fields: tuple[FieldRef, ...]


@dataclass(frozen=True, slots=True)
class TypeofItem:
    """``TYPEOF What WHEN Account THEN Phone ... ELSE Name END``."""

    field: FieldRef
    whens: tuple[TypeofWhen, ...]
    otherwise: tuple[FieldRef, ...]
    pos: int


SelectItem = ValueItem | FieldsItem | SubqueryItem | TypeofItem


@dataclass(frozen=True, slots=True)
class OrderItem:
    field: Expr
    descending: bool
    nulls_first: bool | None        # None: Salesforce's default placement


@dataclass(slots=True)
class Query:
    select: list[SelectItem]
    sobject: str
    sobject_pos: int
    alias: str | None = None
    where: Condition | None = None
    security_enforced: bool = False
    group_by: list[Expr] = field(default_factory=list)
    having: Condition | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    offset_pos: int = 0
    limit_pos: int = 0
