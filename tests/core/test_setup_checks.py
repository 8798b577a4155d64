"""Set-up that cannot hurt: ``init-db`` after ``db.create_all()``, the adapter checked at start."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_sfsync import ConfigurationError, SFSync
from flask_sfsync.host import ContactAdapter
from flask_sfsync.migrations import VERSION_TABLE

REQUIRED = {
    "SFSYNC_CLIENT_ID": "id",
    "SFSYNC_CLIENT_SECRET": "secret",
    "SFSYNC_ENCRYPTION_KEY": "key",
}


def _host(tmp_path: Any) -> tuple[Flask, SQLAlchemy, Any]:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.db'}", **REQUIRED)
    db = SQLAlchemy(app)

    class Org(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "orgs"
        id: Mapped[int] = mapped_column(primary_key=True)
        label: Mapped[str] = mapped_column(sa.String(100))

    class Person(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "people"
        id: Mapped[int] = mapped_column(primary_key=True)
        workspace: Mapped[str] = mapped_column(sa.String(40))
        mail: Mapped[str | None] = mapped_column(sa.String(200))
        org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orgs.id"))
        # The class itself, not its name: a name is looked up again whenever any test's
        # mappers are configured, after this test's Org may be gone.
        org: Mapped[Org | None] = relationship(Org)

    return app, db, Person


def test_init_db_after_create_all_marks_the_tables_and_runs_again(tmp_path: Any) -> None:
    app, db, _ = _host(tmp_path)
    SFSync(app, db=db)
    with app.app_context():
        db.create_all()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["sfsync", "init-db"])
    assert first.exit_code == 0, first.output
    assert "already there" in first.output
    again = runner.invoke(args=["sfsync", "init-db"])
    assert again.exit_code == 0, again.output
    assert "latest migration" in again.output
    with app.app_context():
        assert VERSION_TABLE in sa.inspect(db.engine).get_table_names()


def test_init_db_names_what_differs_when_tables_do_not_match(tmp_path: Any) -> None:
    app, db, _ = _host(tmp_path)
    SFSync(app, db=db)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE sfsync_outbox"))
    result = app.test_cli_runner().invoke(args=["sfsync", "init-db"])
    assert result.exit_code != 0
    assert "differ from the models" in result.output and "sfsync_outbox" in result.output
    assert "Traceback" not in result.output


def test_a_mapped_attribute_the_model_lacks_fails_at_init(tmp_path: Any) -> None:
    app, db, person = _host(tmp_path)
    adapter = ContactAdapter(person, tenant="workspace", fields={"email": "email_address"})
    with pytest.raises(ConfigurationError, match="no attribute 'email_address'"):
        SFSync(app, db=db, contact_adapter=adapter)


def test_a_related_attribute_the_model_lacks_fails_at_init(tmp_path: Any) -> None:
    app, db, person = _host(tmp_path)
    adapter = ContactAdapter(
        person, tenant="workspace", fields={"email": "mail", "company": "org.name"}
    )
    with pytest.raises(ConfigurationError, match="Org has no attribute 'name'"):
        SFSync(app, db=db, contact_adapter=adapter)


def test_a_contact_route_with_another_argument_fails_at_init(tmp_path: Any) -> None:
    app, db, person = _host(tmp_path)
    app.add_url_rule("/people/<int:person_id>", "people.view", lambda person_id: "")
    adapter = ContactAdapter(
        person, tenant="workspace", fields={"email": "mail"}, url_endpoint="people.view"
    )
    with pytest.raises(ConfigurationError, match=r"\['person_id'\], not url_arg='contact_id'"):
        SFSync(app, db=db, contact_adapter=adapter)


def test_a_route_added_after_init_is_checked_at_the_first_request(tmp_path: Any) -> None:
    app, db, person = _host(tmp_path)
    adapter = ContactAdapter(
        person, tenant="workspace", fields={"email": "mail"}, url_endpoint="people.view"
    )
    SFSync(app, db=db, contact_adapter=adapter)  # the route does not exist yet: fine
    app.testing = True  # let the error reach the test rather than a 500 page
    app.add_url_rule("/people/<int:person_id>", "people.view", lambda person_id: "")
    with pytest.raises(ConfigurationError, match="pass url_arg="):
        app.test_client().get("/people/1")


def test_a_well_described_adapter_starts(tmp_path: Any) -> None:
    app, db, person = _host(tmp_path)
    app.add_url_rule("/people/<int:person_id>", "people.view", lambda person_id: "ok")
    adapter = ContactAdapter(
        person, tenant="workspace", fields={"email": "mail", "company": "org.label"},
        url_endpoint="people.view", url_arg="person_id",
    )
    SFSync(app, db=db, contact_adapter=adapter)
    with app.app_context():
        db.create_all()
    assert app.test_client().get("/people/1").get_data(as_text=True) == "ok"
