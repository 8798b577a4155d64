"""The extension's Alembic migrations.

Two ways to run them:

* ``flask sfsync init-db`` (or :func:`upgrade`): our own ``env.py`` with a version table of our
  own, ``sfsync_alembic_version``, so it never collides with the host's ``alembic_version``.
* Through the host's Flask-Migrate: add :data:`VERSIONS_DIR` to ``version_locations`` in the
  host's ``migrations/alembic.ini`` and run ``flask db upgrade sfsync@head``; our revisions form
  a branch labelled ``sfsync``. Exclude ``sfsync_*`` tables from the host's autogenerate with
  :func:`include_name`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "sfsync_alembic_version"
TABLE_PREFIX = "sfsync_"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the extension's tables to ``revision`` in the database behind ``engine``."""
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For the host's ``env.py``: ``context.configure(..., include_name=include_name)`` keeps
    the host's autogenerate away from our tables (our migrations manage them)."""
    if type_ == "table" and name is not None:
        return not (name.startswith(TABLE_PREFIX) or name == VERSION_TABLE)
    return True


class SchemaMismatch(RuntimeError):
    """Our tables exist without our version table and do not match the models."""


def init_db(engine: Engine, metadata: sa.MetaData) -> str:
    """Bring our tables to the latest migration, whatever made them; says what it did.

    * no table of ours yet, or our version table there: the migrations run ("migrated");
    * our tables made by ``db.create_all()`` (no version table): when they match the models
      the database is stamped at the latest revision ("stamped"), so later migrations apply;
      when they do not, :class:`SchemaMismatch` names the differences.
    Running it again is harmless.
    """
    ours = {t.name for t in metadata.sorted_tables if t.name.startswith(TABLE_PREFIX)}
    existing = set(sa.inspect(engine).get_table_names())
    if VERSION_TABLE in existing or not ours & existing:
        upgrade(engine)
        return "migrated"
    with engine.connect() as connection:
        # include_name filters what is read from the database, include_object the models.
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parents: type_ != "table" or name in ours,
                "include_object": lambda obj, name, type_, reflected, other: (
                    type_ != "table" or name in ours
                ),
            },
        )
        differences = compare_metadata(context, metadata)
    if differences:
        raise SchemaMismatch(
            f"the flask-sfsync tables exist (made by db.create_all()?) but differ from the "
            f"models: {differences}; drop them and run flask sfsync init-db again"
        )
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.stamp(cfg, "head")
    return "stamped"
