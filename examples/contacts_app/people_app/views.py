"""Signing in, and the people pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .models import Person, User

auth = Blueprint("auth", __name__)
people = Blueprint("people", __name__, url_prefix="/people")


def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


login_manager.user_loader(load_user)


@auth.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    error = None
    if request.method == "POST":
        email = request.form.get("email", "")
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        if user is not None and user.check_password(request.form.get("password", "")):
            login_user(user)
            return redirect(url_for("people.index"))
        error = "Wrong email or password."
    return render_template("login.html", error=error)


@auth.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    return redirect(url_for("auth.login"))


@people.before_request
def require_login() -> Response | None:
    """Every people page is for signed-in users."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    return None


def person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.workspace_id != current_user.workspace_id:
        abort(404)
    return person


@people.route("/")
def index() -> str:
    rows = db.session.scalars(
        sa.select(Person)
        .filter_by(workspace_id=current_user.workspace_id)
        .order_by(Person.family_name, Person.given_name)
    )
    return render_template("people/index.html", people=rows)


@people.route("/<int:person_id>")
def view(person_id: int) -> str:
    return render_template("people/view.html", person=person_or_404(person_id))


@people.route("/<int:person_id>/edit", methods=["GET", "POST"])
def edit(person_id: int) -> str | Response:
    person = person_or_404(person_id)
    if request.method == "POST":
        for name in ("given_name", "family_name", "mail", "org_name", "job_title"):
            setattr(person, name, request.form.get(name, "").strip() or None)
        db.session.commit()  # with Auto Sync on, flask-sfsync pushes the change
        return redirect(url_for("people.view", person_id=person.id))
    return render_template("people/edit.html", person=person)
