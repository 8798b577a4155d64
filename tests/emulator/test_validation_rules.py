"""Issue 10 point 3: validation rules and required custom fields an admin configures, failing
writes as Salesforce's REST and Collections responses carry it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from emulator_support import error_body
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.emulator.store.org import Org


def _rule(local: LocalOrg, **body: Any) -> requests.Response:
    return requests.post(local.login_url + "/_emulator/validation-rules", json=body, timeout=10)


def test_a_rule_fails_rest_writes_with_its_message_and_field(local: LocalOrg, sf: Any) -> None:
    answer = _rule(local, sobject="Contact", name="Email_Required",
                   condition={"field": "Email", "is": "blank"},
                   message="Every contact needs an e-mail.", error_field="email")
    assert answer.status_code == 200
    assert answer.json()[0]["error_field"] == "Email"
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Contact.create({"LastName": "NoMail"})
    assert error_body(refused) == [{"message": "Every contact needs an e-mail.",
                                    "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                    "fields": ["Email"]}]
    contact = sf.Contact.create({"LastName": "Mail", "Email": "m@example.com"})["id"]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Contact.update(contact, {"Email": None})
    sf.Contact.update(contact, {"Title": "Kept"})  # the stored e-mail satisfies the rule


def test_a_top_of_page_rule_in_collections_and_upsert(local: LocalOrg, sf: Any) -> None:
    _rule(local, sobject="Account", name="No_Test_Accounts",
          condition={"field": "Name", "is": "matches", "value": "(?i)test.*"},
          message="Test accounts are not allowed.")
    results = sf.restful("composite/sobjects", method="POST", json={"records": [
        {"attributes": {"type": "Account"}, "Name": "Test Co"},
        {"attributes": {"type": "Account"}, "Name": "Real Co"}]})
    assert results[0] == {"success": False, "errors": [{
        "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "message": "Test accounts are not allowed.", "fields": []}]}
    assert results[1]["success"] is True
    sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Account.Ext__c", "Metadata": {"label": "Ext", "type": "Text", "length": 20,
                                                   "externalId": True}})
    with pytest.raises(SalesforceMalformedRequest) as upsert:
        sf.Account.upsert("Ext__c/E-1", {"Name": "testing"})
    assert error_body(upsert)[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"


def test_regex_and_python_predicate_rules_through_the_handle(local: LocalOrg, sf: Any) -> None:
    local.add_validation_rule("Contact", "Phone_Format",
                              {"field": "Phone", "is": "not_matches", "value": r"\+\d[\d ]+"},
                              "Phone numbers start with + and the country code.",
                              error_field="Phone")
    sf.Contact.create({"LastName": "NoPhone"})  # REGEX() spares a blank value
    with pytest.raises(SalesforceMalformedRequest) as bad_phone:
        sf.Contact.create({"LastName": "Local", "Phone": "020 7946"})
    assert error_body(bad_phone)[0]["fields"] == ["Phone"]
    local.add_validation_rule("Lead", "No_Free_Mail",
                              lambda r: str(r["Email"] or "").endswith("@gmail.com"),
                              "Use a company e-mail.")
    with pytest.raises(SalesforceMalformedRequest) as free:
        sf.Lead.create({"LastName": "Free", "Company": "C", "Email": "a@gmail.com"})
    assert error_body(free)[0]["message"] == "Use a company e-mail."
    assert local.remove_validation_rule("Lead") == 1
    sf.Lead.create({"LastName": "Free", "Company": "C", "Email": "a@gmail.com"})
    # Processes and conversions run in system mode: no validation rules.
    contact = sf.Contact.create({"LastName": "Wf"})["id"]
    local.automation_update("Contact", contact, {"Phone": "local"})
    assert sf.Contact.get(contact)["Phone"] == "local"


def test_rules_are_listed_removed_and_saved_with_the_org(local: LocalOrg, tmp_path: Path) -> None:
    _rule(local, sobject="Contact", name="A", condition={"field": "Title", "is": "blank"},
          message="Title please")
    local.add_validation_rule("Contact", "B", lambda r: False, "never")
    listed = requests.get(local.login_url + "/_emulator/validation-rules", timeout=10).json()
    assert [r["name"] for r in listed] == ["A", "B"]
    assert listed[1]["condition"] == {"python": "<lambda>"}
    local.org.save(tmp_path / "org.sfdata")
    loaded = Org.load(tmp_path / "org.sfdata")
    assert [r.name for r in loaded.validation.all()] == ["A"]  # predicates are not saved
    gone = requests.delete(local.login_url + "/_emulator/validation-rules/Contact/a",
                           timeout=10)
    assert [r["name"] for r in gone.json()] == ["B"]
    assert requests.delete(local.login_url + "/_emulator/validation-rules/Contact/a",
                           timeout=10).status_code == 400
    bad = _rule(local, sobject="Contact", name="C", condition={"field": "Nope", "is": "blank"},
                message="m")
    assert bad.status_code == 400 and "Nope" in bad.json()["error"]
    bad_kind = _rule(local, sobject="Contact", name="D",
                     condition={"field": "Email", "is": "huge"}, message="m")
    assert bad_kind.status_code == 400


def test_a_required_custom_field(local: LocalOrg, sf: Any) -> None:
    sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Contact.Region__c", "Metadata": {"label": "Region", "type": "Text",
                                                      "length": 40}})
    contact = sf.Contact.create({"LastName": "Before"})["id"]
    answer = requests.post(local.login_url + "/_emulator/fields/Contact/Region__c",
                           json={"required": True}, timeout=10)
    assert answer.status_code == 200 and answer.json()["nillable"] is False
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields["Region__c"]["nillable"] is False
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.Contact.create({"LastName": "After"})
    assert error_body(missing) == [{"message": "Required fields are missing: [Region__c]",
                                    "errorCode": "REQUIRED_FIELD_MISSING",
                                    "fields": ["Region__c"]}]
    sf.Contact.create({"LastName": "After", "Region__c": "EMEA"})
    with pytest.raises(SalesforceMalformedRequest):
        sf.Contact.update(contact, {"Region__c": None})
    standard = requests.post(local.login_url + "/_emulator/fields/Contact/Title",
                             json={"required": True}, timeout=10)
    assert standard.status_code == 400 and "custom" in standard.json()["error"]
    local.set_field_required("Contact", "Region__c", False)
    sf.Contact.create({"LastName": "Optional again"})
