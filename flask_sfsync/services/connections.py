"""A tenant's Salesforce connection as the pages, jobs and CLI use it.

Finishing the OAuth flow, disconnecting (revoke at Salesforce, forget here), and
:func:`api_for`, the one place a :class:`~flask_sfsync.salesforce.SalesforceApi` is built: the
refreshing client over the stored tokens, the tenant's API budget, the retry policy, the caches'
key (org, Salesforce user). Everything here runs in an application context.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, url_for

from .. import signals
from ..db import connections as store
from ..db import oauth_states
from ..db.models import ConnectionStatus, SalesforceConnectionMixin
from ..db.types import utcnow
from ..salesforce import (
    ApiBudget,
    ConnectionTokens,
    Environment,
    Identity,
    OAuthSettings,
    ReconnectNeeded,
    RetryPolicy,
    SalesforceApi,
    SalesforceClient,
    SalesforceError,
    TokenResponse,
    TransientFailure,
    revoke_token,
)
from ..state import get_state

log = logging.getLogger(__name__)

__all__ = [
    "api_for",
    "check_connection",
    "client_for",
    "connect_returned",
    "connect_started",
    "connection_by_id",
    "connection_for",
    "disconnect",
    "oauth_settings",
    "save_connection",
]


def connection_for(tenant_id: str) -> SalesforceConnectionMixin | None:
    state = get_state()
    return store.connection_for(state.db.session, state.models, tenant_id)


def connection_by_id(connection_id: int) -> SalesforceConnectionMixin | None:
    state = get_state()
    return store.connection_by_id(state.db.session, state.models, connection_id)


def oauth_settings(*, with_redirect: bool = False) -> OAuthSettings:
    settings = get_state().settings
    redirect_uri = None
    if with_redirect:
        redirect_uri = settings.callback_url or url_for(
            f"{settings.blueprint_name}.callback", _external=True
        )
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uri=redirect_uri,
        scope=settings.oauth_scope,
        prompt=settings.oauth_prompt,
        verify=settings.verify,
        timeout=settings.http_timeout,
    )


def connect_started(state: str, tenant_id: str) -> None:
    """A Connect redirected to Salesforce with this OAuth ``state``: remember it, once."""
    app_state = get_state()
    oauth_states.remember(app_state.db.session, app_state.models, state, tenant_id)


def connect_returned(state: str, tenant_id: str) -> bool:
    """Salesforce's callback brought ``state``: True the first time only (a replayed callback,
    e.g. with a session cookie saved before it, is refused)."""
    app_state = get_state()
    return oauth_states.consume(app_state.db.session, app_state.models, state, tenant_id)


def save_connection(
    tenant_id: str, environment: Environment, tokens: TokenResponse, identity: Identity
) -> SalesforceConnectionMixin:
    """Store a finished OAuth flow: create or replace the tenant's connection, then signal."""
    state = get_state()
    conn = store.store_connection(
        state.db.session, state.models, tenant_id, environment, tokens, identity
    )
    conn.org_name = _org_name(conn)
    state.db.session.commit()
    signals.send(signals.connection_established, connection=conn, tenant_id=tenant_id)
    return conn


def _org_name(conn: SalesforceConnectionMixin) -> str | None:
    """The org's name, for people (an Id means nothing to them); None when it cannot be read
    (the page then shows the org's Id)."""
    try:
        result = api_for(conn, budget=False).call(
            lambda sf: sf.query("SELECT Name FROM Organization LIMIT 1")
        )
    except SalesforceError as exc:
        log.info("could not read the name of org %s: %s", conn.org_id, exc)
        return None
    records = result.get("records") or []
    name = str(records[0].get("Name") or "") if records else ""
    return name or None


def disconnect(conn: SalesforceConnectionMixin) -> bool:
    """Revoke at Salesforce and forget the tokens here. False: Salesforce was unreachable
    (the tokens are forgotten anyway: the tenant asked to end the connection)."""
    revoked = True
    token = conn.refresh_token or conn.access_token
    if token:
        try:
            revoke_token(oauth_settings(), conn.login_url, token)
        except TransientFailure:
            revoked = False
    store.forget_connection(get_state().db.session, conn)
    signals.send(
        signals.connection_lost,
        connection=conn,
        tenant_id=conn.tenant_id,
        reason="disconnected",
        error=None,
    )
    return revoked


def client_for(tenant_or_connection: str | SalesforceConnectionMixin) -> SalesforceClient:
    """The refreshing client for a tenant's org. Raises :class:`ReconnectNeeded` without
    calling Salesforce when the connection is missing, disconnected or waiting for a person."""
    conn = (
        connection_for(tenant_or_connection)
        if isinstance(tenant_or_connection, str)
        else tenant_or_connection
    )
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        raise ReconnectNeeded("Salesforce is not connected for this tenant")
    if not conn.access_token or not conn.instance_url:
        raise ReconnectNeeded("no Salesforce tokens are stored for this tenant")
    state = get_state()
    tokens = ConnectionTokens(
        login_url=conn.login_url,
        instance_url=conn.instance_url,
        access_token=conn.access_token,
        refresh_token=conn.refresh_token,
    )
    return SalesforceClient(
        tokens,
        oauth_settings(),
        store.DatabaseTokenStore(state.db, state.models, conn.id),
        api_version=state.settings.api_version,
    )


def api_for(conn: SalesforceConnectionMixin, *, budget: bool = True) -> SalesforceApi:
    """The org's API (retries, one refresh, the caches' key), within the sync's API budget
    unless ``budget`` is False (a host's own calls: they are the host's to count)."""
    state = get_state()
    settings = state.settings
    spend = (
        ApiBudget(settings.api_budget_share, ledger=state.jobs.spend_ledger(conn.tenant_id))
        if budget else None
    )
    retry = RetryPolicy(
        attempts=settings.retry_attempts,
        base_delay=settings.retry_base_delay,
        max_delay=settings.retry_max_delay,
    )
    return SalesforceApi(
        client_for(conn),
        budget=spend,
        retry=retry,
        timeout=settings.http_timeout,
        cache_key=(conn.org_id or conn.instance_url or "", conn.sf_user_id or ""),
        # Parallel writes' threads: a token refresh there stores the token in the database.
        thread_context=current_app._get_current_object().app_context,  # type: ignore[attr-defined]
    )


def check_connection(tenant_id: str) -> dict[str, Any]:
    """Call the org once (API limits) through the refreshing client; records the outcome.

    Returns ``{"status": ..., "api_usage": "USED/MAX" | None}``. A dead refresh token leaves the
    connection "reconnect needed" (done by the client) and returns that status, not an error.
    """
    conn = connection_for(tenant_id)
    try:
        if conn is None:
            raise ReconnectNeeded("Salesforce is not connected for this tenant")
        limits = api_for(conn).call(lambda sf: sf.limits())
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
    return {"status": conn.status, "api_usage": usage, "checked_at": utcnow().isoformat()}
