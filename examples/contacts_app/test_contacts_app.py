"""The People app's tests of its Salesforce integration.

There is no conftest.py: flask-sfsync's pytest plugin (installed with the package) gives a
running local Salesforce org (``sfsync_org``), a private Redis and the ``SFSYNC_*`` keys that
point at both (``sfsync_config``) by fixture name, and pytest-flask gives ``client`` for the
``app`` fixture defined here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from people_app import create_app
from people_app.extensions import db
from people_app.models import Person, User, Workspace
from people_app.salesforce import sfsync

from flask_sfsync.emulator import LocalOrg
from flask_sfsync.testing import IsolatedClient, connect_tenant, wait_idle

EMAIL, PASSWORD = "grace@people.test", "correct horse"


@pytest.fixture
def app(tmp_path: Path, sfsync_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'people.sqlite3'}",
            "SFSYNC_ENCRYPTION_KEY": "a test-only key",
            **sfsync_config,  # the local org and Redis
        }
    )
    app.test_client_class = IsolatedClient  # each request in an app context of its own
    with app.app_context():
        db.create_all()  # our tables and flask-sfsync's, which live on our metadata
        northwind = Workspace(name="Northwind")
        grace = User(workspace=northwind, email=EMAIL)
        grace.set_password(PASSWORD)
        ada = Person(
            workspace=northwind, given_name="Ada", family_name="Lovelace",
            mail="ada@analytical.test", org_name="Analytical Engines",
            job_title="Mathematician",
        )
        db.session.add_all([grace, ada])
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def tenant(app: Flask) -> str:
    """Northwind's tenant id: flask-sfsync's tenants are strings."""
    with app.app_context():
        return str(db.session.scalars(sa.select(Workspace.id)).one())


@pytest.fixture
def ada_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(sa.select(Person.id)).one()


def sign_in(client: FlaskClient) -> None:
    response = client.post(url_for("auth.login"), data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302


def leads(org: LocalOrg) -> list[dict[str, Any]]:
    """The org's Leads, read back through its REST API with simple-salesforce."""
    soql = "SELECT Id, FirstName, LastName, Email, Company, Title, LeadSource FROM Lead"
    records: list[dict[str, Any]] = org.salesforce().query(soql)["records"]
    return records


def test_sync_now_pushes_a_person_as_a_lead(
    app: Flask, client: FlaskClient, sfsync_org: LocalOrg, tenant: str, ada_id: int
) -> None:
    connect_tenant(app, sfsync_org, tenant)
    with app.app_context():
        sfsync.save_settings(tenant, push_as="Lead", lead_source="People app")
        assert sfsync.sync_now(tenant)

    status = wait_idle(app, tenant, run=True)  # runs the queued jobs here: no worker needed

    assert status["run"]["pushed"] == 1
    assert status["open_errors"] == 0
    [lead] = leads(sfsync_org)
    assert lead["FirstName"] == "Ada"
    assert lead["LastName"] == "Lovelace"
    assert lead["Email"] == "ada@analytical.test"
    assert lead["Company"] == "Analytical Engines"
    assert lead["Title"] == "Mathematician"
    assert lead["LeadSource"] == "People app"
    # The person's page says where she is in Salesforce.
    sign_in(client)
    page = client.get(url_for("people.view", person_id=ada_id)).get_data(as_text=True)
    assert "In Salesforce" in page
    assert lead["Id"] in page


def test_auto_sync_pushes_an_edit(
    app: Flask, client: FlaskClient, sfsync_org: LocalOrg, tenant: str, ada_id: int
) -> None:
    connect_tenant(app, sfsync_org, tenant)
    with app.app_context():
        assert sfsync.save_settings(tenant, auto_sync=True)  # turning it on pushes everyone
    wait_idle(app, tenant, run=True)
    assert [lead["Title"] for lead in leads(sfsync_org)] == ["Mathematician"]

    sign_in(client)
    response = client.post(
        url_for("people.edit", person_id=ada_id),
        data={
            "given_name": "Ada", "family_name": "Lovelace", "mail": "ada@analytical.test",
            "org_name": "Analytical Engines", "job_title": "Analyst",
        },
    )
    assert response.status_code == 302
    status = wait_idle(app, tenant, run=True)

    assert status["run"]["kind"] == "auto"  # an Auto Sync round, not another full sync
    [lead] = leads(sfsync_org)
    assert lead["Title"] == "Analyst"
