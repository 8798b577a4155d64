"""The standard objects of a new org, and the child relationships their lookups imply.

Some objects' records are built from the org's settings rather than stored (:func:`is_built`):
the status objects (``statuses``, one record per picklist value) and Organization
(``organization``, one record describing the org). Their tables stay empty; queries, retrieve
and writes ask for them by name.
"""

from __future__ import annotations

from flask_sfsync.emulator.schema.activity import event, task
from flask_sfsync.emulator.schema.model import ChildRelationship, ObjectDef
from flask_sfsync.emulator.schema.organization import ORGANIZATION, organization_object
from flask_sfsync.emulator.schema.sales import account, contact, lead, opportunity
from flask_sfsync.emulator.schema.statuses import backing_field, status_objects
from flask_sfsync.emulator.schema.user import user

__all__ = ["is_built", "link_child_relationships", "standard_objects"]


def standard_objects() -> list[ObjectDef]:
    """Fresh definitions of the standard objects a new org has (each org may add fields)."""
    return [account(), contact(), lead(), opportunity(), task(), event(), user(),
            *status_objects(), organization_object()]


def is_built(sobject: str) -> bool:
    """Whether the object's records are built, not stored (``sobject``: its API name)."""
    return sobject == ORGANIZATION or backing_field(sobject) is not None


_CHILD_NAMES: dict[tuple[str, str], str | None] = {
    ("Contact", "AccountId"): "Contacts", ("Opportunity", "AccountId"): "Opportunities",
    ("Account", "ParentId"): "ChildAccounts", ("Task", "WhoId"): "Tasks",
    ("Task", "WhatId"): "Tasks", ("Event", "WhoId"): "Events", ("Event", "WhatId"): "Events",
}
_AUDIT_REFERENCES = frozenset({"OwnerId", "CreatedById", "LastModifiedById"})


def link_child_relationships(
    schema: dict[str, ObjectDef], cascade: dict[str, tuple[tuple[str, str], ...]],
) -> None:
    """Fill each object's childRelationships from the reference fields pointing at it."""
    for child in schema.values():
        for f in child.fields.values():
            if f.type != "reference" or f.name in _AUDIT_REFERENCES:
                continue
            for target in f.reference_to:
                parent = schema.get(target.lower())
                if parent is not None:
                    parent.child_relationships.append(ChildRelationship(
                        child.name, f.name, _CHILD_NAMES.get((child.name, f.name)),
                        cascade_delete=(child.name, f.lower) in cascade.get(parent.name, ())))
