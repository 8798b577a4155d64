"""The error log (Retry, Retry all) and each contact's sync history."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..db import errorlog
from ..services.actions import retry_errors
from ..services.connections import connection_for
from ..state import get_state
from .guard import current_tenant
from .panel import contacts_by_id, record_url

__all__ = ["errors_view", "history_view", "retry_all_view", "retry_view"]

PAGE_SIZE = 100


def errors_view() -> str:
    tenant = current_tenant()
    state = get_state()
    show = request.args.get("show", "open")
    entries = errorlog.entries(
        state.db.session, state.models, tenant, include_resolved=show == "all", limit=PAGE_SIZE
    )
    conn = connection_for(tenant)
    return render_template(
        "sfsync/errors.html",
        connection=conn,
        entries=entries,
        show=show,
        contacts=contacts_by_id(tenant, [e.host_id for e in entries]),
        adapter=state.adapter,
        record_url=lambda sobject, sf_id: record_url(conn, sobject, sf_id),
    )


def _own_entry(entry_id: int) -> Any:
    state = get_state()
    entry = errorlog.own_entry(state.db.session, state.models, current_tenant(), entry_id)
    if entry is None:
        abort(404)
    return entry


def retry_view(entry_id: int) -> Response:
    entry = _own_entry(entry_id)
    if entry.resolved_at is not None:
        flash("This entry is already resolved.", "info")
    elif retry_errors(current_tenant(), [entry.id]):
        flash("The contact is queued to be pushed again.", "success")
    return redirect(url_for(".sync_errors"))


def retry_all_view() -> Response:
    count = retry_errors(current_tenant())
    if count:
        flash(f"{count} contact(s) queued to be pushed again.", "success")
    else:
        flash("There is nothing to retry.", "info")
    return redirect(url_for(".sync_errors"))


def history_view(host_id: str) -> str:
    tenant = current_tenant()
    state = get_state()
    contact = contacts_by_id(tenant, [host_id]).get(host_id)
    entries, link = errorlog.contact_history(
        state.db.session, state.models, tenant, host_id, PAGE_SIZE
    )
    if contact is None and not entries and link is None:
        abort(404)
    conn = connection_for(tenant)
    return render_template(
        "sfsync/history.html",
        host_id=host_id,
        contact=contact,
        adapter=state.adapter,
        entries=entries,
        link=link,
        record_url=lambda sobject, sf_id: record_url(conn, sobject, sf_id),
    )
