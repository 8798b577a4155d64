"""A tenant's push settings: the stored row, and the sync core's ``PushSettings`` built from it."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app

from .ext import get_state
from .sync.settings import PushAs, PushSettings
from .sync_models import DeleteBehaviour, PushSettingsMixin

__all__ = ["core_settings", "default_lead_source", "settings_for", "settings_row"]


def _push_state() -> Any:
    return current_app.extensions["sfsync_push"]


def default_lead_source() -> str:
    """The host's name (``SFSYNC_APP_NAME``, else the Flask app's name), as azzapp does."""
    name = current_app.config.get("SFSYNC_APP_NAME") or current_app.name
    return str(name)


def settings_for(tenant_id: str) -> PushSettingsMixin | None:
    state = _push_state()
    row: PushSettingsMixin | None = get_state().db.session.get(
        state.models.PushSettings, tenant_id
    )
    return row


def settings_row(tenant_id: str) -> PushSettingsMixin:
    """The tenant's row, created (unsaved: nothing is pushed) when missing."""
    row = settings_for(tenant_id)
    if row is None:
        state = _push_state()
        row = cast(Any, state.models.PushSettings)(
            tenant_id=tenant_id,
            saved=False,
            push_as=PushAs.LEAD.value,
            lead_source=default_lead_source(),
            stages=None,
            require_email=True,
            auto_sync=False,
            delete_behaviour=DeleteBehaviour.LEAVE.value,
        )
        get_state().db.session.add(row)
    return row


def core_settings(row: PushSettingsMixin) -> PushSettings:
    cfg = current_app.config
    adapter = _push_state().adapter
    stages = frozenset(row.stages) if row.stages else None
    return PushSettings(
        push_as=PushAs(row.push_as),
        lead_source=(row.lead_source or "").strip() or None,
        stages=stages,
        require_email=row.require_email,
        stage_map=adapter.stage_map,
        field_map=adapter.field_map,
        bulk_threshold=int(cfg["SFSYNC_BULK_THRESHOLD"]),
        # Tenant-scoped: two tenants pushing to one org never claim each other's records.
        external_id_prefix=f"{row.tenant_id}-",
    )
