"""Blinker signals the extension sends; see docs/signals.rst.

Every signal's sender is the Flask application (``current_app._get_current_object()``), so a
receiver can subscribe for one app: ``connection_lost.connect(fn, app)``. Keyword arguments are
listed per signal. Receivers run synchronously in the request or job that sent the signal.
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace
from flask import current_app

_signals = Namespace()

#: A tenant finished the OAuth flow. kwargs: ``connection`` (SalesforceConnection), ``tenant_id``.
connection_established = _signals.signal("sfsync.connection-established")

#: The connection stopped working and needs a person: Salesforce refused the refresh token
#: (``invalid_grant``: revoked, expired, user frozen) or the tenant disconnected.
#: kwargs: ``connection``, ``tenant_id``, ``reason`` ("invalid_grant" | "disconnected"),
#: ``error`` (Salesforce's description, never a token).
connection_lost = _signals.signal("sfsync.connection-lost")

#: The access token expired and was refreshed with the refresh token.
#: kwargs: ``connection``, ``tenant_id``.
connection_refreshed = _signals.signal("sfsync.connection-refreshed")

# Declared here for the sync (issue 4) so that hosts can already subscribe to them.

#: A sync run began. kwargs: ``tenant_id``, ``connection``, ``kind`` ("push" | "pull" | ...).
sync_started = _signals.signal("sfsync.sync-started")

#: A sync run ended. kwargs: ``tenant_id``, ``connection``, ``kind``, ``pushed``, ``failed``.
sync_finished = _signals.signal("sfsync.sync-finished")

#: One host record reached Salesforce. kwargs: ``tenant_id``, ``sobject``, ``record_id``
#: (Salesforce id), ``local_id``, ``created``.
record_pushed = _signals.signal("sfsync.record-pushed")

#: One host record was refused by Salesforce. kwargs: ``tenant_id``, ``sobject``, ``local_id``,
#: ``error_code``, ``message``.
record_failed = _signals.signal("sfsync.record-failed")

#: A pull of Salesforce's changes began. kwargs: ``tenant_id``, ``full`` (a Pull now or a
#: resync: every record; else the changes since the watermark).
pull_started = _signals.signal("sfsync.pull-started")

#: A pull ended. kwargs: ``tenant_id``, ``counts`` ({object: {"created", "updated",
#: "deleted", "skipped", "failed"}}).
pull_finished = _signals.signal("sfsync.pull-finished")

#: One pulled Salesforce record changed the host. kwargs: ``tenant_id``, ``sobject``,
#: ``record_id``, ``local_id`` (the host contact), ``action`` ("created" | "updated" |
#: "deleted" | "converted" | "merged" | "linked").
record_pulled = _signals.signal("sfsync.record-pulled")

#: Send after changing contacts outside the ORM, before the transaction commits (the host's
#: alternative to :func:`flask_sfsync.queue_contacts`):
#: ``contacts_changed.send(app, tenant_id="42", ids=["7", "9"], deleted=False)``.
contacts_changed = _signals.signal("sfsync.contacts-changed")

#: A host transaction that queued contact changes committed; the job layer enqueues their
#: push. kwargs: ``tenant_ids`` (sorted list).
changes_committed = _signals.signal("sfsync.changes-committed")

__all__ = [
    "changes_committed",
    "connection_established",
    "connection_lost",
    "connection_refreshed",
    "contacts_changed",
    "pull_finished",
    "pull_started",
    "record_failed",
    "record_pulled",
    "record_pushed",
    "send",
    "sync_finished",
    "sync_started",
]


def send(signal: NamedSignal, **kwargs: Any) -> None:
    """Send ``signal`` with the current application as its sender (see the module docstring)."""
    signal.send(current_app._get_current_object(), **kwargs)  # type: ignore[attr-defined]
