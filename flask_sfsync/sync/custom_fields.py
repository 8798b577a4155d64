"""Our custom fields (a product rule, not transport) and creating them through the Tooling
API, idempotently.

On Contact and Lead: the external ID field every upsert uses (unique, so a retried write can
never make a second record), and fields for host data Salesforce has no standard field for.
:func:`ensure_fields` creates what is missing and reports every field's state; without the
permission to create fields it says so (``FieldSetup.permission_denied``) and the push keeps
working by matching on links and email.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache, default_cache
from flask_sfsync.salesforce.errors import PermanentFailure, RecordError

__all__ = [
    "ADDITIONAL_PHONES_FIELD",
    "EXTERNAL_ID_FIELD",
    "FIELD_SPECS",
    "MEETING_DATE_FIELD",
    "NOTES_FIELD",
    "NO_PERMISSION_CODES",
    "SOBJECTS",
    "TAGS_FIELD",
    "FieldSetup",
    "FieldSpec",
    "FieldState",
    "FieldStatus",
    "ensure_fields",
    "field_states",
    "specs_for",
]

EXTERNAL_ID_FIELD = "SFSync_Id__c"
MEETING_DATE_FIELD = "SFSync_Meeting_Date__c"
NOTES_FIELD = "SFSync_Notes__c"
TAGS_FIELD = "SFSync_Tags__c"
ADDITIONAL_PHONES_FIELD = "SFSync_Additional_Phones__c"
SOBJECTS = ("Contact", "Lead")

# Errors that mean "this user may not change the schema", not "this field is wrong".
NO_PERMISSION_CODES = frozenset(
    {
        "INSUFFICIENT_ACCESS",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "API_DISABLED_FOR_ORG",
        "NOT_AUTHORIZED",
        "FUNCTIONALITY_NOT_ENABLED",
    }
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    metadata: Mapping[str, Any]
    #: The host contact key the field holds (None: our external ID, always needed).
    host_key: str | None = None


FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec(
        EXTERNAL_ID_FIELD,
        "SFSync Id",
        {"type": "Text", "length": 64, "externalId": True, "unique": True, "caseSensitive": False},
    ),
    FieldSpec(MEETING_DATE_FIELD, "Meeting Date", {"type": "Date"}, "meeting_date"),
    FieldSpec(
        NOTES_FIELD, "Notes", {"type": "LongTextArea", "length": 32768, "visibleLines": 5},
        "notes",
    ),
    FieldSpec(TAGS_FIELD, "Tags", {"type": "Text", "length": 255}, "tags"),
    FieldSpec(
        ADDITIONAL_PHONES_FIELD, "Additional Phones", {"type": "Text", "length": 255},
        "additional_phones",
    ),
)


def specs_for(host_keys: Iterable[str]) -> tuple[FieldSpec, ...]:
    """The fields a host needs: our external ID, and a field for each host key it maps that
    Salesforce has no standard field for. Nothing else is created in the customer's org."""
    keys = set(host_keys)
    return tuple(s for s in FIELD_SPECS if s.host_key is None or s.host_key in keys)


class FieldState(enum.Enum):
    EXISTS = "exists"
    CREATED = "created"
    MISSING = "missing"  # not there and not created (see the error)


@dataclass(frozen=True)
class FieldStatus:
    sobject: str
    name: str
    label: str
    state: FieldState
    error: RecordError | None = None


@dataclass
class FieldSetup:
    fields: list[FieldStatus] = field(default_factory=list)
    permission_denied: bool = False
    message: str = ""

    def state(self, sobject: str, name: str) -> FieldState | None:
        for status in self.fields:
            if status.sobject == sobject and status.name.lower() == name.lower():
                return status.state
        return None

    @property
    def external_id_ready(self) -> bool:
        return all(self.state(s, EXTERNAL_ID_FIELD) in _PRESENT for s in SOBJECTS)


_PRESENT = (FieldState.EXISTS, FieldState.CREATED)


def field_states(
    api: SalesforceApi,
    *,
    cache: DescribeCache = default_cache,
    sobjects: Iterable[str] = SOBJECTS,
    specs: Sequence[FieldSpec] = FIELD_SPECS,
) -> FieldSetup:
    """Which of our fields exist (describe only, nothing created)."""
    sobjects = tuple(sobjects)
    cache.prefetch(api, sobjects)
    setup = FieldSetup()
    for sobject in sobjects:
        info = cache.get(api, sobject)
        for spec in specs:
            state = FieldState.EXISTS if info.field(spec.name) else FieldState.MISSING
            setup.fields.append(FieldStatus(sobject, spec.name, spec.label, state))
    return setup


def ensure_fields(
    api: SalesforceApi,
    *,
    cache: DescribeCache = default_cache,
    sobjects: Iterable[str] = SOBJECTS,
    specs: Sequence[FieldSpec] = FIELD_SPECS,
) -> FieldSetup:
    """Create every missing field of ``specs``; safe to run again (existing fields are left
    alone)."""
    current = field_states(api, cache=cache, sobjects=sobjects, specs=specs)
    setup = FieldSetup()
    for status in current.fields:
        if status.state is FieldState.EXISTS or setup.permission_denied:
            setup.fields.append(status)
            continue
        setup.fields.append(_create(api, status, setup))
    for sobject in {s.sobject for s in setup.fields if s.state is FieldState.CREATED}:
        cache.invalidate(api.cache_key, sobject)
    return setup


def _create(api: SalesforceApi, status: FieldStatus, setup: FieldSetup) -> FieldStatus:
    spec = next(s for s in FIELD_SPECS if s.name == status.name)
    body = {
        "FullName": f"{status.sobject}.{spec.name}",
        "Metadata": {"label": spec.label, **spec.metadata},
    }
    try:
        api.rest("POST", "tooling/sobjects/CustomField", json=body)
    except PermanentFailure as exc:
        error = exc.errors[0] if exc.errors else RecordError(exc.error_code, str(exc))
        if error.status_code == "DUPLICATE_DEVELOPER_NAME":  # created meanwhile: fine
            return FieldStatus(status.sobject, spec.name, spec.label, FieldState.EXISTS)
        if error.status_code in NO_PERMISSION_CODES or exc.status == 403:
            setup.permission_denied = True
            setup.message = (
                "The connected Salesforce user may not create custom fields "
                f"({error.status_code}: {error.message}). Pushes keep working, matching "
                "records by their links and email; an administrator can create the fields "
                "with 'Set up fields'."
            )
        return FieldStatus(status.sobject, spec.name, spec.label, FieldState.MISSING, error)
    return FieldStatus(status.sobject, spec.name, spec.label, FieldState.CREATED)
