"""User (read-mostly in the emulator) and the Tooling API's CustomField."""

from __future__ import annotations

from typing import Any

from flask_sfsync.emulator.schema.common import address, audit_fields, id_field
from flask_sfsync.emulator.schema.model import (
    FieldDef,
    ObjectDef,
    field,
    picklist,
    reference,
)

__all__ = ["custom_field_object", "user"]

_RO: dict[str, Any] = {"createable": False, "updateable": False}


def user() -> ObjectDef:
    fields: list[FieldDef] = [
        id_field("User"),
        field("Username", "string", "Username", length=80, nillable=False, unique=True,
              id_lookup=True),
        field("LastName", "string", "Last Name", length=80, nillable=False,
              compound_field_name="Name"),
        field("FirstName", "string", "First Name", length=40, compound_field_name="Name"),
        field("Name", "string", "Full Name", length=121, name_field=True, **_RO),
        field("CompanyName", "string", "Company Name", length=80),
        field("Division", "string", "Division", length=80),
        field("Department", "string", "Department", length=80),
        field("Title", "string", "Title", length=80),
        *address("", ""),
        field("Email", "email", "Email", length=128, nillable=False),
        field("Phone", "phone", "Phone"),
        field("MobilePhone", "phone", "Mobile"),
        field("Alias", "string", "Alias", length=8, nillable=False),
        field("CommunityNickname", "string", "Nickname", length=40, nillable=False,
              unique=True),
        field("IsActive", "boolean", "Active", default_value=True),
        picklist("TimeZoneSidKey", "Time Zone", ["America/Los_Angeles", "America/New_York",
                                                 "Europe/London", "Europe/Paris", "GMT"],
                 nillable=False, restricted_picklist=True, length=40),
        reference("UserRoleId", "Role ID", ["UserRole"], "UserRole"),
        picklist("LocaleSidKey", "Locale", ["en_US", "en_GB", "fr_FR", "de_DE"],
                 nillable=False, restricted_picklist=True, length=40),
        picklist("EmailEncodingKey", "Email Encoding", ["UTF-8", "ISO-8859-1"],
                 nillable=False, restricted_picklist=True, length=40),
        reference("ProfileId", "Profile ID", ["Profile"], "Profile", nillable=False),
        picklist("UserType", "User Type", ["Standard", "PowerPartner", "CsnOnly", "Guest"],
                 restricted_picklist=True, length=40, **_RO),
        picklist("LanguageLocaleKey", "Language", ["en_US", "fr", "de"], nillable=False,
                 restricted_picklist=True, length=40),
        field("EmployeeNumber", "string", "Employee Number", length=20),
        reference("ManagerId", "Manager ID", ["User"], "Manager"),
        field("LastLoginDate", "datetime", "Last Login", **_RO),
    ]
    fields += [f for f in audit_fields() if f.name != "IsDeleted"]
    for f in fields:
        # The address helper names "" prefixed parts "Street" etc.; User's are plain.
        if f.compound_field_name == "Address":
            f.label = f.label.strip()
    return ObjectDef.build("User", "User", "Users", "005", fields, createable=False,
                           deletable=False, updateable=False)


def custom_field_object() -> ObjectDef:
    """Tooling API CustomField: the rows add_custom_field records, for tooling queries."""
    fields: list[FieldDef] = [
        id_field("Custom Field Definition"),
        field("DeveloperName", "string", "Field Name", length=40, nillable=False),
        field("TableEnumOrId", "string", "Table Enum or ID", length=40, nillable=False),
        field("FullName", "string", "Full Name", length=255),
        field("NamespacePrefix", "string", "Namespace Prefix", length=15, **_RO),
        field("Description", "textarea", "Description", length=1000),
        field("InlineHelpText", "textarea", "Help Text", length=510),
        field("ManageableState", "string", "Manageable State", length=40, **_RO),
        field("Metadata", "string", "Metadata", length=0, **_RO),
        field("CreatedDate", "datetime", "Created Date", **_RO),
        reference("CreatedById", "Created By ID", ["User"], "CreatedBy", **_RO),
        field("LastModifiedDate", "datetime", "Last Modified Date", **_RO),
        reference("LastModifiedById", "Last Modified By ID", ["User"], "LastModifiedBy", **_RO),
    ]
    return ObjectDef.build("CustomField", "Custom Field Definition",
                           "Custom Field Definitions", "00N", fields, tooling=True,
                           updateable=False)
