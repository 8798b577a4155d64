"""``flask seed``: a realistic, deterministic book of contacts with real-world rough edges."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from sqlalchemy import func, select

from host_demo.extensions import db
from host_demo.models import Activity, Company, Contact, Team, User

from .conftest import login


def run_seed(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["seed", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_fills_two_teams(app: Flask) -> None:
    with app.app_context():
        db.drop_all()  # the commands create the tables themselves, as the demo runs them
    init = app.test_cli_runner().invoke(args=["sfsync", "init-db"])
    assert init.exit_code == 0, init.output
    output = run_seed(app)
    assert "Seeded 2 teams" in output
    with app.app_context():
        demo = db.session.scalar(select(User).where(User.email == "demo@example.com"))
        other = db.session.scalar(select(User).where(User.email == "other@example.com"))
        assert demo is not None and other is not None and demo.team_id != other.team_id
        assert demo.check_password("demo") and other.check_password("other")
        contacts = db.session.scalars(select(Contact).where(Contact.team_id == demo.team_id)).all()
        assert len(contacts) >= 200
        assert db.session.scalar(select(func.count()).select_from(Contact)
                                 .where(Contact.team_id == other.team_id))
        assert (db.session.scalar(select(func.count()).select_from(Activity)) or 0) > 100
        assert (db.session.scalar(select(func.count()).select_from(Company)) or 0) > 20

        without_email = [c for c in contacts if c.email is None]
        assert len(without_email) >= 5
        emails = Counter(c.email for c in contacts if c.email)
        assert sum(1 for n in emails.values() if n > 1) >= 3
        names = Counter((c.first_name, c.last_name) for c in contacts)
        assert sum(1 for n in names.values() if n > 1) >= 3
        # Varied like a real book: many stages, titles, companies, some tagged, some with phones.
        assert len({c.stage for c in contacts}) == 5
        assert len({c.title for c in contacts}) > 15
        assert len({c.company_id for c in contacts}) > 20
        assert any(c.additional_phones for c in contacts)
        assert any(c.tag_list for c in contacts) and any(c.notes for c in contacts)
        assert all(c.owner is not None and c.owner.team_id == demo.team_id for c in contacts)
        assert all(c.updated_at >= c.created_at for c in contacts)


def test_seed_if_empty_leaves_data_alone(app: Flask) -> None:
    run_seed(app, "--contacts", "20")
    assert "nothing seeded" in run_seed(app, "--if-empty")
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code != 0 and "--reset" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Team)) == 2


def test_seed_reset_starts_over(app: Flask) -> None:
    run_seed(app, "--contacts", "20")
    run_seed(app, "--reset", "--contacts", "30")
    with app.app_context():
        team = db.session.scalar(select(Team).order_by(Team.id))
        assert team is not None
        count = db.session.scalar(select(func.count()).select_from(Contact)
                                  .where(Contact.team_id == team.id))
        assert count is not None and 30 <= count <= 41  # plus the duplicates


def test_the_seeded_app_works(app: Flask) -> None:
    run_seed(app, "--contacts", "40")
    client = app.test_client()
    login(client, "demo@example.com", "demo")
    for url in ("/dashboard", "/contacts/", "/contacts/?sort=company&dir=desc", "/companies/",
                "/activities/", "/activities/?view=all"):
        assert client.get(url).status_code == 200, url
