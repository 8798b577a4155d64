"""Describe metadata, Ids, value conversion and Tooling custom fields of the local org."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema import ids, values
from flask_sfsync.emulator.store.org import Org

BASE = "/services/data/v60.0"
# The keys of a field in Salesforce's sObject describe.
FIELD_KEYS = {
    "aggregatable", "aiPredictionField", "autoNumber", "byteLength", "calculated",
    "calculatedFormula", "cascadeDelete", "caseSensitive", "compoundFieldName", "controllerName",
    "createable", "custom", "defaultValue", "defaultValueFormula", "defaultedOnCreate",
    "dependentPicklist", "deprecatedAndHidden", "digits", "displayLocationInDecimal", "encrypted",
    "externalId", "extraTypeInfo", "filterable", "filteredLookupInfo",
    "formulaTreatNullNumberAsZero", "groupable", "highScaleNumber", "htmlFormatted", "idLookup",
    "inlineHelpText", "label", "length", "mask", "maskType", "name", "nameField", "namePointing",
    "nillable", "permissionable", "picklistValues", "polymorphicForeignKey", "precision",
    "queryByDistance", "referenceTargetField", "referenceTo", "relationshipName",
    "relationshipOrder", "restrictedDelete", "restrictedPicklist", "scale",
    "searchPrefilterable", "soapType", "sortable", "type", "unique", "updateable",
    "writeRequiresMasterRead",
}


@pytest.fixture
def org() -> Org:
    return Org()


def fields_of(org: Org, sobject: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in org.object_def(sobject).describe(BASE)["fields"]}


@pytest.mark.parametrize(("sobject", "prefix"), [
    ("Contact", "003"), ("Lead", "00Q"), ("Account", "001"), ("Opportunity", "006"),
    ("Task", "00T"), ("Event", "00U"), ("User", "005"),
])
def test_describe_of_each_object(org: Org, sobject: str, prefix: str) -> None:
    described = org.object_def(sobject.upper()).describe(BASE)

    assert (described["name"], described["keyPrefix"]) == (sobject, prefix)
    assert described["urls"]["sobject"] == f"{BASE}/sobjects/{sobject}"
    assert described["queryable"] is True and described["custom"] is False
    for field in described["fields"]:
        assert set(field) == FIELD_KEYS, field["name"]
    entry = org.object_def(sobject).describe_global_entry(BASE)
    assert entry["urls"] == {"rowTemplate": f"{BASE}/sobjects/{sobject}/{{ID}}",
                             "describe": f"{BASE}/sobjects/{sobject}/describe",
                             "sobject": f"{BASE}/sobjects/{sobject}"}


def test_contact_fields_carry_salesforce_properties(org: Org) -> None:
    fields = fields_of(org, "Contact")

    assert fields["Id"]["type"] == "id" and fields["Id"]["idLookup"] is True
    assert (fields["LastName"]["nillable"], fields["LastName"]["length"]) == (False, 80)
    assert fields["LastName"]["byteLength"] == 240
    assert fields["Name"]["createable"] is False and fields["Name"]["nameField"] is True
    assert fields["Email"]["type"] == "email" and fields["Email"]["idLookup"] is True
    account = fields["AccountId"]
    assert (account["referenceTo"], account["relationshipName"]) == (["Account"], "Account")
    assert account["soapType"] == "tns:ID"
    assert fields["OwnerId"]["defaultedOnCreate"] is True
    assert fields["Birthdate"]["soapType"] == "xsd:date"
    assert fields["SystemModstamp"]["updateable"] is False
    assert {"MailingCity", "OtherPhone", "ReportsToId", "Department"} <= fields.keys()


def test_picklists_report_values_and_defaults(org: Org) -> None:
    status = fields_of(org, "Lead")["Status"]

    default = [v for v in status["picklistValues"] if v["defaultValue"]]
    assert [v["value"] for v in default] == ["Open - Not Contacted"]
    assert set(status["picklistValues"][0]) == {"active", "defaultValue", "label", "validFor",
                                                "value"}
    assert fields_of(org, "Task")["TaskSubtype"]["restrictedPicklist"] is True


def test_polymorphic_who_and_what(org: Org) -> None:
    who = fields_of(org, "Task")["WhoId"]

    assert who["referenceTo"] == ["Contact", "Lead"]
    assert who["polymorphicForeignKey"] is True and who["relationshipName"] == "Who"


def test_account_lists_its_child_relationships(org: Org) -> None:
    children = org.object_def("Account").describe(BASE)["childRelationships"]

    contacts = next(c for c in children if c["childSObject"] == "Contact")
    assert (contacts["field"], contacts["relationshipName"]) == ("AccountId", "Contacts")
    assert contacts["cascadeDelete"] is True


def test_unknown_object(org: Org) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        org.object_def("Widget__c")

    assert (caught.value.status, caught.value.error_code) == (404, "NOT_FOUND")
    assert org.object_info("Widget__c") is None


# --- Ids ------------------------------------------------------------------------------------

def test_checksum_matches_salesforce() -> None:
    assert ids.checksum("001A0000006Vm9r") == "IAC"
    assert ids.normalize_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"


def test_lower_cased_18_character_ids_are_restored() -> None:
    assert ids.normalize_id("001a0000006vm9riac") == "001A0000006Vm9rIAC"


@pytest.mark.parametrize("bad", ["", "001", "001A0000006Vm9r!", "001A0000006Vm9rZZZ", 42])
def test_malformed_ids(bad: object) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        ids.normalize_id(bad)

    assert caught.value.error_code == "MALFORMED_ID"


# --- values ---------------------------------------------------------------------------------

def test_datetimes_in_and_out(org: Org) -> None:
    field = org.object_def("Event").field("StartDateTime")
    assert field is not None

    parsed = values.from_json(field, "2024-05-01T12:20:30.5+02:00")

    assert parsed == dt.datetime(2024, 5, 1, 10, 20, 30, 500000, tzinfo=dt.UTC)
    assert values.to_json(field, parsed) == "2024-05-01T10:20:30.500+0000"
    assert values.to_csv(field, parsed) == "2024-05-01T10:20:30.500Z"


def test_csv_values(org: Org) -> None:
    obj = org.object_def("Contact")
    flag, birthdate = obj.field("DoNotCall"), obj.field("Birthdate")
    assert flag is not None and birthdate is not None

    assert values.from_csv(flag, "TRUE") is True
    assert values.from_csv(birthdate, "#N/A") is None
    assert values.from_csv(birthdate, "2001-02-03") == dt.date(2001, 2, 3)
    assert values.to_csv(flag, False) == "false"
    assert values.to_csv(birthdate, None) == ""


def test_json_type_errors(org: Org) -> None:
    flag = org.object_def("Contact").field("DoNotCall")
    assert flag is not None

    with pytest.raises(SalesforceApiError) as caught:
        values.from_json(flag, {"a": 1})

    assert caught.value.error_code == "JSON_PARSER_ERROR"


# --- Tooling custom fields ------------------------------------------------------------------

def test_custom_field_appears_in_describe_and_takes_values(org: Org) -> None:
    field = org.add_custom_field("Contact", {"FullName": "Contact.Tier__c", "Metadata": {
        "label": "Tier", "type": "Picklist", "valueSet": {
            "restricted": True, "valueSetDefinition": {"value": [
                {"fullName": "Gold", "default": False, "label": "Gold"},
                {"fullName": "Silver", "default": True, "label": "Silver"}]}}}})

    described = fields_of(org, "Contact")["Tier__c"]
    assert described["custom"] is True and described["restrictedPicklist"] is True
    record_id = org.create("Contact", {"LastName": "A"}, org.admin.id)
    assert org.get("Contact", record_id)["Tier__c"] == "Silver"
    with pytest.raises(SalesforceApiError) as caught:
        org.update("Contact", record_id, {"Tier__c": "Bronze"}, org.admin.id)
    assert caught.value.error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert field.tooling_id is not None and field.tooling_id.startswith("00N")


@pytest.mark.parametrize(("kind", "extra", "sf_type"), [
    ("Text", {"length": 10}, "string"), ("TextArea", {}, "textarea"),
    ("LongTextArea", {"length": 5000, "visibleLines": 3}, "textarea"),
    ("Email", {}, "email"), ("Phone", {}, "phone"), ("Date", {}, "date"),
    ("DateTime", {}, "datetime"), ("Number", {"precision": 10, "scale": 2}, "double"),
    ("Checkbox", {"defaultValue": "true"}, "boolean"),
])
def test_custom_field_types(org: Org, kind: str, extra: dict[str, Any], sf_type: str) -> None:
    org.add_custom_field("Lead", {"FullName": "Lead.F__c",
                                  "Metadata": {"label": "F", "type": kind, **extra}})

    assert fields_of(org, "Lead")["F__c"]["type"] == sf_type


def test_repeated_custom_field_is_a_duplicate_developer_name(org: Org) -> None:
    spec = {"FullName": "Contact.Ext__c", "Metadata": {"label": "Ext", "type": "Text",
                                                       "length": 20, "externalId": True}}
    org.add_custom_field("Contact", spec)

    with pytest.raises(SalesforceApiError) as caught:
        org.add_custom_field("Contact", spec)

    assert caught.value.error_code == "DUPLICATE_DEVELOPER_NAME"


def test_custom_fields_are_queryable_as_tooling_records(org: Org) -> None:
    org.add_custom_field("Contact", {"FullName": "Contact.Ext__c", "Metadata": {
        "label": "Ext", "type": "Text", "length": 20, "externalId": True}})

    [row] = list(org.scan("CustomField"))

    assert (row["DeveloperName"], row["TableEnumOrId"], row["FullName"]) == (
        "Ext", "Contact", "Contact.Ext__c")
    assert row["Id"].startswith("00N")
    assert org.object_info("customfield") is not None


def test_invalid_custom_field_specs(org: Org) -> None:
    bad = [
        {"FullName": "Contact.NoSuffix", "Metadata": {"label": "X", "type": "Text", "length": 5}},
        {"FullName": "Contact.T__c", "Metadata": {"label": "X", "type": "Text"}},
        {"FullName": "Contact.T__c", "Metadata": {"label": "X", "type": "Hologram"}},
    ]
    for spec in bad:
        with pytest.raises(SalesforceApiError):
            org.add_custom_field("Contact", spec)


def test_custom_number_fields_keep_their_precision_and_scale(org: Org) -> None:
    org.add_custom_field("Contact", {"FullName": "Contact.Score__c", "Metadata": {
        "label": "Score", "type": "Number", "precision": 5, "scale": 2}})
    record_id = org.create("Contact", {"LastName": "A", "Score__c": 123.456}, org.admin.id)

    assert org.get("Contact", record_id)["Score__c"] == 123.46
    with pytest.raises(SalesforceApiError) as caught:
        org.update("Contact", record_id, {"Score__c": 1000}, org.admin.id)
    assert caught.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"


def test_error_shapes() -> None:
    request_level = SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
    record_level = SalesforceApiError(400, "REQUIRED_FIELD_MISSING", "Required fields are "
                                      "missing: [LastName]", ["LastName"])

    assert request_level.as_rest() == [{"message": "The requested resource does not exist",
                                        "errorCode": "NOT_FOUND"}]
    assert record_level.as_rest()[0]["fields"] == ["LastName"]
    assert record_level.as_record_error() == {
        "statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: "
        "[LastName]", "fields": ["LastName"]}
