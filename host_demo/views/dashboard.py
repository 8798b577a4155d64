"""The home page: the team's pipeline by stage, work due, upcoming meetings and recent changes."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ..auth import login_required
from ..extensions import db
from ..models import STAGES, Activity, Company, Contact, utcnow
from ..tenancy import team_id, team_select

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home() -> Response:
    target = "dashboard.index" if current_user.is_authenticated else "auth.login"
    return redirect(url_for(target))


def stage_counts() -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Contact.stage, func.count(Contact.id))
        .where(Contact.team_id == team_id())
        .group_by(Contact.stage)
    ).all()
    counts: dict[str, int] = {stage: count for stage, count in rows}
    return [(stage, counts.get(stage, 0)) for stage in STAGES]


def count(stmt_model: type[Contact] | type[Company]) -> int:
    total = db.session.scalar(
        select(func.count()).select_from(stmt_model).where(stmt_model.team_id == team_id())
    )
    return int(total or 0)


@bp.route("/dashboard")
@login_required
def index() -> str:
    now = utcnow()
    open_tasks = team_select(Activity).where(Activity.done.is_(False), Activity.kind == "task")
    meetings = (
        team_select(Contact)
        .where(Contact.meeting_at >= now, Contact.meeting_at < now + dt.timedelta(days=14))
        .order_by(Contact.meeting_at)
        .limit(6)
    )
    return render_template(
        "dashboard.html",
        stages=stage_counts(),
        contact_total=count(Contact),
        company_total=count(Company),
        without_email=db.session.scalar(
            select(func.count()).select_from(Contact)
            .where(Contact.team_id == team_id(), Contact.email.is_(None))
        ) or 0,
        overdue=db.session.scalar(
            select(func.count()).select_from(open_tasks.where(Activity.due_at < now).subquery())
        ) or 0,
        tasks=db.session.scalars(
            open_tasks.order_by(Activity.due_at.is_(None), Activity.due_at).limit(6)
        ).all(),
        meetings=db.session.scalars(meetings).all(),
        recent=db.session.scalars(
            team_select(Contact).order_by(Contact.updated_at.desc()).limit(6)
        ).all(),
        now=now,
    )


@bp.route("/integrations-off")
@login_required
def integrations_off() -> str:
    return render_template("integrations_off.html")
