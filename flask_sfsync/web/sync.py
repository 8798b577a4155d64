"""Sync Now, the sync page with its live progress, and the JSON status it polls.

:func:`register` adds every push page (these, the settings and the error log) to the
extension's blueprint, so its tenant guard, CSRF check and templates apply to them as to every
other page of the blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from ..db import errorlog, runs
from ..db.models import ConnectionStatus, RunKind
from ..services.actions import set_auto_sync, settings_saved, start_full_sync
from ..services.connections import connection_for
from ..services.status import PULL_KINDS, sync_status
from ..state import get_state
from . import errors, pull, settings
from .guard import current_tenant
from .panel import contacts_by_id
from .safety import ID, safe_next

__all__ = ["auto_sync_view", "register", "status_view", "sync_now_view", "sync_view"]

SKIPPED_SHOWN = 200


def sync_view() -> str:
    tenant = current_tenant()
    state = get_state()
    session, models = state.db.session, state.models
    full = runs.last_run(session, models, tenant, RunKind.FULL)
    skipped = (
        errorlog.skipped_in_run(session, models, full.id, SKIPPED_SHOWN)
        if full is not None else []
    )
    return render_template(
        "sfsync/sync.html",
        connection=connection_for(tenant),
        status=sync_status(tenant),
        runs=runs.recent_runs(session, models, tenant),
        pull_counts=runs.pull_counts,
        pull_count_names=runs.PULL_COUNTS,
        pull_kinds=PULL_KINDS,
        skipped=skipped,
        skipped_contacts=contacts_by_id(tenant, [h.host_id for h in skipped]),
        adapter=state.adapter,
    )


def sync_now_view() -> Response:
    tenant = current_tenant()
    conn = connection_for(tenant)
    target = safe_next(request.form.get("next"), url_for(".sync_page"))
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        flash("Connect Salesforce before syncing.", "error")
    elif not settings_saved(tenant):
        flash("Save the sync settings first: nothing is pushed until they are saved.", "warning")
        return redirect(url_for(".sync_settings"))
    else:
        _, started = start_full_sync(tenant)
        if started:
            flash("Sync started: your contacts are being pushed to Salesforce.", "success")
        else:
            flash("A sync is already running.", "info")
    return redirect(target)


def auto_sync_view() -> Response:
    """The Overview's Auto Sync toggle."""
    tenant = current_tenant()
    conn = connection_for(tenant)
    on = request.form.get("auto_sync") == "on"
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        flash("Connect Salesforce before turning Auto Sync on.", "error")
    elif not settings_saved(tenant):
        flash("Save the sync settings first: nothing is pushed until they are saved.", "warning")
        return redirect(url_for(".sync_settings"))
    elif set_auto_sync(tenant, on):
        flash("Auto Sync is on: everything is being pushed once, then each change.", "success")
    else:
        flash("Auto Sync is on." if on else "Auto Sync is off: push with Sync Now.", "success")
    return redirect(url_for(".integrations"))


def status_view() -> Response:
    response = jsonify(sync_status(current_tenant()))
    response.headers["Cache-Control"] = "no-store"
    return response


_PAGES: list[tuple[str, str, Callable[..., Any], list[str]]] = [
    ("/salesforce/settings", "sync_settings", settings.settings_view, ["GET", "POST"]),
    ("/salesforce/fields", "sync_fields", settings.fields_view, ["POST"]),
    ("/salesforce/pull-settings", "sync_pull_settings", settings.pull_settings_view, ["POST"]),
    ("/salesforce/pull", "sync_pull_now", pull.pull_now_view, ["POST"]),
    ("/salesforce/sync", "sync_page", sync_view, ["GET"]),
    ("/salesforce/sync", "sync_now", sync_now_view, ["POST"]),
    ("/salesforce/auto-sync", "sync_auto", auto_sync_view, ["POST"]),
    ("/salesforce/sync/status.json", "sync_status", status_view, ["GET"]),
    ("/salesforce/errors", "sync_errors", errors.errors_view, ["GET"]),
    ("/salesforce/errors/retry-all", "sync_retry_all", errors.retry_all_view, ["POST"]),
    (f"/salesforce/errors/<{ID}:entry_id>/retry", "sync_retry", errors.retry_view, ["POST"]),
    ("/salesforce/errors/retry/<category>", "sync_retry_category", errors.retry_category_view,
     ["POST"]),
    (f"/salesforce/errors/<{ID}:entry_id>/link", "sync_error_link", errors.link_view,
     ["POST"]),
    (f"/salesforce/errors/<{ID}:entry_id>/push-anyway", "sync_error_push_anyway",
     errors.push_anyway_view, ["POST"]),
    ("/salesforce/contacts/<host_id>/history", "sync_history", errors.history_view, ["GET"]),
]


def register(bp: Blueprint) -> None:
    for rule, endpoint, view, methods in _PAGES:
        bp.add_url_rule(rule, endpoint, view, methods=methods)
