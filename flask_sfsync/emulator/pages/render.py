"""Jinja2 rendering of the login host's pages, and how stored values read on a page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug import Response

__all__ = ["name_of", "render", "text"]

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_env = Environment(
    loader=FileSystemLoader(str(_TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = _env.get_template(template).render(**context)
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    # The pages hold forms acting as the signed-in user: never inside another site's frame.
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


def text(value: Any) -> str:
    """A stored value as a page shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def name_of(sobject: str, row: Mapping[str, Any]) -> str:
    """What a record is called on a page: the person's name, the subject, or the Name."""
    if sobject in ("Contact", "Lead"):
        full = " ".join(text(row.get(k)) for k in ("FirstName", "LastName") if row.get(k))
        return full or text(row.get("Name"))
    if sobject in ("Task", "Event"):
        return text(row.get("Subject")) or "(no subject)"
    return text(row.get("Name"))
