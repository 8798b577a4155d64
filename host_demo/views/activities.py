"""Activities (tasks, calls, emails, meetings, notes) on contacts: list, log, edit, tick off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from ..auth import require_login
from ..extensions import db
from ..forms import ActivityForm, DeleteForm, as_utc
from ..models import ACTIVITY_KINDS, Activity, Contact, utcnow
from ..tenancy import get_for_team_or_404, team_id, team_select
from .contacts import possible_duplicates
from .listing import read_page

bp = Blueprint("activities", __name__, url_prefix="/activities")

VIEWS = ("open", "done", "all")


bp.before_request(require_login)


def listed(view: str, kind: str) -> Select[Activity]:
    stmt = team_select(Activity).options(
        selectinload(Activity.contact), selectinload(Activity.owner)
    )
    if kind in ACTIVITY_KINDS:
        stmt = stmt.where(Activity.kind == kind)
    if view == "open":
        # Open work first by due date; undated items after the dated ones.
        return stmt.where(Activity.done.is_(False)).order_by(
            Activity.due_at.is_(None), Activity.due_at, Activity.id
        )
    if view == "done":
        stmt = stmt.where(Activity.done.is_(True))
    return stmt.order_by(Activity.created_at.desc(), Activity.id.desc())


@bp.route("/")
def index() -> str:
    view = request.args.get("view", "open")
    view = view if view in VIEWS else "open"
    kind = request.args.get("kind", "")
    page = db.paginate(listed(view, kind), page=read_page(), per_page=30, error_out=False)
    return render_template(
        "activities/list.html", page=page, view=view, kind=kind, kinds=ACTIVITY_KINDS,
        views=VIEWS, now=utcnow(), toggle_form=DeleteForm(),
    )


def fill_activity(activity: Activity, form: ActivityForm) -> None:
    activity.kind = form.kind.data or "task"
    activity.subject = form.subject.data or ""
    activity.body = form.body.data or None
    activity.due_at = as_utc(form.due_at.data)
    activity.occurred_at = as_utc(form.occurred_at.data)
    activity.done = bool(form.done.data)


@bp.route("/for/<int:contact_id>", methods=["POST"])
def create(contact_id: int) -> Response | tuple[str, int]:
    contact = get_for_team_or_404(Contact, contact_id)
    form = ActivityForm()
    if form.validate_on_submit():
        activity = Activity(team_id=team_id(), contact=contact, owner_id=current_user.id)
        fill_activity(activity, form)
        if activity.kind != "task" and activity.occurred_at is None and activity.due_at is None:
            activity.occurred_at = utcnow()  # a logged call or note happened now
        db.session.add(activity)
        db.session.commit()
        flash(f"{activity.kind.title()} logged.", "success")
        return redirect(url_for("contacts.detail", contact_id=contact.id) + "#activities")
    # Show the contact again with the errors beside the fields and the input kept.
    return render_template(
        "contacts/detail.html", contact=contact, duplicates=possible_duplicates(contact),
        activity_form=form, delete_form=DeleteForm(),
    ), 400


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
def edit(activity_id: int) -> str | Response:
    activity = get_for_team_or_404(Activity, activity_id)
    form = ActivityForm(obj=activity)
    if form.validate_on_submit():
        fill_activity(activity, form)
        db.session.commit()
        flash("Activity saved.", "success")
        return redirect(url_for("contacts.detail", contact_id=activity.contact_id))
    return render_template(
        "activities/form.html", form=form, activity=activity, delete_form=DeleteForm()
    )


@bp.route("/<int:activity_id>/toggle", methods=["POST"])
def toggle(activity_id: int) -> Response:
    activity = get_for_team_or_404(Activity, activity_id)
    if DeleteForm().validate_on_submit():
        activity.done = not activity.done
        db.session.commit()
    return redirect(safe_back(url_for("activities.index")))


@bp.route("/<int:activity_id>/delete", methods=["POST"])
def delete(activity_id: int) -> Response:
    activity = get_for_team_or_404(Activity, activity_id)
    contact_id = activity.contact_id
    if DeleteForm().validate_on_submit():
        db.session.delete(activity)
        db.session.commit()
        flash("Activity deleted.", "success")
    return redirect(url_for("contacts.detail", contact_id=contact_id))


def safe_back(default: str) -> str:
    """Return to the page the form was on (a same-site path only)."""
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default
