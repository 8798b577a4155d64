"""What the host's own pages show of the sync: the contact page's panel and the push status.

Registered as Jinja globals of the host's app (``sfsync_contact_sync``, ``sfsync_push_status``)
when the push is on; the extension's pages use the same helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import g, url_for

from ..db import errorlog
from ..db.models import SalesforceConnectionMixin
from ..services.connections import connection_for
from ..services.contact_state import (
    ContactState,
    contact_states,
    history_text,
    last_pushed_record,
    with_history,
)
from ..services.status import sync_status
from ..state import get_state

__all__ = [
    "contact_sync_panel",
    "contacts_by_id",
    "current_status",
    "record_url",
    "states_of_contacts",
]

#: History entries shown on a host's contact page (the full history is one click away).
PANEL_ENTRIES = 5


def record_url(
    conn: SalesforceConnectionMixin | None, sobject: str | None, sf_id: str | None
) -> str | None:
    """Where a person sees the record in Salesforce (``SFSYNC_RECORD_URL``)."""
    if conn is None or not sf_id:
        return None
    template = get_state().settings.record_url or "{instance_url}/{id}"
    return template.format(
        instance_url=conn.instance_url or "", login_url=conn.login_url or "",
        sobject=sobject or "", id=sf_id,
    )


def contacts_by_id(tenant_id: str, host_ids: Sequence[str]) -> dict[str, Any]:
    """The tenant's host contacts among ``host_ids``, by host id (others are left out)."""
    state = get_state()
    adapter = state.contact_adapter()
    found = adapter.load(state.db.session, tenant_id, host_ids)
    return {adapter.host_id(c): c for c in found}


def current_status() -> dict[str, Any]:
    """For templates: the push status of the tenant whose page this is."""
    return sync_status(str(g.sfsync_tenant))


def _page_tenant() -> str | None:
    """The tenant whose user looks at the host's page, when they may see its sync."""
    state = get_state()
    tenant = state.extension.current_tenant()
    if tenant is None or not state.extension.may_manage(tenant):
        return None
    return tenant


def states_of_contacts(contacts: Sequence[Any]) -> dict[str, ContactState]:
    """For the host's list pages: each contact's sync state by host id (four queries for the
    whole page, no API call); empty when the page's user may not see the sync.

    In a template: ``{% set states = sfsync_contact_states(contacts) %}`` then
    ``{{ sfsync_badge(states.get(contact.id|string)) }}`` (``sfsync/_badge.html``)."""
    tenant = _page_tenant()
    if tenant is None:
        return {}
    adapter = get_state().contact_adapter()
    ids = [adapter.host_id(c) for c in contacts if adapter.tenant_of(c) == tenant]
    return contact_states(tenant, ids) if ids else {}


def contact_sync_panel(contact: Any) -> dict[str, Any] | None:
    """For the host's contact page (``sfsync/_contact_panel.html``): is this contact in
    Salesforce, where, its last syncs and its open error. None when the page's user has no
    Salesforce connection or may not manage it (the panel is then not shown)."""
    state = get_state()
    tenant = _page_tenant()
    if tenant is None:
        return None
    adapter = state.contact_adapter()
    if adapter.tenant_of(contact) != tenant:
        return None
    conn = connection_for(tenant)
    if conn is None:
        return None
    host_id = adapter.host_id(contact)
    session, models = state.db.session, state.models
    entries, link = errorlog.contact_history(session, models, tenant, host_id, PANEL_ENTRIES)
    blueprint = state.blueprint_name
    # The entries at hand tell what Salesforce did to the record (converted, merged).
    contact_state = with_history(contact_states(tenant, [host_id])[host_id], entries)
    return {
        "state": contact_state,
        # The records a duplicate or a deletion is about, each with its link in Salesforce.
        "records": [
            {"sobject": sobject, "sf_id": sf_id, "url": record_url(conn, sobject, sf_id)}
            for sobject, sf_id in contact_state.records
        ],
        "link": link,
        # The link's last push went to another record (converted or merged since): which.
        "pushed_as": last_pushed_record(entries, (link.sobject, link.sf_id)) if link else None,
        "record_url": record_url(conn, link.sobject, link.sf_id) if link else None,
        "entries": [
            {"created_at": h.created_at, "status": h.status, "text": history_text(h)}
            for h in entries
        ],
        "open_error": errorlog.open_error_of(session, models, tenant, host_id),
        "history_url": url_for(f"{blueprint}.sync_history", host_id=host_id),
        "errors_url": url_for(f"{blueprint}.sync_errors"),
        # The host's page does not load our stylesheet; the panel links it itself.
        "stylesheet_url": url_for(f"{blueprint}.static", filename="sfsync.css"),
    }
