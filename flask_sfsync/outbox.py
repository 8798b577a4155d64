"""Reading the outbox: the changes waiting to be pushed, coalesced per contact.

Rows are taken oldest first and deleted only after their push was recorded, by id up to the
last row read: a change that arrives while a batch is being pushed has a higher id and stays
for the next round, so nothing is lost and a crash simply leaves the rows to be taken again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from .sync_models import OutboxOp, SessionLike, SyncModels

__all__ = ["Batch", "add", "count", "remove", "take", "tenants_waiting"]


@dataclass
class Batch:
    """One round's work: the last operation of each contact wins."""

    upserts: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    max_id: int = 0
    rows: int = 0
    retry_only: bool = False

    @property
    def host_ids(self) -> list[str]:
        return self.upserts + self.deletes


def take(session: SessionLike, models: SyncModels, tenant_id: str, limit: int) -> Batch | None:
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
    batch.retry_only = all(op == OutboxOp.RETRY for _, _, op in rows)
    for host_id, op in last.items():
        (batch.deletes if op == OutboxOp.DELETE else batch.upserts).append(host_id)
    return batch


def remove(session: SessionLike, models: SyncModels, tenant_id: str, batch: Batch) -> None:
    """Delete the rows the batch covered (not rows that arrived after it was read)."""
    entry = models.OutboxEntry
    session.execute(
        sa.delete(entry).where(entry.tenant_id == tenant_id, entry.id <= batch.max_id)
    )


def remove_upserts(session: SessionLike, models: SyncModels, tenant_id: str) -> None:
    """A full sync starting now covers every change already committed (not deletes)."""
    entry = models.OutboxEntry
    session.execute(
        sa.delete(entry).where(entry.tenant_id == tenant_id, entry.op != OutboxOp.DELETE)
    )


def count(session: SessionLike, models: SyncModels, tenant_id: str) -> int:
    entry = models.OutboxEntry
    query = sa.select(sa.func.count()).select_from(entry).where(entry.tenant_id == tenant_id)
    return int(session.scalar(query) or 0)


def tenants_waiting(session: SessionLike, models: SyncModels, older_than: datetime) -> list[str]:
    """Tenants with a change committed before ``older_than`` still not pushed."""
    entry = models.OutboxEntry
    query = sa.select(entry.tenant_id).where(entry.created_at < older_than).distinct()
    return list(session.scalars(query))


def add(
    session: SessionLike, models: SyncModels, tenant_id: str, host_ids: Sequence[str], op: OutboxOp
) -> None:
    from .models import utcnow

    now = utcnow()
    if host_ids:
        session.execute(
            sa.insert(models.outbox_table),
            [
                {"tenant_id": tenant_id, "host_id": h, "op": op.value, "created_at": now}
                for h in host_ids
            ],
        )
