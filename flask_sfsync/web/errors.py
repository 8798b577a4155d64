"""The error log (each failure explained, grouped by category, with its fixes) and each
contact's sync history.

Fixes a person can make from here (every one a POST, CSRF-checked by the blueprint, on the
tenant's own entries only: another tenant's id is 404):

* Retry one entry, a category, or all: a push's contacts are pushed again, a pull's
  Salesforce records pulled again (a value this app refused: after a fix in Salesforce or
  a wider column here);
* Link to the existing Salesforce record (a duplicate rule's match): no push needed;
* Push anyway (a duplicate rule's alert acknowledged for that contact only).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..db import errorlog, links
from ..db.models import SyncErrorMixin
from ..services import actions
from ..services.connections import connection_for
from ..services.failures import error_log, explain_detail
from ..state import get_state
from ..sync.failures import Category
from .guard import current_tenant
from .panel import contacts_by_id, record_url
from .safety import safe_next

__all__ = [
    "errors_view",
    "history_view",
    "link_view",
    "push_anyway_view",
    "retry_all_view",
    "retry_category_view",
    "retry_view",
]

PAGE_SIZE = 100
_CATEGORIES = {c.value: c for c in Category}


def _category_arg(value: str | None) -> Category | None:
    return _CATEGORIES.get(value or "")


def errors_view() -> str:
    tenant = current_tenant()
    state = get_state()
    show = "all" if request.args.get("show") == "all" else "open"
    category = _category_arg(request.args.get("category"))
    log = error_log(tenant, include_resolved=show == "all", category=category, limit=PAGE_SIZE)
    matched = [h for e in log.entries if e.duplicate for h in e.duplicate.host_ids]
    conn = connection_for(tenant)
    contacts = contacts_by_id(tenant, [e.entry.host_id for e in log.entries] + matched)
    adapter = state.contact_adapter()
    # A duplicate and its match often share the name too: the email tells them apart.
    emails = {
        e.entry.host_id: adapter.to_sync(contacts[e.entry.host_id]).get("email")
        for e in log.entries if e.duplicate and e.entry.host_id in contacts
    }
    return render_template(
        "sfsync/errors.html",
        connection=conn,
        log=log,
        entries=log.entries,
        show=show,
        category=category,
        here=url_for(".sync_errors", show=show if show == "all" else None,
                     category=category.value if category else None),
        contacts=contacts,
        emails=emails,
        adapter=state.adapter,
        record_url=lambda sobject, sf_id: record_url(conn, sobject, sf_id),
    )


def _own_entry(entry_id: int) -> SyncErrorMixin:
    state = get_state()
    entry = errorlog.own_entry(state.db.session, state.models, current_tenant(), entry_id)
    if entry is None:
        abort(404)
    return entry


def _back() -> Response:
    """To the error log as the person had it (its filter), never to another site."""
    return redirect(safe_next(request.form.get("next"), url_for(".sync_errors")))


_QUEUE_DOWN = ("The pull could not be queued (the job queue is unavailable). Try again in a "
               "moment.")


def retry_view(entry_id: int) -> Response:
    entry = _own_entry(entry_id)
    if entry.resolved_at is not None:
        flash("This entry is already resolved.", "info")
    elif entry.action == errorlog.PULL:
        if actions.retry_pull_errors(current_tenant(), [entry.id]):
            flash(f"The Salesforce {entry.sobject} is queued to be pulled again.", "success")
        else:
            flash(_QUEUE_DOWN, "warning")
    elif actions.retry_errors(current_tenant(), [entry.id]):
        flash("The contact is queued to be pushed again.", "success")
    return _back()


def _flash_retried(retried: actions.Retried, nothing: str, errors: str = "") -> None:
    """What a Retry of many queued, in one message: contacts to push, records to pull."""
    parts = []
    if retried.pushed:
        parts.append(f"{retried.pushed} contact(s){errors} queued to be pushed again")
    if retried.pulled:
        parts.append(f"{retried.pulled} Salesforce record(s){errors} queued to be pulled again")
    if parts:
        flash("; ".join(parts) + ".", "success")
    elif not retried.not_queued:
        flash(nothing, "info")
    if retried.not_queued:
        flash(_QUEUE_DOWN, "warning")


def retry_all_view() -> Response:
    _flash_retried(actions.retry(current_tenant()), "There is nothing to retry.")
    return _back()


def retry_category_view(category: str) -> Response:
    chosen = _category_arg(category)
    if chosen is None:
        abort(404)
    label = chosen.label.lower()
    _flash_retried(actions.retry_category(current_tenant(), chosen),
                   f"There are no open {label} errors to retry.", f" with {label} errors")
    return _back()


def link_view(entry_id: int) -> Response:
    entry = _own_entry(entry_id)
    tenant = current_tenant()
    try:
        linked = actions.link_to_existing(tenant, entry.id)
    except actions.FixRefused as exc:
        flash(str(exc), "info")
        return _back()
    contacts = contacts_by_id(tenant, [linked.host_id, *linked.shared_with])
    who = _label(contacts, linked.host_id)
    record = f"Salesforce {linked.sobject} {linked.sf_id}"
    if linked.shared_with:
        others = " and ".join(_label(contacts, h) for h in linked.shared_with)
        flash(f"{who} now shares the {record} with {others}: changes of either go to that "
              f"record. Nothing else to do for this entry.", "success")
    else:
        flash(f"{who} is now linked to the {record}: its changes go to that record. Nothing "
              f"else to do for this entry.", "success")
    return _back()


def push_anyway_view(entry_id: int) -> Response:
    entry = _own_entry(entry_id)
    try:
        actions.push_anyway(current_tenant(), entry.id)
    except actions.FixRefused as exc:
        flash(str(exc), "info")
        return _back()
    who = _label(contacts_by_id(current_tenant(), [entry.host_id]), entry.host_id)
    flash(f"{who} is queued to be pushed as a record of its own, past Salesforce's duplicate "
          f"alert.", "success")
    return _back()


def _label(contacts: dict[str, Any], host_id: str) -> str:
    """How a flash names a contact: its name and id (a duplicate often shares the name)."""
    contact = contacts.get(host_id)
    name = get_state().contact_adapter().label(contact) if contact is not None else "Contact"
    return f"{name} (#{host_id})"


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
    explained = {
        h.id: explain_detail(h.detail, h.sobject) for h in entries if h.status == "failed"
    }
    # A duplicate linked to the existing record shares it with the contact it matched.
    shared = [] if link is None else [
        k.host_id for k in links.linked_to(state.db.session, state.models, tenant,
                                           [link.sf_id]).get(link.sf_id, ())
        if k.host_id != host_id
    ]
    return render_template(
        "sfsync/history.html",
        host_id=host_id,
        contact=contact,
        adapter=state.adapter,
        entries=entries,
        explained=explained,
        link=link,
        shared=shared,
        shared_contacts=contacts_by_id(tenant, shared),
        open_error=errorlog.open_error_of(state.db.session, state.models, tenant, host_id),
        record_url=lambda sobject, sf_id: record_url(conn, sobject, sf_id),
    )
