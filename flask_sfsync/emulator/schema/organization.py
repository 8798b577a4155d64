"""Organization: the one record that describes the org itself (Setup > Company Information).

Object Reference, "Organization": key configuration information for an org; one record, whose
Id is the org's Id (key prefix 00D). Clients read it for the org's name, edition, sandbox flag,
instance, locale and time zone::

    SELECT Id, Name, OrganizationType, IsSandbox, InstanceName FROM Organization

Salesforce supports describeSObjects(), query(), retrieve() and update() on it: an admin may
change a few fields (the address, phone, fax, primary contact, locale, language, time zone ...),
as the Company Information page does; it cannot be created or deleted. Here it is read-only
through the API: describe says createable, updateable and deletable false, every field is
read-only, and the org's name comes from how it was started (``LocalOrg(org_name=...)``,
``--org-name``). As with the status objects (``statuses``), the record is not stored:
:func:`organization_row` builds it from the org's :class:`Company`, its Id and creation date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_sfsync.emulator.schema.common import address, id_field
from flask_sfsync.emulator.schema.ids import KEY_PREFIXES
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef, field, picklist, reference

__all__ = [
    "DEFAULT_ORG_NAME",
    "DEVELOPER_EDITION",
    "EDITIONS",
    "ENTERPRISE_EDITION",
    "KEY_PREFIX",
    "ORGANIZATION",
    "Company",
    "check_org_name",
    "organization_object",
    "organization_row",
]

ORGANIZATION = "Organization"
KEY_PREFIX = KEY_PREFIXES[ORGANIZATION]  # 00D: the org's Id is the record's
DEFAULT_ORG_NAME = "Local Org"
NAME_LENGTH = 80
DEVELOPER_EDITION = "Developer Edition"
ENTERPRISE_EDITION = "Enterprise Edition"
# OrganizationType ("Edition"): the values Salesforce's describe lists.
EDITIONS = ["Team Edition", "Professional Edition", ENTERPRISE_EDITION, DEVELOPER_EDITION,
            "Personal Edition", "Unlimited Edition", "Contact Manager Edition", "Base Edition"]
# Instances are named by pod; sandboxes lived on CS pods (clients still tell them apart so).
_INSTANCE = {False: "NA1", True: "CS1"}
_LOCALES = ["en_US", "en_GB", "en_CA", "en_AU", "fr_FR", "de_DE", "es_ES", "it_IT", "ja_JP"]
_LANGUAGES = ["en_US", "en_GB", "fr", "de", "es", "it", "ja"]
_TIME_ZONES = ["America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
               "Europe/London", "Europe/Paris", "Europe/Berlin", "Asia/Tokyo", "GMT"]
# Organization-wide sharing defaults: picklist values, and a new org's values. The local org
# lets every user read and write every record (docs/emulator.rst), i.e. Public Read/Write.
_SHARING: dict[str, tuple[str, list[str], str]] = {
    "DefaultAccountAccess": ("Default Account Access", ["None", "Read", "Edit"], "Edit"),
    "DefaultContactAccess": ("Default Contact Access",
                             ["None", "Read", "Edit", "ControlledByParent"],
                             "ControlledByParent"),
    "DefaultOpportunityAccess": ("Default Opportunity Access", ["None", "Read", "Edit"], "Edit"),
    "DefaultLeadAccess": ("Default Lead Access", ["None", "Read", "Edit", "ReadEditTransfer"],
                          "ReadEditTransfer"),
    "DefaultCaseAccess": ("Default Case Access", ["None", "Read", "Edit", "ReadEditTransfer"],
                          "ReadEditTransfer"),
    "DefaultCalendarAccess": ("Default Calendar Access",
                              ["HideDetails", "HideDetailsInsert", "ShowDetails",
                               "ShowDetailsInsert", "AllowEdits"], "HideDetailsInsert"),
    "DefaultPricebookAccess": ("Default Price Book Access", ["None", "Read", "ReadSelect"],
                               "ReadSelect"),
    "DefaultCampaignAccess": ("Default Campaign Access", ["None", "Read", "Edit", "All"], "All"),
}


@dataclass
class Company:
    """What Company Information holds: the org's name, edition and address, its defaults.

    A plain (not slotted) dataclass: it is pickled with the org (``--data FILE``), and a field
    added later reads its class default from files saved before it existed.
    """

    name: str = DEFAULT_ORG_NAME
    edition: str = DEVELOPER_EDITION
    sandbox: bool = False
    primary_contact: str | None = None
    phone: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = "US"
    locale: str = "en_US"
    language: str = "en_US"
    time_zone: str = "America/Los_Angeles"
    # When Company Information last changed (a rename); None: when the org was created.
    modified: dt.datetime | None = None

    @property
    def organization_type(self) -> str:
        """OrganizationType: a sandbox is a copy of a production org, and Developer Edition
        orgs have no sandboxes, so a sandbox reports Enterprise Edition."""
        if self.sandbox and self.edition == DEVELOPER_EDITION:
            return ENTERPRISE_EDITION
        return self.edition

    @property
    def instance_name(self) -> str:
        return _INSTANCE[bool(self.sandbox)]


def check_org_name(name: object) -> str:
    """The org's name as Organization.Name holds it: 1 to 80 characters, not blank."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("the org's name must be a non-empty string")
    name = name.strip()
    if len(name) > NAME_LENGTH:
        raise ValueError(f"the org's name is at most {NAME_LENGTH} characters, "
                         f"not {len(name)}")
    return name


