"""Salesforce's datetimes as aware UTC datetimes, in every spelling its APIs use."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["parse_datetime"]


def parse_datetime(value: Any) -> dt.datetime | None:
    """REST's ``2024-05-01T10:20:30.000+0000`` (or Bulk's ``...Z``) as an aware datetime."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
