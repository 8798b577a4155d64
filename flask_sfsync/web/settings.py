"""The settings page of the tenant's connection (the push's settings and the pull's own small
form), and "Set up fields"."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..services.actions import (
    linked_counts,
    pull_settings_of,
    save_pull_settings,
    save_settings,
    settings_of,
)
from ..services.connections import connection_for
from ..services.context import default_lead_source
from ..services.fields import set_up_fields
from ..state import get_state
from .forms import PullSettingsForm, SettingsForm
from .guard import current_tenant

__all__ = ["fields_view", "pull_settings_view", "settings_view"]


def settings_view() -> str | Response | tuple[str, int]:
    tenant = current_tenant()
    stages = get_state().contact_adapter().stages
    row = settings_of(tenant)
    if request.method == "GET":
        return _render(SettingsForm.from_row(row, stages, default_lead_source()), row)
    form = SettingsForm(request.form, stages=stages)
    if not form.validate():
        return _render(form, row), 400
    if save_settings(tenant, form.choice()):
        flash("Settings saved. Auto Sync is on: a full sync has started.", "success")
    else:
        flash("Settings saved.", "success")
    return redirect(url_for(".sync_settings"))


def pull_settings_view() -> str | Response | tuple[str, int]:
    """The "Pull from Salesforce" section's own form (POST)."""
    tenant = current_tenant()
    form = PullSettingsForm(request.form)
    if not form.validate():
        stages = get_state().contact_adapter().stages
        row = settings_of(tenant)
        push_form = SettingsForm.from_row(row, stages, default_lead_source())
        return _render(push_form, row, form), 400
    save_pull_settings(tenant, form.shown(), form.interval(), form.delete_choice())
    flash("Pull settings saved.", "success")
    return redirect(url_for(".sync_settings") + "#sfsync-pull-settings")


def _render(form: SettingsForm, row: object, pull_form: PullSettingsForm | None = None) -> str:
    tenant = current_tenant()
    return render_template(
        "sfsync/settings.html",
        connection=connection_for(tenant),
        settings=row,
        form=form,
        pull_form=pull_form or PullSettingsForm.from_saved(pull_settings_of(tenant)),
        default_pull_interval=get_state().settings.pull_interval,
        # With a company adapter the pull matches and creates the host's companies.
        companies=get_state().companies is not None,
        host_name=default_lead_source(),  # the host's name, as the Lead Source's default
        linked=linked_counts(tenant),
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
