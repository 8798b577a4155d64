"""LeadStatus, OpportunityStage and TaskStatus: the objects behind three standard picklists.

Salesforce keeps one record per value of Lead.Status, Opportunity.StageName and Task.Status,
with what the value means (IsConverted, IsClosed, IsWon, DefaultProbability,
ForecastCategoryName). Here the records are not stored: :func:`value_rows` builds them from the
picklist as it is now (its values, default and order) and the per-value facts below, so the
objects and the picklists they back can never disagree. The store's derived fields
(Opportunity IsClosed/IsWon/Probability/ForecastCategoryName, Task IsClosed) read the same
facts through :func:`stage_facts` and :func:`task_status_closed`.

Object Reference: LeadStatus, OpportunityStage, TaskStatus (Supported Calls: describeSObjects(),
query(), retrieve()). Their Ids share Salesforce's picklist-value key prefix 01J.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_sfsync.emulator.schema.common import id_field
from flask_sfsync.emulator.schema.ids import make_id
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef, field, picklist, reference

__all__ = [
    "KEY_PREFIX",
    "STATUS_OBJECTS",
    "StageFacts",
    "backing_field",
    "stage_facts",
    "status_objects",
    "task_status_closed",
    "value_rows",
]

KEY_PREFIX = "01J"
_RO: dict[str, Any] = {"createable": False, "updateable": False}
FORECAST_CATEGORIES = ["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"]


@dataclass(frozen=True, slots=True)
class StageFacts:
    closed: bool
    won: bool
    probability: float
    forecast: str                    # ForecastCategory (API value)


# A new org's stages (Setup > Opportunity Stages): open ones are Pipeline.
_STAGES: dict[str, StageFacts] = {
    "Prospecting": StageFacts(False, False, 10, "Pipeline"),
    "Qualification": StageFacts(False, False, 10, "Pipeline"),
    "Needs Analysis": StageFacts(False, False, 20, "Pipeline"),
    "Value Proposition": StageFacts(False, False, 50, "Pipeline"),
    "Id. Decision Makers": StageFacts(False, False, 60, "Pipeline"),
    "Perception Analysis": StageFacts(False, False, 70, "Pipeline"),
    "Proposal/Price Quote": StageFacts(False, False, 75, "Pipeline"),
    "Negotiation/Review": StageFacts(False, False, 90, "Pipeline"),
    "Closed Won": StageFacts(True, True, 100, "Closed"),
    "Closed Lost": StageFacts(True, False, 0, "Omitted"),
}
_CONVERTED_LEAD_STATUSES = frozenset({"Closed - Converted"})
_CLOSED_TASK_STATUSES = frozenset({"Completed"})
# Object -> (the object and picklist it describes, Id sequence base).
STATUS_OBJECTS: dict[str, tuple[str, str, int]] = {
    "LeadStatus": ("Lead", "Status", 0x100),
    "OpportunityStage": ("Opportunity", "StageName", 0x200),
    "TaskStatus": ("Task", "Status", 0x300),
}


def stage_facts(stage: str | None) -> StageFacts | None:
    """What a stage means; an unknown stage (an unrestricted picklist's) is an open one."""
    if stage is None:
        return None
    return _STAGES.get(stage, StageFacts(False, False, 0, "Pipeline") if stage else None)


def task_status_closed(status: str | None) -> bool:
    return status in _CLOSED_TASK_STATUSES


def backing_field(sobject: str) -> tuple[str, str] | None:
    """(object, picklist field) a status object describes, or None for other objects."""
    found = STATUS_OBJECTS.get(sobject)
    return None if found is None else found[:2]


def _common(label: str) -> list[FieldDef]:
    return [
        id_field(label),
        field("MasterLabel", "string", "Master Label", **_RO),
        field("ApiName", "string", "API Name", id_lookup=True, **_RO),
        field("SortOrder", "int", "Sort Order", **_RO),
        field("IsDefault", "boolean", "Is Default", **_RO),
    ]


def _audit() -> list[FieldDef]:
    ro = {"createable": False, "updateable": False, "nillable": False, "defaulted_on_create": True}
    return [
        field("CreatedDate", "datetime", "Created Date", **ro),
        reference("CreatedById", "Created By ID", ["User"], "CreatedBy", **ro),
        field("LastModifiedDate", "datetime", "Last Modified Date", **ro),
        reference("LastModifiedById", "Last Modified By ID", ["User"], "LastModifiedBy", **ro),
        field("SystemModstamp", "datetime", "System Modstamp", **ro),
    ]


def status_objects() -> list[ObjectDef]:
    flags: dict[str, Any] = {"createable": False, "updateable": False, "deletable": False}
    lead = [*_common("Lead Status Value"),
            field("IsConverted", "boolean", "Is Converted", **_RO), *_audit()]
    stage = [
        *_common("Opportunity Stage"),
        field("Description", "string", "Description", length=255, **_RO),
        field("IsActive", "boolean", "Is Active", **_RO),
        field("IsClosed", "boolean", "Closed", **_RO),
        field("IsWon", "boolean", "Won", **_RO),
        field("DefaultProbability", "percent", "Probability (%)", precision=3, scale=0, **_RO),
        picklist("ForecastCategory", "Forecast Category", FORECAST_CATEGORIES,
                 restricted_picklist=True, length=40, **_RO),
        picklist("ForecastCategoryName", "Forecast Category Name", FORECAST_CATEGORIES,
                 restricted_picklist=True, **_RO),
        *_audit(),
    ]
    task = [*_common("Task Status Value"), field("IsClosed", "boolean", "Is Closed", **_RO),
            *_audit()]
    return [
        ObjectDef.build("LeadStatus", "Lead Status Value", "Lead Status Values", KEY_PREFIX,
                        lead, **flags),
        ObjectDef.build("OpportunityStage", "Opportunity Stage", "Opportunity Stages",
                        KEY_PREFIX, stage, **flags),
        ObjectDef.build("TaskStatus", "Task Status Value", "Task Status Values", KEY_PREFIX,
                        task, **flags),
    ]


def value_rows(sobject: str, object_info: Callable[[str], ObjectDef | None],
               created: dt.datetime, created_by: str | None) -> list[dict[str, Any]]:
    """The records of a status object, one per value of the picklist it describes."""
    backing = STATUS_OBJECTS.get(sobject)
    if backing is None:
        return []
    parent_name, field_name, base = backing
    parent = object_info(parent_name)
    picklist_field = parent.field(field_name) if parent is not None else None
    if picklist_field is None:
        return []
    rows = []
    for index, value in enumerate(picklist_field.picklist_values):
        row: dict[str, Any] = {
            "Id": make_id(KEY_PREFIX, base + index + 1),
            "MasterLabel": value.label if value.label is not None else value.value,
            "ApiName": value.value, "SortOrder": index + 1, "IsDefault": value.default_value,
            "IsDeleted": False, "CreatedDate": created, "CreatedById": created_by,
            "LastModifiedDate": created, "LastModifiedById": created_by,
            "SystemModstamp": created,
        }
        row.update(_facts(sobject, value.value, value.active))
        rows.append(row)
    return rows


def _facts(sobject: str, value: str, active: bool) -> dict[str, Any]:
    if sobject == "LeadStatus":
        return {"IsConverted": value in _CONVERTED_LEAD_STATUSES}
    if sobject == "TaskStatus":
        return {"IsClosed": task_status_closed(value)}
    facts = stage_facts(value) or StageFacts(False, False, 0, "Pipeline")
    return {"IsActive": active, "IsClosed": facts.closed, "IsWon": facts.won,
            "DefaultProbability": float(facts.probability), "ForecastCategory": facts.forecast,
            "ForecastCategoryName": facts.forecast, "Description": None}
