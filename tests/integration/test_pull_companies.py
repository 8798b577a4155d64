"""The pull's host companies end to end: Accounts matched (by website domain, then name),
renamed and, when shown, created as host companies; Contacts joining their Account's company,
Leads the company of their Company text or their email's domain (public mail domains never);
a converted Lead's contact joining its new Account's company; nothing pushed back; tenants
apart. Records are made in the local org, pulls run as the pull job does, pushes by a real
worker."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from flask_sfsync import signals
from flask_sfsync.db import mirror
from flask_sfsync.emulator.store.convert import LeadConvert

from .conftest import Env
from .pulling import links, pull, pushed

WRITE_METHODS = frozenset({"PATCH", "PUT", "DELETE"})


# -- the host's side ------------------------------------------------------------------------

def _add_company(env: Env, name: str, domain: str | None = None, team: str = "acme") -> int:
    with env.app.app_context():
        m = env.models
        company = m.Company(team=team, name=name, domain=domain)
        m.db.session.add(company)
        m.db.session.commit()
        return int(company.id)


def _companies(env: Env, team: str = "acme") -> dict[str, str | None]:
    """name -> domain of the team's companies."""
    with env.app.app_context():
        m = env.models
        rows = m.db.session.execute(sa.select(m.Company.name, m.Company.domain).where(
            m.Company.team == team).order_by(m.Company.id)).all()
        m.db.session.remove()
        return {name: domain for name, domain in rows}


def _company_of(env: Env, contact_id: int) -> tuple[str, str] | None:
    """(name, team) of the contact's company."""
    with env.app.app_context():
        m = env.models
        row = m.db.session.execute(
            sa.select(m.Company.name, m.Company.team).join(
                m.Contact, m.Contact.company_id == m.Company.id).where(
                m.Contact.id == contact_id)).first()
        m.db.session.remove()
        return None if row is None else (row[0], row[1])


def _rename_company(env: Env, name: str, new: str) -> None:
    with env.app.app_context():
        m = env.models
        company = m.db.session.scalar(sa.select(m.Company).where(
            m.Company.team == "acme", m.Company.name == name))
        company.name = new
        m.db.session.commit()


def _show_accounts(env: Env) -> None:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        mirror.set_show_in_host(state.db.session, state.models, "acme", "Account", True)
        state.db.session.commit()
        state.db.session.remove()


def _sync_now_writes(env: Env) -> tuple[int, list[tuple[str, str]]]:
    """What a Sync Now pushes: (records pushed, write requests the org received)."""
    env.org.request_log.clear()
    env.sync_now()
    pushed_ = int(env.wait_idle()["run"]["pushed"])
    writes = [(e.method, e.path) for e in env.org.request_log
              if e.method in WRITE_METHODS or (e.method == "POST" and (
                  "/sobjects" in e.path or "/jobs/ingest" in e.path))]
    return pushed_, writes


def _pushed_contacts(env: Env, rows: list[dict[str, Any]], push_as: str = "Lead") -> list[int]:
    ids = env.add_contacts(rows)
    env.save_settings(push_as=push_as)
    env.workers.start()
    env.sync_now()
    assert env.wait_idle()["run"]["pushed"] == len(rows)
    return ids


def _person(i: int, email: str, company: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"first_name": "Ada", "last_name": f"Lovelace{i}", "email": email,
                           "title": "Engineer", "stage": "New"}
    if company is not None:
        row["company"] = company
    return row


# -- the org's side -------------------------------------------------------------------------

def _account(env: Env, name: str, website: str | None = None) -> str:
    org = env.org.org
    fields = {"Name": name, **({"Website": website} if website else {})}
    return str(org.create("Account", fields, org.admin.id, allow_duplicates=True))


def _update(env: Env, sobject: str, record_id: str, **fields: Any) -> None:
    org = env.org.org
    org.update(sobject, record_id, fields, org.admin.id, allow_duplicates=True)


# -- Accounts -------------------------------------------------------------------------------

