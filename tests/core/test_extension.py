"""The extension object: config defaults and errors, app factories, several apps, __all__."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

import flask_sfsync
from flask_sfsync import ConfigurationError, SFSync, get_state
from flask_sfsync.config import DEFAULTS, REQUIRED_KEYS
from flask_sfsync.testing import config_for, connect

DOCS = Path(__file__).parents[2] / "docs" / "configuration.rst"
REQUIRED = {
    "SFSYNC_CLIENT_ID": "id",
    "SFSYNC_CLIENT_SECRET": "secret",
    "SFSYNC_ENCRYPTION_KEY": "key",
}


def _app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    return app


@pytest.mark.parametrize("missing", REQUIRED_KEYS)
def test_missing_required_key_is_named(missing: str) -> None:
    config = {k: v for k, v in REQUIRED.items() if k != missing}
    with pytest.raises(ConfigurationError, match=missing):
        SFSync(_app(**config), db=SQLAlchemy())


def test_defaults_are_set_without_overriding_the_host() -> None:
    app = _app(**REQUIRED, SFSYNC_URL_PREFIX="/apps")
    SFSync(app, db=SQLAlchemy())
    assert app.config["SFSYNC_URL_PREFIX"] == "/apps"
    for key, default in DEFAULTS.items():
        if key not in REQUIRED and key != "SFSYNC_URL_PREFIX":
            assert app.config[key] == default
    assert "sfsync" in app.extensions and "sfsync" in app.blueprints
    assert any(rule.rule == "/apps/" for rule in app.url_map.iter_rules())


def test_plain_http_login_url_needs_the_development_switch() -> None:
    with pytest.raises(ConfigurationError, match="SFSYNC_LOGIN_URL_SANDBOX"):
        SFSync(_app(**REQUIRED, SFSYNC_LOGIN_URL_SANDBOX="http://127.0.0.1:9"), db=SQLAlchemy())
    local = {"SFSYNC_LOGIN_URL_SANDBOX": "http://127.0.0.1:9"}
    app = _app(**REQUIRED, **local, SFSYNC_ALLOW_HTTP_LOGIN_HOSTS=True)
    SFSync(app, db=SQLAlchemy())


def test_app_factory_and_no_app_kept_on_the_extension() -> None:
    db = SQLAlchemy()
    ext = SFSync(db=db)
    apps = [_app(**REQUIRED) for _ in range(2)]
    for app in apps:
        db.init_app(app)
        ext.init_app(app)
    assert all(get_state(app).extension is ext for app in apps)
    assert not any(isinstance(value, Flask) for value in vars(ext).values())
    with pytest.raises(RuntimeError, match="already initialised"):
        ext.init_app(apps[0])


def test_every_key_is_documented() -> None:
    text = DOCS.read_text()
    documented = set(re.findall(r"^``(SFSYNC_[A-Z_]+)``", text, flags=re.M))
    assert documented == set(DEFAULTS)


def test_public_names() -> None:
    assert set(flask_sfsync.__all__) == {
        "ConfigurationError",
        "ReconnectNeeded",
        "SFSync",
        "SFSyncState",
        "get_state",
    }
    for name in flask_sfsync.__all__:
        assert hasattr(flask_sfsync, name)


def test_several_apps_with_different_config_in_one_process(
    make_host: Any, local_org: Any, tmp_path: Path
) -> None:
    first = make_host(config_for(local_org))
    second = make_host(
        {
            **config_for(local_org),
            "SFSYNC_ENCRYPTION_KEY": "another key",
            "SFSYNC_URL_PREFIX": "/settings/crm",
            "SFSYNC_BLUEPRINT_NAME": "crm",
        },
        db_url=f"sqlite:///{tmp_path / 'second.db'}",  # each app its own database
    )
    connect(first.client(), local_org)
    second_client = second.client()
    page = connect(second_client, local_org, blueprint="crm")

    assert "Connected" in page.get_data(as_text=True)
    assert second_client.get("/settings/crm/").status_code == 200
    assert second_client.get("/integrations/").status_code == 404
    with second.app.test_request_context():
        from flask import url_for

        assert url_for("crm.integrations") == "/settings/crm/"
    # Each app encrypts with its own key: the other app's key cannot read the row.
    with first.app.app_context():
        raw_first = first.db.session.execute(
            sa.text("SELECT access_token FROM sfsync_connections")
        ).scalar_one()
    with pytest.raises(Exception, match="cannot be decrypted"):
        get_state(second.app).cipher.decrypt(raw_first)
    assert first.connection().access_token != second.connection().access_token


def test_key_rotation_keeps_old_tokens_readable(make_host: Any, local_org: Any) -> None:
    host = make_host(config_for(local_org))
    connect(host.client(), local_org)
    token = host.connection().access_token
    from flask_sfsync.db.crypto import TokenCipher

    state = get_state(host.app)
    state.cipher = TokenCipher("new key", old_keys=["test encryption key"])
    assert host.connection().access_token == token
