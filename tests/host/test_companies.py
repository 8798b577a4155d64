"""Companies: list with counts, search, create, edit, delete (its contacts stay)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from host_demo.extensions import db
from host_demo.models import Company, Contact

from .conftest import World, post


def company_form(**changes: str) -> dict[str, str]:
    form = {"name": "Globex", "domain": "Globex.com", "industry": "Conglomerate", "size": "1000+",
            "phone": "+1 555 0100", "city": "Springfield", "country": "United States",
            "description": "Hank Scorpio's company."}
    form.update(changes)
    return form


def test_list_shows_the_contact_count(client: FlaskClient) -> None:
    page = client.get("/companies/").get_data(as_text=True)
    assert "<title>Companies · Relay CRM</title>" in page
    assert "Acme Robotics" in page and "acme.io" in page
    assert '<td class="right">1</td>' in page


def test_search_companies(client: FlaskClient) -> None:
    client.get(post(client, "/companies/new", company_form()).location)  # shows the flash
    assert "Globex" not in client.get("/companies/?q=robot").get_data(as_text=True)
    page = client.get("/companies/?q=conglomerate").get_data(as_text=True)
    assert "Globex" in page and "Acme Robotics" not in page


def test_create_company(app: Flask, client: FlaskClient, world: World) -> None:
    response = post(client, "/companies/new", company_form())
    assert response.status_code == 302
    assert "Globex was added." in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        globex = db.session.scalar(select(Company).where(Company.name == "Globex"))
        assert globex is not None
        assert (globex.team_id, globex.domain, globex.size) == (
            world.team_id, "globex.com", "1000+")


def test_company_validation(app: Flask, client: FlaskClient) -> None:
    response = post(client, "/companies/new",
                    company_form(name="", domain="https://globex.com/about", phone="ring"))
    page = response.get_data(as_text=True)
    assert "Company name is required." in page
    assert "Enter a domain like example.com" in page
    assert "Enter a phone number" in page
    assert 'value="https://globex.com/about"' in page and "Hank Scorpio" in page


def test_company_names_are_unique_per_team(client: FlaskClient) -> None:
    page = post(client, "/companies/new", company_form(name="ACME robotics")).get_data(as_text=True)
    assert "There is already a company called &#39;ACME robotics&#39;." in page


def test_edit_company(app: Flask, client: FlaskClient, world: World) -> None:
    form = company_form(name="Acme Robotics", industry="Automation")
    response = post(client, f"/companies/{world.company_id}/edit", form)
    assert response.location == f"/companies/{world.company_id}"
    with app.app_context():
        acme = db.session.get(Company, world.company_id)
        assert acme is not None and acme.industry == "Automation"


def test_delete_company_keeps_its_contacts(app: Flask, client: FlaskClient, world: World) -> None:
    response = post(client, f"/companies/{world.company_id}/delete")
    assert "Acme Robotics was deleted; its contacts were kept." in client.get(
        response.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Company, world.company_id) is None
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None and ada.company_id is None


def test_company_page_lists_its_people(client: FlaskClient, world: World) -> None:
    page = client.get(f"/companies/{world.company_id}").get_data(as_text=True)
    assert "Ada Lovelace" in page
    assert 'href="/contacts/new?company=Acme+Robotics"' in page
