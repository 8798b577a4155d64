"""Our custom fields in the tenant's org: "Set up fields", and whether a push must first try.

The setup is idempotent (it creates only what is missing) and stores what it found on the
tenant's settings row, which the settings page shows.
"""

from __future__ import annotations

from typing import Any

from ..db import tenant_settings
from ..db.types import utcnow
from ..salesforce import SalesforceError
from ..state import get_state
from ..sync import EXTERNAL_ID_FIELD, NO_PERMISSION_CODES, ensure_fields, specs_for
from .context import SyncContext, open_context

__all__ = ["fields_need_setup", "set_up_fields", "set_up_fields_in"]


def fields_need_setup(tenant_id: str) -> bool:
    """Should a push first try to create our fields again?

    Yes when fields are set up on connect, our external ID field is not known to exist, and
    Salesforce did not say the user may not create fields: a setup that met a passing failure
    (Salesforce down or locked at connect time) is tried again before records go out, so
    upserts can use the external ID rather than links and email alone.
    """
    state = get_state()
    if not state.settings.setup_fields_on_connect:
        return False
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    known = (row.fields_state if row is not None else None) or []
    external = [f for f in known if f["name"] == EXTERNAL_ID_FIELD]
    if external and all(f["state"] in ("exists", "created") for f in external):
        return False
    refused = any(str(f.get("error") or "").split(":")[0] in NO_PERMISSION_CODES for f in known)
    return not refused


def set_up_fields(tenant_id: str) -> dict[str, Any]:
    """Create our custom fields (idempotent) in a context of its own (the page's action)."""
    try:
        ctx = open_context(tenant_id)
    except SalesforceError:
        return {"fields": [], "message": "Connect Salesforce first.", "ok": False}
    try:
        return set_up_fields_in(ctx)
    finally:
        ctx.close()


def set_up_fields_in(ctx: SyncContext) -> dict[str, Any]:
    """Create our custom fields with the job's API and describe cache, store which exist;
    a clear message when the connected user may not create fields."""
    row = ctx.row
    result: dict[str, Any] = {"fields": [], "message": None, "ok": False}
    try:
        # Only the fields the host maps: nothing else is created in the customer's org.
        specs = specs_for(ctx.adapter.mapped_keys)
        setup = ensure_fields(ctx.api, cache=ctx.describe, specs=specs)
    except SalesforceError as exc:
        result["message"] = f"The fields could not be checked: {exc}"
        row.fields_message = result["message"]
        ctx.session.commit()
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
    ctx.session.commit()
    return result