def test_accounts_match_by_domain_then_name_and_show_creates_the_rest(env: Env) -> None:
    pushed(env, 1)
    _add_company(env, "Initech", "initech.com")
    _add_company(env, "Globex Corp")
    _add_company(env, "Umbrella", "umbrella.com", team="globex")  # another tenant's
    _account(env, "Initech LLC", "https://www.Initech.com/about")
    _account(env, "  globex CORP ")
    _account(env, "Umbrella Group", "umbrella.com")
    _account(env, "Hooli", "hooli.xyz")
    _account(env, "Free Mail Ltd", "gmail.com")
    counts = pull(env)
    # Off: matched ones are linked, the rest only mirrored; no host company is made.
    assert counts["Account"]["created"] == 0
    assert set(_companies(env)) == {"Initech", "Globex Corp", "Analytical Engines"}

    _show_accounts(env)
    counts = pull(env, full=True)
    assert counts["Account"]["created"] == 3
    companies = _companies(env)
    # Matched by domain and by name: no second company; the rest made, with their domains
    # (a public mail domain is none); another tenant's company is never matched.
    assert companies == {"Analytical Engines": None, "Initech": "initech.com",
                         "Globex Corp": None, "Umbrella Group": "umbrella.com",
                         "Hooli": "hooli.xyz", "Free Mail Ltd": None}
    assert _companies(env, "globex") == {"Umbrella": "umbrella.com"}
    # Idempotent: the lookback window read again makes nothing twice.
    assert pull(env)["Account"]["created"] == 0
    assert len(_companies(env)) == 6


def test_an_account_rename_reaches_its_company_and_is_not_pushed_back(env: Env) -> None:
    ids = _pushed_contacts(env, [_person(i, f"ada{i}@globex.example", "Globex Corp")
                                 for i in range(2)])
    account = _account(env, "GLOBEX corp")  # names match as Salesforce compares them
    pull(env)
    assert _companies(env) == {"Globex Corp": None}  # a match renames nothing
    _update(env, "Account", account, Name="Globex Corporation")
    assert pull(env)["Account"]["updated"] == 1
    assert _companies(env) == {"Globex Corporation": None}
    assert _company_of(env, ids[0]) == ("Globex Corporation", "acme")
    # The name came from Salesforce: its contacts are not pushed again for it.
    assert _sync_now_writes(env) == (0, [])


def test_a_host_rename_wins_over_a_salesforce_rename(env: Env) -> None:
    pushed(env, 1)  # its company is "Analytical Engines"
    account = _account(env, "Analytical Engines")
    pull(env)
    _rename_company(env, "Analytical Engines", "AE (host)")
    _update(env, "Account", account, Name="Analytical Engines Ltd")
    pull(env)
    assert set(_companies(env)) == {"AE (host)"}
    # And the next Salesforce rename does not bring the old name back either.
    _update(env, "Account", account, Name="Analytical Engines Group")
    pull(env)
    assert set(_companies(env)) == {"AE (host)"}


def test_a_host_rename_made_while_the_pull_runs_wins(env: Env) -> None:
    pushed(env, 1)
    account = _account(env, "Analytical Engines")
    pull(env)
    _update(env, "Account", account, Name="Analytical Engines Ltd")

    def rename_meanwhile(sender: Any, **kwargs: Any) -> None:
        m = env.models
        with m.db.engine.begin() as connection:  # another connection: a host request
            connection.execute(sa.update(m.Company.__table__).where(
                m.Company.name == "Analytical Engines").values(name="Renamed meanwhile"))

    signals.pull_started.connect(rename_meanwhile)
    try:
        pull(env)
    finally:
        signals.pull_started.disconnect(rename_meanwhile)
    assert set(_companies(env)) == {"Renamed meanwhile"}


# -- Contacts -------------------------------------------------------------------------------

def test_contacts_join_their_accounts_company_with_no_echo(env: Env) -> None:
    ids = _pushed_contacts(env, [_person(i, f"ada{i}@example.com", "Analytical Engines")
                                 for i in range(3)], push_as="Contact")
    pull(env)  # the Account the push made is the host's company: nothing to change
    assert set(_companies(env)) == {"Analytical Engines"}
    moved = links(env)[str(ids[0])]
    assert moved[0] == "Contact"
    babbage = _account(env, "Babbage Ltd", "babbage.example")
    _update(env, "Contact", moved[1], AccountId=babbage)
    counts = pull(env)
    assert counts["Contact"]["updated"] == 1
    # Salesforce moved the contact: it joins the Account's company, made for it (the Account
    # matched none; the contact is in the host, so its company comes too).
    assert _company_of(env, ids[0]) == ("Babbage Ltd", "acme")
    assert _company_of(env, ids[1]) == ("Analytical Engines", "acme")
    assert _companies(env)["Babbage Ltd"] == "babbage.example"
    # A second Contact of that Account joins the same company.
    _update(env, "Contact", links(env)[str(ids[1])][1], AccountId=babbage)
    pull(env)
    assert _company_of(env, ids[1]) == ("Babbage Ltd", "acme")
    assert list(_companies(env)) == ["Analytical Engines", "Babbage Ltd"]
    # The companies came from Salesforce: a Sync Now sends nothing back.
    assert _sync_now_writes(env) == (0, [])


