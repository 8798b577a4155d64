"""Lead conversion: Salesforce's ``convertLead`` for one lead.

As Salesforce documents it (``convertLead()`` in the SOAP API guide, "Lead Conversion Field
Mapping" in Salesforce Help):

* the lead becomes a new Account (Name from Company, Billing address from the lead's address,
  phone, fax, website, industry, rating, revenue, employees) or updates an existing one, and a
  new Contact (names, title, e-mail, phones, Mailing address, description, lead source,
  opt-outs) or updates an existing one of that account; an existing record only gets the lead's
  values in its *empty* fields (LeadSource too when ``overwrite_lead_source``; opt-outs and Do
  Not Call never);
* optionally a new Opportunity: Name from ``opportunity_name`` or Company, the account, the
  lead source, the default stage, CloseDate the last day of the current quarter;
* new records are owned by ``owner_id`` or else the lead's owner; the lead gets the converted
  status (a LeadStatus with IsConverted true, "Closed - Converted" in a new org), IsConverted,
  ConvertedDate (today), ConvertedAccountId, ConvertedContactId, ConvertedOpportunityId, and
  refuses every later update with CANNOT_UPDATE_CONVERTED_LEAD;
* the lead's tasks and events move to the contact (and to the new opportunity, when they were
  related to nothing else).

The converting user needs Edit on Lead and Create and Edit on Account, Contact (and
Opportunity when one is created); the records are written in system mode (no field-level
security, no validation rules, duplicates allowed), as Salesforce converts unless "Require
Validation for Converted Leads" is on. The caller (``Org.convert_lead``) holds a transaction:
any error leaves nothing converted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.schema.statuses import value_rows
from flask_sfsync.emulator.store.access import Access, Operation

__all__ = ["DEFAULT_CONVERTED_STATUS", "LeadConvert", "LeadConvertResult", "convert_lead"]

DEFAULT_CONVERTED_STATUS = "Closed - Converted"
_ADDRESS = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude")
# (lead field, target field) for each object, from Salesforce's standard mapping.
ACCOUNT_MAP = (("Company", "Name"), *((p, f"Billing{p}") for p in _ADDRESS),
               ("AnnualRevenue", "AnnualRevenue"), ("Fax", "Fax"), ("Industry", "Industry"),
               ("NumberOfEmployees", "NumberOfEmployees"), ("Phone", "Phone"),
               ("Rating", "Rating"), ("Website", "Website"))
CONTACT_MAP = (("Salutation", "Salutation"), ("FirstName", "FirstName"),
               ("LastName", "LastName"), ("Title", "Title"), ("Email", "Email"),
               ("Phone", "Phone"), ("MobilePhone", "MobilePhone"), ("Fax", "Fax"),
               *((p, f"Mailing{p}") for p in _ADDRESS), ("Description", "Description"),
               ("LeadSource", "LeadSource"), ("DoNotCall", "DoNotCall"),
               ("HasOptedOutOfEmail", "HasOptedOutOfEmail"),
               ("HasOptedOutOfFax", "HasOptedOutOfFax"))
# Not copied onto an existing contact ("This field isn't updated for leads converted to
# existing contacts").
_NOT_ON_EXISTING_CONTACT = frozenset({"DoNotCall", "HasOptedOutOfEmail", "HasOptedOutOfFax"})


@dataclass(frozen=True, slots=True)
class LeadConvert:
    """What to convert and into what (Salesforce's LeadConvert)."""

    lead_id: str
    converted_status: str | None = None   # default: the org's first converted status
    account_id: str | None = None         # existing account to merge into
    contact_id: str | None = None         # existing contact of that account
    create_opportunity: bool = True       # Salesforce's doNotCreateOpportunity, negated
    opportunity_name: str | None = None
    owner_id: str | None = None           # owner of the new records (default: the lead's)
    overwrite_lead_source: bool = False

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> LeadConvert:
        """The control API's body: Salesforce's LeadConvert names (leadId, convertedStatus,
        accountId, contactId, doNotCreateOpportunity, opportunityName, ownerId,
        overwriteLeadSource)."""
        lead_id = body.get("leadId")
        if not isinstance(lead_id, str) or not lead_id:
            raise ValueError("leadId is required")
        return cls(lead_id, body.get("convertedStatus"), body.get("accountId"),
                   body.get("contactId"), not bool(body.get("doNotCreateOpportunity")),
                   body.get("opportunityName"), body.get("ownerId"),
                   bool(body.get("overwriteLeadSource")))


@dataclass(frozen=True, slots=True)
class LeadConvertResult:
    lead_id: str
    account_id: str
    contact_id: str
    opportunity_id: str | None

    def as_json(self) -> dict[str, Any]:
        """Salesforce's LeadConvertResult."""
        return {"accountId": self.account_id, "contactId": self.contact_id,
                "leadId": self.lead_id, "opportunityId": self.opportunity_id,
                "success": True, "errors": []}


class ConvertingOrg(Protocol):
    """What a conversion uses of the org (``store.org.Org``)."""

    access: Access

    def object_def(self, name: str) -> ObjectDef: ...
    def object_info(self, name: str) -> ObjectDef | None: ...
    def clock(self) -> dt.datetime: ...
    def get_record(self, record_id: str) -> tuple[str, Mapping[str, Any]] | None: ...
    def scan(self, sobject: str, include_deleted: bool = False) -> Iterator[Any]: ...
    def create(self, sobject: str, fields: Mapping[str, Any], user_id: str, *,
               allow_duplicates: bool = False, system_mode: bool = False) -> str: ...
    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any], user_id: str, *,
               allow_duplicates: bool = False, system_mode: bool = False) -> None: ...
    def write_system_fields(self, sobject: str, record_id: str, changes: Mapping[str, Any],
                            user_id: str) -> None: ...


