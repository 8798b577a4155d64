"""What a Salesforce refusal means to a person: a catalogue of Salesforce's error codes.

Each code Salesforce gives a record it refused (``statusCode`` in sObject Collections results,
``sf__Error`` in Bulk API results) belongs to a :class:`Category`, the groups HubSpot's sync
health shows (duplicates, field values, validation rules and automation, permissions,
associations, connection), and has two plain sentences: what Salesforce refused and what to
do about it. :func:`explain` fills them in for one error::

    explain("STRING_TOO_LONG", "Title: data value too large: ... (max length=128)", ("Title",))
    # Explanation(category=Category.FIELD_VALUES, field="title", max_length=128,
    #             fix="Shorten the title to 128 characters (it has 250), then Retry.", ...)

The field is named in the host's words (``title``, ``last name``) through the field mapping;
a length limit comes from the describe when the caller has it, else from Salesforce's message.
Salesforce's own code and message stay available (:attr:`Explanation.message`, with long
values cut) for the person who wants them, or their Salesforce admin.

No Flask here: this is product knowledge, the same for the pages, the CLI and a host that
shows failures its own way. The meanings follow Salesforce's StatusCode documentation
(SOAP API Developer Guide, "Core Data Types Used in API Calls") and the Duplicate Rule header
of the REST API (``allowSave`` bypasses a rule's *alert*, never a rule that blocks).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask_sfsync.salesforce.describe import ObjectInfo

from .custom_fields import EXTERNAL_ID_FIELD
from .mapping.rules import rules_for
from .push.settings import PushSettings

__all__ = [
    "CATALOGUE",
    "Category",
    "Explanation",
    "FailureKind",
    "category_of",
    "codes_in",
    "cut",
    "duplicate_fix",
    "explain",
    "field_names",
    "split_detail",
]

#: Characters of a value Salesforce repeats in its message that are shown (the rest is cut).
VALUE_SHOWN = 40
#: Characters of a message shown at most (a validation rule's text is rarely longer).
MESSAGE_SHOWN = 300
_ELLIPSIS = "\u2026"


class Category(enum.Enum):
    """How the error log groups failures (and what a person does about each group)."""

    DUPLICATES = "duplicates"
    FIELD_VALUES = "field_values"
    VALIDATION = "validation"
    PERMISSIONS = "permissions"
    ASSOCIATIONS = "associations"
    CONNECTION = "connection"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def description(self) -> str:
        """One line: what failures of this group have in common."""
        return _DESCRIPTIONS[self]


_LABELS = {
    Category.DUPLICATES: "Duplicates",
    Category.FIELD_VALUES: "Field values",
    Category.VALIDATION: "Validation rules and automation",
    Category.PERMISSIONS: "Permissions",
    Category.ASSOCIATIONS: "Associations",
    Category.CONNECTION: "Connection",
    Category.OTHER: "Other",
}
_DESCRIPTIONS = {
    Category.DUPLICATES: "Salesforce already has a record that looks like the same person: "
                         "link each contact to it, or push it anyway.",
    Category.FIELD_VALUES: "A value one side cannot store: too long, malformed, missing or "
                           "not one of the allowed choices.",
    Category.VALIDATION: "A rule or an automation (flow, trigger, approval) in your Salesforce "
                         "org refused the record.",
    Category.PERMISSIONS: "The connected Salesforce user may not do this.",
    Category.ASSOCIATIONS: "A related record (owner, account, the linked record) is missing, "
                           "deleted or converted.",
    Category.CONNECTION: "Salesforce was busy, unreachable or out of API calls; nothing is "
                         "wrong with the contact.",
    Category.OTHER: "Salesforce gave a reason this app does not know yet.",
}


@dataclass(frozen=True)
class FailureKind:
    """One code of the catalogue. ``summary`` and ``fix`` are ``str.format`` templates with
    ``{field}`` (the field in the host's words), ``{sobject}`` (Lead, Contact), ``{max}`` and
    ``{length}`` (a length limit and the value's length) and ``{message}`` (Salesforce's)."""

    category: Category
    summary: str
    fix: str
    #: Retry alone (nothing changed) may succeed: the cause was passing.
    passing: bool = False


_RETRY = "then Retry."
CATALOGUE: Mapping[str, FailureKind] = {
    # -- duplicates -------------------------------------------------------------------------
    "DUPLICATES_DETECTED": FailureKind(
        Category.DUPLICATES,
        "A duplicate rule in Salesforce found an existing record that looks like this "
        "contact, so Salesforce did not save a second {sobject}.",
        "Link this contact to the existing record, or Push anyway to save a second record "
        "(Push anyway only works when the rule alerts rather than blocks).",
    ),
    "DUPLICATE_VALUE": FailureKind(
        Category.DUPLICATES,
        "Another Salesforce record already has this {field}, and the {field} must be unique.",
        "Change the {field}, or merge the two records in Salesforce, " + _RETRY,
    ),
    "DUPLICATE_EXTERNAL_ID": FailureKind(
        Category.DUPLICATES,
        "More than one Salesforce record carries this contact's sync ID, so Salesforce "
        "cannot tell which one to update.",
        "Merge the duplicate records in Salesforce (or clear the sync ID on the extra ones), "
        + _RETRY,
    ),
    # -- field values -----------------------------------------------------------------------
    "STRING_TOO_LONG": FailureKind(
        Category.FIELD_VALUES,
        "The {field} is too long for Salesforce: its {sobject} field holds at most {max} "
        "characters.",
        "Shorten the {field} to {max} characters (it has {length}), " + _RETRY,
    ),
    "HOST_REFUSED_VALUE": FailureKind(
        Category.FIELD_VALUES,
        "The {field} pulled from the Salesforce {sobject} cannot be stored in this app "
        "({message}).",
        "Shorten or fill in the {field} in Salesforce (or have this app's column widened), "
        + _RETRY,
    ),
    "INVALID_EMAIL_ADDRESS": FailureKind(
        Category.FIELD_VALUES,
        "The {field} is not a valid email address (Salesforce checks its form).",
        "Correct the {field} so that it has the form name@example.com, " + _RETRY,
    ),
    "REQUIRED_FIELD_MISSING": FailureKind(
        Category.FIELD_VALUES,
        "Salesforce needs a {field} on every {sobject}, and this contact has none.",
        "Fill in the {field}, " + _RETRY,
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": FailureKind(
        Category.FIELD_VALUES,
        "The {field} is not one of the values your Salesforce org allows for it.",
        "Choose a {field} that Salesforce allows (or ask your Salesforce admin to add this "
        "value to the picklist), " + _RETRY,
    ),
    "FIELD_INTEGRITY_EXCEPTION": FailureKind(
        Category.FIELD_VALUES,
        "Salesforce found the {field} inconsistent (for example a state that does not "
        "belong to the country, or a reference to the wrong kind of record).",
        "Correct the {field}, " + _RETRY,
    ),
    "INVALID_TYPE_ON_FIELD_IN_RECORD": FailureKind(
        Category.FIELD_VALUES,
        "The {field} is not the kind of value Salesforce expects there (a number, a date, "
        "yes or no).",
        "Correct the {field}, " + _RETRY,
    ),
    "NUMBER_OUTSIDE_VALID_RANGE": FailureKind(
        Category.FIELD_VALUES,
        "The {field} is a number outside the range Salesforce's field allows.",
        "Correct the {field}, " + _RETRY,
    ),
    "MALFORMED_ID": FailureKind(
        Category.FIELD_VALUES,
        "The {field} should hold a Salesforce record ID and does not.",
        "Correct the {field}, " + _RETRY,
    ),
    # -- validation rules and automation ----------------------------------------------------
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": FailureKind(
        Category.VALIDATION,
        "A validation rule in your Salesforce org refused the {sobject}: \u201c{message}\u201d",
        "Change the contact so that it meets the rule (or ask your Salesforce admin about "
        "the rule), " + _RETRY,
    ),
    "FIELD_FILTER_VALIDATION_EXCEPTION": FailureKind(
        Category.VALIDATION,
        "A lookup filter in your Salesforce org refused the {field}.",
        "Choose a {field} that the filter allows (your Salesforce admin knows the filter), "
        + _RETRY,
    ),
    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY": FailureKind(
        Category.VALIDATION,
        "An automation in your Salesforce org (a flow, trigger or process) failed while "
        "saving the {sobject}.",
        "Show the details to your Salesforce admin: the automation's message says what it "
        "needs. Retry once it is fixed.",
    ),
    "CANNOT_EXECUTE_FLOW_TRIGGER": FailureKind(
        Category.VALIDATION,
        "A record-triggered flow in your Salesforce org failed while saving the {sobject}.",
        "Show the details to your Salesforce admin: the flow's message says what it needs. "
        "Retry once it is fixed.",
    ),
    "ENTITY_IS_LOCKED": FailureKind(
        Category.VALIDATION,
        "The {sobject} is locked in Salesforce (an approval process is under way).",
        "Wait for the approval to finish, or ask your Salesforce admin to unlock the record, "
        + _RETRY,
    ),
    # -- permissions ------------------------------------------------------------------------
    "INSUFFICIENT_ACCESS_OR_READONLY": FailureKind(
        Category.PERMISSIONS,
        "The connected Salesforce user may not create or edit this {sobject}.",
        "Ask your Salesforce admin to give the connected user edit access to {sobject} "
        "records (or connect as a user who has it), " + _RETRY,
    ),
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": FailureKind(
        Category.PERMISSIONS,
        "The connected Salesforce user may not use a record this {sobject} refers to (its "
        "owner or account).",
        "Ask your Salesforce admin to share that record with the connected user, " + _RETRY,
    ),
    "INVALID_FIELD_FOR_INSERT_UPDATE": FailureKind(
        Category.PERMISSIONS,
        "The connected Salesforce user may not write the {field} of a {sobject} (the field "
        "is read-only for them).",
        "Ask your Salesforce admin to make the field editable for the connected user "
        "(field-level security), " + _RETRY,
    ),
    "INVALID_FIELD": FailureKind(
        Category.PERMISSIONS,
        "Salesforce does not know a field this app writes ({field}): it was deleted, or it is "
        "hidden from the connected user.",
        "Ask your Salesforce admin to make the field visible to the connected user (or set "
        "the fields up again on the settings page), " + _RETRY,
    ),
    "API_DISABLED_FOR_ORG": FailureKind(
        Category.PERMISSIONS,
        "API access is not enabled for your Salesforce org or the connected user.",
        "Ask your Salesforce admin to turn on \u201cAPI Enabled\u201d for the connected user "
        "(some Salesforce editions have no API access), " + _RETRY,
    ),
    # -- associations -----------------------------------------------------------------------
    "INVALID_CROSS_REFERENCE_KEY": FailureKind(
        Category.ASSOCIATIONS,
        "The {sobject} refers to another Salesforce record ({field}) that does not exist or "
        "that the connected user cannot see.",
        "Check that the {field} still exists in Salesforce (and that the connected user can "
        "see it), " + _RETRY,
    ),
    "ENTITY_IS_DELETED": FailureKind(
        Category.ASSOCIATIONS,
        "A Salesforce record this contact is linked to (or refers to) has been deleted.",
        "Retry: the sync creates a new record. To keep the old one, restore it from "
        "Salesforce's Recycle Bin first.",
    ),
    "CANNOT_UPDATE_CONVERTED_LEAD": FailureKind(
        Category.ASSOCIATIONS,
        "The Lead was converted in Salesforce, and a converted Lead can no longer be changed.",
        "Open the Lead in Salesforce to find the Contact it became; make this change there, "
        "or push contacts as Contacts on the settings page.",
    ),
    "INACTIVE_OWNER_OR_USER": FailureKind(
        Category.ASSOCIATIONS,
        "The owner of this {sobject} is an inactive user in Salesforce, and records cannot "
        "be given to an inactive user.",
        "Give the contact an owner who is an active Salesforce user (or ask your Salesforce "
        "admin to reactivate the user), " + _RETRY,
    ),
    # -- connection -------------------------------------------------------------------------
    "UNABLE_TO_LOCK_ROW": FailureKind(
        Category.CONNECTION,
        "Salesforce was busy saving a related record at the same time (the record was "
        "locked), and waiting did not help.",
        "Retry: this is almost always temporary.",
        passing=True,
    ),
    "REQUEST_LIMIT_EXCEEDED": FailureKind(
        Category.CONNECTION,
        "Your Salesforce org has used up its daily API calls (a rolling 24-hour limit).",
        "Retry later: calls free up during the day, and the sync also resumes by itself.",
        passing=True,
    ),
    "SERVER_UNAVAILABLE": FailureKind(
        Category.CONNECTION,
        "Salesforce was not answering.",
        "Retry in a few minutes.",
        passing=True,
    ),
    "UNKNOWN_EXCEPTION": FailureKind(
        Category.CONNECTION,
        "Salesforce had an internal error and gave no reason.",
        "Retry; if it keeps failing, show the details to Salesforce support.",
        passing=True,
    ),
    "INVALID_SESSION_ID": FailureKind(
        Category.CONNECTION,
        "Salesforce no longer accepted the connection's session.",
        "Retry; if it keeps failing, reconnect Salesforce on the Integrations page.",
        passing=True,
    ),
    "invalid_grant": FailureKind(
        Category.CONNECTION,
        "Salesforce no longer accepts this connection (it was revoked or expired).",
        "Reconnect Salesforce on the Integrations page, " + _RETRY,
    ),
    "STORAGE_LIMIT_EXCEEDED": FailureKind(
        Category.CONNECTION,
        "Your Salesforce org is out of data storage, so it saves no new records.",
        "Ask your Salesforce admin to free storage (or buy more), " + _RETRY,
    ),
}

_UNKNOWN = FailureKind(
    Category.OTHER,
    "Salesforce refused the {sobject} with a reason this app does not explain yet.",
    "Show the details to your Salesforce admin, correct the contact if they point at a "
    "field, " + _RETRY,
)
# Whole calls that failed: our transport names them after their HTTP status.
_HTTP_ERROR = re.compile(r"HTTP_(\d{3})")

# Salesforce fields a person knows by another name than a mapped contact field.
_SPECIAL_NAMES = {
    "status": "stage (Lead Status)",
    "leadsource": "Lead Source (on the sync settings page)",
    "ownerid": "owner",
    "accountid": "company",
    "company": "company",
    EXTERNAL_ID_FIELD.lower(): "sync ID",
}
_TOO_LONG = re.compile(
    r"^(?P<label>[^:]*): data value too large: (?P<value>.*) \(max length=(?P<max>\d+)\)$",
    re.DOTALL,
)
_REQUIRED = re.compile(r"Required fields are missing: \[(?P<fields>[^\]]*)\]")
_LABEL = re.compile(r"^(?P<label>[A-Za-z][\w ]{0,60}): ")


@dataclass(frozen=True)
class Explanation:
    """One failure in a person's words, with Salesforce's own behind it."""

    code: str
    category: Category
    #: What Salesforce refused, in plain words.
    summary: str
    #: What to do about it.
    fix: str
    #: The field concerned, in the host's words (None: no field is named).
    field: str | None
    #: Salesforce's field names (API names), as its error named them.
    sf_fields: tuple[str, ...]
    #: STRING_TOO_LONG: the field's limit and the value's length, when known.
    max_length: int | None
    length: int | None
    #: Salesforce's message, long values cut.
    message: str
    #: The code is in the catalogue (False: the Other group's generic words).
    known: bool
    #: Retry without a change may succeed (a passing cause).
    passing: bool


def category_of(code: str) -> Category:
    kind = _kind_of(code)
    return kind.category


def codes_in(category: Category, codes: Iterable[str]) -> list[str]:
    """Those of ``codes`` that belong to ``category`` (in their order)."""
    return [code for code in codes if category_of(code) is category]


def _kind_of(code: str) -> FailureKind:
    kind = CATALOGUE.get(code)
    if kind is not None:
        return kind
    match = _HTTP_ERROR.fullmatch(code)
    if match is not None and match.group(1).startswith("5"):
        return CATALOGUE["SERVER_UNAVAILABLE"]
    return _UNKNOWN


def field_names(
    sobject: str, field_map: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, str]:
    """Salesforce field (lower-cased API name) -> its name in the host's words, from the
    field mapping of ``sobject`` (``Title`` -> ``title``, ``LastName`` -> ``last name``)."""
    names = dict(_SPECIAL_NAMES)
    for rule in rules_for(sobject, PushSettings(field_map=field_map or {})):
        # A host's extra field has no name of ours: Salesforce's label (in its message)
        # says it better than the API name.
        if not rule.host.startswith("extra:"):
            names[rule.target.lower()] = rule.host.replace("_", " ")
    return names


def explain(
    code: str,
    message: str,
    fields: Sequence[str] = (),
    *,
    sobject: str | None = None,
    info: ObjectInfo | None = None,
    names: Mapping[str, str] | None = None,
) -> Explanation:
    """``code``, ``message`` and ``fields`` as Salesforce sent them; ``sobject`` what was
    written; ``info`` its describe (field lengths), when the caller has it; ``names`` from
    :func:`field_names` (default: the default mapping of ``sobject``)."""
    kind = _kind_of(code)
    sobject = sobject or "record"
    names = names if names is not None else field_names(sobject)
    sf_fields = tuple(fields) or _fields_in(code, message)
    max_length, length = _lengths(code, message, sf_fields, info)
    field = _plain_field(sf_fields, message, names)
    shown = cut(code, message.strip())
    values = {
        "field": field or "value",
        "sobject": sobject,
        "max": max_length,
        "length": length,
        "message": shown,
    }
    summary, fix = kind.summary, kind.fix
    if code == "STRING_TOO_LONG":
        summary, fix = _too_long_texts(max_length, length)
    summary, fix = summary.format(**values), fix.format(**values)
    return Explanation(
        code=code,
        category=kind.category,
        summary=_capital(summary),
        fix=_capital(fix),
        field=field,
        sf_fields=sf_fields,
        max_length=max_length,
        length=length,
        message=shown,
        known=kind is not _UNKNOWN,
        passing=kind.passing,
    )


def _too_long_texts(max_length: int | None, length: int | None) -> tuple[str, str]:
    """STRING_TOO_LONG's sentences with what is known of the limit and the value."""
    if max_length is None:
        return "The {field} is too long for Salesforce.", "Shorten the {field}, " + _RETRY
    kind = CATALOGUE["STRING_TOO_LONG"]
    if length is None:
        return kind.summary, "Shorten the {field} to {max} characters, " + _RETRY
    return kind.summary, kind.fix


def duplicate_fix(match_is_another_contact: bool | None) -> str:
    """What to do about a DUPLICATES_DETECTED refusal, knowing whose record the rule matched:
    another contact of the host's (True), a record no contact is linked to (False), or none
    that Salesforce named (None)."""
    if match_is_another_contact is None:
        return ("Salesforce did not say which record matched: look for the same person in "
                "Salesforce (and merge or change the record), then Retry; or push this contact "
                "anyway as a record of its own.")
    if match_is_another_contact:
        return ("If both are the same person, link this contact to the existing record (both "
                "contacts then update it; nothing else to do). If they are two people, push it "
                "anyway as a record of its own.")
    return ("If it is the same person, link this contact to that record (its changes then "
            "update it). Else push it anyway as a record of its own.")


def cut(code: str, message: str) -> str:
    """Salesforce's message with a long value cut: STRING_TOO_LONG repeats the whole value
    (a 32,000-character note would fill the page), other messages are cut at
    :data:`MESSAGE_SHOWN` characters."""
    match = _TOO_LONG.match(message) if code == "STRING_TOO_LONG" else None
    if match is not None:
        value = match.group("value")
        if len(value) > VALUE_SHOWN:
            shown = f"{value[:VALUE_SHOWN]}{_ELLIPSIS} ({len(value)} characters)"
            return (f"{match.group('label')}: data value too large: {shown} "
                    f"(max length={match.group('max')})")
        return message
    if len(message) > MESSAGE_SHOWN:
        return message[:MESSAGE_SHOWN] + _ELLIPSIS
    return message


def split_detail(detail: str | None) -> tuple[str, str] | None:
    """A history row's ``"CODE: message"`` as (code, message); None when it is not one."""
    if not detail:
        return None
    code, sep, message = detail.partition(": ")
    # Salesforce's codes are upper case (an OAuth error's, like invalid_grant, lower case).
    if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]{1,79}|[a-z]+_[a-z_]+", code):
        return None
    return code, message


