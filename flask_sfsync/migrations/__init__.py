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

from alembic import command
from alembic.config import Config
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
