"""Team scoping: every query a view makes goes through these, so no view can forget the team."""

from __future__ import annotations

from typing import Protocol, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db


class TeamOwned(Protocol):
    id: int
    team_id: int


T = TypeVar("T", bound=TeamOwned)


def team_id() -> int:
    """The logged-in user's team (views are all behind ``login_required``)."""
    value: int = current_user.team_id
    return value


def team_select(model: type[T]) -> Select[T]:
    column: InstrumentedAttribute[int] = model.team_id  # type: ignore[assignment]
    return select(model).where(column == team_id())


def get_for_team_or_404(model: type[T], object_id: int) -> T:
    """Another team's row answers 404 exactly like a missing one: its existence stays private."""
    row: T | None = db.session.get(model, object_id)
    if row is None or row.team_id != team_id():
        abort(404)
    return row
