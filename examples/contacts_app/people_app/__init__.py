"""People: a small contacts app whose workspaces push their people to Salesforce."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, url_for
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .salesforce import sfsync
from .views import auth, people


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY="dev only",
        SQLALCHEMY_DATABASE_URI="sqlite:///people.sqlite3",
        SFSYNC_APP_NAME="People",  # our name in Salesforce: the Leads' Lead Source
    )
    # FLASK_SECRET_KEY, FLASK_SFSYNC_CLIENT_ID, FLASK_SFSYNC_CLIENT_SECRET,
    # FLASK_SFSYNC_ENCRYPTION_KEY, FLASK_SFSYNC_REDIS_URL ... from the environment.
    app.config.from_prefixed_env()
    app.config.update(config or {})

    db.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    sfsync.init_app(app)  # the db and the adapter were given to SFSync(...)

    app.register_blueprint(auth)
    app.register_blueprint(people)

    @app.route("/")
    def home() -> Response:
        return redirect(url_for("people.index"))

    return app
