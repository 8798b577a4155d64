"""Turning the push sync on for an application, and the actions its pages offer.

::

    sfsync = SFSync(app, db=db, contact_adapter=ContactAdapter(Contact, tenant="team_id", ...))

``init_app`` then adds the settings, sync and error-log pages to the extension's blueprint and
calls :func:`init_push`, which tracks the adapter's model, adds the ``flask sfsync sweep``
command, and creates our custom fields in an org as soon as it is connected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

from . import outbox, signals, tracking
from .adapters import ContactAdapter
from .connections import connection_for
from .ext import get_state
from .models import ConnectionStatus, utcnow
from .push_settings import settings_for, settings_row
from .salesforce.custom_fields import EXTERNAL_ID_FIELD, NO_PERMISSION_CODES, ensure_fields
from .salesforce.errors import SalesforceFailure
from .salesforce.exceptions import ReconnectNeeded as ClientReconnectNeeded
from .salesforce.exceptions import SalesforceAuthError
from .sync_jobs import enqueue_drain, redis_for, setup_fields_job
from .sync_models import (
    ACTIVE_RUN_STATUSES,
    OutboxOp,
    RunKind,
    RunStatus,
    SyncModels,
    SyncRunMixin,
    sync_models_for,
)

__all__ = [
    "PushState",
    "init_push",
    "retry_errors",
    "set_up_fields",
    "start_full_sync",
]

log = logging.getLogger(__name__)


@dataclass
class PushState:
    """``app.extensions["sfsync_push"]``."""

    adapter: ContactAdapter
    db: SQLAlchemy
    models: SyncModels


def init_push(app: Flask, adapter: ContactAdapter) -> PushState:
    """Turn the push sync on for ``app``: called by ``SFSync.init_app`` when it is given a
    ``contact_adapter`` (which also adds the push pages to the blueprint)."""
    if "sfsync_push" in app.extensions:
        raise RuntimeError("the push sync is already initialised on this application")
    sfsync_state = get_state(app)
    state = PushState(adapter=adapter, db=sfsync_state.db, models=sync_models_for(sfsync_state.db))
    app.extensions["sfsync_push"] = state
    tracking.install(sfsync_state.db)
    from .sweep import register_cli
    from .views import errorlog

    register_cli()
    signals.connection_established.connect(_on_connected, app, weak=False)
    app.jinja_env.globals["sfsync_push_status"] = _current_status
    app.jinja_env.globals["sfsync_contact_sync"] = errorlog.contact_sync_panel
    return state


def _current_status() -> dict[str, Any]:
    """For templates: the push status of the tenant whose page this is."""
    from flask import g

    from .progress import sync_status

    return sync_status(str(g.sfsync_tenant))


def push_state() -> PushState:
    state: PushState = current_app.extensions["sfsync_push"]
    return state


def _on_connected(sender: Flask, **kwargs: Any) -> None:
    """A new or renewed connection: set up our fields, push what waited for it."""
    tenant_id = str(kwargs["tenant_id"])
    if current_app.config["SFSYNC_SETUP_FIELDS_ON_CONNECT"]:
        try:
            from rq import Queue

            Queue(current_app.config["SFSYNC_QUEUE_NAME"], connection=redis_for()).enqueue(
                setup_fields_job, tenant_id
            )
        except Exception as exc:  # Redis down must not break the OAuth callback
            log.warning("could not enqueue the field setup of tenant %s: %s", tenant_id, exc)
    enqueue_drain(tenant_id)


# -- actions of the pages ---------------------------------------------------------------------


def active_run(tenant_id: str, kind: RunKind | None = RunKind.FULL) -> SyncRunMixin | None:
    state = push_state()
    run = state.models.SyncRun
    query = sa.select(run).where(
        run.tenant_id == tenant_id, run.status.in_([s.value for s in ACTIVE_RUN_STATUSES])
    )
    if kind is not None:
        query = query.where(run.kind == kind.value)
    result: SyncRunMixin | None = state.db.session.scalar(query.order_by(run.id.desc()).limit(1))
    return result


def start_full_sync(tenant_id: str) -> tuple[SyncRunMixin, bool]:
    """Queue a full push (Sync Now). Returns (run, started): a running one is returned as is."""
    current = active_run(tenant_id)
    if current is not None:
        return current, False
    state = push_state()
    run = cast(Any, state.models.SyncRun)(
        tenant_id=tenant_id, kind=RunKind.FULL.value, status=RunStatus.QUEUED.value,
        total=state.adapter.count(state.db.session, tenant_id), done=0, pushed=0, skipped=0,
        unchanged=0, failed=0, api_calls=0, created_at=utcnow(),
    )
    state.db.session.add(run)
    state.db.session.commit()
    enqueue_drain(tenant_id)
    return run, True


def retry_errors(tenant_id: str, entry_ids: list[int] | None = None) -> int:
    """Push the contacts of these open error-log entries again (None: every open entry)."""
    state = push_state()
    model = state.models.SyncError
    query = sa.select(model.host_id).where(
        model.tenant_id == tenant_id, model.resolved_at.is_(None)
    )
    if entry_ids is not None:
        query = query.where(model.id.in_(entry_ids))
    host_ids = sorted(set(state.db.session.scalars(query)))
    outbox.add(state.db.session, state.models, tenant_id, host_ids, OutboxOp.RETRY)
    state.db.session.commit()
    if host_ids:
        enqueue_drain(tenant_id)
    return len(host_ids)


def fields_need_setup(tenant_id: str) -> bool:
    """Should a push first try to create our fields again?

    Yes when fields are set up on connect, our external ID field is not known to exist, and
    Salesforce did not say the user may not create fields: a setup that met a passing failure
    (Salesforce down or locked at connect time) is tried again before records go out, so
    upserts can use the external ID rather than links and email alone.
    """
    if not current_app.config["SFSYNC_SETUP_FIELDS_ON_CONNECT"]:
        return False
    known = settings_row(tenant_id).fields_state or []
    external = [f for f in known if f["name"] == EXTERNAL_ID_FIELD]
    if external and all(f["state"] in ("exists", "created") for f in external):
        return False
    refused = any(str(f.get("error") or "").split(":")[0] in NO_PERMISSION_CODES for f in known)
    return not refused


def set_up_fields(tenant_id: str) -> dict[str, Any]:
    """Create our custom fields (idempotent) and store which exist; a clear message when the
    connected user may not create fields."""
    from .sync_runner import make_api

    state = push_state()
    row = settings_row(tenant_id)
    conn = connection_for(tenant_id)
    result: dict[str, Any] = {"fields": [], "message": None, "ok": False}
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        result["message"] = "Connect Salesforce first."
        return result
    try:
        from .salesforce.describe import DescribeCache

        setup = ensure_fields(make_api(conn), cache=DescribeCache())
    except (SalesforceFailure, SalesforceAuthError, ClientReconnectNeeded) as exc:
        result["message"] = f"The fields could not be checked: {exc}"
        row.fields_message = result["message"]
        state.db.session.commit()
        return result
    result["fields"] = [
        {
            "sobject": f.sobject, "name": f.name, "label": f.label, "state": f.state.value,
            "error": f"{f.error.status_code}: {f.error.message}" if f.error else None,
        }
        for f in setup.fields
    ]
    result["ok"] = setup.external_id_ready
    result["message"] = setup.message or None
    row.fields_state = result["fields"]
    row.fields_message = result["message"]
    row.fields_checked_at = utcnow()
    state.db.session.commit()
    return result


def open_error_count(tenant_id: str) -> int:
    state = push_state()
    model = state.models.SyncError
    query = sa.select(sa.func.count()).select_from(model).where(
        model.tenant_id == tenant_id, model.resolved_at.is_(None)
    )
    return int(state.db.session.scalar(query) or 0)


def settings_saved(tenant_id: str) -> bool:
    row = settings_for(tenant_id)
    return bool(row is not None and row.saved)
