"""Contact, Lead, Account and Opportunity as a Developer Edition org describes them."""

from __future__ import annotations

from typing import Any

from flask_sfsync.emulator.schema.common import (
    GEOCODE_ACCURACY,
    INDUSTRIES,
    LEAD_SOURCES,
    address,
    audit_fields,
    compound_address,
    id_field,
    owner_field,
    person_name_fields,
    view_fields,
)
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef, field, picklist, reference

__all__ = ["account", "contact", "lead", "opportunity"]

_RO: dict[str, Any] = {"createable": False, "updateable": False}
RATINGS = ["Hot", "Warm", "Cold"]
LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted"]
STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
          "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
          "Negotiation/Review", "Closed Won", "Closed Lost"]


def _master_record(label: str, sobject: str) -> FieldDef:
    return reference("MasterRecordId", "Master Record ID", [sobject], "MasterRecord", **_RO)


def contact() -> ObjectDef:
    fields: list[FieldDef] = [
        id_field("Contact"), field("IsDeleted", "boolean", "Deleted", **_RO),
        _master_record("Contact", "Contact"),
        reference("AccountId", "Account ID", ["Account"], "Account"),
        *person_name_fields(),
        *address("Other", "Other"), *address("Mailing", "Mailing"),
        field("Phone", "phone", "Business Phone"),
        field("Fax", "phone", "Business Fax"),
        field("MobilePhone", "phone", "Mobile Phone"),
        field("HomePhone", "phone", "Home Phone"),
        field("OtherPhone", "phone", "Other Phone"),
        field("AssistantPhone", "phone", "Asst. Phone"),
        reference("ReportsToId", "Reports To ID", ["Contact"], "ReportsTo"),
        field("Email", "email", "Email"),
        field("Title", "string", "Title", length=128),
        field("Department", "string", "Department", length=80),
        field("AssistantName", "string", "Assistant's Name", length=40),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES, length=255),
        field("Birthdate", "date", "Birthdate"),
        field("Description", "textarea", "Contact Description"),
        owner_field(),
        field("HasOptedOutOfEmail", "boolean", "Email Opt Out"),
        field("HasOptedOutOfFax", "boolean", "Fax Opt Out"),
        field("DoNotCall", "boolean", "Do Not Call"),
    ]
    fields += [f for f in audit_fields() if f.name != "IsDeleted"]
    fields += view_fields()
    fields += [
        field("EmailBouncedReason", "string", "Email Bounced Reason", length=255),
        field("EmailBouncedDate", "datetime", "Email Bounced Date"),
        field("IsEmailBounced", "boolean", "Is Email Bounced", **_RO),
        field("PhotoUrl", "url", "Photo URL", length=255, **_RO),
        field("Jigsaw", "string", "Data.com Key", length=20),
    ]
    return ObjectDef.build("Contact", "Contact", "Contacts", "003", fields)


def lead() -> ObjectDef:
    fields: list[FieldDef] = [
        id_field("Lead"), field("IsDeleted", "boolean", "Deleted", **_RO),
        _master_record("Lead", "Lead"),
        *person_name_fields(),
        field("Title", "string", "Title", length=128),
        field("Company", "string", "Company", length=255, nillable=False),
        field("Street", "textarea", "Street", length=255, compound_field_name="Address"),
        field("City", "string", "City", length=40, compound_field_name="Address"),
        field("State", "string", "State/Province", length=80, compound_field_name="Address"),
        field("PostalCode", "string", "Zip/Postal Code", length=20,
              compound_field_name="Address"),
        field("Country", "string", "Country", length=80, compound_field_name="Address"),
        field("Latitude", "double", "Latitude", precision=18, scale=15,
              compound_field_name="Address"),
        field("Longitude", "double", "Longitude", precision=18, scale=15,
              compound_field_name="Address"),
        picklist("GeocodeAccuracy", "Geocode Accuracy", GEOCODE_ACCURACY, length=40,
                 restricted_picklist=True, compound_field_name="Address"),
        compound_address("Address", "Address"),
        field("Phone", "phone", "Phone"),
        field("MobilePhone", "phone", "Mobile Phone"),
        field("Fax", "phone", "Fax"),
        field("Email", "email", "Email"),
        field("Website", "url", "Website"),
        field("PhotoUrl", "url", "Photo URL", length=255, **_RO),
        field("Description", "textarea", "Description"),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        picklist("Status", "Status", LEAD_STATUSES, default="Open - Not Contacted",
                 nillable=False, length=40),
        picklist("Industry", "Industry", INDUSTRIES),
        picklist("Rating", "Rating", RATINGS),
        field("AnnualRevenue", "currency", "Annual Revenue", precision=18, scale=0),
        field("NumberOfEmployees", "int", "Employees", digits=8),
        owner_field(["Group", "User"]),
        field("HasOptedOutOfEmail", "boolean", "Email Opt Out"),
        field("IsConverted", "boolean", "Converted", **_RO),
        field("ConvertedDate", "date", "Converted Date", **_RO),
        reference("ConvertedAccountId", "Converted Account ID", ["Account"], "ConvertedAccount",
                  **_RO),
        reference("ConvertedContactId", "Converted Contact ID", ["Contact"], "ConvertedContact",
                  **_RO),
        reference("ConvertedOpportunityId", "Converted Opportunity ID", ["Opportunity"],
                  "ConvertedOpportunity", **_RO),
        field("IsUnreadByOwner", "boolean", "Unread By Owner"),
        field("DoNotCall", "boolean", "Do Not Call"),
        field("HasOptedOutOfFax", "boolean", "Fax Opt Out"),
    ]
    fields += [f for f in audit_fields() if f.name != "IsDeleted"]
    fields += view_fields()
    fields += [
        field("Jigsaw", "string", "Data.com Key", length=20),
        field("EmailBouncedReason", "string", "Email Bounced Reason", length=255),
        field("EmailBouncedDate", "datetime", "Email Bounced Date"),
    ]
    return ObjectDef.build("Lead", "Lead", "Leads", "00Q", fields)