def convert_lead(org: ConvertingOrg, request: LeadConvert, user_id: str) -> LeadConvertResult:
    lead = _live(org, request.lead_id, "Lead")
    if lead["IsConverted"]:
        raise SalesforceApiError(400, "CANNOT_UPDATE_CONVERTED_LEAD",
                                 "cannot reference converted lead", [])
    _check_access(org, user_id, request.create_opportunity)
    status = _converted_status(org, request.converted_status)
    owner = request.owner_id or lead["OwnerId"]
    lead_json = {name: _json(lead[name]) for name in lead}
    account_id = _account(org, request, lead_json, owner, user_id)
    contact_id = _contact(org, request, lead_json, account_id, owner, user_id)
    opportunity_id = _opportunity(org, request, lead_json, account_id, owner, user_id) \
        if request.create_opportunity else None
    lead_id = str(lead["Id"])
    org.write_system_fields("Lead", lead_id, {
        "Status": status, "IsConverted": True, "ConvertedDate": org.clock().date(),
        "ConvertedAccountId": account_id, "ConvertedContactId": contact_id,
        "ConvertedOpportunityId": opportunity_id}, user_id)
    _move_activities(org, lead_id, contact_id, opportunity_id, request.owner_id, user_id)
    return LeadConvertResult(lead_id, account_id, contact_id, opportunity_id)


def _live(org: ConvertingOrg, record_id: str | None, sobject: str) -> Mapping[str, Any]:
    found = org.get_record(record_id) if record_id else None
    if found is None or found[0] != sobject:
        raise SalesforceApiError(400, "INVALID_CROSS_REFERENCE_KEY",
                                 f"invalid cross reference id: {record_id}")
    if found[1]["IsDeleted"]:
        raise SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted")
    return found[1]


def _check_access(org: ConvertingOrg, user_id: str, opportunity: bool) -> None:
    needs: list[tuple[str, Operation]] = [
        ("Lead", "edit"), ("Account", "create"), ("Account", "edit"), ("Contact", "create"),
        ("Contact", "edit")]
    if opportunity:
        needs += [("Opportunity", "create"), ("Opportunity", "edit")]
    for sobject, operation in needs:
        org.access.require(user_id, org.object_def(sobject), operation)


def converted_statuses(org: ConvertingOrg) -> list[str]:
    """The Lead.Status values whose LeadStatus record has IsConverted true."""
    rows = value_rows("LeadStatus", org.object_info, org.clock(), None)
    found = [str(row["ApiName"]) for row in rows if row.get("IsConverted")]
    return found or [DEFAULT_CONVERTED_STATUS]


def _converted_status(org: ConvertingOrg, given: str | None) -> str:
    statuses = converted_statuses(org)
    if given is None:
        return statuses[0]
    for status in statuses:
        if status.lower() == given.lower():
            return status
    raise SalesforceApiError(400, "INVALID_STATUS", f"invalid convertedStatus: {given}",
                             ["Status"])


