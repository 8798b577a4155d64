"""Flask-WTF forms: server-side validation that says what is wrong and keeps what was typed."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .models import ACTIVITY_KINDS, STAGES

# Choices are given as {value: label}: WTForms 3.3 deprecates (value, label) tuples.

if TYPE_CHECKING:
    from markupsafe import Markup
    from wtforms import Form

    class FlaskForm(Form):
        """What mypy needs of Flask-WTF's untyped FlaskForm (a wtforms.Form with CSRF)."""

        def validate_on_submit(self, extra_validators: Any = None) -> bool: ...
        def hidden_tag(self, *fields: Any) -> Markup: ...
else:
    from flask_wtf import FlaskForm

# Deliberately simple: one @, a dot in the domain, no spaces. Salesforce checks again on its side.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9 ().\-]{5,30}(\s*(x|ext\.?)\s*[0-9]{1,6})?$", re.IGNORECASE)
DOMAIN_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$", re.IGNORECASE)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Form date-times are naive; the app reads and shows them as UTC."""
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def check_email(form: Any, field: Any) -> None:
    if field.data and not EMAIL_RE.match(field.data):
        raise ValidationError("Enter an email address like name@example.com.")


def check_phone(form: Any, field: Any) -> None:
    if field.data and not PHONE_RE.match(field.data):
        raise ValidationError("Enter a phone number using digits, spaces, +, - and ( ).")


def parse_phone_lines(text: str) -> list[dict[str, str]]:
    """``"Mobile: +1 555 0100"`` per line -> ``[{"label": "Mobile", "number": "+1 555 0100"}]``.

    Raises ValueError naming the first line that is not a phone number.
    """
    phones: list[dict[str, str]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, sep, number = line.rpartition(":")
        label, number = (label.strip(), number.strip()) if sep else ("Other", line)
        if not PHONE_RE.match(number):
            raise ValueError(f"Line {line_no} ({line!r}) is not a phone number.")
        phones.append({"label": label or "Other", "number": number})
    return phones


def format_phone_lines(phones: list[dict[str, str]]) -> str:
    return "\n".join(f"{p.get('label', 'Other')}: {p.get('number', '')}" for p in phones)


def check_phone_lines(form: Any, field: Any) -> None:
    try:
        parse_phone_lines(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def check_domain(form: Any, field: Any) -> None:
    if field.data and not DOMAIN_RE.match(field.data):
        raise ValidationError("Enter a domain like example.com (no http://, no path).")


class LoginForm(FlaskForm):
    email = StringField("Email", [DataRequired(), check_email], filters=[strip])
    password = PasswordField("Password", [DataRequired()])
    remember = BooleanField("Keep me signed in")


class ContactForm(FlaskForm):
    first_name = StringField("First name", [Optional(), Length(max=80)], filters=[strip])
    last_name = StringField(
        "Last name", [DataRequired("Last name is required."), Length(max=80)], filters=[strip]
    )
    email = StringField("Email", [Optional(), Length(max=254), check_email], filters=[strip])
    phone = StringField("Phone", [Optional(), Length(max=40), check_phone], filters=[strip])
    additional_phones = TextAreaField(
        "Additional phones",
        [Optional(), check_phone_lines],
        description="One per line, e.g. Mobile: +1 415 555 0134",
    )
    company_name = StringField(
        "Company",
        [Optional(), Length(max=160)],
        filters=[strip],
        description="Pick an existing company or type a new name to create it.",
    )
    title = StringField("Title", [Optional(), Length(max=128)], filters=[strip])
    stage = SelectField("Stage", choices={s: s for s in STAGES}, default="New")
    owner_id = SelectField("Owner", coerce=int)
    tags = StringField(
        "Tags", [Optional(), Length(max=400)], filters=[strip], description="Comma separated"
    )
    meeting_at = DateTimeLocalField("Next meeting", [Optional()], format=DATETIME_FORMAT)
    notes = TextAreaField("Notes", [Optional(), Length(max=10_000)])


class CompanyForm(FlaskForm):
    name = StringField(
        "Name", [DataRequired("Company name is required."), Length(max=160)], filters=[strip]
    )
    domain = StringField("Domain", [Optional(), Length(max=160), check_domain], filters=[strip])
    industry = StringField("Industry", [Optional(), Length(max=80)], filters=[strip])
    size = SelectField(
        "Employees",
        choices={"": "—", **{s: s for s in ("1-10", "11-50", "51-200", "201-1000", "1000+")}},
        default="",
    )
    phone = StringField("Phone", [Optional(), Length(max=40), check_phone], filters=[strip])
    city = StringField("City", [Optional(), Length(max=80)], filters=[strip])
    country = StringField("Country", [Optional(), Length(max=80)], filters=[strip])
    description = TextAreaField("About", [Optional(), Length(max=5_000)])


class ActivityForm(FlaskForm):
    kind = SelectField("Type", choices={k: k.title() for k in ACTIVITY_KINDS}, default="task")
    subject = StringField(
        "Subject", [DataRequired("Subject is required."), Length(max=200)], filters=[strip]
    )
    body = TextAreaField("Details", [Optional(), Length(max=10_000)])
    due_at = DateTimeLocalField("Due", [Optional()], format=DATETIME_FORMAT)
    occurred_at = DateTimeLocalField("Happened at", [Optional()], format=DATETIME_FORMAT)
    done = BooleanField("Done")


class DeleteForm(FlaskForm):
    """Only its CSRF token: deleting is a POST that a third-party page cannot forge."""


__all__ = [
    "ActivityForm",
    "CompanyForm",
    "ContactForm",
    "DeleteForm",
    "LoginForm",
    "format_phone_lines",
    "parse_phone_lines",
]
