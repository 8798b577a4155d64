"""RQ entry points and the queue of the current application.

Job functions take ids (never ORM objects) and run in an app context provided by
:mod:`flask_sfsync.worker`. The sync (issue 4) adds its drain/pull jobs here or in its own module,
enqueued with :func:`enqueue`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from rq import Queue
from rq.job import Job

from .connections import client_for, connection_for
from .ext import get_state
from .salesforce.exceptions import ReconnectNeeded
from .worker import redis_connection


def get_queue(app: Flask | None = None) -> Queue:
    """The application's RQ queue (``SFSYNC_REDIS_URL``, ``SFSYNC_QUEUE_NAME``)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return Queue(app.config["SFSYNC_QUEUE_NAME"], connection=redis_connection(app))


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
    """Enqueue ``func(*args, **kwargs)`` on the current application's queue."""
    return get_queue().enqueue(func, *args, **kwargs)


def check_connection(tenant_id: str) -> dict[str, Any]:
    """Call the org once (API limits) through the refreshing client; records the outcome.

    Returns ``{"status": ..., "api_usage": "USED/MAX" | None}``. A dead refresh token leaves the
    connection "reconnect needed" (done by the client) and returns that status, not an error.
    """
    try:
        client = client_for(tenant_id)
        limits = client.call(lambda sf: sf.limits())
    except ReconnectNeeded:
        conn = connection_for(tenant_id)
        return {"status": conn.status if conn else "missing", "api_usage": None}
    daily = limits.get("DailyApiRequests", {}) if isinstance(limits, dict) else {}
    usage = None
    if "Max" in daily:
        usage = f"{daily['Max'] - daily.get('Remaining', 0)}/{daily['Max']}"
    conn = connection_for(tenant_id)
    assert conn is not None
    conn.last_error = None
    get_state().db.session.commit()
    return {"status": conn.status, "api_usage": usage, "checked_at": datetime.now(UTC).isoformat()}
