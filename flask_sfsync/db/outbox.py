"""The outbox: the changes waiting to be pushed, written and read, coalesced per contact.

Rows are taken oldest first and deleted only after their push was recorded, by id up to the
last row read: a change that arrives while a batch is being pushed has a higher id and stays
for the next round, so nothing is lost and a crash simply leaves the rows to be taken again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..host import SessionLike
from .bulk_insert import chunks
from .models import Models, OutboxOp, table_of
from .types import utcnow

__all__ = [
    "Batch",
    "add",
    "allowed_duplicates",
    "count",
    "drop_contacts",
    "pending_of",
    "remove",
    "remove_upserts",
    "take",
    "tenants_waiting",
]

#: One change: (tenant id, host id, what happened).
Change = tuple[str, str, OutboxOp]


@dataclass
class Batch:
    """One round's work: the last operation of each contact wins."""

    upserts: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    max_id: int = 0
    rows: int = 0
    retry_only: bool = False
    #: Upserts to write with Salesforce's duplicate alert acknowledged (Push anyway).
    allow_duplicates: set[str] = field(default_factory=set)

    @property
    def host_ids(self) -> list[str]:
        return self.upserts + self.deletes


def take(session: SessionLike, models: Models, tenant_id: str, limit: int) -> Batch | None:
    entry = models.OutboxEntry
    rows = session.execute(
        sa.select(entry.id, entry.host_id, entry.op)
        .where(entry.tenant_id == tenant_id)
        .order_by(entry.id)
        .limit(limit)
    ).all()
    if not rows:
        return None
    last: dict[str, str] = {}
    for _, host_id, op in rows:
        last.pop(host_id, None)  # re-insert: keeps the order of the latest change
        last[host_id] = op
    batch = Batch(max_id=max(r[0] for r in rows), rows=len(rows))
    batch.retry_only = all(op in _RETRIES for _, _, op in rows)
    for host_id, op in last.items():
        (batch.deletes if op == OutboxOp.DELETE else batch.upserts).append(host_id)
    # A Push anyway holds for the contact's push even when an edit came after it.
    batch.allow_duplicates = {
        host_id for _, host_id, op in rows
        if op == OutboxOp.ALLOW_SAVE and last[host_id] != OutboxOp.DELETE
    }
    return batch


_RETRIES = (OutboxOp.RETRY, OutboxOp.ALLOW_SAVE)


def remove(session: SessionLike, models: Models, tenant_id: str, batch: Batch) -> None:
    """Delete the rows the batch covered (not rows that arrived after it was read)."""
    entry = models.OutboxEntry
    session.execute(
        sa.delete(entry).where(entry.tenant_id == tenant_id, entry.id <= batch.max_id)
    )


def remove_upserts(session: SessionLike, models: Models, tenant_id: str) -> None:
    """A full sync starting now covers every change already committed (not deletes, nor a
    Push anyway: the full sync writes those contacts as the rows ask, see
    :func:`allowed_duplicates`, and the rows stay until their own round)."""
    entry = models.OutboxEntry
    session.execute(
        sa.delete(entry).where(
            entry.tenant_id == tenant_id, entry.op.not_in([OutboxOp.DELETE, OutboxOp.ALLOW_SAVE])
        )
    )


def allowed_duplicates(session: SessionLike, models: Models, tenant_id: str) -> frozenset[str]:
    """Contacts waiting for a Push anyway: a full sync writes them so too."""
    entry = models.OutboxEntry
    return frozenset(session.scalars(
        sa.select(entry.host_id).where(
            entry.tenant_id == tenant_id, entry.op == OutboxOp.ALLOW_SAVE
        ).distinct()
    ))


def pending_of(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Sequence[str]
) -> dict[str, str]:
    """Those of ``host_ids`` with a change waiting, and its latest operation."""
    entry = models.OutboxEntry
    found: dict[str, str] = {}
    if not host_ids:
        return found
    rows = session.execute(
        sa.select(entry.host_id, entry.op)
        .where(entry.tenant_id == tenant_id, entry.host_id.in_(list(dict.fromkeys(host_ids))))
        .order_by(entry.id)
    )
    for host_id, op in rows:
        found[host_id] = op
    return found


def drop_contacts(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Sequence[str]
) -> int:
    """Forget every change waiting for these contacts (merged into another, or deleted with
    their Salesforce record): none of them is pushed; how many rows."""
    entry = models.OutboxEntry
    dropped = 0
    for chunk in chunks(sorted(set(host_ids))):
        result = session.execute(
            sa.delete(entry).where(entry.tenant_id == tenant_id, entry.host_id.in_(chunk))
        )
        dropped += int(getattr(result, "rowcount", 0) or 0)
    return dropped


def count(session: SessionLike, models: Models, tenant_id: str) -> int:
    entry = models.OutboxEntry
    query = sa.select(sa.func.count()).select_from(entry).where(entry.tenant_id == tenant_id)
    return int(session.scalar(query) or 0)


def tenants_waiting(session: SessionLike, models: Models, older_than: datetime) -> list[str]:
    """Tenants with a change committed before ``older_than`` still not pushed."""
    entry = models.OutboxEntry
    query = sa.select(entry.tenant_id).where(entry.created_at < older_than).distinct()
    return list(session.scalars(query))


def add(executor: SessionLike | sa.Connection, models: Models, changes: Iterable[Change]) -> int:
    """INSERT one row per change (the only place outbox rows are written). ``executor`` is the
    session, or the flush's connection: the rows commit or roll back with the host's change."""
    now = utcnow()
    rows = [
        {"tenant_id": tenant, "host_id": host_id, "op": op.value, "created_at": now}
        for tenant, host_id, op in changes
    ]
    if rows:
        executor.execute(sa.insert(table_of(models.OutboxEntry)), rows)
    return len(rows)
