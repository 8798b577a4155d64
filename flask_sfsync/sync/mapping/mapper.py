"""Mapping a host record (a plain dict) to Lead or Contact fields.

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

from collections.abc import Callable, Collection, Mapping
from typing import Any

from .rules import MappingSettings, as_is, is_empty, rules_for

__all__ = ["Mapper", "compile_mapping", "map_contact"]

Mapper = Callable[[Mapping[str, Any]], dict[str, Any]]


def map_contact(
    contact: Mapping[str, Any],
    sobject: str,
    settings: MappingSettings,
    *,
    available: Collection[str] | None = None,
) -> dict[str, Any]:
    """Salesforce fields for ``contact`` as ``sobject``.

    ``available``: the org's field names for ``sobject``, lower-cased (from describe); rules
    for fields it lacks are skipped. None: every rule applies (no describe at hand).
    """
    return compile_mapping(sobject, settings, available)(contact)


def compile_mapping(
    sobject: str, settings: MappingSettings, available: Collection[str] | None = None
) -> Mapper:
    """:func:`map_contact` for one object and settings, with the rules resolved once: a push
    maps every contact with the same rules, and resolving them per contact was most of the
    mapping's cost."""
    clear = settings.clear_when_empty

    def usable(target: str) -> bool:
        return available is None or target.lower() in available

    # (host key, target, converter or None, clear when empty)
    rules = tuple(
        (rule.host, rule.target, None if rule.convert is as_is else rule.convert,
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
    """:func:`~.rules.is_empty`, with the common cases first."""
    if value is None:
        return True
    if value.__class__ is str:
        return not value or value.isspace()
    return is_empty(value)
