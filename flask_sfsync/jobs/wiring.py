"""The signals the job layer answers for one application.

* :data:`~flask_sfsync.signals.changes_committed` (a host commit queued contact changes):
  a drain per tenant, so Auto Sync follows within a second;
* :data:`~flask_sfsync.signals.connection_established` (a new or renewed connection): our
  custom fields are set up (``SFSYNC_SETUP_FIELDS_ON_CONNECT``), what waited is pushed and
  the first pull starts (unless the tenant's pull interval is 0: only when asked).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from .. import signals
from ..db import tenant_settings
from ..state import get_state

__all__ = ["connect_signals"]


def connect_signals(app: Flask) -> None:
    signals.changes_committed.connect(_on_changes_committed, app, weak=False)
    signals.connection_established.connect(_on_connected, app, weak=False)


def _on_changes_committed(sender: Flask, **kwargs: Any) -> None:
    jobs = get_state(sender).jobs
    for tenant_id in kwargs["tenant_ids"]:
        jobs.enqueue_drain(tenant_id)  # never raises: the sweep covers a lost enqueue


def _on_connected(sender: Flask, **kwargs: Any) -> None:
    state = get_state(sender)
    tenant_id = str(kwargs["tenant_id"])
    if state.adapter is None:
        return  # connect only: nothing to set up or push
    if state.settings.setup_fields_on_connect:
        state.jobs.enqueue_field_setup(tenant_id)
    state.jobs.enqueue_drain(tenant_id)
    # Pull is on once connected, unless the tenant's interval (or, without one, the app's
    # default) is 0: it then pulls only when someone presses Pull now.
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    if tenant_settings.pull_interval_of(row, state.settings.pull_interval) > 0:
        state.jobs.enqueue_pull(tenant_id)
