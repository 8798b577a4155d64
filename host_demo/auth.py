"""Sign in and out with Flask-Login; passwords are werkzeug salted hashes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import flask_login
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .forms import LoginForm
from .models import User

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Flask-Login's decorator, typed (the library ships no type hints)."""
    return cast(F, flask_login.login_required(view))


def require_login() -> Response | None:
    """A ``before_request`` hook that puts a whole blueprint behind the sign-in page."""
    if current_user.is_authenticated:
        return None
    response: Response = login_manager.unauthorized()
    return response


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


login_manager.user_loader(load_user)


def safe_next(target: str | None) -> str:
    """Only same-site paths: ``?next=https://evil.example`` must not make login a redirector."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active and user.check_password(form.password.data or ""):
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")))
        # One message for both cases: which emails have accounts is not for strangers to learn.
        form.password.errors = ["Wrong email or password."]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
