"""Host contact changes -> outbox rows in the SAME transaction -> a drain job after commit.

``after_flush`` sees every contact the flush inserted, updated or deleted (and contacts touched
through a watched model, e.g. a renamed company) and writes one outbox row per contact with
the flush's own connection: the row commits or rolls back with the host's change, so no change
is lost and none is invented. Only tenants that saved their settings with Auto Sync on are
tracked.

After the outermost commit the tenants seen are announced with
:data:`flask_sfsync.signals.changes_committed`; the job layer subscribes and enqueues a drain
per tenant (Redis being down there never fails the host's commit: the sweep enqueues the rows
later). Listeners only record and signal, as Flask-SQLAlchemy's ``track_modifications`` does.
The pending set is dropped only when the ROOT transaction ends without a commit: a savepoint
rollback undoes its own outbox rows in the database, and an extra drain for a tenant is
harmless, so nothing is cleared for savepoints (clearing there would lose the outer
transaction's changes).

Hosts that change contacts outside the ORM (``session.execute(update(Contact)...)``, raw SQL,
another service) call :func:`queue_contacts`, or send
:data:`flask_sfsync.signals.contacts_changed`, in the transaction that makes the change.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from .. import signals
from ..host import ContactAdapter
from . import outbox
from .models import Models, OutboxOp

__all__ = ["queue_contacts", "track"]

PENDING_KEY = "sfsync_pending_tenants"


@dataclass(frozen=True)
class _Tracked:
    db: SQLAlchemy
    models: Models
    adapter: ContactAdapter


# Per application: one ``db`` may serve several apps, each with its own adapter.
_tracked: weakref.WeakKeyDictionary[Flask, _Tracked] = weakref.WeakKeyDictionary()
_listening: weakref.WeakSet[SQLAlchemy] = weakref.WeakSet()


def track(app: Flask, db: SQLAlchemy, models: Models, adapter: ContactAdapter) -> None:
    """Record ``app``'s contact changes in the outbox (listens on ``db.session`` once)."""
    _tracked[app] = _Tracked(db, models, adapter)
    if db not in _listening:
        _listening.add(db)
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_transaction_end", _after_transaction_end)
    # Any sender: hosts send it with their app or a proxy of it; the app context decides.
    signals.contacts_changed.connect(_on_contacts_changed)


def _current() -> _Tracked | None:
    if not has_app_context():
        return None
    return _tracked.get(current_app._get_current_object())  # type: ignore[attr-defined]


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    tracked = _current()
    if tracked is None:
        return
    changes = _collect(tracked.adapter, session)
    if changes:
        _write(session, tracked.models, changes)


def _collect(adapter: ContactAdapter, session: Session) -> dict[tuple[str, str], OutboxOp]:
    """(tenant, host id) -> what happened, for every contact this flush touched."""
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


def _write(session: Session, models: Models, changes: dict[tuple[str, str], OutboxOp]) -> None:
    connection = session.connection()
    tenants = _auto_tenants(connection, models, {tenant for tenant, _ in changes})
    if not tenants:
        return
    outbox.add(
        connection, models,
        ((tenant, host_id, op) for (tenant, host_id), op in changes.items() if tenant in tenants),
    )
    session.info.setdefault(PENDING_KEY, set()).update(tenants)


def _auto_tenants(connection: sa.Connection, models: Models, tenants: set[str]) -> set[str]:
    """Which of these tenants saved their settings with Auto Sync on."""
    settings = models.SyncSettings
    query = sa.select(settings.tenant_id).where(
        settings.tenant_id.in_(sorted(tenants)), settings.saved, settings.auto_sync
    )
    return set(connection.scalars(query))


def _after_commit(session: Session) -> None:
    tenants: set[str] = session.info.pop(PENDING_KEY, set())
    if tenants and has_app_context():
        signals.send(signals.changes_committed, tenant_ids=sorted(tenants))


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
    tracked = _current()
    if tracked is None:
        raise RuntimeError("queue_contacts needs an app whose SFSync has a contact_adapter")
    session = session or tracked.db.session()
    ids: Sequence[str] = [str(h) for h in host_ids]
    op = OutboxOp.DELETE if deleted else OutboxOp.UPSERT
    count = outbox.add(session, tracked.models, ((str(tenant_id), h, op) for h in ids))
    if count:
        session.info.setdefault(PENDING_KEY, set()).add(str(tenant_id))
    return count


def _on_contacts_changed(sender: Flask, **kwargs: Any) -> None:
    queue_contacts(
        str(kwargs["tenant_id"]), kwargs.get("ids", ()), deleted=bool(kwargs.get("deleted"))
    )
