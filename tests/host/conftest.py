"""Fixtures for the demo host's tests: an app on a fresh database, a small world, logged-in clients.

The database is a temporary SQLite file, or ``SFSYNC_TEST_DATABASE_URL`` (CI sets a PostgreSQL
URL there); every test starts from empty tables. ``app`` is also pytest-flask's app: its test
clients are :class:`~flask_sfsync.testing.IsolatedClient` (each request in its own app context,
as a server runs it, although pytest-flask keeps a request context pushed through the test).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from flask_sfsync.testing import IsolatedClient
from host_demo import create_app
from host_demo.config import normalise_database_url
from host_demo.extensions import db
from host_demo.models import Activity, Company, Contact, Team, User, normalise_tags

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def database_url(tmp_path: Path) -> str:
    url = os.environ.get("SFSYNC_TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite:///{tmp_path / 'host.sqlite3'}"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "CONTACTS_PER_PAGE": 5,
            "SFSYNC_CLIENT_ID": "test-client-id",
            "SFSYNC_CLIENT_SECRET": "test-client-secret",
            "SFSYNC_ENCRYPTION_KEY": "test-encryption-key",
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()  # a shared PostgreSQL database may hold a previous run's tables
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@dataclass
class World:
    """Two teams with one user each (ids, so tests never hold detached ORM objects)."""

    team_id: int
    other_team_id: int
    user_id: int
    teammate_id: int
    other_user_id: int
    company_id: int
    other_company_id: int
    contact_id: int
    other_contact_id: int
    other_activity_id: int


@functools.cache
def password_hash(password: str) -> str:
    """Hashing is slow on purpose; the same hash serves every test's user."""
    return generate_password_hash(password)


def add_user(team: Team, email: str, password: str, name: str) -> User:
    user = User(team=team, email=email, name=name, password_hash=password_hash(password))
    db.session.add(user)
    return user


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        team, other_team = Team(name="Northwind"), Team(name="Harbor")
        user = add_user(team, "demo@example.com", "demo", "Dana Whitfield")
        teammate = add_user(team, "sam@example.com", "sam", "Sam Okoro")
        other_user = add_user(other_team, "other@example.com", "other", "Olivia Chen")
        acme = Company(team=team, name="Acme Robotics", domain="acme.io", industry="Robots")
        secret = Company(team=other_team, name="Secret Corp", domain="secret.example")
        ada = Contact(
            team=team, owner=user, company=acme, first_name="Ada", last_name="Lovelace",
            email="ada@acme.io", phone="+44 20 7946 0018", stage="Qualified",
            tags=normalise_tags("vip, partner"),
        )
        hidden = Contact(
            team=other_team, owner=other_user, company=secret, first_name="Hidden",
            last_name="Person", email="hidden@secret.example",
        )
        hidden_call = Activity(team=other_team, contact=hidden, kind="call", subject="Secret call")
        db.session.add_all([acme, secret, ada, hidden, hidden_call])
        db.session.commit()
        return World(
            team.id, other_team.id, user.id, teammate.id, other_user.id, acme.id, secret.id,
            ada.id, hidden.id, hidden_call.id,
        )


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The token a real browser would post: read from a rendered form, as a person's page has it."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str) -> None:
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def client(app: Flask, world: World) -> FlaskClient:
    """Signed in as demo@example.com (team 1)."""
    client = app.test_client()
    login(client, "demo@example.com", "demo")
    return client


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None,
         token_from: str = "/contacts/") -> TestResponse:
    """POST ``data`` with a CSRF token taken from a page of the app, as a browser form would."""
    form = dict(data or {})
    form["csrf_token"] = csrf_token(client, token_from)
    return client.post(path, data=form)

