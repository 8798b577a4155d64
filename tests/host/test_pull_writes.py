"""The host-write half of the host contract: what a Salesforce -> host pull stores.

Compare-and-set updates, inserts with the tenant and column defaults, lookups by email,
domain and name, companies' names and contacts, all tenant-scoped and written with Core so
that nothing is queued to be pushed back (run on the demo host's models and database).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_sfsync import ConfigurationError, SFSync
from flask_sfsync.db.tenant_settings import settings_row
from flask_sfsync.host import CompanyAdapter, ContactAdapter
from flask_sfsync.state import get_state
from host_demo.extensions import db
from host_demo.integration import contact_adapter
from host_demo.models import Company, Contact

from .conftest import World

WRITABLE = frozenset({"first_name", "last_name", "email", "phone", "title"})


def outbox_count() -> int:
    return int(db.session.scalar(sa.text("SELECT count(*) FROM sfsync_outbox")) or 0)


def contact(contact_id: int | str) -> Contact:
    db.session.expire_all()
    found = db.session.get(Contact, int(contact_id))
    assert found is not None
    return found


def company(company_id: int | str) -> Company:
    db.session.expire_all()
    found = db.session.get(Company, int(company_id))
    assert found is not None
    return found


def test_writable_keys_are_plain_columns_only() -> None:
    assert contact_adapter().writable_keys == WRITABLE  # company is "company.name": not one
    adapter = ContactAdapter(
        Contact, tenant="team_id",
        fields={"email": lambda c: c.email, "title": "company.name", "phone": "owner.email"},
    )
    assert adapter.writable_keys == {"first_name", "last_name"}
    assert ContactAdapter(Contact, tenant="team_id", fields={"phone": "title"}).writable_keys \
        == WRITABLE  # another plain column of the model is as writable


def test_value_problems(app: Flask) -> None:
    adapter = contact_adapter()
    with app.app_context():
        assert adapter.value_problems({"first_name": "Ada", "email": None, "title": "x" * 128}) \
            == {}
        assert adapter.value_problems({
            "title": "x" * 300, "last_name": None, "company": "Acme",
            "first_name": None,  # NOT NULL, but with a default: not required
        }) == {
            "title": "Title is 300 characters; this app keeps at most 128",
            "last_name": "Last name is required here and Salesforce has none",
            "company": "the host does not store company in a column the sync can write",
        }
        assert adapter.value_problems({"last_name": "  "}) == {
            "last_name": "Last name is required here and Salesforce has none"}


def test_update_pulled_is_compare_and_set(app: Flask, world: World) -> None:
    adapter = contact_adapter()
    team, ada_id = str(world.team_id), str(world.contact_id)
    with app.app_context():
        long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        db.session.execute(sa.update(Contact).values(updated_at=long_ago))
        db.session.commit()

        changes = {"title": (None, "Countess"), "phone": ("+44 20 7946 0018", "")}
        assert adapter.update_pulled(db.session, team, ada_id, changes,
                                     extra={"company_id": None})
        db.session.commit()
        ada = contact(ada_id)
        assert (ada.title, ada.phone, ada.company_id) == ("Countess", "", None)
        assert ada.updated_at > long_ago  # onupdate still applies

        # The row changed since the caller read it: nothing is written.
        assert not adapter.update_pulled(db.session, team, ada_id,
                                         {"title": (None, "Engineer"), "email": ("", "x@y.z")})
        db.session.commit()
        ada = contact(ada_id)
        assert (ada.title, ada.email) == ("Countess", "ada@acme.io")

        # Another tenant's contact, an id that is no key, a contact that is gone.
        for host_id in (str(world.other_contact_id), "x'", "99999", "1" * 30):
            assert not adapter.update_pulled(db.session, team, host_id,
                                             {"last_name": ("Person", "Changed")})
        assert contact(world.other_contact_id).last_name == "Person"

        with pytest.raises(ValueError, match="not writable keys"):
            adapter.update_pulled(db.session, team, ada_id, {"company": ("Acme", "Other")})
        with pytest.raises(ValueError, match="not a plain column"):
            adapter.update_pulled(db.session, team, ada_id, {}, extra={"company": None})


def test_pulled_writes_are_not_pushed_back(app: Flask, world: World) -> None:
    adapter = contact_adapter()
    team = str(world.team_id)
    with app.app_context():
        row = settings_row(db.session, get_state(app).models, team, lead_source=None)
        row.saved = True
        row.auto_sync = True
        db.session.commit()
        # The tracking is on: an ORM edit is queued...
        contact(world.contact_id).title = "Edited"
        db.session.flush()
        assert outbox_count() == 1
        db.session.rollback()
        assert outbox_count() == 0
        # ...a pulled one is not.
        assert adapter.update_pulled(db.session, team, str(world.contact_id),
                                     {"title": (None, "Pulled")})
        adapter.create_pulled(db.session, team, {"last_name": "Hopper"})
        db.session.commit()
        assert contact(world.contact_id).title == "Pulled"
        assert outbox_count() == 0


def test_create_pulled(app: Flask, world: World) -> None:
    adapter = contact_adapter()
    with app.app_context():
        new_id = adapter.create_pulled(
            db.session, str(world.team_id),
            {"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.mil"},
            extra={"company_id": world.company_id},
        )
        db.session.commit()
        assert new_id.isdigit() and int(new_id) not in (world.contact_id, world.other_contact_id)
        grace = contact(new_id)
        assert (grace.team_id, grace.first_name, grace.email, grace.company_id) == (
            world.team_id, "Grace", "grace@navy.mil", world.company_id)
        # Python-side defaults applied by the Core insert:
        assert (grace.stage, grace.tags, grace.additional_phones) == ("New", "", [])
        assert grace.created_at is not None and grace.updated_at is not None
        with pytest.raises(ValueError, match="not writable keys"):
            adapter.create_pulled(db.session, str(world.team_id), {"stage": "Lost"})

    callable_tenant = ContactAdapter(Contact, tenant=lambda c: c.team_id)
    with app.app_context(), pytest.raises(TypeError, match="callable tenant"):
        callable_tenant.create_pulled(db.session, "1", {"last_name": "X"})


def test_find_by_emails_is_case_insensitive_and_tenant_scoped(app: Flask, world: World) -> None:
    adapter = contact_adapter()
    team = str(world.team_id)
    with app.app_context():
        twin = adapter.create_pulled(db.session, team, {"last_name": "Twin",
                                                         "email": "ADA@Acme.IO"})
        db.session.commit()
        emails = ["Ada@acme.io", "hidden@secret.example", "", "nobody@example.com"]
        assert adapter.find_by_emails(db.session, team, emails) == {
            "ada@acme.io": [str(world.contact_id), twin]}
        assert adapter.find_by_emails(db.session, str(world.other_team_id), emails) == {
            "hidden@secret.example": [str(world.other_contact_id)]}
        assert adapter.find_by_emails(db.session, team, []) == {}

        no_email_column = ContactAdapter(Contact, tenant="team_id",
                                         fields={"email": lambda c: c.email})
        with pytest.raises(TypeError, match="email"):
            no_email_column.find_by_emails(db.session, team, emails)


def test_company_adapter(app: Flask, world: World) -> None:
    companies = CompanyAdapter(Company, tenant="team_id")
    assert companies.contact_attribute == "company_id"
    team, acme = str(world.team_id), str(world.company_id)
    with app.app_context():
        assert companies.find_by_domains(db.session, team, ["ACME.io", "secret.example"]) == {
            "acme.io": acme}
        assert companies.find_by_names(db.session, team, ["acme ROBOTICS", "Secret Corp"]) == {
            "acme robotics": acme}

        globex = companies.create(db.session, team, "Globex", "globex.com")
        second = companies.create(db.session, team, "Acme Robotics", "acme.io")
        db.session.commit()
        row = company(globex)
        assert (row.team_id, row.name, row.domain) == (world.team_id, "Globex", "globex.com")
        assert row.created_at is not None  # a Python-side default
        # Several share a domain or a name: the first by primary key.
        assert int(second) > int(acme)
        assert companies.find_by_domains(db.session, team, ["acme.io"]) == {"acme.io": acme}
        assert companies.find_by_names(db.session, team, ["Acme Robotics"]) == {
            "acme robotics": acme}

        assert not companies.rename(db.session, team, globex, "Initech", "Globex Corp")
        assert companies.rename(db.session, team, globex, "Globex", "Globex Corp")
        assert not companies.rename(db.session, team, str(world.other_company_id),
                                    "Secret Corp", "Mine")
        assert not companies.rename(db.session, team, "nope", "Globex Corp", "X")
        db.session.commit()
        assert company(globex).name == "Globex Corp"
        assert company(world.other_company_id).name == "Secret Corp"

        no_domain = CompanyAdapter(Company, tenant="team_id", domain=None)
        assert no_domain.find_by_domains(db.session, team, ["acme.io"]) == {}
        plain = no_domain.create(db.session, team, "Plain", "ignored.example")
        db.session.commit()
        assert company(plain).domain is None

    with pytest.raises(TypeError, match="no plain column attribute 'web'"):
        CompanyAdapter(Company, tenant="team_id", domain="web")


def test_company_adapter_reads_names_and_the_contacts_companies(app: Flask, world: World) -> None:
    companies = CompanyAdapter(Company, tenant="team_id")
    team, acme = str(world.team_id), str(world.company_id)
    other = str(world.other_company_id)
    with app.app_context():
        # Tenant-scoped: another tenant's company, a gone one and a non-key are left out.
        assert companies.names_of(db.session, team, [acme, other, "99999", "x'"]) == {
            acme: "Acme Robotics"}
        assert companies.names_of(db.session, team, []) == {}
        assert companies.key(acme) == world.company_id  # the key column's own type

        ada, hidden = str(world.contact_id), str(world.other_contact_id)
        assert companies.of_contacts(db.session, team, Contact, [ada, hidden, "x"]) == {
            ada: acme}
        assert companies.contacts_of(db.session, team, Contact, [acme, other]) == {
            acme: [ada]}
        assert companies.contacts_of(db.session, str(world.other_team_id), Contact,
                                     [acme, other]) == {other: [hidden]}

        assert companies.contact_problem(Contact) is None
        wrong = CompanyAdapter(Company, tenant="team_id", contact_attribute="company")
        assert "no plain column attribute 'company'" in str(wrong.contact_problem(Contact))
        with pytest.raises(TypeError, match="company"):
            wrong.of_contacts(db.session, team, Contact, [ada])


def test_the_demo_wires_its_companies_and_sfsync_checks_them(app: Flask) -> None:
    state = get_state(app)
    assert isinstance(state.companies, CompanyAdapter) and state.companies.model is Company

    def configured(**adapters: object) -> None:
        other = Flask("other")
        other.config.update(SFSYNC_ENCRYPTION_KEY="k", SFSYNC_CLIENT_ID="c",
                            SFSYNC_CLIENT_SECRET="s", SQLALCHEMY_DATABASE_URI="sqlite://")
        SFSync(other, db=SQLAlchemy(other), **adapters)  # type: ignore[arg-type]

    with pytest.raises(ConfigurationError, match="needs contact_adapter"):
        configured(company_adapter=CompanyAdapter(Company, tenant="team_id"))
    with pytest.raises(ConfigurationError, match="contact_attribute='owner'"):
        configured(contact_adapter=ContactAdapter(Contact, tenant="team_id"),
                   company_adapter=CompanyAdapter(Company, tenant="team_id",
                                                  contact_attribute="owner"))
