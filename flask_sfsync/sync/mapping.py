"""The default field mapping: a host contact (a plain dict) -> Lead or Contact fields.

Rules the mapping keeps:

* a host field with no rule is never written;
* a rule whose Salesforce field the org does not have (a custom field not created yet) is
  skipped, so a push never fails on our own mapping;
* an empty host value (None, "", whitespace, an empty list) never blanks out Salesforce's
  value, unless the settings name the field in ``clear_when_empty``;
* values are sent as the host has them: no truncation or validation here, so Salesforce's own
  errors (``STRING_TOO_LONG``, ``INVALID_EMAIL_ADDRESS`` ...) reach the error log verbatim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict

from flask_sfsync.salesforce.custom_fields import (
    ADDITIONAL_PHONES_FIELD,
    MEETING_DATE_FIELD,
    NOTES_FIELD,
    TAGS_FIELD,
)

from .settings import PushSettings

__all__ = [
    "CONTACT_RULES",
    "LEAD_RULES",
    "FieldRule",
    "HostContact",
    "Mapper",
    "compile_mapping",
    "is_empty",
    "map_contact",
    "rules_for",
]


class HostContact(TypedDict, total=False):
    """What the host adapter gives the sync core for one contact."""

    id: Required[str]
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None
    company: str | None
    stage: str | None
    owner_email: str | None  # the host user who owns the contact -> Salesforce OwnerId
    meeting_date: dt.date | str | None
    notes: str | None
    tags: Sequence[str] | str | None
    additional_phones: Sequence[str] | str | None


def _text(value: Any) -> Any:
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
    convert: Callable[[Any], Any] = _text


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
# Lead keeps the company as text; a Contact's company is its Account (see accounts.py).
# Stage -> Lead Status goes through the settings' stage map, not a rule.
LEAD_RULES: tuple[FieldRule, ...] = (*_COMMON, FieldRule("company", "Company"))
CONTACT_RULES: tuple[FieldRule, ...] = _COMMON


def rules_for(sobject: str, settings: PushSettings | None = None) -> tuple[FieldRule, ...]:
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
            convert = rules[host].convert if host in rules else _text
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


def map_contact(
    contact: Mapping[str, Any],
    sobject: str,
    settings: PushSettings,
    *,
    available: Collection[str] | None = None,
) -> dict[str, Any]:
    """Salesforce fields for ``contact`` as ``sobject``.

    ``available``: the org's field names for ``sobject``, lower-cased (from describe); rules
    for fields it lacks are skipped. None: every rule applies (no describe at hand).
    """
    return compile_mapping(sobject, settings, available)(contact)


Mapper = Callable[[Mapping[str, Any]], dict[str, Any]]


def compile_mapping(
    sobject: str, settings: PushSettings, available: Collection[str] | None = None
) -> Mapper:
    """:func:`map_contact` for one object and settings, with the rules resolved once: a push
    maps every contact with the same rules, and resolving them per contact was most of the
    mapping's cost."""
    clear = settings.clear_when_empty

    def usable(target: str) -> bool:
        return available is None or target.lower() in available

    # (host key, target, converter or None, clear when empty)
    rules = tuple(
        (rule.host, rule.target, None if rule.convert is _text else rule.convert,
         rule.target in clear)
        for rule in rules_for(sobject, settings)
        if usable(rule.target)
    )
    lead = sobject == "Lead"
    placeholder = settings.lead_company_placeholder if lead and usable("Company") else None
    status = dict(settings.stage_map) if lead and usable("Status") else {}
    clear_status = "Status" in clear
    source = settings.lead_source if usable("LeadSource") else None
    source_empty = source is not None and _empty(source)

    def mapper(contact: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        get = contact.get
        for host, target, convert, clears in rules:
            value = get(host)
            if value is None:  # the usual empty (every converter keeps None as None)
                if clears:
                    out[target] = None
                continue
            if convert is not None:
                value = convert(value)
            if value.__class__ is str and value and not value.isspace():
                out[target] = value  # the usual value, without a call
            elif not _empty(value):
                out[target] = value
            elif clears:
                out[target] = None
        if placeholder and "Company" not in out:
            out["Company"] = placeholder
        if status:
            stage = get("stage")
            if stage is not None and stage in status:
                value = status[stage]
                if not _empty(value):
                    out["Status"] = value
                elif clear_status:
                    out["Status"] = None
        if source:
            if not source_empty:
                out["LeadSource"] = source
            elif "LeadSource" in clear:
                out["LeadSource"] = None
        return out

    return mapper


def _empty(value: Any) -> bool:
    """:func:`is_empty`, with the common cases first."""
    if value is None:
        return True
    if value.__class__ is str:
        return not value or value.isspace()
    return is_empty(value)
