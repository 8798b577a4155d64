"""Contacts: list, sort, page, search, create, edit, delete, and what validation tells people."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from host_demo.extensions import db
from host_demo.models import Company, Contact, Team

from .conftest import World, post

NAMES_RE = re.compile(r'<a class="person" href="/contacts/\d+">.*?<strong>([^<]+)</strong>', re.S)


def listed_names(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get("/contacts/" + query)
    assert response.status_code == 200
    return NAMES_RE.findall(response.get_data(as_text=True))


def add_contacts(app: Flask, team_id: int, rows: list[tuple[str, str, str | None, str]]) -> None:
    """(first, last, company name or None, stage) rows, straight into the database."""
    with app.app_context():
        team = db.session.get(Team, team_id)
        for first, last, company_name, stage in rows:
            company = None
            if company_name:
                company = db.session.scalar(select(Company).where(Company.name == company_name))
                company = company or Company(team=team, name=company_name)
            db.session.add(Contact(team=team, first_name=first, last_name=last, company=company,
                                   stage=stage, email=f"{first.lower()}@{last.lower()}.test"))
        db.session.commit()


def contact_form(**changes: str) -> dict[str, str]:
    form = {
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.example",
        "phone": "+1 (202) 555-0143",
        "additional_phones": "Mobile: +1 202 555 0199\n\n+1 202 555 0100",
        "company_name": "US Navy", "title": "Rear Admiral", "stage": "Contacted", "owner_id": "0",
        "tags": "VIP, compilers, vip", "meeting_at": "2030-05-04T09:30", "notes": "Invented COBOL.",
    }
    form.update(changes)
    return form


def test_list_is_sorted_by_name_and_paged(app: Flask, client: FlaskClient, world: World) -> None:
    add_contacts(app, world.team_id, [
        ("Alan", "Turing", None, "New"), ("Edsger", "Dijkstra", "Mathematisch", "Lost"),
        ("Barbara", "Liskov", "MIT", "Customer"), ("Donald", "Knuth", "Stanford", "New"),
        ("Margaret", "Hamilton", "MIT", "Qualified"), ("Linus", "Torvalds", None, "Contacted"),
    ])
    first_page = listed_names(client)
    assert first_page == ["Edsger Dijkstra", "Margaret Hamilton", "Donald Knuth",
                          "Barbara Liskov", "Ada Lovelace"]
    assert listed_names(client, "?page=2") == ["Linus Torvalds", "Alan Turing"]
    page = client.get("/contacts/").get_data(as_text=True)
    assert "1\u20135 of 7 contacts" in page  # an en dash, as typeset
    assert listed_names(client, "?page=999") == []


def test_list_sorts_by_company_and_by_stage(app: Flask, client: FlaskClient,
                                            world: World) -> None:
    add_contacts(app, world.team_id, [("Barbara", "Liskov", "MIT", "Customer"),
                                      ("Donald", "Knuth", "Stanford", "New")])
    by_company_desc = listed_names(client, "?sort=company&dir=desc")
    assert by_company_desc[:3] == ["Donald Knuth", "Barbara Liskov", "Ada Lovelace"]
    # Stages sort in pipeline order (New ... Customer), not alphabetically.
    assert listed_names(client, "?sort=stage") == ["Donald Knuth", "Ada Lovelace", "Barbara Liskov"]
    # An unknown sort key falls back to the name order instead of failing.
    assert listed_names(client, "?sort=password") == ["Donald Knuth", "Barbara Liskov",
                                                      "Ada Lovelace"]


def test_search_by_name_email_or_company(app: Flask, client: FlaskClient, world: World) -> None:
    add_contacts(app, world.team_id, [("Barbara", "Liskov", "MIT", "Customer"),
                                      ("Donald", "Knuth", "Stanford", "New")])
    assert listed_names(client, "?q=lovel") == ["Ada Lovelace"]
    assert listed_names(client, "?q=ADA+lovelace") == ["Ada Lovelace"]
    assert listed_names(client, "?q=knuth.test") == ["Donald Knuth"]
    assert listed_names(client, "?q=stanford") == ["Donald Knuth"]
    assert listed_names(client, "?q=acme") == ["Ada Lovelace"]
    assert listed_names(client, "?q=%25") == []  # a literal %, not a wildcard
    assert "Nothing matches" in client.get("/contacts/?q=zzz").get_data(as_text=True)


def test_filter_by_stage_and_tag(app: Flask, client: FlaskClient, world: World) -> None:
    add_contacts(app, world.team_id, [("Barbara", "Liskov", "MIT", "Customer")])
    assert listed_names(client, "?stage=Customer") == ["Barbara Liskov"]
    assert listed_names(client, "?tag=vip") == ["Ada Lovelace"]
    assert listed_names(client, "?tag=vi") == []  # whole tags only


def test_filter_contacts_without_email(app: Flask, client: FlaskClient, world: World) -> None:
    post(client, "/contacts/new", contact_form(email=""))
    assert listed_names(client, "?email=missing") == ["Grace Hopper"]


def test_create_contact(app: Flask, client: FlaskClient, world: World) -> None:
    response = post(client, "/contacts/new", contact_form(owner_id=str(world.teammate_id)))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Grace Hopper was added." in page
    with app.app_context():
        grace = db.session.scalar(select(Contact).where(Contact.last_name == "Hopper"))
        assert grace is not None
        assert grace.team_id == world.team_id
        assert grace.owner_id == world.teammate_id
        assert grace.company is not None and grace.company.name == "US Navy"
        assert grace.company.team_id == world.team_id
        assert grace.additional_phones == [
            {"label": "Mobile", "number": "+1 202 555 0199"},
            {"label": "Other", "number": "+1 202 555 0100"},
        ]
        assert grace.tag_list == ["vip", "compilers"]
        assert grace.meeting_at == dt.datetime(2030, 5, 4, 9, 30, tzinfo=dt.UTC)
        assert grace.created_at.tzinfo is not None


def test_create_links_an_existing_company_whatever_the_case(app: Flask, client: FlaskClient,
                                                           world: World) -> None:
    post(client, "/contacts/new", contact_form(company_name="acme robotics"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Company)
                                 .where(Company.team_id == world.team_id)) == 1
        grace = db.session.scalar(select(Contact).where(Contact.last_name == "Hopper"))
        assert grace is not None and grace.company_id == world.company_id


def test_a_contact_without_email_or_company_is_fine(app: Flask, client: FlaskClient,
                                                    world: World) -> None:
    form = contact_form(email="", company_name="", phone="", additional_phones="", tags="",
                        meeting_at="", first_name="")
    assert post(client, "/contacts/new", form).status_code == 302
    with app.app_context():
        hopper = db.session.scalar(select(Contact).where(Contact.last_name == "Hopper"))
        assert hopper is not None
        assert (hopper.email, hopper.company, hopper.tags, hopper.meeting_at) == (
            None, None, "", None)


def test_validation_says_what_is_wrong_and_keeps_the_input(app: Flask, client: FlaskClient,
                                                          world: World) -> None:
    form = contact_form(last_name="", email="grace@", phone="call me",
                        additional_phones="Mobile: +1 202 555 0199\nFax: twelve")
    response = post(client, "/contacts/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Last name is required." in page
    assert "Enter an email address like name@example.com." in page
    assert "Enter a phone number using digits" in page
    assert "Line 2 (&#39;Fax: twelve&#39;) is not a phone number." in page
    assert "Please fix the 4 fields marked below." in page
    # What was typed is still there.
    for kept in ('value="Grace"', 'value="grace@"', 'value="call me"', 'value="US Navy"',
                 'value="Rear Admiral"', "Invented COBOL.", 'value="2030-05-04T09:30"',
                 '<option selected value="Contacted">'):
        assert kept in page, kept
    with app.app_context():
        assert db.session.scalar(select(Contact).where(Contact.first_name == "Grace")) is None


def test_a_too_long_title_is_refused(client: FlaskClient) -> None:
    page = post(client, "/contacts/new", contact_form(title="x" * 129)).get_data(as_text=True)
    assert "Field cannot be longer than 128 characters." in page


def test_edit_contact(app: Flask, client: FlaskClient, world: World) -> None:
    edit_page = client.get(f"/contacts/{world.contact_id}/edit").get_data(as_text=True)
    assert 'value="Acme Robotics"' in edit_page and 'value="vip, partner"' in edit_page
    with app.app_context():
        before = db.session.get(Contact, world.contact_id)
        assert before is not None
        updated_before = before.updated_at
    form = contact_form(first_name="Augusta Ada", last_name="King", email="ada@acme.io",
                        company_name="Acme Robotics", stage="Customer")
    response = post(client, f"/contacts/{world.contact_id}/edit", form)
    assert response.location == f"/contacts/{world.contact_id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Augusta Ada King was saved." in page
    with app.app_context():
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None
        assert (ada.full_name, ada.stage, ada.company_id) == ("Augusta Ada King", "Customer",
                                                               world.company_id)
        assert ada.updated_at > updated_before


def test_edit_with_errors_keeps_the_stored_record(app: Flask, client: FlaskClient,
                                                 world: World) -> None:
    response = post(client, f"/contacts/{world.contact_id}/edit", contact_form(last_name=""))
    assert "Last name is required." in response.get_data(as_text=True)
    with app.app_context():
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None and ada.last_name == "Lovelace"


def test_delete_contact(app: Flask, client: FlaskClient, world: World) -> None:
    response = post(client, f"/contacts/{world.contact_id}/delete")
    assert response.location == "/contacts/"
    assert "Ada Lovelace was deleted." in client.get("/contacts/").get_data(as_text=True)
    assert client.get(f"/contacts/{world.contact_id}").status_code == 404


def test_detail_points_out_duplicates(app: Flask, client: FlaskClient, world: World) -> None:
    add_contacts(app, world.team_id, [("Ada", "Lovelace", None, "New")])
    page = client.get(f"/contacts/{world.contact_id}").get_data(as_text=True)
    assert "Possible duplicate" in page
    assert "ada@lovelace.test" in page
