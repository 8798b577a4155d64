"""Field groups shared by several standard objects: Id, audit fields, owner, addresses."""

from __future__ import annotations

from flask_sfsync.emulator.schema.model import FieldDef, field, picklist, reference

__all__ = [
    "GEOCODE_ACCURACY", "INDUSTRIES", "LEAD_SOURCES", "address", "address_parts", "audit_fields",
    "compound_address", "id_field", "owner_field",
]

LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]
INDUSTRIES = [
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
]
GEOCODE_ACCURACY = [
    "Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip", "Neighborhood", "City",
    "County", "State", "Unknown",
]
SALUTATIONS = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx."]


def id_field(label: str) -> FieldDef:
    return field("Id", "id", f"{label} ID")


def owner_field(to: list[str] | None = None, label: str = "Owner ID") -> FieldDef:
    # Salesforce fills OwnerId with the running user, so it is required but defaulted.
    return reference("OwnerId", label, to or ["User"], "Owner", nillable=False,
                     defaulted_on_create=True)


def audit_fields() -> list[FieldDef]:
    """IsDeleted and the audit fields: read-only, set by the org on every write."""
    ro = {"createable": False, "updateable": False}
    return [
        field("IsDeleted", "boolean", "Deleted", **ro),
        field("CreatedDate", "datetime", "Created Date", nillable=False,
              defaulted_on_create=True, **ro),
        reference("CreatedById", "Created By ID", ["User"], "CreatedBy", nillable=False,
                  defaulted_on_create=True, **ro),
        field("LastModifiedDate", "datetime", "Last Modified Date", nillable=False,
              defaulted_on_create=True, **ro),
        reference("LastModifiedById", "Last Modified By ID", ["User"], "LastModifiedBy",
                  nillable=False, defaulted_on_create=True, **ro),
        field("SystemModstamp", "datetime", "System Modstamp", nillable=False,
              defaulted_on_create=True, **ro),
    ]


def view_fields(activity: bool = True) -> list[FieldDef]:
    ro = {"createable": False, "updateable": False}
    fields = [field("LastActivityDate", "date", "Last Activity", **ro)] if activity else []
    return [
        *fields,
        field("LastViewedDate", "datetime", "Last Viewed Date", **ro),
        field("LastReferencedDate", "datetime", "Last Referenced Date", **ro),
    ]


def address(prefix: str, label: str) -> list[FieldDef]:
    """The parts of a compound address, then the compound field (``MailingAddress``)."""
    compound = f"{prefix}Address"
    return [*address_parts(prefix, label), compound_address(compound, f"{label} Address")]


def compound_address(name: str, label: str) -> FieldDef:
    """A compound address field: read-only, type address, its value built from its parts
    (Object Reference, "Address Compound Fields")."""
    return field(name, "address", label.strip(), createable=False, updateable=False)


def address_parts(prefix: str, label: str) -> list[FieldDef]:
    """Street, City, State, PostalCode, Country, Latitude, Longitude, GeocodeAccuracy."""
    compound = f"{prefix}Address"
    return [
        field(f"{prefix}Street", "textarea", f"{label} Street", length=255,
              compound_field_name=compound, extra_type_info=None),
        field(f"{prefix}City", "string", f"{label} City", length=40,
              compound_field_name=compound),
        field(f"{prefix}State", "string", f"{label} State/Province", length=80,
              compound_field_name=compound),
        field(f"{prefix}PostalCode", "string", f"{label} Zip/Postal Code", length=20,
              compound_field_name=compound),
        field(f"{prefix}Country", "string", f"{label} Country", length=80,
              compound_field_name=compound),
        field(f"{prefix}Latitude", "double", f"{label} Latitude", precision=18, scale=15,
              compound_field_name=compound),
        field(f"{prefix}Longitude", "double", f"{label} Longitude", precision=18, scale=15,
              compound_field_name=compound),
        picklist(f"{prefix}GeocodeAccuracy", f"{label} Geocode Accuracy", GEOCODE_ACCURACY,
                 length=40, restricted_picklist=True, compound_field_name=compound),
    ]


def person_name_fields() -> list[FieldDef]:
    """Salutation/FirstName/LastName and the read-only compound Name."""
    return [
        field("LastName", "string", "Last Name", length=80, nillable=False,
              compound_field_name="Name"),
        field("FirstName", "string", "First Name", length=40, compound_field_name="Name"),
        picklist("Salutation", "Salutation", SALUTATIONS, compound_field_name="Name",
                 length=40),
        field("Name", "string", "Full Name", length=121, createable=False, updateable=False,
              name_field=True, extra_type_info="personname"),
    ]
