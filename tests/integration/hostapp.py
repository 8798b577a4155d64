"""A small contacts host for the push sync's end-to-end tests.

Users belong to teams (the tenant); contacts and companies belong to a team. The same factory
builds the app in the test process and in the worker processes (``python -m
tests.integration.worker``), which read the configuration from ``SFSYNC_TEST_APP_CONFIG``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, render_template_string
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from flask_sfsync import SFSync
from flask_sfsync.host import CompanyAdapter, ContactAdapter

CONFIG_ENV = "SFSYNC_TEST_APP_CONFIG"
STAGES = ("New", "Contacted", "Qualified", "Customer", "Lost")
STAGE_MAP = {
    "New": "Open - Not Contacted",
    "Contacted": "Working - Contacted",
    "Qualified": "Working - Contacted",
    "Lost": "Closed - Not Converted",
}
USERS = {1: "acme", 2: "globex"}


class Models:
    def __init__(self, db: SQLAlchemy, user: Any, company: Any, contact: Any) -> None:
        self.db, self.User, self.Company, self.Contact = db, user, company, contact


def create_app(config: dict[str, Any] | None = None, *, create: bool = False) -> Flask:
    if config is None:
        config = json.loads(os.environ[CONFIG_ENV])
    db = SQLAlchemy(engine_options={"connect_args": {"timeout": 60}}
                    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite") else {})

    class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        team: Mapped[str] = mapped_column(sa.String(40))

    class Company(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "companies"
        id: Mapped[int] = mapped_column(primary_key=True)
        team: Mapped[str] = mapped_column(sa.String(40))
        name: Mapped[str] = mapped_column(sa.String(200))
        domain: Mapped[str | None] = mapped_column(sa.String(200))
        contacts: Mapped[list[Contact]] = relationship(back_populates="company")

    class Contact(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "contacts"
        id: Mapped[int] = mapped_column(primary_key=True)
        team: Mapped[str] = mapped_column(sa.String(40), index=True)
        first_name: Mapped[str | None] = mapped_column(sa.String(100))
        last_name: Mapped[str | None] = mapped_column(sa.String(100))
        email: Mapped[str | None] = mapped_column(sa.String(200))
        phone: Mapped[str | None] = mapped_column(sa.String(60))
        title: Mapped[str | None] = mapped_column(sa.String(400))
        stage: Mapped[str | None] = mapped_column(sa.String(40))
        tier: Mapped[str | None] = mapped_column(sa.String(40))
        company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
        company: Mapped[Company | None] = relationship(back_populates="contacts")

    app = Flask(__name__, template_folder="templates")
    app.config.update(
        SECRET_KEY="integration-secret",
        SFSYNC_ENCRYPTION_KEY="integration encryption key",
        SFSYNC_APP_NAME="Acme CRM",
    )
    app.config.update(config)
    db.init_app(app)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        with app.app_context():
            sa.event.listen(db.engine, "connect", _sqlite_wal)

    login = LoginManager(app)
    login.user_loader(lambda uid: db.session.get(User, int(uid)))

    sfsync = SFSync(db=db)
    sfsync.tenant_loader(lambda: current_user.team if current_user.is_authenticated else None)
    sfsync.init_app(
        app,
        contact_adapter=ContactAdapter(
            Contact,
            tenant="team",
            fields={"company": "company.name"},
            stages=STAGES,
            stage_map=STAGE_MAP,
            url_endpoint="show_contact",
            watch={Company: lambda company: company.contacts},
            extra_fields=config.get("EXTRA_FIELDS") or {},
            load_options=[selectinload(Contact.company)],
        ),
        # The pull's companies (config NO_COMPANIES: a host without a company adapter).
        company_adapter=None if config.get("NO_COMPANIES") else CompanyAdapter(
            Company, tenant="team", domain="domain"),
    )

    @app.route("/test-login/<int:user_id>")
    def test_login(user_id: int) -> str:
        login_user(db.session.get(User, user_id) or abort(404))
        return "ok"

    @app.route("/contacts")
    def list_contacts() -> str:
        # As a host's list page does: its rows, each with our state badge (one query set).
        team = current_user.team
        rows = db.session.scalars(sa.select(Contact).where(Contact.team == team)).all()
        return render_template_string(
            "{% from 'sfsync/_badge.html' import sfsync_badge %}"
            "{% set states = sfsync_contact_states(rows) %}"
            "<ul>{% for c in rows %}<li>{{ c.first_name }} "
            "{{ sfsync_badge(states.get(c.id|string)) }}</li>{% endfor %}</ul>",
            rows=rows,
        )

    @app.route("/contacts/<int:contact_id>")
    def show_contact(contact_id: int) -> str:
        contact = db.session.get(Contact, contact_id) or abort(404)
        # As a host's contact page does: its own content, then our panel.
        return render_template_string(
            "<h1>{{ contact.first_name }} {{ contact.last_name }}</h1>"
            "{% include 'sfsync/_contact_panel.html' %}",
            contact=contact,
        )

    app.extensions["test_models"] = Models(db, User, Company, Contact)
    if create:
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.session.add_all([User(id=uid, team=team) for uid, team in USERS.items()])
            db.session.commit()
    return app


def _sqlite_wal(dbapi_connection: Any, record: Any) -> None:
    # Two processes (the test and its workers) write the same file.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL's usual setting: no fsync per commit
    cursor.close()
