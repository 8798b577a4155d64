"""Every state-changing POST needs the CSRF token of the user's own session."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from host_demo.extensions import db
from host_demo.models import Contact

from .conftest import World, csrf_token
from .test_contacts import contact_form


@pytest.mark.parametrize("path", ["/contacts/new", "/contacts/{c}/edit", "/contacts/{c}/delete",
                                  "/activities/for/{c}", "/companies/new", "/logout"])
def test_post_without_token_is_refused(app: Flask, client: FlaskClient, world: World,
                                       path: str) -> None:
    response = client.post(path.format(c=world.contact_id), data=contact_form(last_name="Forged"))
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)
    with app.app_context():
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None and ada.last_name == "Lovelace"
    assert client.get("/dashboard").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(app: Flask, client: FlaskClient,
                                                 world: World) -> None:
    stranger = app.test_client()
    foreign_token = csrf_token(stranger)
    response = client.post(f"/contacts/{world.contact_id}/delete",
                           data={"csrf_token": foreign_token})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Contact, world.contact_id) is not None


def test_login_needs_a_token_too(app: Flask, world: World) -> None:
    response = app.test_client().post("/login", data={"email": "demo@example.com",
                                                      "password": "demo"})
    assert response.status_code == 400
