"""The Overview's Pull now: read every Salesforce record again, in a worker."""

from __future__ import annotations

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from ..db.models import ConnectionStatus
from ..services.actions import pull_now
from ..services.connections import connection_for
from .guard import current_tenant

__all__ = ["pull_now_view"]


def pull_now_view() -> Response:
    tenant = current_tenant()
    conn = connection_for(tenant)
    target = url_for(".integrations") + "#sfsync-pull-panel"
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        flash("Connect Salesforce before pulling.", "error")
    elif pull_now(tenant):
        flash("Pull started: every record is read again.", "success")
    else:
        flash("The pull could not be started (the job queue is unavailable). Try again "
              "in a moment.", "warning")
    return redirect(target)
