"""Reading the org's API usage from ``Sforce-Limit-Info`` on every response.

simple-salesforce parses the header into ``sf.api_usage`` only for calls made through
``Salesforce._call_salesforce`` and only on success; its Bulk API 2.0 client never does.
A ``requests`` response hook on the client's session sees every response (REST, Tooling,
Bulk 2.0, errors included), so it is where calls are counted and usage is read.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

__all__ = ["ApiUsage", "UsageMeter", "parse_http_date", "parse_limit_info"]

_API_USAGE = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """The org's API calls used in the last 24 hours, out of its daily maximum."""

    used: int
    max: int
    observed_at: float

    @property
    def remaining(self) -> int:
        return max(0, self.max - self.used)


def parse_limit_info(header: str | None, *, now: float | None = None) -> ApiUsage | None:
    """``api-usage=18/5000`` (possibly followed by ``;per-app-api-usage=...``) -> ApiUsage."""
    if not header:
        return None
    match = _API_USAGE.search(header)
    if match is None:
        return None
    return ApiUsage(int(match[1]), int(match[2]), time.time() if now is None else now)


def parse_http_date(header: str | None) -> dt.datetime | None:
    """An HTTP ``Date`` header (``Wed, 02 Dec 2026 03:18:34 GMT``) as an aware UTC datetime."""
    if not header:
        return None
    try:
        return parsedate_to_datetime(header).astimezone(dt.UTC)
    except (TypeError, ValueError):
        return None


Listener = Callable[[ApiUsage | None], None]


class UsageMeter:
    """Counts HTTP calls made through a session and keeps the latest usage it reported.

    Listeners are called once per response with the usage read from it (None when the
    response carried no header), so a budget can count every call, failed ones included.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.usage: ApiUsage | None = None
        #: The ``Date`` of the latest response: Salesforce's clock, to the second (a pull
        #: reasons about when the org answered, never about this machine's clock).
        self.server_time: dt.datetime | None = None
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def attach(self, session: requests.Session) -> None:
        """Install the hook; attaching twice (a rebuilt client sharing a session) is a no-op."""
        hooks = session.hooks.setdefault("response", [])
        if self._hook not in hooks:
            hooks.append(self._hook)

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        served = parse_http_date(response.headers.get("Date"))
        with self._lock:
            self.calls += 1
            if served is not None:
                self.server_time = served
            if usage is not None:
                self.usage = usage
        for listener in self._listeners:
            listener(usage)
