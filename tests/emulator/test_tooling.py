"""Tooling API over sockets through simple-salesforce's toolingexecute()."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg


def content(info: Any) -> Any:
    """The decoded error body simple-salesforce attached to its exception."""
    return info.value.content


@pytest.fixture
def local() -> Iterator[LocalOrg]:
    with LocalOrg() as org:
        yield org


@pytest.fixture
def sf(local: LocalOrg) -> Any:
    return local.salesforce()


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
    assert content(excinfo)[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"


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
