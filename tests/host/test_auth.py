"""Signing in and out."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from .conftest import World, csrf_token, login, post


def test_pages_need_a_signed_in_user(app: Flask, world: World) -> None:
    client = app.test_client()
    for path in ("/dashboard", "/contacts/", f"/contacts/{world.contact_id}", "/companies/",
                 "/activities/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")


def test_sign_in_lands_on_the_page_asked_for(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post(
        "/login?next=/companies/",
        data={"email": "Demo@Example.com ", "password": "demo", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.location == "/companies/"
    assert "Acme Robotics" in client.get("/companies/").get_data(as_text=True)


def test_sign_in_never_redirects_off_site(app: Flask, world: World) -> None:
    client = app.test_client()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login", query_string={"next": target},
            data={"email": "demo@example.com", "password": "demo",
                  "csrf_token": csrf_token(client)},
        )
        assert response.location == "/dashboard"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})


def test_wrong_password_is_refused_and_the_email_kept(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": "demo@example.com", "password": "nope", "csrf_token": csrf_token(client)},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wrong email or password." in page
    assert 'value="demo@example.com"' in page
    assert client.get("/dashboard").status_code == 302


def test_unknown_email_gets_the_same_answer(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": "nobody@example.com", "password": "demo", "csrf_token": csrf_token(client)},
    )
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_passwords_are_stored_hashed(app: Flask, world: World) -> None:
    from host_demo.extensions import db
    from host_demo.models import User

    with app.app_context():
        user = db.session.get(User, world.user_id)
        assert user is not None
        assert "demo" not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_sign_out(client: FlaskClient) -> None:
    response = post(client, "/logout", token_from="/dashboard")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302
    assert "You are signed out." in client.get("/login").get_data(as_text=True)


def test_the_dashboard_shows_the_team(client: FlaskClient) -> None:
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Dana Whitfield" in page
    assert "Northwind" in page
    assert "Pipeline" in page


def test_a_second_user_signs_in_to_their_own_team(app: Flask, world: World) -> None:
    client = app.test_client()
    login(client, "other@example.com", "other")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Harbor" in page and "Olivia" in page
