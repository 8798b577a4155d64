"""Template helpers: dates people can read, stage colours, and the Integrations link."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, request, url_for
from werkzeug.routing import BuildError

from .models import utcnow


def format_datetime(value: dt.datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    text = f"{value:%b} {value.day}, {value.year}"
    return f"{text} {value:%H:%M}" if with_time else text


def relative(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``"in 3 days"``, ``"2 hours ago"``, ``"just now"``: how long until or since ``value``."""
    if value is None:
        return ""
    seconds = (value - (now or utcnow())).total_seconds()
    span = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if span >= size:
            amount = int(span // size)
            text = f"{amount} {unit}{'s' if amount != 1 else ''}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "just now"


def stage_class(stage: str) -> str:
    return "stage-" + stage.lower().replace(" ", "-")


def integrations_url() -> str:
    """The extension's Integrations page; the host's set-up note when the extension is off."""
    try:
        return url_for("sfsync.integrations")
    except BuildError:
        return url_for("dashboard.integrations_off")


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (``None`` drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    values: dict[str, Any] = {**(request.view_args or {}), **args}
    return url_for(request.endpoint or "dashboard.index", **values)


def register(app: Flask) -> None:
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(relative, "relative")
    app.add_template_filter(stage_class, "stage_class")
    app.add_template_global(integrations_url)
    app.add_template_global(url_with)