def _ro(fdef: FieldDef) -> FieldDef:
    return dataclasses.replace(fdef, createable=False, updateable=False)


def _address() -> list[FieldDef]:
    # The "" prefix names the parts Street, City ... and the compound Address (as on User).
    return [_ro(dataclasses.replace(f, label=f.label.strip())) for f in address("", "")]


def organization_object() -> ObjectDef:
    """Organization's describe: no create, update or delete, every field read-only."""
    fields = [
        id_field("Organization"),
        field("Name", "string", "Name", length=NAME_LENGTH, nillable=False, name_field=True),
        field("Division", "string", "Division", length=80),
        *_address(),
        field("Phone", "phone", "Phone"),
        field("Fax", "phone", "Fax"),
        field("PrimaryContact", "string", "Primary Contact", length=80),
        picklist("DefaultLocaleSidKey", "Locale", _LOCALES, nillable=False,
                 restricted_picklist=True, length=40),
        picklist("TimeZoneSidKey", "Time Zone", _TIME_ZONES, nillable=False,
                 restricted_picklist=True, length=40),
        picklist("LanguageLocaleKey", "Language", _LANGUAGES, nillable=False,
                 restricted_picklist=True, length=40),
        field("ReceivesInfoEmails", "boolean", "Info Emails"),
        field("ReceivesAdminInfoEmails", "boolean", "Info Emails Admin"),
        field("PreferencesRequireOpportunityProducts", "boolean", "RequireOpportunityProducts"),
        field("FiscalYearStartMonth", "int", "Fiscal Year Starts In"),
        field("UsesStartDateAsFiscalYearName", "boolean", "Fiscal Year Name by Start"),
        *(picklist(name, label, values, restricted_picklist=True, length=40)
          for name, (label, values, _) in _SHARING.items()),
        field("ComplianceBccEmail", "email", "Compliance BCC Email"),
        picklist("UiSkin", "UI Skin", ["Theme1", "Theme2", "PortalDefault", "Webstore",
                                       "Theme3", "Theme4d"], restricted_picklist=True,
                 length=40),
        field("SignupCountryIsoCode", "string", "Signup Country", length=2),
        field("TrialExpirationDate", "datetime", "Trial Expiration Date"),
        field("NumKnowledgeService", "int", "Knowledge Licenses"),
        picklist("OrganizationType", "Edition", EDITIONS, restricted_picklist=True, length=40),
        field("NamespacePrefix", "string", "Namespace Prefix", length=15),
        field("InstanceName", "string", "Instance Name", length=5),
        field("IsSandbox", "boolean", "Is Sandbox"),
        field("WebToCaseDefaultOrigin", "string", "Web to Cases Default Origin", length=40),
        field("MonthlyPageViewsUsed", "int", "Monthly Page Views Used"),
        field("MonthlyPageViewsEntitlement", "int", "Monthly Page Views Allowed"),
        field("IsReadOnly", "boolean", "Is Read Only"),
        *_audit(),
    ]
    return ObjectDef.build(ORGANIZATION, "Organization", "Organizations", KEY_PREFIX,
                           [_ro(f) for f in fields], createable=False, updateable=False,
                           deletable=False)


def _audit() -> list[FieldDef]:
    # Organization has the audit fields but no IsDeleted: it is never in the recycle bin.
    ro = {"nillable": False, "defaulted_on_create": True}
    return [
        field("CreatedDate", "datetime", "Created Date", **ro),
        reference("CreatedById", "Created By ID", ["User"], "CreatedBy", **ro),
        field("LastModifiedDate", "datetime", "Last Modified Date", **ro),
        reference("LastModifiedById", "Last Modified By ID", ["User"], "LastModifiedBy", **ro),
        field("SystemModstamp", "datetime", "System Modstamp", **ro),
    ]


def organization_row(org_id: str, company: Company, created: dt.datetime,
                     admin_id: str | None) -> dict[str, Any]:
    """The Organization record (API names -> Python values), as queries and retrieve read it."""
    modified = company.modified or created
    row: dict[str, Any] = {
        "Id": org_id, "Name": company.name, "Division": None,
        "Street": company.street, "City": company.city, "State": company.state,
        "PostalCode": company.postal_code, "Country": company.country, "Latitude": None,
        "Longitude": None, "GeocodeAccuracy": None, "Phone": company.phone, "Fax": None,
        "PrimaryContact": company.primary_contact, "DefaultLocaleSidKey": company.locale,
        "TimeZoneSidKey": company.time_zone, "LanguageLocaleKey": company.language,
        "ReceivesInfoEmails": False, "ReceivesAdminInfoEmails": False,
        "PreferencesRequireOpportunityProducts": False, "FiscalYearStartMonth": 1,
        "UsesStartDateAsFiscalYearName": False, "ComplianceBccEmail": None, "UiSkin": "Theme3",
        "SignupCountryIsoCode": company.country if company.country and
        len(company.country) == 2 else None,
        "TrialExpirationDate": None, "NumKnowledgeService": 0,
        "OrganizationType": company.organization_type, "NamespacePrefix": None,
        "InstanceName": company.instance_name, "IsSandbox": bool(company.sandbox),
        "WebToCaseDefaultOrigin": None, "MonthlyPageViewsUsed": 0,
        "MonthlyPageViewsEntitlement": 0, "IsReadOnly": False,
        "CreatedDate": created, "CreatedById": admin_id, "LastModifiedDate": modified,
        "LastModifiedById": admin_id, "SystemModstamp": modified,
    }
    row.update({name: default for name, (_, _, default) in _SHARING.items()})
    return row
