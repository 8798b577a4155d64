"""Validation rules an admin configures: a condition on the record being saved and a message.

As on Salesforce, a rule's *error condition* is true for a record that must not be saved; the
save then fails with FIELD_CUSTOM_VALIDATION_EXCEPTION, the rule's message, and in ``fields``
the rule's error field (none when the error shows at the top of the page). Rules run after the
system checks (types, lengths, picklists, required fields) and before the duplicate rule, in
the order of Salesforce's order of execution, for every create and update a user or the API
makes; system-mode writes (lead conversion, merges, automation) skip them, as Salesforce does
unless "Require Validation for Converted Leads" is on.

A condition is either a :class:`Condition` (``blank``, ``not_blank``, ``equals``, ``matches``,
``not_matches`` a regular expression, on one field: what the control API accepts, and what is
kept when the org is saved to ``--data``) or a Python predicate given through the handle
(``record -> bool``; not saved with the org).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.model import ObjectDef

__all__ = [
    "CONDITION_KINDS",
    "Condition",
    "Predicate",
    "RecordAsSaved",
    "ValidationRule",
    "ValidationRules",
]

CONDITION_KINDS = ("blank", "not_blank", "equals", "matches", "not_matches")
Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """An error condition on one field, e.g. ``Condition("Email", "blank")``."""

    field: str
    kind: str
    value: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in CONDITION_KINDS:
            raise ValueError(f"condition is one of {', '.join(CONDITION_KINDS)}, not "
                             f"{self.kind!r}")
        if self.kind in ("equals", "matches", "not_matches") and self.value is None:
            raise ValueError(f"a {self.kind!r} condition needs a value")
        if self.kind in ("matches", "not_matches"):
            re.compile(str(self.value))  # re.error (a ValueError) for a bad pattern

    def __call__(self, record: Mapping[str, Any]) -> bool:
        value = record.get(self.field)
        text = "" if value is None else str(value)
        if self.kind == "blank":
            return text == ""
        if self.kind == "not_blank":
            return text != ""
        if self.kind == "equals":
            return text == self.value
        matched = re.fullmatch(str(self.value), text) is not None
        # REGEX() on a blank field is false, so NOT(REGEX(...)) rules spare blank values.
        return matched if self.kind == "matches" else (text != "" and not matched)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "is": self.kind}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass(slots=True)
class ValidationRule:
    sobject: str
    name: str
    condition: Condition | Predicate
    message: str
    error_field: str | None = None
    active: bool = True

    def as_json(self) -> dict[str, Any]:
        condition = self.condition.as_json() if isinstance(self.condition, Condition) \
            else {"python": getattr(self.condition, "__name__", "predicate")}
        return {"sobject": self.sobject, "name": self.name, "condition": condition,
                "message": self.message, "error_field": self.error_field, "active": self.active}


class ValidationRules:
    """The org's rules by object, in the order they were added."""

    def __init__(self) -> None:
        self._rules: dict[str, list[ValidationRule]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Python predicates do not survive pickling (lambdas); only Condition rules are saved.
        return {"_rules": {name: [r for r in rules if isinstance(r.condition, Condition)]
                           for name, rules in self._rules.items()}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._rules = state["_rules"]

    def add(self, obj: ObjectDef, rule: ValidationRule) -> ValidationRule:
        if rule.error_field is not None:
            fdef = obj.field(rule.error_field)
            if fdef is None:
                raise ValueError(f"no field {rule.error_field!r} on {obj.name}")
            rule.error_field = fdef.name
        if isinstance(rule.condition, Condition) and obj.field(rule.condition.field) is None:
            raise ValueError(f"no field {rule.condition.field!r} on {obj.name}")
        rule.sobject = obj.name
        rules = self._rules.setdefault(obj.name, [])
        rules[:] = [r for r in rules if r.name.lower() != rule.name.lower()]
        rules.append(rule)
        return rule

    def remove(self, sobject: str, name: str | None = None) -> int:
        """Remove one rule (or all of an object's, ``name=None``); how many went."""
        rules = self._rules.get(sobject, [])
        keep = [] if name is None else [r for r in rules if r.name.lower() != name.lower()]
        self._rules[sobject] = keep
        return len(rules) - len(keep)

    def clear(self) -> None:
        self._rules.clear()

    def all(self) -> list[ValidationRule]:
        return [rule for rules in self._rules.values() for rule in rules]

    def has_rules(self, sobject: str) -> bool:
        return any(rule.active for rule in self._rules.get(sobject, ()))

    def check(self, obj: ObjectDef, record: Mapping[str, Any]) -> None:
        """FIELD_CUSTOM_VALIDATION_EXCEPTION for the first active rule ``record`` fails."""
        for rule in self._rules.get(obj.name, ()):
            if rule.active and rule.condition(record):
                raise SalesforceApiError(
                    400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message,
                    [rule.error_field] if rule.error_field else [])


class RecordAsSaved(Mapping[str, Any]):
    """What a rule sees: the record's stored values with the write's changes over them.

    Keys are API names in any case; values are Python values (str, bool, numbers, dates).
    """

    __slots__ = ("_changes", "_current", "_obj")

    def __init__(self, obj: ObjectDef, changes: Mapping[str, Any],
                 current: Callable[[str], Any]) -> None:
        self._obj = obj
        self._changes = {name.lower(): value for name, value in changes.items()}
        self._current = current

    def __getitem__(self, name: str) -> Any:
        lower = name.lower()
        if lower not in self._obj.fields:
            raise KeyError(name)
        if lower in self._changes:
            return self._changes[lower]
        return self._current(lower)

    def __iter__(self) -> Any:
        return (f.name for f in self._obj.fields.values())

    def __len__(self) -> int:
        return len(self._obj.fields)
