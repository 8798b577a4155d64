"""The error log (Retry, Retry all) and each contact's sync history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..connections import connection_for
from ..ext import get_state
from ..sync_service import retry_errors
from .guard import current_tenant

__all__ = [
    "contact_sync_panel",
    "errors_view",
    "history_view",
    "record_url",
    "retry_all_view",
    "retry_view",
]

PAGE_SIZE = 100


def record_url(conn: Any, sobject: str | None, sf_id: str | None) -> str | None:
    """Where a person sees the record in Salesforce (``SFSYNC_RECORD_URL``)."""
    if conn is None or not sf_id:
        return None
    template = current_app.config.get("SFSYNC_RECORD_URL") or "{instance_url}/{id}"
    return str(template).format(
        instance_url=conn.instance_url or "", login_url=conn.login_url or "",
        sobject=sobject or "", id=sf_id,
    )


def _contacts(host_ids: list[str]) -> dict[str, Any]:
    state = current_app.extensions["sfsync_push"]
    adapter = state.adapter
    found = adapter.load(state.db.session, current_tenant(), host_ids)
    return {adapter.host_id(c): c for c in found}


def errors_view() -> str:
    tenant = current_tenant()
    state = current_app.extensions["sfsync_push"]
    model = state.models.SyncError
    show = request.args.get("show", "open")
    query = sa.select(model).where(model.tenant_id == tenant)
    if show != "all":
        query = query.where(model.resolved_at.is_(None))
    entries = list(
        state.db.session.scalars(query.order_by(model.last_seen_at.desc(), model.id.desc())
                                 .limit(PAGE_SIZE))
    )
    contacts = _contacts([e.host_id for e in entries])
    conn = connection_for(tenant)
    return render_template(
        "sfsync/errors.html",
        connection=conn,
        entries=entries,
        show=show,
        contacts=contacts,
        adapter=state.adapter,
        record_url=lambda sobject, sf_id: record_url(conn, sobject, sf_id),
    )


def _own_entry(entry_id: int) -> Any:
    state = current_app.extensions["sfsync_push"]
    entry = get_state().db.session.get(state.models.SyncError, entry_id)
    if entry is None or entry.tenant_id != current_tenant():
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


def _history_and_link(tenant: str, host_id: str, limit: int) -> tuple[list[Any], Any]:
    """The contact's newest sync history entries and its link to a Salesforce record."""
    state = current_app.extensions["sfsync_push"]
    history = state.models.SyncHistory
    link_model = state.models.SyncLink
    session = state.db.session
    entries = list(
        session.scalars(
            sa.select(history)
            .where(history.tenant_id == tenant, history.host_id == host_id)
            .order_by(history.id.desc())
            .limit(limit)
        )
    )
    link = session.scalar(
        sa.select(link_model).where(link_model.tenant_id == tenant, link_model.host_id == host_id)
    )
    return entries, link


def history_view(host_id: str) -> str:
    tenant = current_tenant()
    state = current_app.extensions["sfsync_push"]
    contact = _contacts([host_id]).get(host_id)
    entries, link = _history_and_link(tenant, host_id, PAGE_SIZE)
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


#: History entries shown on a host's contact page (the full history is one click away).
PANEL_ENTRIES = 5


def contact_sync_panel(contact: Any) -> dict[str, Any] | None:
    """For the host's contact page (``sfsync/_contact_panel.html``): is this contact in
    Salesforce, where, its last syncs and its open error. None when the page's user has no
    Salesforce connection or may not manage it (the panel is then not shown)."""
    state = current_app.extensions["sfsync_push"]
    ext = get_state().extension
    tenant = ext.current_tenant()
    if tenant is None or not ext.may_manage(tenant):
        return None
    adapter = state.adapter
    if adapter.tenant_of(contact) != tenant:
        return None
    conn = connection_for(tenant)
    if conn is None:
        return None
    host_id = adapter.host_id(contact)
    entries, link = _history_and_link(tenant, host_id, PANEL_ENTRIES)
    error_model = state.models.SyncError
    open_error = state.db.session.scalar(
        sa.select(error_model).where(
            error_model.tenant_id == tenant,
            error_model.host_id == host_id,
            error_model.resolved_at.is_(None),
        ).limit(1)
    )
    blueprint = get_state().blueprint_name
    return {
        "link": link,
        "record_url": record_url(conn, link.sobject, link.sf_id) if link else None,
        "entries": entries,
        "open_error": open_error,
        "history_url": url_for(f"{blueprint}.sync_history", host_id=host_id),
        "errors_url": url_for(f"{blueprint}.sync_errors"),
        # The host's page does not load our stylesheet; the panel links it itself.
        "stylesheet_url": url_for(f"{blueprint}.static", filename="sfsync.css"),
    }
