"""Host contact changes -> outbox rows in the SAME transaction -> a drain job after commit.

``after_flush`` sees every contact the flush inserted, updated or deleted (and contacts touched
through a watched model, e.g. a renamed company) and writes one outbox row per contact with
the flush's own connection: the row commits or rolls back with the host's change, so no change
is lost and none is invented. Only tenants that saved their settings with Auto Sync on are
tracked.

After the outermost commit the tenants seen are handed to
:func:`flask_sfsync.sync_jobs.enqueue_drain`; Redis being down there never fails the host's
commit (the sweep enqueues the rows later). The pending set is dropped only when the ROOT
transaction ends without a commit: a savepoint rollback undoes its own outbox rows in the
database, and an extra drain for a tenant is harmless, so nothing is cleared for savepoints
(clearing there would lose the outer transaction's changes).

Hosts that change contacts outside the ORM (``session.execute(update(Contact)...)``, raw SQL,
another service) call :func:`queue_contacts`, or send :data:`contacts_changed`, in the
transaction that makes the change.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from blinker import Namespace
from flask import Flask, current_app, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from .models import utcnow
from .sync_models import OutboxOp, SyncModels

__all__ = ["contacts_changed", "install", "queue_contacts"]

log = logging.getLogger(__name__)

PENDING_KEY = "sfsync_pending_tenants"

_signals = Namespace()

#: Send after changing contacts outside the ORM, before the transaction commits:
#: ``contacts_changed.send(app, tenant_id="42", ids=["7", "9"], deleted=False)``.
contacts_changed = _signals.signal("sfsync.contacts-changed")

_installed: weakref.WeakSet[SQLAlchemy] = weakref.WeakSet()


def install(db: SQLAlchemy) -> None:
    """Listen on ``db.session`` (once per ``db``; several apps may share one ``db``)."""
    if db in _installed:
        return
    _installed.add(db)
    event.listen(db.session, "after_flush", _after_flush)
    event.listen(db.session, "after_commit", _after_commit)
    event.listen(db.session, "after_transaction_end", _after_transaction_end)


def _push_state() -> Any | None:
    if not has_app_context():
        return None
    return current_app.extensions.get("sfsync_push")


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    state = _push_state()
    if state is None:
        return
    changes = _collect(state, session)
    if changes:
        _write(session, state.models, changes)


def _collect(state: Any, session: Session) -> dict[tuple[str, str], OutboxOp]:
    """(tenant, host id) -> what happened, for every contact this flush touched."""
    adapter = state.adapter
    changes: dict[tuple[str, str], OutboxOp] = {}

    def note(contact: Any, op: OutboxOp) -> None:
        tenant = adapter.tenant_of(contact)
        if tenant is not None:
            changes[(tenant, adapter.host_id(contact))] = op

    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, adapter.model):
            if obj in session.new or session.is_modified(obj, include_collections=False):
                note(obj, OutboxOp.UPSERT)
        else:
            for model, affected in adapter.watch.items():
                if isinstance(obj, model) and session.is_modified(obj, include_collections=False):
                    for contact in affected(obj):
                        note(contact, OutboxOp.UPSERT)
    for obj in session.deleted:
        if isinstance(obj, adapter.model):
            note(obj, OutboxOp.DELETE)
    return changes


def _write(session: Session, models: SyncModels, changes: dict[tuple[str, str], OutboxOp]) -> None:
    connection = session.connection()
    tenants = _auto_tenants(connection, models, {tenant for tenant, _ in changes})
    if not tenants:
        return
    now = utcnow()
    rows = [
        {"tenant_id": tenant, "host_id": host_id, "op": op.value, "created_at": now}
        for (tenant, host_id), op in changes.items()
        if tenant in tenants
    ]
    connection.execute(sa.insert(models.outbox_table), rows)
    session.info.setdefault(PENDING_KEY, set()).update(tenants)


def _auto_tenants(connection: sa.Connection, models: SyncModels, tenants: set[str]) -> set[str]:
    """Which of these tenants saved their settings with Auto Sync on."""
    settings = models.PushSettings
    query = sa.select(settings.tenant_id).where(
        settings.tenant_id.in_(sorted(tenants)), settings.saved, settings.auto_sync
    )
    return set(connection.scalars(query))


def _after_commit(session: Session) -> None:
    tenants: set[str] = session.info.pop(PENDING_KEY, set())
    if not tenants or not has_app_context():
        return
    from .sync_jobs import enqueue_drain

    for tenant in sorted(tenants):
        enqueue_drain(tenant)  # never raises: the sweep covers a lost enqueue


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Only the root transaction's end forgets: after a commit the set was already taken.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def queue_contacts(
    tenant_id: str,
    host_ids: Iterable[Any],
    *,
    deleted: bool = False,
    session: Session | None = None,
) -> int:
    """Record contacts changed outside the ORM; they are pushed after the transaction commits.

    Call it inside the transaction that changes them (then commit as usual). Unlike the
    automatic tracking it also queues tenants in Manual Sync mode: the host asked explicitly.
    Returns the number of rows queued.
    """
    state = current_app.extensions["sfsync_push"]
    session = session or state.db.session
    ids: Sequence[str] = [str(h) for h in host_ids]
    if not ids:
        return 0
    op = OutboxOp.DELETE if deleted else OutboxOp.UPSERT
    now = utcnow()
    rows = [
        {"tenant_id": str(tenant_id), "host_id": h, "op": op.value, "created_at": now}
        for h in ids
    ]
    session.execute(sa.insert(state.models.outbox_table), rows)
    session.info.setdefault(PENDING_KEY, set()).add(str(tenant_id))
    return len(rows)


def _on_contacts_changed(sender: Flask, **kwargs: Any) -> None:
    queue_contacts(
        str(kwargs["tenant_id"]), kwargs.get("ids", ()), deleted=bool(kwargs.get("deleted"))
    )


contacts_changed.connect(_on_contacts_changed)