def account() -> ObjectDef:
    account_types = ["Prospect", "Customer - Direct", "Customer - Channel",
                     "Channel Partner / Reseller", "Installation Partner", "Technology Partner",
                     "Other"]
    fields: list[FieldDef] = [
        id_field("Account"), field("IsDeleted", "boolean", "Deleted", **_RO),
        _master_record("Account", "Account"),
        field("Name", "string", "Account Name", length=255, nillable=False, name_field=True),
        picklist("Type", "Account Type", account_types),
        reference("ParentId", "Parent Account ID", ["Account"], "Parent"),
        *address("Billing", "Billing"), *address("Shipping", "Shipping"),
        field("Phone", "phone", "Account Phone"),
        field("Fax", "phone", "Account Fax"),
        field("AccountNumber", "string", "Account Number", length=40),
        field("Website", "url", "Website"),
        field("PhotoUrl", "url", "Photo URL", length=255, **_RO),
        field("Sic", "string", "SIC Code", length=20),
        picklist("Industry", "Industry", INDUSTRIES),
        field("AnnualRevenue", "currency", "Annual Revenue", precision=18, scale=0),
        field("NumberOfEmployees", "int", "Employees", digits=8),
        picklist("Ownership", "Ownership", ["Public", "Private", "Subsidiary", "Other"]),
        field("TickerSymbol", "string", "Ticker Symbol", length=20),
        field("Description", "textarea", "Account Description"),
        picklist("Rating", "Account Rating", RATINGS),
        field("Site", "string", "Account Site", length=80),
        owner_field(),
    ]
    fields += [f for f in audit_fields() if f.name != "IsDeleted"]
    fields += view_fields()
    fields += [
        field("Jigsaw", "string", "Data.com Key", length=20),
        picklist("AccountSource", "Account Source", LEAD_SOURCES),
    ]
    return ObjectDef.build("Account", "Account", "Accounts", "001", fields)


def opportunity() -> ObjectDef:
    fields: list[FieldDef] = [
        id_field("Opportunity"), field("IsDeleted", "boolean", "Deleted", **_RO),
        reference("AccountId", "Account ID", ["Account"], "Account"),
        field("IsPrivate", "boolean", "Private"),
        field("Name", "string", "Name", length=120, nillable=False, name_field=True),
        field("Description", "textarea", "Description"),
        picklist("StageName", "Stage", STAGES, nillable=False),
        field("Amount", "currency", "Amount", precision=18, scale=2),
        field("Probability", "percent", "Probability (%)", precision=3, scale=0,
              defaulted_on_create=True),
        field("ExpectedRevenue", "currency", "Expected Amount", precision=18, scale=2,
              calculated=True, **_RO),
        field("TotalOpportunityQuantity", "double", "Quantity", precision=18, scale=2),
        field("CloseDate", "date", "Close Date", nillable=False),
        picklist("Type", "Opportunity Type", [
            "Existing Customer - Upgrade", "Existing Customer - Replacement",
            "Existing Customer - Downgrade", "New Customer"]),
        field("NextStep", "string", "Next Step", length=255),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        field("IsClosed", "boolean", "Closed", **_RO),
        field("IsWon", "boolean", "Won", **_RO),
        picklist("ForecastCategoryName", "Forecast Category",
                 ["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"],
                 defaulted_on_create=True, length=40),
        owner_field(),
    ]
    fields += [f for f in audit_fields() if f.name != "IsDeleted"]
    fields += view_fields()
    return ObjectDef.build("Opportunity", "Opportunity", "Opportunities", "006", fields)
