"""Rows of the pull's mirror and of the error log that name a host contact: moved to another
contact when the host merges contacts, closed when the contact is gone.

Links and outbox rows have their own modules (:mod:`.links`, :mod:`.outbox`); these are the
other tables keyed by host id whose rows must follow a merge, so that what they show
("Potential duplicate in Salesforce", "Deleted in Salesforce", an open push failure) is about
a contact that exists. Every statement is scoped to one tenant.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from ..host import SessionLike
from .bulk_insert import chunks
from .mirror import PERSON_OBJECTS
from .models import Models
from .types import utcnow

__all__ = ["name_in_mirror", "resolve_errors_of"]


def _count(result: sa.Result[object]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def name_in_mirror(
    session: SessionLike, models: Models, tenant_id: str, from_ids: Collection[str], to_id: str
) -> int:
    """Pulled records that named one of ``from_ids`` name ``to_id`` now (a duplicate badge or
    a deleted record follows the contact they were merged into); how many."""
    model = models.MirrorRecord
    moved = 0
    for chunk in chunks(sorted(set(from_ids))):
        moved += _count(session.execute(
            sa.update(model)
            .where(model.tenant_id == tenant_id, model.host_id.in_(chunk),
                   model.sobject.in_(PERSON_OBJECTS))  # an Account's row names a company
            .values(host_id=to_id)
        ))
    return moved


def resolve_errors_of(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Collection[str]
) -> int:
    """Close the open error-log entries of contacts that are gone (merged away, deleted with
    their record): a Retry could push nothing for them; how many."""
    model = models.SyncError
    now = utcnow()
    resolved = 0
    for chunk in chunks(sorted(set(host_ids))):
        resolved += _count(session.execute(
            sa.update(model)
            .where(model.tenant_id == tenant_id, model.resolved_at.is_(None),
                   model.host_id.in_(chunk))
            .values(resolved_at=now)
        ))
    return resolved
