"""Task and Event: activities pointing at a person (WhoId) and a record (WhatId)."""

from __future__ import annotations

from typing import Any

from flask_sfsync.emulator.schema.common import audit_fields, id_field, owner_field
from flask_sfsync.emulator.schema.model import (
    FieldDef,
    ObjectDef,
    PicklistValue,
    field,
    picklist,
    reference,
)

__all__ = ["event", "task"]

_RO: dict[str, Any] = {"createable": False, "updateable": False}
_WHAT_TO = ["Account", "Opportunity"]
SUBJECTS = ["Call", "Send Letter", "Send Quote", "Other"]


def _activity_common(label: str) -> list[FieldDef]:
    return [
        id_field(label),
        reference("WhoId", "Name ID", ["Contact", "Lead"], "Who", polymorphic=True),
        reference("WhatId", "Related To ID", _WHAT_TO, "What", polymorphic=True),
        field("Subject", "combobox", "Subject", length=255,
              picklist_values=[], extra_type_info=None),
        field("Location", "string", "Location", length=255),
        field("Description", "textarea", "Description"),
        reference("AccountId", "Account ID", ["Account"], "Account", **_RO),
        owner_field(["Group", "User"], "Assigned To ID"),
        field("IsPrivate", "boolean", "Private"),
    ]


def _with_subject_values(fields: list[FieldDef]) -> list[FieldDef]:
    for f in fields:
        if f.name == "Subject":
            f.picklist_values = [PicklistValue(v) for v in SUBJECTS]
    return fields


def task() -> ObjectDef:
    fields = _with_subject_values(_activity_common("Activity"))
    fields += [
        field("ActivityDate", "date", "Due Date Only"),
        picklist("Status", "Status", ["Not Started", "In Progress", "Completed",
                                      "Waiting on someone else", "Deferred"],
                 default="Not Started", nillable=False, length=40),
        picklist("Priority", "Priority", ["High", "Normal", "Low"], default="Normal",
                 nillable=False, length=40),
        field("IsHighPriority", "boolean", "High Priority", **_RO),
        field("IsClosed", "boolean", "Closed", **_RO),
        field("CallDurationInSeconds", "int", "Call Duration"),
        picklist("CallType", "Call Type", ["Internal", "Inbound", "Outbound"], length=40),
        field("CallDisposition", "string", "Call Result", length=255),
        field("CallObject", "string", "Call Object Identifier", length=255),
        field("ReminderDateTime", "datetime", "Reminder Date/Time"),
        field("IsReminderSet", "boolean", "Reminder Set"),
        field("CompletedDateTime", "datetime", "Completed Date/Time", **_RO),
        picklist("TaskSubtype", "Task Subtype",
                 ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"],
                 restricted_picklist=True, updateable=False, length=40),
    ]
    fields += audit_fields()
    return ObjectDef.build("Task", "Task", "Tasks", "00T", fields)


def event() -> ObjectDef:
    fields = _with_subject_values(_activity_common("Activity"))
    fields += [
        field("IsAllDayEvent", "boolean", "All-Day Event"),
        field("ActivityDateTime", "datetime", "Due Date Time"),
        field("ActivityDate", "date", "Due Date Only"),
        field("DurationInMinutes", "int", "Duration"),
        field("StartDateTime", "datetime", "Start Date Time"),
        field("EndDateTime", "datetime", "End Date Time"),
        field("EndDate", "date", "End Date Only", **_RO),
        picklist("ShowAs", "Show Time As", ["Busy", "OutOfOffice", "Free"], default="Busy",
                 restricted_picklist=True, length=40),
        field("ReminderDateTime", "datetime", "Reminder Date/Time"),
        field("IsReminderSet", "boolean", "Reminder Set"),
        picklist("EventSubtype", "Event Subtype", ["Event"], default="Event",
                 restricted_picklist=True, updateable=False, length=40),
    ]
    fields += audit_fields()
    return ObjectDef.build("Event", "Event", "Events", "00U", fields)