def _fields_in(code: str, message: str) -> tuple[str, ...]:
    """Fields named only in the message (REQUIRED_FIELD_MISSING lists them in brackets)."""
    match = _REQUIRED.search(message) if code == "REQUIRED_FIELD_MISSING" else None
    if match is None:
        return ()
    return tuple(f.strip() for f in match.group("fields").split(",") if f.strip())


def _lengths(
    code: str, message: str, sf_fields: Sequence[str], info: ObjectInfo | None
) -> tuple[int | None, int | None]:
    if code != "STRING_TOO_LONG":
        return None, None
    described = info.field(sf_fields[0]) if info is not None and sf_fields else None
    match = _TOO_LONG.match(message.strip())
    limit = described.length if described is not None and described.length else None
    if limit is None and match is not None:
        limit = int(match.group("max"))
    return limit, len(match.group("value")) if match is not None else None


def _plain_field(
    sf_fields: Sequence[str], message: str, names: Mapping[str, str]
) -> str | None:
    match = _LABEL.match(message)
    label = match.group("label").strip().lower() if match is not None else None
    if not sf_fields:
        return label
    if len(sf_fields) == 1 and sf_fields[0].lower() not in names and label:
        return label
    plain = [names.get(f.lower(), f) for f in sf_fields]
    return " and ".join(dict.fromkeys(plain))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
