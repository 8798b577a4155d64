"""The push settings page of the tenant's connection, and "Set up fields"."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..connections import connection_for
from ..ext import get_state
from ..push_settings import default_lead_source, settings_row
from ..sync.settings import PushAs
from ..sync_models import DeleteBehaviour
from ..sync_service import set_up_fields, start_full_sync
from .guard import current_tenant

__all__ = ["fields_view", "settings_view"]

_PUSH_AS = {
    PushAs.LEAD.value: "Leads",
    PushAs.CONTACT.value: "Contacts with their Accounts",
}
_DELETE = {
    DeleteBehaviour.LEAVE.value: "Leave the Salesforce record as it is",
    DeleteBehaviour.DELETE.value: "Delete the Salesforce record (to its recycle bin)",
}


def _form_errors(form: Any, stages: tuple[str, ...]) -> list[str]:
    errors = []
    if form.get("push_as") not in _PUSH_AS:
        errors.append("Choose whether contacts become Leads or Contacts.")
    if form.get("sync_mode") not in ("manual", "auto"):
        errors.append("Choose Manual Sync or Auto Sync.")
    if form.get("delete_behaviour") not in _DELETE:
        errors.append("Choose what happens in Salesforce when a contact is deleted.")
    if len(form.get("lead_source", "")) > 255:
        errors.append("The Lead Source is at most 255 characters.")
    unknown = set(form.getlist("stages")) - set(stages)
    if unknown:
        errors.append(f"Unknown stages: {', '.join(sorted(unknown))}.")
    if form.get("filter_stages") and not form.getlist("stages"):
        errors.append("Choose at least one stage, or push contacts in every stage.")
    return errors


def settings_view() -> str | Response | tuple[str, int]:
    tenant = current_tenant()
    conn = connection_for(tenant)
    adapter = current_app.extensions["sfsync_push"].adapter
    row = settings_row(tenant)
    if request.method == "GET":
        return _render(row, conn, adapter.stages)
    form = request.form
    errors = _form_errors(form, adapter.stages)
    if errors:
        return _render(row, conn, adapter.stages, errors=errors), 400
    was_auto = row.saved and row.auto_sync
    row.push_as = form["push_as"]
    row.lead_source = form.get("lead_source", "").strip() or None
    row.stages = list(form.getlist("stages")) if form.get("filter_stages") else None
    row.require_email = bool(form.get("require_email"))
    row.auto_sync = form["sync_mode"] == "auto"
    row.delete_behaviour = form["delete_behaviour"]
    row.saved = True
    get_state().db.session.commit()
    if row.auto_sync and not was_auto:
        # Auto Sync starts with everything, then follows each change (as azzapp does).
        start_full_sync(tenant)
        flash("Settings saved. Auto Sync is on: a full sync has started.", "success")
    else:
        flash("Settings saved.", "success")
    return redirect(url_for(".sync_settings"))


def _render(row: Any, conn: Any, stages: tuple[str, ...], errors: list[str] | None = None) -> str:
    return render_template(
        "sfsync/settings.html",
        connection=conn,
        settings=row,
        stages=stages,
        push_as_choices=_PUSH_AS,
        delete_choices=_DELETE,
        default_lead_source=default_lead_source(),
        errors=errors or [],
    )


def fields_view() -> Response:
    result = set_up_fields(current_tenant())
    if result["ok"]:
        created = [f for f in result["fields"] if f["state"] == "created"]
        flash(
            f"Salesforce fields are ready ({len(created)} created)." if created
            else "Salesforce fields are ready: they all exist already.",
            "success",
        )
    else:
        flash(result["message"] or "Some fields could not be created.", "warning")
    return redirect(url_for(".sync_settings"))
