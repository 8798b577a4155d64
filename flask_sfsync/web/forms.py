"""The extension's own forms (WTForms): each error is shown beside its field.

Plain ``wtforms.Form``: CSRF is checked for every POST of the blueprint by :mod:`.csrf`
(with Flask-WTF's token when the host uses it), so the forms carry no CSRF of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wtforms import BooleanField, Form, RadioField, SelectMultipleField, StringField

# types-WTForms 3.2 predates SelectChoice (WTForms 3.3, which deprecates plain tuples).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..db.models import DeleteBehaviour, SyncSettingsMixin
from ..services.actions import SettingsChoice
from ..services.pulled_delete import PULLED_DELETES
from ..sync import PushAs

__all__ = [
    "DELETE_CHOICES",
    "PULLED_DELETE_CHOICES",
    "PULL_INTERVAL_MAX",
    "PULL_INTERVAL_MIN",
    "PUSH_AS_CHOICES",
    "ConnectForm",
    "PullSettingsForm",
    "SettingsForm",
]

PUSH_AS_CHOICES = [
    SelectChoice(PushAs.LEAD.value, "Leads"),
    SelectChoice(PushAs.CONTACT.value, "Contacts with their Accounts"),
]
DELETE_CHOICES = [
    SelectChoice(DeleteBehaviour.LEAVE.value, "Leave the Salesforce record as it is"),
    SelectChoice(DeleteBehaviour.DELETE.value, "Delete the Salesforce record (to its recycle bin)"),
]
SYNC_MODES = [SelectChoice("manual", "Manual Sync"), SelectChoice("auto", "Auto Sync")]
TYPE_CHANGES = [
    SelectChoice("keep", "Keep updating the records already in Salesforce"),
    SelectChoice(
        "new",
        "Start new records of the new type (the old ones stay, no longer updated; where "
        "Salesforce's duplicate rules refuse one, the error log shows the record it matches)",
    ),
]


def _one_of(choices: Sequence[SelectChoice], message: str) -> list[Any]:
    return [InputRequired(message), AnyOf([c.value for c in choices], message=message)]


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SettingsForm(Form):
    """The push settings page. Field names are the form's POST keys."""

    push_as = RadioField(
        "Push contacts as", choices=PUSH_AS_CHOICES, validate_choice=False,
        validators=_one_of(PUSH_AS_CHOICES, "Choose whether contacts become Leads or Contacts."),
    )
    lead_source = StringField(
        "Lead Source of new records",
        validators=[Length(max=255, message="The Lead Source is at most 255 characters.")],
    )
    require_email = BooleanField("Require email (contacts without one are skipped and listed)")
    # Not named filter_stages in Python: WTForms takes filter_<field> for a filter of <field>.
    only_stages = BooleanField("Only contacts in these stages:", name="filter_stages")
    stages = _Checkboxes("Stages", choices=[], validate_choice=False)
    sync_mode = RadioField(
        "When", choices=SYNC_MODES, validate_choice=False,
        validators=_one_of(SYNC_MODES, "Choose Manual Sync or Auto Sync."),
    )
    delete_behaviour = RadioField(
        "When a contact is deleted here", choices=DELETE_CHOICES, validate_choice=False,
        validators=_one_of(
            DELETE_CHOICES, "Choose what happens in Salesforce when a contact is deleted."
        ),
    )

    type_change = RadioField(
        "Contacts already in Salesforce as the other type", choices=TYPE_CHANGES,
        default="keep", validate_choice=False,
        # Absent (no record pushed yet, so the page does not ask): keep.
        validators=[AnyOf([c.value for c in TYPE_CHANGES],
                          message="Choose what happens to the records already pushed.")],
    )

    def __init__(self, *args: Any, stages: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stages.choices = [SelectChoice(stage, stage) for stage in stages]

    @classmethod
    def from_row(cls, row: SyncSettingsMixin, stages: Sequence[str], lead_source: str) -> Any:
        """The form as the tenant saved it (or the defaults of a new tenant)."""
        return cls(
            stages=stages,
            data={
                "push_as": row.push_as,
                "lead_source": row.lead_source if row.lead_source is not None else lead_source,
                "require_email": row.require_email,
                "only_stages": row.stages is not None,
                "stages": list(row.stages or []),
                "sync_mode": "auto" if row.auto_sync else "manual",
                "delete_behaviour": row.delete_behaviour,
                "type_change": "keep",
            },
        )

    def validate_stages(self, field: Any) -> None:
        known = {choice.value for choice in field.choices}
        if len(field.data or ()) > len(known):
            raise ValidationError("More stages were sent than there are.")
        unknown = set(field.data or ()) - known
        if unknown:
            shown = sorted(unknown)[:5]  # never echo a flood back
            raise ValidationError(f"Unknown stages: {', '.join(shown)}.")
        if self.only_stages.data and not field.data:
            raise ValidationError("Choose at least one stage, or push contacts in every stage.")

    def choice(self) -> SettingsChoice:
        """What was chosen, for :func:`~flask_sfsync.services.actions.save_settings`."""
        return SettingsChoice(
            push_as=PushAs(self.push_as.data),
            lead_source=self.lead_source.data,
            stages=list(self.stages.data or ()) if self.only_stages.data else None,
            require_email=bool(self.require_email.data),
            auto_sync=self.sync_mode.data == "auto",
            delete_behaviour=DeleteBehaviour(self.delete_behaviour.data),
            type_change=self.type_change.data,
        )


ENVIRONMENTS = [
    SelectChoice("production", "Production"),
    SelectChoice("sandbox", "Sandbox"),
    SelectChoice("custom", "Custom domain"),
]


class ConnectForm(Form):
    """The Connect page: which Salesforce to sign in to."""

    # Any value is taken here: resolve_environment names an unknown one in its own words.
    environment = RadioField(
        "Which Salesforce environment?", choices=ENVIRONMENTS, default="production",
        validate_choice=False,
    )
    domain = StringField(
        "My Domain",
        validators=[Length(max=255, message="A My Domain is at most 255 characters.")],
    )

    def validate_domain(self, field: Any) -> None:
        if self.environment.data == "custom" and not (field.data or "").strip():
            raise ValidationError("Enter your My Domain, for example acme.my.salesforce.com.")


#: The seconds a tenant may choose between two pulls (blank: ``SFSYNC_PULL_INTERVAL``; 0:
#: only when someone presses Pull now).
PULL_INTERVAL_MIN = 10
PULL_INTERVAL_MAX = 86400
PULL_INTERVAL_MESSAGE = (
    f"Enter a whole number of seconds from {PULL_INTERVAL_MIN} to {PULL_INTERVAL_MAX}, "
    "0 to pull only when you press Pull now, or leave it blank for the default."
)
PULLED_DELETE_CHOICES = [SelectChoice(value, label) for value, label in PULLED_DELETES.items()]


class PullSettingsForm(Form):
    """The settings page's "Pull from Salesforce" section (its own small form: saving it
    changes nothing of the push settings)."""

    show_lead = BooleanField("Show Salesforce Leads")
    show_contact = BooleanField("Show Salesforce Contacts")
    show_account = BooleanField("Show Salesforce Accounts")
    pull_interval = StringField(
        "Pull every", validators=[Length(max=12, message=PULL_INTERVAL_MESSAGE)]
    )
    pulled_delete = RadioField(
        "A record deleted in Salesforce", choices=PULLED_DELETE_CHOICES, validate_choice=False,
        # Absent (a script posting the other fields only): the saved choice stays.
        validators=[Optional(), AnyOf(
            [c.value for c in PULLED_DELETE_CHOICES],
            message="Choose what happens here when a record is deleted in Salesforce.",
        )],
    )

    #: Object -> its field's name.
    OBJECTS = {"Lead": "show_lead", "Contact": "show_contact", "Account": "show_account"}

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> Any:
        shown = saved["show_in_host"]
        interval = saved["pull_interval"]
        return cls(data={
            **{name: bool(shown.get(sobject)) for sobject, name in cls.OBJECTS.items()},
            "pull_interval": "" if interval is None else str(interval),
            "pulled_delete": saved["pulled_delete"],
        })

    def validate_pull_interval(self, field: Any) -> None:
        text = (field.data or "").strip()
        if not text:
            return
        whole = text.isascii() and text.isdigit()
        if not whole:
            raise ValidationError(PULL_INTERVAL_MESSAGE)
        seconds = int(text)
        if seconds != 0 and not PULL_INTERVAL_MIN <= seconds <= PULL_INTERVAL_MAX:
            raise ValidationError(PULL_INTERVAL_MESSAGE)

    def interval(self) -> int | None:
        """The seconds chosen (None: the default); only after :meth:`validate`."""
        text = (self.pull_interval.data or "").strip()
        return int(text) if text else None

    def delete_choice(self) -> str | None:
        """The choice for a record deleted in Salesforce (None: not sent, keep the saved one);
        only after :meth:`validate`."""
        return str(self.pulled_delete.data) if self.pulled_delete.data else None

    def shown(self) -> dict[str, bool]:
        """Object -> whether its pulled records that match no contact are shown here."""
        return {sobject: bool(getattr(self, name).data) for sobject, name in self.OBJECTS.items()}