def _mapped(lead: Mapping[str, Any], mapping: tuple[tuple[str, str], ...],
            skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {target: lead[source] for source, target in mapping
            if target not in skip and lead.get(source) not in (None, "", False)}


def _fill_empty(org: ConvertingOrg, sobject: str, record: Mapping[str, Any],
                values: Mapping[str, Any], user_id: str, always: frozenset[str]) -> None:
    """Only the target's empty fields get the lead's values (``always``: overwritten)."""
    changes = {name: value for name, value in values.items()
               if name in always or record[name] in (None, "", False)}
    org.update(sobject, str(record["Id"]), changes, user_id, system_mode=True)


def _account(org: ConvertingOrg, request: LeadConvert, lead: Mapping[str, Any], owner: Any,
             user_id: str) -> str:
    values = _mapped(lead, ACCOUNT_MAP)
    if request.account_id:
        account = _live(org, request.account_id, "Account")
        _fill_empty(org, "Account", account, values, user_id, frozenset())
        return str(account["Id"])
    return org.create("Account", {**values, "OwnerId": owner}, user_id, system_mode=True,
                      allow_duplicates=True)


def _contact(org: ConvertingOrg, request: LeadConvert, lead: Mapping[str, Any],
             account_id: str, owner: Any, user_id: str) -> str:
    if request.contact_id:
        if not request.account_id:
            raise SalesforceApiError(400, "REQUIRED_FIELD_MISSING",
                                     "accountId is required when contactId is given",
                                     ["accountId"])
        contact = _live(org, request.contact_id, "Contact")
        if contact["AccountId"] != account_id:
            raise SalesforceApiError(400, "FIELD_INTEGRITY_EXCEPTION",
                                     "The contact is not on the account given", ["contactId"])
        always = frozenset({"LeadSource"}) if request.overwrite_lead_source else frozenset()
        values = _mapped(lead, CONTACT_MAP, _NOT_ON_EXISTING_CONTACT)
        _fill_empty(org, "Contact", contact, values, user_id, always)
        return str(contact["Id"])
    values = {**_mapped(lead, CONTACT_MAP), "AccountId": account_id, "OwnerId": owner}
    return org.create("Contact", values, user_id, system_mode=True, allow_duplicates=True)


def _opportunity(org: ConvertingOrg, request: LeadConvert, lead: Mapping[str, Any],
                 account_id: str, owner: Any, user_id: str) -> str:
    stage = org.object_def("Opportunity").field("StageName")
    default_stage = None
    if stage is not None:
        default_stage = stage.default_picklist_value() or next(
            (v.value for v in stage.picklist_values if v.active), None)
    values = {"Name": request.opportunity_name or lead.get("Company"),
              "AccountId": account_id, "OwnerId": owner, "StageName": default_stage,
              "CloseDate": _end_of_quarter(org.clock().date()).isoformat(),
              "LeadSource": lead.get("LeadSource")}
    return org.create("Opportunity", {k: v for k, v in values.items() if v is not None},
                      user_id, system_mode=True, allow_duplicates=True)


def _end_of_quarter(day: dt.date) -> dt.date:
    """The last day of the day's calendar quarter (Salesforce's default fiscal year)."""
    last_month = (day.month - 1) // 3 * 3 + 3
    first_of_next = dt.date(day.year + last_month // 12, last_month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def _move_activities(org: ConvertingOrg, lead_id: str, contact_id: str,
                     opportunity_id: str | None, new_owner: str | None, user_id: str) -> None:
    for sobject in ("Task", "Event"):
        for row in [r for r in org.scan(sobject) if r["WhoId"] == lead_id]:
            changes: dict[str, Any] = {"WhoId": contact_id}
            if opportunity_id and not row["WhatId"]:
                changes["WhatId"] = opportunity_id
            # Open activities of the converting user go to the new owner (Salesforce Help).
            is_open = sobject == "Event" or not row["IsClosed"]
            if new_owner and row["OwnerId"] == user_id and is_open:
                changes["OwnerId"] = new_owner
            org.update(sobject, str(row["Id"]), changes, user_id, system_mode=True)


def _json(value: Any) -> Any:
    """A stored value as the JSON a write takes (dates as ISO text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