def test_a_host_company_change_is_not_overwritten(env: Env) -> None:
    ids = _pushed_contacts(env, [_person(i, f"ada{i}@example.com", "Analytical Engines")
                                 for i in range(2)], push_as="Contact")
    pull(env)
    linked = links(env)
    # Salesforce moves the first contact, then the host moves it (newer: it wins); for the
    # second only the host moves and Salesforce changes its title.
    _update(env, "Contact", linked[str(ids[0])][1], AccountId=_account(env, "Babbage Ltd"))
    _update(env, "Contact", linked[str(ids[1])][1], Title="CTO")
    other = _add_company(env, "Host Choice")
    env.save_settings(push_as="Contact", sync_mode="auto")
    env.workers.stop_all()  # the host's changes wait in the outbox
    env.edit(ids[0], company_id=other)
    env.edit(ids[1], company_id=other)
    pull(env)
    assert _company_of(env, ids[0]) == ("Host Choice", "acme")
    assert _company_of(env, ids[1]) == ("Host Choice", "acme")
    with env.app.app_context():
        second = env.models.db.session.get(env.models.Contact, ids[1])
        assert second.title == "CTO"
        env.models.db.session.remove()


# -- Leads ----------------------------------------------------------------------------------

def test_leads_join_the_company_of_their_emails_domain_never_a_public_one(env: Env) -> None:
    _add_company(env, "Initech", "initech.com")
    _add_company(env, "Mail Fans", "gmail.com")  # a host may keep anything in a domain
    _add_company(env, "Initech", "initech.com", team="globex")
    ids = _pushed_contacts(env, [_person(0, "ada@Initech.com"), _person(1, "bob@gmail.com")])
    counts = pull(env)
    assert counts["Lead"]["updated"] == 1
    assert _company_of(env, ids[0]) == ("Initech", "acme")
    assert _company_of(env, ids[1]) is None
    assert _sync_now_writes(env) == (0, [])


def test_a_lead_company_changed_in_salesforce_finds_or_makes_the_host_company(
        env: Env) -> None:
    _add_company(env, "Initech", "initech.com")
    _add_company(env, "Hooli", "hooli.xyz", team="globex")
    ids = pushed(env, 3)
    pull(env)
    linked = links(env)
    _update(env, "Lead", linked[str(ids[0])][1], Company="Hooli")
    _update(env, "Lead", linked[str(ids[1])][1], Company="initech")
    counts = pull(env)
    assert counts["Lead"]["updated"] == 2
    # A new company of this tenant (the other tenant's Hooli is never taken)...
    assert _company_of(env, ids[0]) == ("Hooli", "acme")
    assert _companies(env, "globex") == {"Hooli": "hooli.xyz"}
    # ...or the existing one of that name; the third Lead kept its company.
    assert _company_of(env, ids[1]) == ("Initech", "acme")
    assert _company_of(env, ids[2]) == ("Analytical Engines", "acme")
    assert list(_companies(env)).count("Initech") == 1
    assert _sync_now_writes(env) == (0, [])


def test_a_lead_shown_in_the_host_comes_with_its_company(env: Env) -> None:
    pushed(env, 1)
    org = env.org.org
    org.create("Lead", {"LastName": "Hopper", "FirstName": "Grace", "Company": "Navy",
                        "Email": "grace@navy.example"}, org.admin.id)
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        mirror.set_show_in_host(state.db.session, state.models, "acme", "Lead", True)
        state.db.session.commit()
    assert pull(env)["Lead"]["created"] == 1
    with env.app.app_context():
        m = env.models
        grace = m.db.session.scalar(sa.select(m.Contact.id).where(
            m.Contact.email == "grace@navy.example"))
    assert _company_of(env, grace) == ("Navy", "acme")
    assert _companies(env)["Navy"] == "navy.example"
    assert _sync_now_writes(env) == (0, [])


# -- converted Leads ------------------------------------------------------------------------

