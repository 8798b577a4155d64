"""Issue 10 points 1 and 4: changes made "in Salesforce" by people and processes, as a pull
reads them: who made them (CreatedById, LastModifiedById), when (LastModifiedDate,
SystemModstamp), the recycle bin and undelete.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.handle import LocalOrg

SOFIA = "sofia.alvarez@emulator.example.com"
MARCUS = "marcus.chen@emulator.example.com"


def _audit(sf: Any, sobject: str, record_id: str) -> dict[str, Any]:
    [row] = sf.query_all(
        f"SELECT CreatedById, LastModifiedById, LastModifiedDate, SystemModstamp, IsDeleted "
        f"FROM {sobject} WHERE Id = '{record_id}'", include_deleted=True)["records"]
    return dict(row)


def test_changes_are_made_as_the_user_who_makes_them(local: LocalOrg, sf: Any) -> None:
    sofia, marcus = local.as_user(SOFIA), local.as_user(MARCUS)
    contact = sofia.create("Contact", {"LastName": "Lovelace"})
    created = _audit(sf, "Contact", contact)
    assert created["CreatedById"] == created["LastModifiedById"] == local.user(SOFIA).id
    assert sf.Contact.get(contact)["OwnerId"] == local.user(SOFIA).id
    marcus.update("Contact", contact, {"Title": "Countess"})
    updated = _audit(sf, "Contact", contact)
    assert updated["CreatedById"] == local.user(SOFIA).id
    assert updated["LastModifiedById"] == local.user(MARCUS).id
    assert updated["SystemModstamp"] >= created["SystemModstamp"]
    marcus.change_owner("Contact", contact, local.user(SOFIA).id)
    assert sf.Contact.get(contact)["OwnerId"] == local.user(SOFIA).id
    # The same rules as the API: a required field cannot be blanked by a person either.
    with pytest.raises(SalesforceApiError) as refused:
        sofia.update("Contact", contact, {"LastName": ""})
    assert refused.value.error_code == "REQUIRED_FIELD_MISSING"


def test_undelete_restores_a_record_and_what_its_delete_cascaded_to(
        local: LocalOrg, sf: Any) -> None:
    account = sf.Account.create({"Name": "Cascade Inc."})["id"]
    contact = sf.Contact.create({"LastName": "Child", "AccountId": account})["id"]
    deleted_before = sf.Contact.create({"LastName": "Gone", "AccountId": account})["id"]
    sf.Contact.delete(deleted_before)
    sofia = local.as_user(SOFIA)
    sofia.delete(account)
    assert _audit(sf, "Contact", contact)["IsDeleted"] is True
    sofia.undelete(account)
    assert _audit(sf, "Account", account)["IsDeleted"] is False
    assert _audit(sf, "Account", account)["LastModifiedById"] == local.user(SOFIA).id
    assert sf.Contact.get(contact)["AccountId"] == account       # restored with its account
    assert _audit(sf, "Contact", deleted_before)["IsDeleted"] is True  # deleted on its own
    with pytest.raises(SalesforceApiError) as not_deleted:
        sofia.undelete(account)
    assert (not_deleted.value.error_code, not_deleted.value.message) == (
        "UNDELETE_FAILED", "Entity is not in the recycle bin")
    assert sf.query(f"SELECT Id FROM Contact WHERE Id = '{contact}'")["totalSize"] == 1


def test_undelete_refuses_a_unique_value_taken_meanwhile(local: LocalOrg, sf: Any) -> None:
    sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Account.Code__c", "Metadata": {"label": "Code", "type": "Text",
                                                    "length": 10, "unique": True}})
    first = sf.Account.create({"Name": "First", "Code__c": "C-1"})["id"]
    sf.Account.delete(first)
    sf.Account.create({"Name": "Second", "Code__c": "C-1"})
    with pytest.raises(SalesforceApiError) as taken:
        local.undelete(first)
    assert taken.value.error_code == "DUPLICATE_VALUE"


def test_the_control_api_changes_records_as_a_user(local: LocalOrg, sf: Any) -> None:
    control = local.login_url + "/_emulator"
    created = requests.post(f"{control}/records/Contact", json={
        "fields": {"LastName": "Babbage"}, "user": SOFIA}, timeout=10)
    assert created.status_code == 201
    contact = created.json()["id"]
    patched = requests.patch(f"{control}/records/Contact/{contact}", json={
        "fields": {"Title": "Engineer"}, "user": MARCUS}, timeout=10)
    assert patched.status_code == 200
    assert patched.json()["LastModifiedById"] == local.user(MARCUS).id
    assert sf.Contact.get(contact)["Title"] == "Engineer"
    refused = requests.patch(f"{control}/records/Contact/{contact}",
                             json={"fields": {"LastName": None}}, timeout=10)
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    deleted = requests.delete(f"{control}/records/Contact/{contact}",
                              params={"user": SOFIA}, timeout=10)
    assert deleted.status_code == 204
    assert _audit(sf, "Contact", contact)["IsDeleted"] is True
    restored = requests.post(f"{control}/undelete", json={"ids": [contact, contact],
                                                          "user": SOFIA}, timeout=10).json()
    assert restored[0] == {"id": contact, "success": True, "errors": []}
    assert restored[1]["success"] is False
    assert restored[1]["errors"][0]["statusCode"] == "UNDELETE_FAILED"
    assert requests.get(f"{control}/records/Contact/{contact}", timeout=10).json()[
        "IsDeleted"] is False
    assert requests.post(f"{control}/records/Contact", json={"fields": {"LastName": "X"},
                                                            "user": "nobody"},
                         timeout=10).status_code == 400
