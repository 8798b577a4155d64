"""OAuth ``state`` values used once, on the server: a replayed callback (a saved session cookie
from before the callback) finds its state already spent."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from ..host import SessionLike
from .models import Models, table_of
from .types import utcnow

__all__ = ["FLOW_LIFETIME", "consume", "remember"]

#: How long a Connect may take from our redirect to Salesforce's callback.
FLOW_LIFETIME = timedelta(minutes=15)


def _hash(state: str) -> str:
    # Only a hash is stored: the table is no source of live states.
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def remember(session: SessionLike, models: Models, state: str, tenant_id: str) -> None:
    """Record a Connect's state (and forget states of flows long abandoned); commits."""
    model = models.OAuthState
    session.execute(sa.delete(model).where(model.created_at < utcnow() - FLOW_LIFETIME))
    session.execute(
        sa.insert(table_of(model)),
        [{"state_hash": _hash(state), "tenant_id": tenant_id, "created_at": utcnow()}],
    )
    session.commit()


def consume(session: SessionLike, models: Models, state: str, tenant_id: str) -> bool:
    """Spend the state: True only the first time, for that tenant, within the lifetime."""
    model = models.OAuthState
    result = session.execute(
        sa.delete(model).where(
            model.state_hash == _hash(state),
            model.tenant_id == tenant_id,
            model.created_at >= utcnow() - FLOW_LIFETIME,
        )
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0) == 1
