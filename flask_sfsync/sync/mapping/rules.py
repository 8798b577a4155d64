"""The field rules: which host field goes to which Salesforce field, converted how.

:data:`LEAD_RULES` and :data:`CONTACT_RULES` are the defaults; a connection changes them per
object with its ``field_map`` (:func:`rules_for`). What a mapping reads from a connection's
settings is :class:`MappingSettings` (:class:`~flask_sfsync.sync.push.settings.PushSettings`
has it), so push, pull and enrichment share one mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..custom_fields import (
    ADDITIONAL_PHONES_FIELD,
    MEETING_DATE_FIELD,
    NOTES_FIELD,
    TAGS_FIELD,
)

__all__ = [
    "CONTACT_RULES",
    "LEAD_RULES",
    "FieldRule",
    "MappingSettings",
    "is_empty",
    "rules_for",
]


class MappingSettings(Protocol):
    """A connection's choices the mapping follows."""

    @property
    def field_map(self) -> Mapping[str, Mapping[str, str]]:
        """Changes to the default rules, per object: ``{"Lead": {"host_field": "Sf__c"}}``;
        a host field mapped to "" is not written."""
        ...

    @property
    def clear_when_empty(self) -> frozenset[str]:
        """Salesforce fields that an empty host value clears (else it never blanks one)."""
        ...

    @property
    def stage_map(self) -> Mapping[str, str]:
        """Host stage -> Lead Status."""
        ...

    @property
    def lead_source(self) -> str | None: ...

    @property
    def lead_company_placeholder(self) -> str | None:
        """A new Lead's Company when the host has none (Salesforce requires one)."""
        ...


def as_is(value: Any) -> Any:
    """The converter of a value sent as the host has it."""
    return value


def _date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _joined(separator: str) -> Callable[[Any], Any]:
    def join(value: Any) -> Any:
        if isinstance(value, str) or not isinstance(value, Sequence):
            return value
        return separator.join(str(v) for v in value if not is_empty(v))

    return join


@dataclass(frozen=True)
class FieldRule:
    host: str
    target: str
    convert: Callable[[Any], Any] = as_is


_COMMON = (
    FieldRule("first_name", "FirstName"),
    FieldRule("last_name", "LastName"),
    FieldRule("email", "Email"),
    FieldRule("phone", "Phone"),
    FieldRule("title", "Title"),
    FieldRule("meeting_date", MEETING_DATE_FIELD, _date),
    FieldRule("notes", NOTES_FIELD),
    FieldRule("tags", TAGS_FIELD, _joined("; ")),
    FieldRule("additional_phones", ADDITIONAL_PHONES_FIELD, _joined(", ")),
)
# Lead keeps the company as text; a Contact's company is its Account (see push/accounts.py).
# Stage -> Lead Status goes through the settings' stage map, not a rule.
LEAD_RULES: tuple[FieldRule, ...] = (*_COMMON, FieldRule("company", "Company"))
CONTACT_RULES: tuple[FieldRule, ...] = _COMMON


def rules_for(sobject: str, settings: MappingSettings | None = None) -> tuple[FieldRule, ...]:
    """The default rules of ``sobject``, changed by the settings' ``field_map``."""
    defaults = LEAD_RULES if sobject == "Lead" else CONTACT_RULES
    changes = settings.field_map.get(sobject, {}) if settings is not None else {}
    if not changes:
        return defaults
    rules = {rule.host: rule for rule in defaults}
    for host, target in changes.items():
        if not target:
            rules.pop(host, None)
        else:
            convert = rules[host].convert if host in rules else as_is
            rules[host] = FieldRule(host, target, convert)
    return tuple(rules.values())


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Collection):
        return not any(not is_empty(v) for v in value)
    return False
