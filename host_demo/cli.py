"""``flask --app host_demo init-db`` and ``seed``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import Table

from .extensions import db
from .models import HOST_TABLES
from .seed import is_empty, seed


def host_tables() -> list[Table]:
    return [db.metadata.tables[name] for name in HOST_TABLES]


def create_tables() -> None:
    """The host's own tables; ``flask sfsync init-db`` creates the integration's (migrations)."""
    db.metadata.create_all(db.engine, tables=host_tables())


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the host's tables that do not exist yet."""
    create_tables()
    click.echo("Database tables are ready.")


@click.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
@click.option("--reset", is_flag=True, help="Drop every table first (all data is lost).")
@click.option("--contacts", default=240, show_default=True, help="Contacts in the demo team.")
@with_appcontext
def seed_command(if_empty: bool, reset: bool, contacts: int) -> None:
    """Fill the database with two teams, their users and a realistic book of contacts."""
    if reset:
        db.metadata.drop_all(db.engine, tables=host_tables())
    create_tables()
    if not is_empty(db.session()):
        if if_empty:
            click.echo("The database already has data; nothing seeded.")
            return
        raise click.ClickException("The database already has data: use --reset to start over.")
    summary = seed(db.session(), contacts=contacts)
    click.echo(
        f"Seeded {summary.teams} teams, {summary.users} users, {summary.companies} companies, "
        f"{summary.contacts} contacts and {summary.activities} activities."
    )
    click.echo("Sign in as demo@example.com / demo (or other@example.com / other).")


def register(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_command)
