"""The read-only record pages of the login host: what a demo user opens after a sync."""

from __future__ import annotations

import re
from typing import cast

import requests
from simple_salesforce.api import Salesforce, SFType

from flask_sfsync.emulator import LocalOrg


def _ids(html: str, sobject: str) -> list[str]:
    return re.findall(rf'href="/records/{sobject}/(\w{{18}})"', html)


def test_root_redirects_to_contacts(local: LocalOrg) -> None:
    answer = requests.get(local.login_url + "/", allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/records/Contact"


def test_every_object_has_a_list_page(local_demo: LocalOrg) -> None:
    for sobject, heading in [("Contact", "Contacts"), ("Lead", "Leads"), ("Account", "Accounts"),
                             ("Task", "Tasks"), ("Event", "Events")]:
        answer = requests.get(f"{local_demo.login_url}/records/{sobject}")
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/html")
        assert f"<h1>{heading}</h1>" in answer.text
        assert _ids(answer.text, sobject), f"no {sobject} rows listed"


def test_a_record_written_through_the_api_shows_up(local: LocalOrg, sf: Salesforce) -> None:
    contacts = cast(SFType, sf.Contact)
    account = cast(SFType, sf.Account).create({"Name": "Analytical Engines Ltd"})["id"]
    created = contacts.create({"FirstName": "Ada", "LastName": "Lovelace",
                               "Email": "ada@engines.example", "AccountId": account})["id"]
    listing = requests.get(local.login_url + "/records/Contact").text
    assert _ids(listing, "Contact") == [created]
    assert "Ada Lovelace" in listing and "ada@engines.example" in listing
    assert "Analytical Engines Ltd" in listing

    detail = requests.get(f"{local.login_url}/records/Contact/{created}").text
    assert "<h1>Ada Lovelace</h1>" in detail
    assert "ada@engines.example" in detail
    assert f'href="/records/Account/{account}"' in detail
    assert "Analytical Engines Ltd" in detail
    # Only non-null fields: an unset field is not listed.
    assert "<dt>MobilePhone</dt>" not in detail


def test_search_by_name_email_and_company(local: LocalOrg, sf: Salesforce) -> None:
    leads = cast(SFType, sf.Lead)
    grace = leads.create({"FirstName": "Grace", "LastName": "Hopper", "Company": "Navy",
                          "Email": "grace@navy.example"})["id"]
    alan = leads.create({"FirstName": "Alan", "LastName": "Turing", "Company": "Bletchley",
                         "Email": "alan@bletchley.example"})["id"]
    url = local.login_url + "/records/Lead"
    assert _ids(requests.get(url, params={"q": "hopper"}).text, "Lead") == [grace]
    assert _ids(requests.get(url, params={"q": "BLETCHLEY.example"}).text, "Lead") == [alan]
    assert _ids(requests.get(url, params={"q": "navy"}).text, "Lead") == [grace]
    none = requests.get(url, params={"q": "nobody"})
    assert _ids(none.text, "Lead") == [] and "No leads match" in none.text


def test_search_text_is_escaped(local: LocalOrg) -> None:
    answer = requests.get(local.login_url + "/records/Contact",
                          params={"q": "<script>alert(1)</script>"})
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;" in answer.text


def test_unknown_object_or_record_is_a_404_page(local: LocalOrg) -> None:
    assert requests.get(local.login_url + "/records/Opportunity").status_code == 404
    missing = requests.get(local.login_url + "/records/Contact/003000000000000AAA")
    assert missing.status_code == 404 and "text/html" in missing.headers["Content-Type"]
    wrong = requests.get(local.login_url + "/records/Contact/not-an-id")
    assert wrong.status_code == 404


def test_lists_are_paged(local: LocalOrg, sf: Salesforce) -> None:
    records = [{"attributes": {"type": "Account"}, "Name": f"Account {i:03d}"} for i in range(60)]
    sf.restful("composite/sobjects", method="POST", json={"records": records})
    first = requests.get(local.login_url + "/records/Account").text
    assert len(_ids(first, "Account")) == 50 and "1\u201350 of 60" in first
    second = requests.get(local.login_url + "/records/Account", params={"page": "2"}).text
    assert len(_ids(second, "Account")) == 10
