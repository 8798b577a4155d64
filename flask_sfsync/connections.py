"""Connections in the database, glued to the Flask-free ``salesforce`` package.

Everything here runs in an application context (a request or a worker job) and uses the host's
``db.session``. Token writes commit at once: a refreshed access token must survive a job that
fails later, or the next job would refresh again for nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, url_for
from sqlalchemy import select

from . import signals
from .ext import get_state
from .models import ConnectionStatus, SalesforceConnectionMixin
from .salesforce.client import ConnectionTokens, SalesforceClient
from .salesforce.environments import Environment
from .salesforce.exceptions import ReconnectNeeded, SalesforceUnavailable
from .salesforce.identity import Identity
from .salesforce.oauth import OAuthSettings, TokenResponse, revoke_token


def _now() -> datetime:
    return datetime.now(UTC)


def oauth_settings(*, with_redirect: bool = False) -> OAuthSettings:
    cfg = current_app.config
    redirect_uri = None
    if with_redirect:
        redirect_uri = cfg["SFSYNC_CALLBACK_URL"] or url_for(
            f"{get_state().blueprint_name}.callback", _external=True
        )
    return OAuthSettings(
        client_id=cfg["SFSYNC_CLIENT_ID"],
        client_secret=cfg["SFSYNC_CLIENT_SECRET"],
        redirect_uri=redirect_uri,
        scope=cfg["SFSYNC_OAUTH_SCOPE"],
        prompt=cfg["SFSYNC_OAUTH_PROMPT"],
        verify=cfg["SFSYNC_CA_BUNDLE"] or True,
        timeout=float(cfg["SFSYNC_HTTP_TIMEOUT"]),
    )


def connection_for(tenant_id: str) -> SalesforceConnectionMixin | None:
    state = get_state()
    model = state.models.SalesforceConnection
    return state.db.session.scalar(select(model).where(model.tenant_id == tenant_id))


def connection_by_id(connection_id: int) -> SalesforceConnectionMixin | None:
    state = get_state()
    return state.db.session.get(state.models.SalesforceConnection, connection_id)


def save_connection(
    tenant_id: str, environment: Environment, tokens: TokenResponse, identity: Identity
) -> SalesforceConnectionMixin:
    """Store a finished OAuth flow: create or replace the tenant's connection, then signal."""
    state = get_state()
    conn = connection_for(tenant_id)
    if conn is None:
        conn = state.models.SalesforceConnection()
        conn.tenant_id = tenant_id
        state.db.session.add(conn)
    previous_refresh = conn.refresh_token if conn.org_id == identity.org_id else None
    conn.environment = environment.kind
    conn.login_url = environment.login_url
    conn.instance_url = tokens.instance_url
    conn.org_id = identity.org_id
    conn.sf_user_id = identity.user_id
    conn.username = identity.username
    conn.email = identity.email
    conn.display_name = identity.display_name
    conn.access_token = tokens.access_token
    # Without the refresh_token scope Salesforce sends none; keep one we had for the same org.
    conn.refresh_token = tokens.refresh_token or previous_refresh
    conn.status = ConnectionStatus.CONNECTED.value
    conn.connected_at = _now()
    conn.last_error = None
    state.db.session.commit()
    signals.send(
        signals.connection_established,
        connection=conn,
        tenant_id=tenant_id,
    )
    return conn


def disconnect(conn: SalesforceConnectionMixin) -> bool:
    """Revoke at Salesforce and forget the tokens here. False: Salesforce was unreachable
    (the tokens are forgotten anyway: the tenant asked to end the connection)."""
    revoked = True
    token = conn.refresh_token or conn.access_token
    if token:
        try:
            revoke_token(oauth_settings(), conn.login_url, token)
        except SalesforceUnavailable:
            revoked = False
    conn.forget_tokens()
    conn.status = ConnectionStatus.DISCONNECTED.value
    conn.last_error = None
    get_state().db.session.commit()
    signals.send(
        signals.connection_lost,
        connection=conn,
        tenant_id=conn.tenant_id,
        reason="disconnected",
        error=None,
    )
    return revoked


class DatabaseTokenStore:
    """:class:`~flask_sfsync.salesforce.client.TokenStore` writing to the connection row."""

    def __init__(self, connection_id: int) -> None:
        self.connection_id = connection_id

    def _row(self) -> SalesforceConnectionMixin:
        conn = connection_by_id(self.connection_id)
        if conn is None:
            raise ReconnectNeeded("the Salesforce connection was deleted")
        return conn

    def save_refreshed(self, access_token: str, instance_url: str) -> None:
        conn = self._row()
        conn.access_token = access_token
        conn.instance_url = instance_url
        get_state().db.session.commit()
        signals.send(
            signals.connection_refreshed,
            connection=conn,
            tenant_id=conn.tenant_id,
        )

    def mark_reconnect_needed(self, error: str) -> None:
        conn = self._row()
        conn.status = ConnectionStatus.RECONNECT_NEEDED.value
        conn.last_error = f"Salesforce refused the stored authorization: {error}"
        get_state().db.session.commit()
        signals.send(
            signals.connection_lost,
            connection=conn,
            tenant_id=conn.tenant_id,
            reason="invalid_grant",
            error=error,
        )


def client_for(tenant_or_connection: str | SalesforceConnectionMixin) -> SalesforceClient:
    """The API client for a tenant's org. Raises :class:`ReconnectNeeded` without calling
    Salesforce when the connection is missing, disconnected or already waiting for a person."""
    conn = (
        connection_for(tenant_or_connection)
        if isinstance(tenant_or_connection, str)
        else tenant_or_connection
    )
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        raise ReconnectNeeded("Salesforce is not connected for this tenant")
    if not conn.access_token or not conn.instance_url:
        raise ReconnectNeeded("no Salesforce tokens are stored for this tenant")
    tokens = ConnectionTokens(
        login_url=conn.login_url,
        instance_url=conn.instance_url,
        access_token=conn.access_token,
        refresh_token=conn.refresh_token,
    )
    return SalesforceClient(
        tokens,
        oauth_settings(),
        DatabaseTokenStore(conn.id),
        api_version=current_app.config["SFSYNC_API_VERSION"],
    )
