"""The ``sfsync_connections`` rows: find, store a finished OAuth flow, forget, refreshed tokens.

Token writes commit at once: a refreshed access token must survive a job that fails later, or
the next job would refresh again for nothing.
"""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select

from .. import signals
from ..host import SessionLike
from ..salesforce import Environment, Identity, ReconnectNeeded, TokenResponse
from .models import ConnectionStatus, Models, SalesforceConnectionMixin
from .types import utcnow

__all__ = [
    "DatabaseTokenStore",
    "connection_by_id",
    "connection_for",
    "forget_connection",
    "store_connection",
]


def connection_for(
    session: SessionLike, models: Models, tenant_id: str
) -> SalesforceConnectionMixin | None:
    model = models.SalesforceConnection
    return session.scalar(select(model).where(model.tenant_id == tenant_id))


def connection_by_id(
    session: SessionLike, models: Models, connection_id: int
) -> SalesforceConnectionMixin | None:
    return session.get(models.SalesforceConnection, connection_id)


def store_connection(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    environment: Environment,
    tokens: TokenResponse,
    identity: Identity,
) -> SalesforceConnectionMixin:
    """Create or replace the tenant's connection with a finished OAuth flow, and commit."""
    conn = connection_for(session, models, tenant_id)
    if conn is None:
        conn = models.SalesforceConnection()
        conn.tenant_id = tenant_id
        session.add(conn)
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
    conn.connected_at = utcnow()
    conn.last_error = None
    session.commit()
    return conn


def forget_connection(session: SessionLike, conn: SalesforceConnectionMixin) -> None:
    """Disconnected: the tokens are gone from the database, the row stays (history, settings)."""
    conn.forget_tokens()
    conn.status = ConnectionStatus.DISCONNECTED.value
    conn.last_error = None
    session.commit()


class DatabaseTokenStore:
    """:class:`~flask_sfsync.salesforce.TokenStore` writing to the connection row.

    It holds the ``SQLAlchemy`` object, not a session: a refresh may happen in a thread of a
    parallel write, which has its own scoped session.
    """

    def __init__(self, db: SQLAlchemy, models: Models, connection_id: int) -> None:
        self.db = db
        self.models = models
        self.connection_id = connection_id

    def _row(self) -> SalesforceConnectionMixin:
        conn = connection_by_id(self.db.session, self.models, self.connection_id)
        if conn is None:
            raise ReconnectNeeded("the Salesforce connection was deleted")
        return conn

    def save_refreshed(self, access_token: str, instance_url: str) -> None:
        conn = self._row()
        conn.access_token = access_token
        conn.instance_url = instance_url
        self.db.session.commit()
        signals.send(signals.connection_refreshed, connection=conn, tenant_id=conn.tenant_id)

    def mark_reconnect_needed(self, error: str) -> None:
        conn = self._row()
        conn.status = ConnectionStatus.RECONNECT_NEEDED.value
        conn.last_error = f"Salesforce refused the stored authorization: {error}"
        self.db.session.commit()
        signals.send(
            signals.connection_lost,
            connection=conn,
            tenant_id=conn.tenant_id,
            reason="invalid_grant",
            error=error,
        )
