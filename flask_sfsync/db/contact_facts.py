"""What the database knows of each contact's sync, for a page of contacts in four queries.

:func:`facts_for` reads, for a list of host ids: the link (which Salesforce record), whether a
change waits in the outbox, the open error-log entry, and the latest history row. The state a
page shows is decided from these by :mod:`flask_sfsync.services.contact_state`; no API call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..host import SessionLike
from .bulk_insert import chunks
from .models import Models

__all__ = ["ContactFacts", "facts_for"]


@dataclass
class ContactFacts:
    sobject: str | None = None
    sf_id: str | None = None
    last_pushed_at: datetime | None = None
    pending: bool = False
    error_code: str | None = None
    error_message: str | None = None
    last_status: str | None = None
    last_detail: str | None = None


def facts_for(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Sequence[str]
) -> dict[str, ContactFacts]:
    found = {host_id: ContactFacts() for host_id in host_ids}
    link, entry, error, history = (
        models.SyncLink, models.OutboxEntry, models.SyncError, models.SyncHistory
    )
    for chunk in chunks(list(found)):
        for host_id, sobject, sf_id, pushed_at in session.execute(
            sa.select(link.host_id, link.sobject, link.sf_id, link.last_pushed_at).where(
                link.tenant_id == tenant_id, link.host_id.in_(chunk)
            )
        ):
            fact = found[host_id]
            fact.sobject, fact.sf_id, fact.last_pushed_at = sobject, sf_id, pushed_at
        for host_id in session.scalars(
            sa.select(entry.host_id).where(entry.tenant_id == tenant_id, entry.host_id.in_(chunk))
            .distinct()
        ):
            found[host_id].pending = True
        for host_id, code, message in session.execute(
            sa.select(error.host_id, error.error_code, error.message).where(
                error.tenant_id == tenant_id, error.resolved_at.is_(None),
                error.host_id.in_(chunk),
            )
        ):
            found[host_id].error_code, found[host_id].error_message = code, message
        latest = (
            sa.select(sa.func.max(history.id))
            .where(history.tenant_id == tenant_id, history.host_id.in_(chunk))
            .group_by(history.host_id)
        )
        for host_id, status, detail in session.execute(
            sa.select(history.host_id, history.status, history.detail).where(
                history.id.in_(latest)
            )
        ):
            found[host_id].last_status, found[host_id].last_detail = status, detail
    return found
