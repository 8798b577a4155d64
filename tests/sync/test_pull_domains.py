"""Domains as the pull matches companies by them (:mod:`flask_sfsync.sync.pull.domains`), and
the company's three-way merge (:func:`merge_company`): pure functions, no org."""

from __future__ import annotations

import datetime as dt

import pytest

from flask_sfsync.sync.pull.domains import (
    PUBLIC_MAIL_DOMAINS,
    company_domain,
    email_domain,
    is_public,
    normalise_domain,
    website_domain,
)
from flask_sfsync.sync.pull.merge import COMPANY_FIELD, Winner, decide, merge_company
from flask_sfsync.sync.pull.records import pulled

EARLY = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
LATE = EARLY + dt.timedelta(minutes=5)


@pytest.mark.parametrize(("text", "domain"), [
    (" WWW.Acme.com. ", "acme.com"),
    ("acme.co.uk", "acme.co.uk"),
    ("mail.acme.com", "mail.acme.com"),  # a subdomain is its own (only www. is dropped)
    ("", None), (None, None), ("localhost", None), ("acme com", None), ("a..com", None),
    ("-acme.com", None), ("ada@acme.com", None),
])
def test_normalise_domain(text: str | None, domain: str | None) -> None:
    assert normalise_domain(text) == domain


@pytest.mark.parametrize(("website", "domain"), [
    ("https://www.Acme.com/about?x=1", "acme.com"),
    ("http://acme.com:8080", "acme.com"),
    ("www.acme.com/contact", "acme.com"),
    ("acme.com", "acme.com"),
    ("  ", None), (None, None), ("http://", None), ("https://[::1", None), ("n/a", None),
])
def test_website_domain(website: str | None, domain: str | None) -> None:
    assert website_domain(website) == domain


def test_email_domains_and_public_ones() -> None:
    assert email_domain(" Ada@Acme.COM ") == "acme.com"
    assert email_domain("odd@name@acme.com") == "acme.com"
    assert email_domain("no-at-sign") is None and email_domain(None) is None
    assert company_domain("ada@acme.com") == "acme.com"
    for email in ("bob@gmail.com", "bob@GoogleMail.com", "x@outlook.com", "y@yahoo.co.uk",
                  "z@icloud.com", "w@proton.me", "v@hotmail.com"):
        assert company_domain(email) is None, email
    assert is_public("gmail.com") and not is_public("acme.com") and not is_public(None)
    # A host with other providers in its market passes its own set.
    assert company_domain("ann@corp-mail.example",
                          PUBLIC_MAIL_DOMAINS | {"corp-mail.example"}) is None
    assert all(d == d.lower() and normalise_domain(d) == d for d in PUBLIC_MAIL_DOMAINS)


def test_decide_is_the_fields_three_way_rule() -> None:
    kw = {"sf_modified": LATE, "host_modified": EARLY}
    assert decide("A", " A ", "B", **kw) is Winner.SAME
    assert decide("B", "A", "A", **kw) is Winner.SALESFORCE
    assert decide("A", "B", "A", **kw) is Winner.HOST
    assert decide("B", "C", "A", **kw) is Winner.SALESFORCE  # both moved: the newer
    assert decide("B", "C", **{"sf_modified": EARLY, "host_modified": LATE}) is Winner.HOST
    assert decide("B", "C", sf_modified=EARLY, host_modified=None) is Winner.SALESFORCE


def test_merge_company_follows_salesforce_only_when_it_moved() -> None:
    agreed = {"Company": "Acme", "Title": "Engineer"}
    moved = merge_company("Lead", "Globex", "Acme", agreed, sf_modified=EARLY,
                          host_modified=LATE)  # even with a newer host change elsewhere
    assert (moved.take, moved.name) == (True, "Globex")
    assert moved.agreed == {"Company": "Globex", "Title": "Engineer"}

    host_moved = merge_company("Lead", "Acme", "Initech", agreed, sf_modified=LATE,
                               host_modified=EARLY)
    assert not host_moved.take and host_moved.agreed == agreed  # the push sends it

    echo = merge_company("Lead", "Acme", "Acme", None, sf_modified=LATE, host_modified=None)
    assert not echo.take and echo.agreed == {"Company": "Acme"}

    contact = merge_company("Contact", "Babbage", "Acme", {"Account.Name": "Acme"},
                            sf_modified=LATE, host_modified=None)
    assert contact.take and contact.agreed == {"Account.Name": "Babbage"}
    assert COMPANY_FIELD == {"Lead": "Company", "Contact": "Account.Name"}


def test_merge_company_reads_the_placeholder_as_no_company() -> None:
    first = merge_company("Lead", "[not provided]", "Acme", None, sf_modified=LATE,
                          host_modified=None, placeholder="[not provided]")
    # A first match where Salesforce names none is no news: the host's company stays.
    assert not first.take and first.name is None and first.agreed == {}
    blank = merge_company("Lead", "[not provided]", None, None, sf_modified=LATE,
                          host_modified=None, placeholder="[not provided]")
    assert not blank.take and blank.agreed == {"Company": None}
    # Agreed before, then cleared in Salesforce: the host's company goes too.
    cleared = merge_company("Contact", None, "Acme", {"Account.Name": "Acme"},
                            sf_modified=LATE, host_modified=None)
    assert cleared.take and cleared.name is None


def test_a_pulled_record_names_its_company() -> None:
    stamp = "2024-05-01T10:00:00.000+0000"
    lead = pulled("Lead", {"Id": "00Q1", "SystemModstamp": stamp, "Company": " Acme "})
    account = pulled("Account", {"Id": "0011", "SystemModstamp": stamp, "Name": "Globex"})
    contact = pulled("Contact", {"Id": "0031", "SystemModstamp": stamp, "AccountId": "0011"})
    assert (lead.company_name, account.company_name, contact.company_name) == (
        "Acme", "Globex", None)
    assert contact.account_id == "0011"
    assert pulled("Lead", {"Id": "00Q2", "SystemModstamp": stamp, "Company": "  "}
                  ).company_name is None
