"""Issue 10 point 1 over HTTP: the record pages as a small Salesforce UI for a signed-in user.

Sign-in with the org's users, a CSRF token on every form, changes made as the signed-in user
through the store's own rules, escaped output. (The same pages in Chromium:
tests/browser/test_emulator_pages.py.)
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from flask_sfsync.emulator.handle import LocalOrg

SOFIA = "sofia.alvarez@emulator.example.com"


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def signed_in(local: LocalOrg, username: str = SOFIA) -> requests.Session:
    browser = requests.Session()
    form = browser.get(local.login_url + "/records/login", timeout=10)
    user = local.user(username)
    answer = browser.post(local.login_url + "/records/login", data={
        "username": user.username, "password": user.password, "csrf_token": _token(form.text),
        "next": "/records/Contact"}, timeout=10)
    assert answer.status_code == 200 and user.name in answer.text
    return browser


def post_form(browser: requests.Session, url: str, data: dict[str, Any]) -> requests.Response:
    page = browser.get(url, timeout=10)
    assert page.status_code == 200, page.text
    return browser.post(url, data={"csrf_token": _token(page.text), **data}, timeout=10)


def test_changes_need_a_signed_in_user_and_a_csrf_token(local: LocalOrg, sf: Any) -> None:
    contact = sf.Contact.create({"LastName": "Guarded"})["id"]
    anonymous = requests.get(f"{local.login_url}/records/Contact/{contact}/edit",
                             allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303
    assert anonymous.headers["Location"].startswith("/records/login?next=")
    assert requests.post(f"{local.login_url}/records/Contact/{contact}/delete",
                         timeout=10).status_code == 403
    browser = signed_in(local)
    forged = browser.post(f"{local.login_url}/records/Contact/{contact}/delete",
                          data={"csrf_token": "forged"}, timeout=10)
    assert forged.status_code == 400 and sf.Contact.get(contact)["IsDeleted"] is False
    # Reading needs no sign-in (host apps link to these pages).
    assert requests.get(f"{local.login_url}/records/Contact/{contact}",
                        timeout=10).status_code == 200


def test_wrong_password_and_an_inactive_user_cannot_sign_in(local: LocalOrg) -> None:
    browser = requests.Session()
    form = browser.get(local.login_url + "/records/login", timeout=10)
    for username, password in [(SOFIA, "wrong"), ("grace.okafor@emulator.example.com",
                                                   "grace-password-1")]:
        answer = browser.post(local.login_url + "/records/login", data={
            "username": username, "password": password, "csrf_token": _token(form.text)},
            timeout=10)
        assert answer.status_code == 400 and "Please check your username" in answer.text
    off_site = browser.get(local.login_url + "/records/login",
                           params={"next": "//evil.example/"}, timeout=10)
    assert 'value="//evil.example/"' not in off_site.text


def test_create_edit_and_delete_as_the_signed_in_user(local: LocalOrg, sf: Any) -> None:
    browser = signed_in(local)
    url = local.login_url + "/records/Contact/new"
    created = post_form(browser, url, {"FirstName": "Ada", "LastName": "Lovelace",
                                       "Email": "ada@engines.example"})
    assert created.status_code == 200 and "Ada Lovelace was created." in created.text
    contact_id = re.search(r"/records/Contact/(\w{18})", created.url)
    assert contact_id
    record = sf.Contact.get(contact_id.group(1))
    sofia = local.user(SOFIA)
    assert (record["CreatedById"], record["OwnerId"]) == (sofia.id, sofia.id)

    edit_url = f"{local.login_url}/records/Contact/{record['Id']}/edit"
    saved = post_form(browser, edit_url, {"FirstName": "Ada", "LastName": "Lovelace",
                                          "Email": "ada@engines.example", "Title": "Countess"})
    assert "was saved" in saved.text
    assert sf.Contact.get(record["Id"])["Title"] == "Countess"

    # The API's rules answer on the form: a bad e-mail, a blank required field.
    bad = post_form(browser, edit_url, {"LastName": "Lovelace", "Email": "not-an-address"})
    assert bad.status_code == 400 and "INVALID_EMAIL_ADDRESS" in bad.text
    blank = post_form(browser, edit_url, {"LastName": ""})
    assert blank.status_code == 400 and "REQUIRED_FIELD_MISSING" in blank.text

    deleted = post_form(browser, f"{local.login_url}/records/Contact/{record['Id']}/delete", {})
    assert "was deleted" in deleted.text
    assert sf.query_all(f"SELECT IsDeleted FROM Contact WHERE Id = '{record['Id']}'",
                        include_deleted=True)["records"][0]["IsDeleted"] is True
    restored = post_form(browser, local.login_url + "/records/recycle-bin",
                         {"ids": record["Id"]})
    assert "restored from the Recycle Bin" in restored.text
    assert sf.Contact.get(record["Id"])["IsDeleted"] is False


def test_validation_rules_and_duplicates_answer_on_the_form(local: LocalOrg, sf: Any) -> None:
    local.add_validation_rule("Lead", "Company_Not_Test", {"field": "Company", "is": "equals",
                                                           "value": "Test"},
                              "Use the real company name.", error_field="Company")
    browser = signed_in(local)
    url = local.login_url + "/records/Lead/new"
    refused = post_form(browser, url, {"LastName": "Rule", "Company": "Test"})
    assert refused.status_code == 400
    assert "Use the real company name." in refused.text and "has-error" in refused.text
    sf.Contact.create({"LastName": "Existing", "Email": "dup@example.com"})
    duplicate = post_form(browser, url, {"LastName": "Dup", "Company": "C",
                                         "Email": "dup@example.com"})
    assert "looks like this is a duplicate" in duplicate.text
    assert 'name="allow_duplicates" value="1"' in duplicate.text
    saved = browser.post(url, data={"csrf_token": _token(duplicate.text), "LastName": "Dup",
                                    "Company": "C", "Email": "dup@example.com",
                                    "allow_duplicates": "1"}, timeout=10)
    assert "Dup was created." in saved.text


def test_values_are_escaped(local: LocalOrg, sf: Any) -> None:
    contact = sf.Contact.create({"LastName": "<script>alert(1)</script>"})["id"]
    for path in (f"/records/Contact/{contact}", "/records/Contact"):
        html = requests.get(local.login_url + path, timeout=10).text
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    edit = signed_in(local).get(f"{local.login_url}/records/Contact/{contact}/edit",
                                timeout=10).text
    assert "<script>alert(1)</script>" not in edit


def test_the_profile_shapes_what_the_pages_show(local: LocalOrg, sf: Any) -> None:
    contact = sf.Contact.create({"LastName": "Shaped", "Phone": "555-0100", "Title": "CTO"})["id"]
    local.set_field_access("Standard User", "Contact", "Phone", "hidden")
    local.set_field_access("Standard User", "Contact", "Title", "read_only")
    browser = signed_in(local)
    detail = browser.get(f"{local.login_url}/records/Contact/{contact}", timeout=10).text
    assert "555-0100" not in detail and "CTO" in detail
    edit = browser.get(f"{local.login_url}/records/Contact/{contact}/edit", timeout=10).text
    assert 'name="Phone"' not in edit and 'name="Title"' not in edit and "read-only" in edit
    local.set_object_access("Standard User", "Lead", create=False)
    listing = browser.get(local.login_url + "/records/Lead", timeout=10).text
    assert 'id="new-record"' not in listing
    assert browser.get(local.login_url + "/records/Lead/new", timeout=10).status_code == 403


@pytest.mark.parametrize("existing", [False, True])
def test_convert_a_lead_on_its_page(local: LocalOrg, sf: Any, existing: bool) -> None:
    lead = sf.Lead.create({"FirstName": "Alan", "LastName": "Turing", "Company": "Bletchley",
                           "Email": "alan@bletchley.example"})["id"]
    account = sf.Account.create({"Name": "Bletchley Park"})["id"]
    browser = signed_in(local)
    data = {"account_id": account, "contact_id": "", "no_opportunity": "on"} if existing \
        else {"account_id": "", "contact_id": "", "opportunity_name": "Bombe"}
    done = post_form(browser, f"{local.login_url}/records/Lead/{lead}/convert",
                     {**data, "converted_status": "Closed - Converted"})
    assert done.status_code == 200 and "Alan Turing was converted." in done.text
    converted = sf.Lead.get(lead)
    assert converted["IsConverted"] is True
    assert converted["LastModifiedById"] == local.user(SOFIA).id
    assert (converted["ConvertedAccountId"] == account) is existing
    assert (converted["ConvertedOpportunityId"] is None) is existing
    if not existing:
        assert sf.Opportunity.get(converted["ConvertedOpportunityId"])["Name"] == "Bombe"
    assert 'id="conversion"' in done.text and 'id="edit-record"' not in done.text


def test_merge_contacts_on_their_pages(local: LocalOrg, sf: Any) -> None:
    headers = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    master = sf.Contact.create({"FirstName": "Grace", "LastName": "Hopper",
                                "Email": "grace@navy.example"})["id"]
    loser = sf.Contact.create({"FirstName": "Grace", "LastName": "Hopper", "Title": "RADM",
                               "Email": "grace@navy.example"}, headers=headers)["id"]
    task = sf.Task.create({"Subject": "Call", "WhoId": loser})["id"]
    browser = signed_in(local)
    url = f"{local.login_url}/records/Contact/{master}/merge"
    pick = browser.get(url, timeout=10)
    assert f'value="{loser}"' in pick.text          # found as a likely duplicate
    compare = browser.post(url, data={"csrf_token": _token(pick.text), "step": "compare",
                                      "ids": loser}, timeout=10)
    assert compare.status_code == 200 and "RADM" in compare.text
    merged = browser.post(url, data={
        "csrf_token": _token(compare.text), "step": "merge", "records": [master, loser],
        "master": master, "pick_Title": loser}, timeout=10)
    assert "The records were merged into Grace Hopper." in merged.text
    assert sf.Contact.get(master)["Title"] == "RADM"
    assert sf.Task.get(task)["WhoId"] == master
    [row] = sf.query_all(f"SELECT MasterRecordId FROM Contact WHERE Id = '{loser}'",
                         include_deleted=True)["records"]
    assert row["MasterRecordId"] == master
    bin_page = browser.get(local.login_url + "/records/recycle-bin", timeout=10).text
    assert f'value="{loser}"' in bin_page and "merged into Grace Hopper" in bin_page


def test_change_owner_on_the_page(local: LocalOrg, sf: Any) -> None:
    account = sf.Account.create({"Name": "Owned"})["id"]
    browser = signed_in(local)
    marcus = local.user("marcus.chen@emulator.example.com")
    done = post_form(browser, f"{local.login_url}/records/Account/{account}/owner",
                     {"OwnerId": marcus.id})
    assert "has a new owner" in done.text
    assert sf.Account.get(account)["OwnerId"] == marcus.id
    grace = local.user("grace.okafor@emulator.example.com")
    refused = post_form(browser, f"{local.login_url}/records/Account/{account}/owner",
                        {"OwnerId": grace.id})
    assert refused.status_code == 400 and "INACTIVE_OWNER_OR_USER" in refused.text


def test_one_sign_in_serves_the_oauth_login_and_the_pages(local: LocalOrg) -> None:
    browser = signed_in(local)
    sid = browser.cookies.get("sid")
    assert sid
    # Signing out ends the session for both.
    page = browser.get(local.login_url + "/records/Contact", timeout=10)
    browser.post(local.login_url + "/records/logout", data={"csrf_token": _token(page.text)},
                 timeout=10)
    assert "Sign in" in browser.get(local.login_url + "/records/Contact", timeout=10).text
    assert local.sessions.get(_request_with_sid(sid)) is None


def _request_with_sid(sid: str) -> Any:
    from werkzeug.test import EnvironBuilder

    return EnvironBuilder(headers={"Cookie": f"sid={sid}"}).get_request()


def test_a_failed_conversion_shows_why_and_converts_nothing(local: LocalOrg, sf: Any) -> None:
    lead = sf.Lead.create({"LastName": "Halted", "Company": "Stopped Inc."})["id"]
    stranger = sf.Contact.create({"LastName": "Stranger"})["id"]
    account = sf.Account.create({"Name": "Elsewhere"})["id"]
    browser = signed_in(local)
    refused = post_form(browser, f"{local.login_url}/records/Lead/{lead}/convert",
                        {"account_id": account, "contact_id": stranger})
    assert refused.status_code == 400 and "FIELD_INTEGRITY_EXCEPTION" in refused.text
    assert sf.Lead.get(lead)["IsConverted"] is False
    assert sf.query("SELECT COUNT() FROM Opportunity")["totalSize"] == 0
