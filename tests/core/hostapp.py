"""A small host application for the extension's tests: Flask-Login users in teams (tenants)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, abort
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from flask_sfsync import SFSync

TEMPLATES = Path(__file__).parent / "templates"

#: user id -> team: users 1 and 2 share team "acme", user 3 is in "globex".
USERS = {1: "acme", 2: "acme", 3: "globex"}


def database_url(tmp_path: Path) -> str:
    return os.environ.get("SFSYNC_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'host.db'}"


def make_app(
    config: dict[str, Any],
    *,
    db_url: str,
    csrf: str = "own",
    tenant_by_team: bool = True,
) -> tuple[Flask, SQLAlchemy, SFSync]:
    """``csrf``: "own" (the extension's token) or "wtf" (the host uses Flask-WTF's CSRFProtect)."""
    db = SQLAlchemy()

    class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        team: Mapped[str]

    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.update(
        SECRET_KEY="test-secret",
        SQLALCHEMY_DATABASE_URI=db_url,
        SFSYNC_ENCRYPTION_KEY="test encryption key",
        SERVER_NAME=None,
    )
    app.config.update(config)
    db.init_app(app)
    if csrf == "wtf":
        from flask_wtf.csrf import CSRFProtect

        CSRFProtect(app)

    login_manager = LoginManager(app)
    login_manager.login_view = "login"
    login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))

    sfsync = SFSync(db=db)
    if tenant_by_team:

        @sfsync.tenant_loader
        def team_of_current_user() -> str | None:
            return current_user.team if current_user.is_authenticated else None

    sfsync.init_app(app)

    @app.route("/login")
    def login() -> str:
        return "Please log in"

    @app.route("/test-login/<int:user_id>")
    def test_login(user_id: int) -> str:
        user = db.session.get(User, user_id) or abort(404)
        login_user(user)
        return "logged in"

    @app.route("/test-logout")
    def test_logout() -> str:
        logout_user()
        return "logged out"

    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all([User(id=uid, team=team) for uid, team in USERS.items()])
        db.session.commit()
    app.extensions["test_user_model"] = User
    return app, db, sfsync


def drop_all(app: Flask, db: SQLAlchemy) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
