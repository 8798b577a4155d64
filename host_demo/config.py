"""Configuration of the demo host: defaults, then the environment, then the caller's overrides."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

#: Environment variables copied into ``app.config`` as they are (beside every ``SFSYNC_*`` one).
ENV_KEYS = ("SECRET_KEY", "DATABASE_URL")


def parse_env_value(raw: str) -> Any:
    """Read ``"true"``, ``"False"``, ``"5"`` or ``'["a"]'`` as Python values, anything else as text.

    ``SFSYNC_ALLOW_HTTP_LOGIN_HOSTS=True`` is how people write it in a shell, which JSON would
    not accept, so booleans are read in either case.
    """
    lowered = raw.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def normalise_database_url(url: str) -> str:
    """A ``DATABASE_URL`` as SQLAlchemy wants it: ``postgres://`` and psycopg 3 made explicit."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver the project installs; SQLAlchemy's default would be psycopg2.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def database_uri(app: Flask, url: str | None) -> str:
    """``DATABASE_URL`` when set, else a SQLite file in the instance folder."""
    if url:
        return normalise_database_url(url)
    os.makedirs(app.instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, "host_demo.sqlite3")


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.update(
        SECRET_KEY=None,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        CONTACTS_PER_PAGE=25,
        SFSYNC_BASE_TEMPLATE="base.html",
        # The name Salesforce shows for us (new records' Lead Source): the product's, not
        # the package's ("host_demo").
        SFSYNC_APP_NAME="Relay CRM",
    )
    for key, raw in os.environ.items():
        if key.startswith("SFSYNC_") or key in ENV_KEYS:
            app.config[key] = parse_env_value(raw) if key.startswith("SFSYNC_") else raw
    if overrides:
        app.config.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" not in (overrides or {}):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app, app.config.get("DATABASE_URL"))
    if not app.config["SECRET_KEY"]:
        # Sessions then last as long as the process; run.py keeps a stable key in .demo/.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
