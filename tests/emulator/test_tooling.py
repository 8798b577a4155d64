"""Tooling API over sockets through simple-salesforce's toolingexecute()."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest


def create_field(sf: Any, full_name: str, metadata: dict[str, Any]) -> Any:
    return sf.toolingexecute(
        "sobjects/CustomField", method="POST", data={"FullName": full_name, "Metadata": metadata}
    )


def test_create_custom_field_and_use_it(sf: Any) -> None:
    created = create_field(
        sf,
        "Contact.App_Id__c",
        {"label": "App Id", "type": "Text", "length": 64, "externalId": True, "unique": True},
    )
    assert created["success"] is True and created["id"].startswith("00N")
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields["App_Id__c"]["externalId"] is True and fields["App_Id__c"]["custom"] is True
    first = sf.Contact.upsert("App_Id__c/app-1", {"LastName": "Custom"}, raw_response=True)
    assert first.status_code == 201
    assert sf.query("SELECT App_Id__c FROM Contact")["records"][0]["App_Id__c"] == "app-1"
    record = sf.toolingexecute(f"sobjects/CustomField/{created['id']}")
    assert record["DeveloperName"] == "App_Id" and record["TableEnumOrId"] == "Contact"


def test_repeat_is_duplicate_developer_name(sf: Any) -> None:
    create_field(
        sf, "Lead.Score__c", {"label": "Score", "type": "Number", "precision": 5, "scale": 0}
    )
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        create_field(
            sf, "Lead.Score__c", {"label": "Score", "type": "Number", "precision": 5, "scale": 0}
        )
    assert error_body(excinfo)[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"


def test_tooling_query(sf: Any) -> None:
    create_field(
        sf,
        "Contact.Tier__c",
        {
            "label": "Tier",
            "type": "Picklist",
            "valueSet": {"valueSetDefinition": {"value": [{"fullName": "Gold", "default": False}]}},
        },
    )
    result = sf.toolingexecute(
        "query?q=SELECT+Id,+DeveloperName,+TableEnumOrId+FROM+CustomField"
        "+WHERE+TableEnumOrId+=+'Contact'"
    )
    assert result["totalSize"] == 1
    assert result["records"][0]["DeveloperName"] == "Tier"


def test_unknown_tooling_object(sf: Any) -> None:
    from simple_salesforce.exceptions import SalesforceResourceNotFound

    with pytest.raises(SalesforceResourceNotFound):
        sf.toolingexecute("sobjects/Contact", method="POST", data={"LastName": "x"})


@pytest.mark.parametrize(
    ("kind", "extra", "describe_type", "written", "read"),
    [
        ("Text", {"length": 20}, "string", "plain", "plain"),
        ("TextArea", {}, "textarea", "two\nlines", "two\nlines"),
        ("LongTextArea", {"length": 32768, "visibleLines": 3}, "textarea", "x" * 300, "x" * 300),
        ("Email", {}, "email", "who@example.com", "who@example.com"),
        ("Phone", {}, "phone", "+1 555 0100", "+1 555 0100"),
        ("Date", {}, "date", "2024-02-29", "2024-02-29"),
        ("DateTime", {}, "datetime", "2024-05-01T10:20:30.000+0000",
         "2024-05-01T10:20:30.000+0000"),
        ("Number", {"precision": 6, "scale": 2}, "double", 12.345, 12.35),
        ("Checkbox", {"defaultValue": "false"}, "boolean", True, True),
        ("Picklist", {"valueSet": {"restricted": True, "valueSetDefinition": {"value": [
            {"fullName": "Gold", "default": True}, {"fullName": "Silver", "default": False}]}}},
         "picklist", "Silver", "Silver"),
    ],
)
def test_each_field_type_is_described_written_and_queried(
    sf: Any, kind: str, extra: dict[str, Any], describe_type: str, written: Any, read: Any
) -> None:
    create_field(sf, f"Lead.My{kind}__c", {"label": f"My {kind}", "type": kind, **extra})
    fdef = {f["name"]: f for f in sf.Lead.describe()["fields"]}[f"My{kind}__c"]
    assert (fdef["type"], fdef["custom"], fdef["label"]) == (describe_type, True, f"My {kind}")
    record_id = sf.Lead.create({"LastName": kind, "Company": "Types", f"My{kind}__c": written})
    found = sf.query(f"SELECT My{kind}__c FROM Lead WHERE Id = '{record_id['id']}'")
    assert found["records"][0][f"My{kind}__c"] == read


def test_restricted_custom_picklist_and_default(sf: Any) -> None:
    create_field(sf, "Contact.Tier__c", {"label": "Tier", "type": "Picklist", "valueSet": {
        "restricted": True, "valueSetDefinition": {"value": [
            {"fullName": "Gold", "default": True}, {"fullName": "Silver", "default": False}]}}})
    created = sf.Contact.create({"LastName": "Tiered"})["id"]
    assert sf.Contact.get(created)["Tier__c"] == "Gold"
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.Contact.create({"LastName": "Bronze", "Tier__c": "Bronze"})
    assert error_body(excinfo)[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_external_id_and_unique_custom_field(sf: Any) -> None:
    create_field(sf, "Account.Ext__c", {"label": "Ext", "type": "Text", "length": 30,
                                        "externalId": True, "unique": True})
    fdef = {f["name"]: f for f in sf.Account.describe()["fields"]}["Ext__c"]
    assert (fdef["externalId"], fdef["unique"], fdef["idLookup"]) == (True, True, True)
    first = sf.Account.upsert("Ext__c/E-1", {"Name": "One"}, raw_response=True)
    again = sf.Account.upsert("Ext__c/E-1", {"Name": "Uno"}, raw_response=True)
    assert (first.status_code, again.status_code) == (201, 200)
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.Account.create({"Name": "Other", "Ext__c": "E-1"})
    assert error_body(excinfo)[0]["errorCode"] == "DUPLICATE_VALUE"


def test_a_user_without_customize_application_cannot_create_fields(local: Any) -> None:
    standard = next(u for u in local.org.users if u.is_active and not u.is_admin)
    sf = local.salesforce(user=standard)
    body = {"FullName": "Contact.Nope__c", "Metadata": {"label": "Nope", "type": "Text",
                                                        "length": 10}}
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.toolingexecute("sobjects/CustomField", method="POST", data=body)
    assert raised.value.content[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert local.org.object_def("Contact").field("Nope__c") is None
