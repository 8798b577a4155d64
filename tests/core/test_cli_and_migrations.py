"""``flask sfsync status`` / ``init-db`` and the shipped Alembic migration."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from flask_sfsync import get_state
from flask_sfsync.db.models import extension_tables
from flask_sfsync.migrations import VERSION_TABLE, downgrade, include_name, upgrade
from flask_sfsync.testing import connect


def _drop_ours(host: Any) -> None:
    with host.app.app_context():
        engine = host.db.engine
        state = get_state(host.app)
        state.db.metadata.drop_all(engine, tables=extension_tables(state.db))
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))


def _tables(host: Any) -> set[str]:
    with host.app.app_context():
        return set(sa.inspect(host.db.engine).get_table_names())


def test_status_lists_connections(host: Any, local_org: Any) -> None:
    runner = host.app.test_cli_runner()
    assert "No Salesforce connections." in runner.invoke(args=["sfsync", "status"]).output
    connect(host.client(), local_org)

    result = runner.invoke(args=["sfsync", "status"])

    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split() == ["TENANT", "STATUS", "ORG", "USER", "LAST", "SYNC"]
    assert row.split() == ["acme", "connected", local_org.org_id, local_org.username, "never"]
    assert host.connection().access_token not in result.output


def test_init_db_runs_the_migrations(host: Any) -> None:
    _drop_ours(host)
    result = host.app.test_cli_runner().invoke(args=["sfsync", "init-db"])
    assert result.exit_code == 0, result.output
    assert {"sfsync_connections", VERSION_TABLE} <= _tables(host)
    # Idempotent: a second run finds the database at head.
    assert host.app.test_cli_runner().invoke(args=["sfsync", "init-db"]).exit_code == 0
    _drop_ours(host)


def test_init_db_from_metadata(host: Any) -> None:
    _drop_ours(host)
    result = host.app.test_cli_runner().invoke(args=["sfsync", "init-db", "--metadata"])
    assert result.exit_code == 0, result.output
    assert "sfsync_connections" in _tables(host)
    assert VERSION_TABLE not in _tables(host)


def _only_our_tables(name: str | None, type_: str, parents: Any) -> bool:
    # The inverse of the host-side filter, minus Alembic's own bookkeeping table.
    return type_ != "table" or (not include_name(name, type_, parents) and name != VERSION_TABLE)


def test_migration_creates_the_same_tables_as_the_metadata(host: Any) -> None:
    _drop_ours(host)
    state = get_state(host.app)
    ours = sa.MetaData()
    for table in extension_tables(state.db):
        table.to_metadata(ours)
    with host.app.app_context():
        engine = host.db.engine
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": _only_our_tables,
                },
            )
            diff = compare_metadata(context, ours)
        assert diff == []
        downgrade(engine)
        assert "sfsync_connections" not in sa.inspect(engine).get_table_names()
    _drop_ours(host)


def test_include_name_keeps_host_autogenerate_off_our_tables() -> None:
    assert include_name("contacts", "table", {}) is True
    assert include_name("sfsync_connections", "table", {}) is False
    assert include_name(VERSION_TABLE, "table", {}) is False
    assert include_name("ix_anything", "index", {}) is True


@pytest.fixture
def preserved_logging() -> Iterator[None]:
    """Flask-Migrate's env.py runs logging.fileConfig: undo it for the tests that follow."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    before = {
        name: (logger.disabled, logger.level, logger.handlers[:])
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:], root.level = handlers, level
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            disabled, lvl, hdlrs = before.get(name, (False, logging.NOTSET, []))
            logger.disabled, logger.level, logger.handlers[:] = disabled, lvl, hdlrs


@pytest.mark.usefixtures("preserved_logging")
@pytest.mark.filterwarnings("ignore:'get_engine' is deprecated")  # Flask-Migrate's env.py
def test_migrations_run_through_the_hosts_flask_migrate(host: Any, tmp_path: Any) -> None:
    from flask_migrate import Migrate, init
    from flask_migrate import upgrade as host_upgrade

    from flask_sfsync.migrations import VERSIONS_DIR

    _drop_ours(host)
    directory = tmp_path / "migrations"
    Migrate(host.app, host.db, directory=str(directory))
    with host.app.app_context():
        init(directory=str(directory))
        ini = directory / "alembic.ini"
        ini.write_text(
            ini.read_text().replace(
                "[alembic]",
                f"[alembic]\npath_separator = space\n"
                f"version_locations = %(here)s/versions {VERSIONS_DIR}",
                1,
            )
        )
        host_upgrade(directory=str(directory), revision="sfsync@head")
        names = set(sa.inspect(host.db.engine).get_table_names())
        with host.db.engine.begin() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            assert list(versions) == ["sfsync_0005"]  # the head revision
            conn.execute(sa.text("DROP TABLE alembic_version"))
    assert "sfsync_connections" in names
    _drop_ours(host)
