"""From host contacts to a Plan of writes and skips: pure functions, no I/O.

:class:`~.pages.PagePlanner` runs them around its lookups, in three steps, so that nothing is
looked up for a contact that will not be sent:

1. :func:`select` — settings filters: no email (when required), stage not pushed;
2. :func:`draft` — the target record (link, match or a new ``push_as`` record), the mapped
   values and their fingerprint; an unchanged contact is skipped here;
3. :func:`finalize` — owner and Account ids added, the action chosen:

   * ``UPDATE`` by Id: a linked or email-matched record (its external ID is stamped on the
     way, so later pushes find it by that too);
   * ``UPSERT`` by external ID: everything else when the object has our external ID field
     (a retried create can never make a second record);
   * ``CREATE``: when it has not (no permission to create fields): matching relies on links
     and email.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_sfsync.salesforce.describe import ObjectInfo
from flask_sfsync.salesforce.errors import RecordError

from ..links import Link
from ..mapping.fingerprint import fingerprint
from ..mapping.mapper import Mapper, compile_mapping
from ..mapping.rules import is_empty
from ..records import HostContact
from .matching import Match, MatchedBy
from .settings import PushAs, PushSettings

__all__ = [
    "Action",
    "Draft",
    "Group",
    "OrgSchema",
    "Plan",
    "PlannedWrite",
    "Skip",
    "SkipReason",
    "by_account",
    "draft",
    "finalize",
    "relinked",
    "select",
]


class Action(enum.Enum):
    UPSERT = "upsert"
    UPDATE = "update"
    CREATE = "create"


class SkipReason(enum.Enum):
    NO_EMAIL = "no email"
    STAGE_NOT_PUSHED = "stage not pushed"
    UNCHANGED = "unchanged since last push"


@dataclass(frozen=True, slots=True)
class Skip:
    host_id: str
    reason: SkipReason


@dataclass(frozen=True)
class OrgSchema:
    """What the org has, from describe: None for an object the user cannot see."""

    lead: ObjectInfo | None
    contact: ObjectInfo | None
    external_id_field: str

    def info(self, sobject: str) -> ObjectInfo | None:
        return self.lead if sobject == "Lead" else self.contact

    def ext_field(self, sobject: str) -> str | None:
        """Our external ID field on ``sobject``, when the org has it."""
        info = self.info(sobject)
        has = info is not None and info.field(self.external_id_field) is not None
        return self.external_id_field if has else None


@dataclass(frozen=True, slots=True)
class Draft:
    host_id: str
    sobject: str
    target_id: str | None  # known record (link or match); None: a new or upserted one
    matched_by: MatchedBy | None
    fields: dict[str, Any]  # the mapped values; finalize adds ids to them (drafts are used once)
    fingerprint: str
    owner_email: str | None
    company: str | None


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    host_id: str
    sobject: str
    action: Action
    fields: Mapping[str, Any]  # ready to send (Id, external ID, OwnerId, AccountId included)
    fingerprint: str
    target_id: str | None = None
    matched_by: MatchedBy | None = None

    @property
    def key(self) -> str:
        """As a :class:`~flask_sfsync.salesforce.writers.Writable`: results come back by it."""
        return self.host_id


# (object, action): writes of one kind of Collections/Bulk call.
Group = tuple[str, Action]


@dataclass
class Plan:
    writes: list[PlannedWrite] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    # Contacts that cannot be written: their Account could not be created.
    failures: list[tuple[str, str, RecordError]] = field(default_factory=list)

    def groups(self) -> dict[Group, list[PlannedWrite]]:
        """Writes by (object, action): each group is one kind of Collections/Bulk call."""
        out: dict[Group, list[PlannedWrite]] = defaultdict(list)
        for write in self.writes:
            out[(write.sobject, write.action)].append(write)
        return dict(out)


def select(
    contacts: Iterable[HostContact], settings: PushSettings
) -> tuple[list[HostContact], list[Skip]]:
    keep: list[HostContact] = []
    skips: list[Skip] = []
    for contact in contacts:
        host_id = str(contact["id"])
        if settings.stages is not None and contact.get("stage") not in settings.stages:
            skips.append(Skip(host_id, SkipReason.STAGE_NOT_PUSHED))
        elif settings.require_email and is_empty(contact.get("email")):
            skips.append(Skip(host_id, SkipReason.NO_EMAIL))
        else:
            keep.append(contact)
    return keep, skips


def target_of(
    host_id: str, links: Mapping[str, Link], matches: Mapping[str, Match], settings: PushSettings
) -> tuple[str, str | None, MatchedBy | None]:
    """(object, record id, how it was found): an update always goes to the same record."""
    link = links.get(host_id)
    if link is not None:
        return link.sobject, link.sf_id, MatchedBy.LINK
    match = matches.get(host_id)
    if match is not None:
        return match.sobject, match.id, match.by
    return settings.push_as.value, None, None


def draft(
    contacts: Iterable[HostContact],
    settings: PushSettings,
    schema: OrgSchema,
    links: Mapping[str, Link],
    matches: Mapping[str, Match],
    *,
    mappers: dict[str, Mapper] | None = None,
) -> tuple[list[Draft], list[Skip]]:
    """``mappers``: compiled mappings by object, kept by a caller that drafts page by page."""
    drafts: list[Draft] = []
    skips: list[Skip] = []
    mappers = {} if mappers is None else mappers
    for contact in contacts:
        host_id = str(contact["id"])
        sobject, target_id, matched_by = target_of(host_id, links, matches, settings)
        mapper = mappers.get(sobject)
        if mapper is None:
            info = schema.info(sobject)
            mapper = compile_mapping(
                sobject, settings, info.names if info is not None else None
            )
            mappers[sobject] = mapper
        fields = mapper(contact)
        owner = contact.get("owner_email") or None
        company = _account_name(contact, sobject, settings)
        # Taken before LeadSource is dropped below, so that the first push (a create, with
        # it) and the next (an update by link, without) agree on an unchanged contact.
        print_ = fingerprint(sobject, fields, owner=owner, account=company)
        if target_id is not None and matched_by is not MatchedBy.EXTERNAL_ID:
            # Someone else's record (or one a person may have edited since): its source stays,
            # and so does its Company unless we have a real one.
            fields.pop("LeadSource", None)
            if fields.get("Company") == settings.lead_company_placeholder:
                fields.pop("Company")
        link = links.get(host_id)
        if link is not None and link.fingerprint == print_:
            skips.append(Skip(host_id, SkipReason.UNCHANGED))
            continue
        drafts.append(
            Draft(host_id, sobject, target_id, matched_by, fields, print_, owner, company)
        )
    return drafts, skips


def _account_name(contact: HostContact, sobject: str, settings: PushSettings) -> str | None:
    if sobject != "Contact" or settings.push_as is not PushAs.CONTACT:
        return None
    company = contact.get("company")
    return company.strip() if company and company.strip() else None


def finalize(
    drafts: Iterable[Draft],
    settings: PushSettings,
    schema: OrgSchema,
    *,
    owner_ids: Mapping[str, str | None],
    account_ids: Mapping[str, str],
    account_errors: Mapping[str, RecordError],
) -> Plan:
    """``owner_ids``: lower-cased email -> active user; ``account_*``: lower-cased name."""
    plan = Plan()
    ext_fields: dict[str, str | None] = {}
    for d in drafts:
        fields = d.fields
        owner_id = owner_ids.get(d.owner_email.strip().lower()) if d.owner_email else None
        if owner_id:
            fields["OwnerId"] = owner_id
        if d.company:
            key = d.company.lower()
            if key in account_errors:
                plan.failures.append((d.host_id, d.sobject, account_errors[key]))
                continue
            if key in account_ids:
                fields["AccountId"] = account_ids[key]
        if d.sobject not in ext_fields:
            ext_fields[d.sobject] = schema.ext_field(d.sobject)
        ext_field = ext_fields[d.sobject]
        if ext_field:
            fields[ext_field] = settings.external_id(d.host_id)
        if d.target_id is not None and d.matched_by is not MatchedBy.EXTERNAL_ID:
            action = Action.UPDATE
            fields["Id"] = d.target_id
        else:
            action = Action.UPSERT if ext_field else Action.CREATE
        plan.writes.append(
            PlannedWrite(
                d.host_id, d.sobject, action, fields, d.fingerprint, d.target_id, d.matched_by
            )
        )
    return plan


def by_account(writes: list[PlannedWrite]) -> list[PlannedWrite]:
    """Contacts in Account order: saving a Contact locks its Account, so two calls in flight
    with contacts of the same Account wait on each other (``UNABLE_TO_LOCK_ROW`` when it lasts).
    Ordered by Account (as Salesforce advises for parallel loads), parallel calls share at
    most the Account at their boundary, and the per-record retries absorb that."""
    if not any("AccountId" in w.fields for w in writes):
        return writes
    return sorted(writes, key=lambda w: str(w.fields.get("AccountId") or ""))


def relinked(
    stale: Sequence[PlannedWrite], settings: PushSettings
) -> dict[Group, list[PlannedWrite]]:
    """Updates whose linked record is gone (deleted in Salesforce), as writes of new records."""
    groups: dict[Group, list[PlannedWrite]] = {}
    for w in stale:
        fields = {k: v for k, v in w.fields.items() if k != "Id"}
        action = Action.UPSERT if settings.external_id_field in fields else Action.CREATE
        again = PlannedWrite(w.host_id, w.sobject, action, fields, w.fingerprint)
        groups.setdefault((w.sobject, action), []).append(again)
    return groups