def test_a_converted_lead_joins_its_accounts_company(env: Env) -> None:
    ids = pushed(env, 2)
    _add_company(env, "Babbage Ltd")
    babbage = _account(env, "Babbage Ltd")
    pull(env)
    org = env.org.org
    lead_id = links(env)[str(ids[0])][1]
    result = org.convert_lead(LeadConvert(lead_id, account_id=babbage,
                                          create_opportunity=False), org.admin.id)
    pull(env)
    assert links(env)[str(ids[0])] == ("Contact", result.contact_id)
    assert _company_of(env, ids[0]) == ("Babbage Ltd", "acme")
    assert _company_of(env, ids[1]) == ("Analytical Engines", "acme")
    assert list(_companies(env)).count("Babbage Ltd") == 1


def test_a_converted_lead_the_contact_phase_cannot_match_moves_with_its_company(
        env: Env) -> None:
    ids = pushed(env, 1)
    _add_company(env, "Babbage Ltd")
    babbage = _account(env, "Babbage Ltd")
    pull(env)
    org = env.org.org
    lead_id = links(env)[str(ids[0])][1]
    # The new Contact's email is no host contact's: only the Lead's link leads to it.
    _update(env, "Lead", lead_id, Email="someone.else@example.org")
    result = org.convert_lead(LeadConvert(lead_id, account_id=babbage,
                                          create_opportunity=False), org.admin.id)
    pull(env)
    assert links(env)[str(ids[0])] == ("Contact", result.contact_id)
    assert _company_of(env, ids[0]) == ("Babbage Ltd", "acme")


def test_a_lead_converted_into_a_new_account_keeps_its_company(env: Env) -> None:
    ids = pushed(env, 1)
    pull(env)
    org = env.org.org
    lead_id = links(env)[str(ids[0])][1]
    result = org.convert_lead(LeadConvert(lead_id, create_opportunity=False), org.admin.id)
    pull(env)
    # The Account made from the Lead's Company is the host's company: no second one.
    assert _companies(env) == {"Analytical Engines": None}
    assert _company_of(env, ids[0]) == ("Analytical Engines", "acme")
    # Renamed in Salesforce, that Account renames the host's company.
    _update(env, "Account", result.account_id, Name="Analytical Engines plc")
    pull(env)
    assert _company_of(env, ids[0]) == ("Analytical Engines plc", "acme")


def test_a_domain_matched_lead_converted_makes_no_second_company(env: Env) -> None:
    _add_company(env, "Initech", "initech.com")
    ids = _pushed_contacts(env, [_person(0, "ada@initech.com")])
    pull(env)  # joins Initech by its email's domain
    lead_id = links(env)[str(ids[0])][1]
    _update(env, "Lead", lead_id, Company="Initech LLC")
    pull(env)  # no company of that name: the domain's is the one, already the contact's
    org = env.org.org
    org.convert_lead(LeadConvert(lead_id, create_opportunity=False), org.admin.id)
    pull(env)
    # The new Account "Initech LLC" is what the Lead said: no news, no second company.
    assert _companies(env) == {"Initech": "initech.com"}
    assert _company_of(env, ids[0]) == ("Initech", "acme")


# -- without a company adapter --------------------------------------------------------------

def test_without_a_company_adapter_companies_are_left_alone(make_env: Any) -> None:
    env = make_env(NO_COMPANIES=True)
    _add_company(env, "Initech", "initech.com")
    ids = _pushed_contacts(env, [_person(0, "ada@initech.com")])
    _account(env, "Hooli")
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        mirror.set_show_in_host(state.db.session, state.models, "acme", "Account", True)
        state.db.session.commit()
    counts = pull(env)
    assert counts["Account"]["created"] == 0
    assert _company_of(env, ids[0]) is None
    assert set(_companies(env)) == {"Initech"}


def test_a_lead_pushed_without_a_company_and_converted_brings_no_placeholder_company(
    env: Env,
) -> None:
    ids = _pushed_contacts(env, [_person(0, "ada@gmail.com")])  # no company: "[not provided]"
    pull(env)
    lead_id = links(env)[str(ids[0])][1]
    _, lead = env.org.org.get_record(lead_id) or ("", {})
    assert lead["company"] == "[not provided]"
    org = env.org.org
    org.convert_lead(LeadConvert(lead_id, create_opportunity=False), org.admin.id)
    pull(env)
    # The Account the conversion named "[not provided]" is no company of the host's.
    assert _companies(env) == {}
    assert _company_of(env, ids[0]) is None
