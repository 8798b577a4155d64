"""A user sees and touches only their own team's data; anything else is a plain 404."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from host_demo.extensions import db
from host_demo.models import Activity, Company, Contact

from .conftest import World, post
from .test_contacts import contact_form


def other_team_urls(world: World) -> list[str]:
    return [
        f"/contacts/{world.other_contact_id}",
        f"/contacts/{world.other_contact_id}/edit",
        f"/companies/{world.other_company_id}",
        f"/companies/{world.other_company_id}/edit",
        f"/activities/{world.other_activity_id}/edit",
    ]


def test_other_teams_pages_are_not_found(client: FlaskClient, world: World) -> None:
    for url in other_team_urls(world):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "not shared with your team" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/contacts/{c}/delete", "/contacts/{c}/edit", "/companies/{co}/delete",
    "/companies/{co}/edit", "/activities/for/{c}", "/activities/{a}/toggle",
    "/activities/{a}/delete", "/activities/{a}/edit",
])
def test_other_teams_rows_cannot_be_changed(app: Flask, client: FlaskClient, world: World,
                                            path: str) -> None:
    url = path.format(c=world.other_contact_id, co=world.other_company_id,
                      a=world.other_activity_id)
    response = post(client, url, {**contact_form(), "name": "Taken over", "kind": "task",
                                  "subject": "Taken over"})
    assert response.status_code == 404
    with app.app_context():
        hidden = db.session.get(Contact, world.other_contact_id)
        secret = db.session.get(Company, world.other_company_id)
        call = db.session.get(Activity, world.other_activity_id)
        assert hidden is not None and hidden.last_name == "Person"
        assert secret is not None and secret.name == "Secret Corp"
        assert call is not None and (call.subject, call.done) == ("Secret call", False)
        assert db.session.scalars(select(Activity).where(Activity.subject == "Taken over")).all() \
            == []


def test_lists_and_search_show_only_the_team(client: FlaskClient) -> None:
    for url in ("/contacts/", "/contacts/?q=hidden", "/contacts/?q=secret", "/companies/",
                "/companies/?q=secret", "/activities/?view=all", "/dashboard"):
        page = client.get(url).get_data(as_text=True)
        assert "Hidden Person" not in page and "Secret Corp" not in page, url
        assert "Secret call" not in page, url


def test_owners_come_from_the_team_only(app: Flask, client: FlaskClient, world: World) -> None:
    page = client.get("/contacts/new").get_data(as_text=True)
    assert "Sam Okoro" in page and "Olivia Chen" not in page
    response = post(client, "/contacts/new", contact_form(owner_id=str(world.other_user_id)))
    assert "Not a valid choice." in response.get_data(as_text=True)


def test_a_company_name_never_links_to_another_teams_company(app: Flask, client: FlaskClient,
                                                              world: World) -> None:
    post(client, "/contacts/new", contact_form(company_name="Secret Corp"))
    with app.app_context():
        grace = db.session.scalar(select(Contact).where(Contact.last_name == "Hopper"))
        assert grace is not None and grace.company is not None
        assert grace.company.id != world.other_company_id
        assert grace.company.team_id == world.team_id


def test_the_integration_tenant_is_the_team(app: Flask, client: FlaskClient,
                                            world: World) -> None:
    from flask_sfsync import get_state

    with client:
        client.get("/dashboard")
        assert get_state(app).extension.current_tenant() == str(world.team_id)
