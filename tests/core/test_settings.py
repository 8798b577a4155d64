"""``SFSYNC_*`` read once into the frozen :class:`flask_sfsync.config.Settings`."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_sfsync import SFSync, get_state
from flask_sfsync.config import DEFAULTS, Settings, key_of

REQUIRED = {
    "SFSYNC_CLIENT_ID": "id",
    "SFSYNC_CLIENT_SECRET": "secret",
    "SFSYNC_ENCRYPTION_KEY": "key",
}


def _state(**config: Any) -> Any:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", **REQUIRED, **config)
    db = SQLAlchemy(app)
    SFSync(app, db=db)
    return app, get_state(app)


def test_every_key_is_a_field_and_every_field_a_key() -> None:
    assert {key_of(f.name) for f in dataclasses.fields(Settings)} == set(DEFAULTS)


def test_values_are_read_once_and_coerced() -> None:
    # Environment-style strings become the field's type.
    app, state = _state(SFSYNC_LOCK_TIMEOUT="12", SFSYNC_DRAIN_BATCH="250",
                        SFSYNC_CA_BUNDLE="/tmp/ca.pem")
    assert state.settings.lock_timeout == 12.0
    assert state.settings.drain_batch == 250
    assert state.settings.verify == "/tmp/ca.pem"
    assert state.settings.blueprint_name == "sfsync"
    # Changing app.config afterwards changes nothing: the settings were read at init_app.
    app.config["SFSYNC_DRAIN_BATCH"] = 1
    assert get_state(app).settings.drain_batch == 250
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.settings.drain_batch = 1  # type: ignore[misc]


def test_without_a_ca_bundle_the_system_store_is_used() -> None:
    _, state = _state()
    assert state.settings.verify is True
