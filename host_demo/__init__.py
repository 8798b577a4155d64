"""A small contacts platform (teams, contacts, companies, activities) that uses flask-sfsync.

``flask --app host_demo run`` serves it; ``python -m host_demo.run`` starts the whole demo
(Redis, the local Salesforce org, a worker and this app).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import cli, filters
from .auth import bp as auth_bp
from .config import configure
from .extensions import csrf, db, login_manager
from .integration import init_integration
from .views import register_views


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the defaults and the environment (tests use it)."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.register_blueprint(auth_bp)
    register_views(app)
    filters.register(app)
    cli.register(app)
    app.extensions["host_demo.sfsync"] = init_integration(app)
    return app


__all__ = ["create_app"]
