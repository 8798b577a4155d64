"""Who may see the blueprint's pages: a tenant, allowed by the host's permission loader."""

from __future__ import annotations

from flask import abort, g, request

from ..ext import get_state
from ..models import SalesforceConnectionMixin
from ..tenancy import deny_unauthenticated


def load_tenant() -> None:
    """``before_request``: sets ``g.sfsync_tenant`` or ends the request (login, 401 or 403)."""
    if request.endpoint and request.endpoint.endswith(".static"):
        return
    ext = get_state().extension
    tenant = ext.current_tenant()
    if tenant is None:
        deny_unauthenticated()
    if not ext.may_manage(tenant):
        abort(403)
    g.sfsync_tenant = tenant


def current_tenant() -> str:
    tenant: str = g.sfsync_tenant
    return tenant


def own_connection(connection_id: int | None) -> SalesforceConnectionMixin:
    """The current tenant's connection; 404 for another tenant's id (it does not exist for us)."""
    from ..connections import connection_by_id, connection_for

    tenant = current_tenant()
    conn = connection_for(tenant) if connection_id is None else connection_by_id(connection_id)
    if conn is None or conn.tenant_id != tenant:
        abort(404)
    return conn
