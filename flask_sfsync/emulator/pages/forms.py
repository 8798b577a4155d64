"""Record forms: the inputs for an object's fields, and the JSON values a posted form means.

A form shows the fields the signed-in user may write (their profile's view of the object);
read-only ones show as text. What it posts becomes the same JSON body an API client would
send, and goes through the same store calls, so every data rule is the API's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.pages.render import name_of, text
from flask_sfsync.emulator.pages.views import VIEWS, shown_in_form
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef

__all__ = [
    "CHOICES_MAX",
    "FormField",
    "OptionGroup",
    "RecordSource",
    "build",
    "label_of",
    "parse",
]

CHOICES_MAX = 500  # more records than this: a lookup is typed as an Id, not picked
_WIDGETS = {"email": "email", "phone": "tel", "url": "url", "date": "date",
            "datetime": "datetime-local", "int": "number", "double": "number",
            "currency": "number", "percent": "number", "textarea": "textarea",
            "boolean": "checkbox", "picklist": "select", "reference": "select"}


class RecordSource(Protocol):
    """What a form reads of the org: the records a lookup can point at."""

    def scan(self, sobject: str, include_deleted: bool = False) -> Iterable[Any]: ...
    def count(self, sobject: str, include_deleted: bool = False) -> int: ...


@dataclass
class OptionGroup:
    label: str
    options: list[tuple[str, str]]


@dataclass
class FormField:
    name: str
    label: str
    widget: str                       # an <input> type, "textarea", "select" or "readonly"
    value: str = ""
    checked: bool = False
    groups: list[OptionGroup] = field(default_factory=list)
    required: bool = False
    maxlength: int | None = None
    step: str | None = None
    error: str | None = None
    main: bool = False


def build(org: RecordSource, view: ObjectDef, row: Mapping[str, Any] | None,
          posted: Mapping[str, str] | None = None,
          errors: Mapping[str, str] | None = None) -> list[FormField]:
    """The form's fields, main ones first; ``posted`` refills them after a failed save."""
    creating = row is None
    main = VIEWS[view.name].main if view.name in VIEWS else []
    order = {name.lower(): i for i, name in enumerate(main)}
    chosen = [f for f in view.fields.values() if shown_in_form(view.name, f.lower)
              and (f.createable or f.updateable or f.lower in order)]
    chosen.sort(key=lambda f: order.get(f.lower, len(order)))
    out = []
    for fdef in chosen:
        writable = fdef.createable if creating else fdef.updateable
        item = FormField(fdef.name, label_of(fdef), _WIDGETS.get(fdef.type, "text"),
                         required=fdef.required_on_create or (not creating and not fdef.nillable
                                                              and fdef.type != "boolean"),
                         main=fdef.lower in order, error=(errors or {}).get(fdef.name))
        current = None if row is None else row.get(fdef.name)
        if not writable:
            if creating:
                continue
            item.widget, item.value = "readonly", _shown(org, fdef, current)
            out.append(item)
            continue
        _fill(org, item, fdef, current, posted, creating)
        out.append(item)
    return out


def label_of(fdef: FieldDef) -> str:
    """A lookup's label as a form shows it: "Account", not "Account ID" (it picks a name)."""
    if fdef.type == "reference" and fdef.label.endswith(" ID"):
        return fdef.label[:-3]
    return fdef.label


def _fill(org: RecordSource, item: FormField, fdef: FieldDef, current: Any,
          posted: Mapping[str, str] | None, creating: bool) -> None:
    if fdef.type in ("string", "email", "phone", "url", "textarea", "combobox"):
        item.maxlength = fdef.length or None
    if fdef.type in ("double", "currency", "percent"):
        item.step = "any"
    if posted is not None:
        item.value = posted.get(fdef.name, "")
        item.checked = fdef.name in posted
    elif fdef.type == "boolean":
        item.checked = bool(current if current is not None else fdef.default_value)
    elif current is None and creating and fdef.type == "picklist":
        item.value = fdef.default_picklist_value() or ""
    else:
        item.value = _input_value(fdef, current)
    if fdef.type == "picklist":
        options = [(v.value, v.label or v.value) for v in fdef.picklist_values if v.active]
        if item.value and item.value not in [o[0] for o in options]:
            options.append((item.value, item.value))
        item.groups = [OptionGroup("", [("", "--None--"), *options])]
    elif fdef.type == "reference":
        groups = _choices(org, fdef)
        if groups is None:
            item.widget = "text"  # too many records to list: type the Id
        else:
            item.groups = [OptionGroup("", [("", "--None--")]), *groups]


def _input_value(fdef: FieldDef, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    return text(value)


def _shown(org: RecordSource, fdef: FieldDef, value: Any) -> str:
    if fdef.type == "reference" and isinstance(value, str):
        for group in _choices(org, fdef) or []:
            for option_value, label in group.options:
                if option_value == value:
                    return label
    return text(value)


def _choices(org: RecordSource, fdef: FieldDef) -> list[OptionGroup] | None:
    targets = [t for t in fdef.reference_to if t in VIEWS]
    if sum(org.count(t) for t in targets) > CHOICES_MAX:
        return None
    groups = []
    for target in targets:
        options = sorted(((str(r["Id"]), name_of(target, r)) for r in org.scan(target)),
                         key=lambda o: o[1].lower())
        groups.append(OptionGroup(VIEWS[target].plural if len(targets) > 1 else "", options))
    return groups


def parse(view: ObjectDef, form: Mapping[str, str], row: Mapping[str, Any] | None,
          ) -> tuple[dict[str, Any], dict[str, str]]:
    """(JSON body, {field: error}) of a posted form; on edit only the fields that changed."""
    creating = row is None
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for fdef in view.fields.values():
        writable = fdef.createable if creating else fdef.updateable
        if not writable or not shown_in_form(view.name, fdef.lower):
            continue
        if fdef.type != "boolean" and fdef.name not in form:
            continue
        try:
            value = _json_value(fdef, form)
        except ValueError as exc:
            errors[fdef.name] = str(exc)
            continue
        if creating:
            if value not in (None, False):
                body[fdef.name] = value
        elif not _same(fdef, value, row.get(fdef.name) if row is not None else None):
            body[fdef.name] = value
    return body, errors


def _json_value(fdef: FieldDef, form: Mapping[str, str]) -> Any:
    if fdef.type == "boolean":
        return fdef.name in form
    raw = form.get(fdef.name, "").strip() if fdef.type != "textarea" else form.get(fdef.name, "")
    if raw == "":
        return None
    if fdef.type == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError("Enter a whole number.") from None
    if fdef.type in ("double", "currency", "percent"):
        try:
            return float(raw)
        except ValueError:
            raise ValueError("Enter a number.") from None
    if fdef.type == "datetime":
        when = values.parse_datetime(raw if len(raw) > 16 else raw + ":00Z")
        if when is None:
            raise ValueError("Enter a date and time.")
        return values.format_datetime(when)
    return raw


def _same(fdef: FieldDef, value: Any, current: Any) -> bool:
    try:
        typed = values.from_json(fdef, value)
    except SalesforceApiError:
        return False
    if isinstance(typed, str) and isinstance(current, str) and fdef.type == "reference":
        return typed[:15] == current[:15]
    if fdef.type == "boolean":
        return bool(typed) == bool(current)
    return bool(typed == current)
