from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy

from flask_sfsync import SFSync
from flask_sfsync.testing import config_for

from .hostapp import database_url, drop_all, make_app


class Host:
    """The test host app with its db and extension object."""

    def __init__(self, app: Flask, db: SQLAlchemy, sfsync: SFSync) -> None:
        self.app, self.db, self.sfsync = app, db, sfsync

    def client(self, user_id: int | None = 1) -> FlaskClient:
        client = self.app.test_client()
        if user_id is not None:
            assert client.get(f"/test-login/{user_id}").status_code == 200
        return client

    def connection(self, tenant: str = "acme") -> Any:
        with self.app.app_context():
            conn = self.sfsync.connection_for(tenant)
            if conn is not None:
                self.db.session.expunge(conn)
            return conn


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return database_url(tmp_path)


@pytest.fixture
def make_host(db_url: str) -> Iterator[Any]:
    made: list[Host] = []

    def factory(config: dict[str, Any], **kwargs: Any) -> Host:
        kwargs.setdefault("db_url", db_url)
        host = Host(*make_app(config, **kwargs))
        made.append(host)
        return host

    yield factory
    for host in made:
        drop_all(host.app, host.db)


@pytest.fixture
def host(make_host: Any, local_org: Any) -> Host:
    return make_host(config_for(local_org))  # type: ignore[no-any-return]
