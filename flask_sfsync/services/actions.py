"""What a person (or a host's code) asks the push to do: Sync Now, Retry, save the settings.

Each records the work in the database first and then asks the job layer for a drain, so a
lost enqueue (Redis down) loses nothing: the sweep finds the work again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from ..db import errorlog, links, outbox, runs, tenant_settings
from ..db.models import DeleteBehaviour, OutboxOp, RunKind, SyncRunMixin, SyncSettingsMixin
from ..state import get_state
from ..sync import PushAs
from .context import default_lead_source

__all__ = [
    "TYPE_CHANGES",
    "SettingsChoice",
    "linked_counts",
    "retry_errors",
    "save_settings",
    "settings_of",
    "settings_saved",
    "start_full_sync",
]


@dataclass(frozen=True)
class SettingsChoice:
    """What the settings page asks (also for tests and provisioning scripts)."""

    push_as: PushAs = PushAs.LEAD
    lead_source: str | None = None
    #: Host stages to push; None pushes every stage.
    stages: Sequence[str] | None = None
    require_email: bool = True
    auto_sync: bool = False
    delete_behaviour: DeleteBehaviour = DeleteBehaviour.LEAVE
    #: When ``push_as`` changes, contacts already in Salesforce as the other object:
    #: "keep" goes on updating those records; "new" starts records of the new object
    #: (their old records stay in Salesforce, no longer updated).
    type_change: str = "keep"


#: What happens to records already pushed when "push as" changes (see SettingsChoice).
TYPE_CHANGES = frozenset({"keep", "new"})


def linked_counts(tenant_id: str) -> dict[str, int]:
    """The tenant's contacts in Salesforce, per object (``{"Lead": 12, "Contact": 3}``)."""
    state = get_state()
    return links.linked_counts(state.db.session, state.models, tenant_id)


def settings_of(tenant_id: str) -> SyncSettingsMixin:
    """The tenant's settings row (created unsaved when missing; not committed)."""
    state = get_state()
    return tenant_settings.settings_row(
        state.db.session, state.models, tenant_id, lead_source=default_lead_source()
    )


def settings_saved(tenant_id: str) -> bool:
    state = get_state()
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    return bool(row is not None and row.saved)


def save_settings(tenant_id: str, choice: SettingsChoice) -> bool:
    """Save the tenant's push settings. Switching Auto Sync on starts a full sync (everything
    first, then each change, as azzapp does); returns whether one started."""
    if choice.type_change not in TYPE_CHANGES:
        raise ValueError(f"type_change must be one of {sorted(TYPE_CHANGES)}")
    state = get_state()
    row = settings_of(tenant_id)
    was_auto = row.saved and row.auto_sync
    if row.push_as != choice.push_as.value:
        # Records already pushed as the other object: go on updating them, or leave them
        # and match only records of the new object from now on.
        row.match_other_type = choice.type_change == "keep"
        if not row.match_other_type:
            links.forget_links_not_of(
                state.db.session, state.models, tenant_id, choice.push_as.value
            )
    row.push_as = choice.push_as.value
    row.lead_source = (choice.lead_source or "").strip() or None
    row.stages = list(choice.stages) if choice.stages is not None else None
    row.require_email = choice.require_email
    row.auto_sync = choice.auto_sync
    row.delete_behaviour = choice.delete_behaviour.value
    row.saved = True
    state.db.session.commit()
    if row.auto_sync and not was_auto:
        start_full_sync(tenant_id)
        return True
    return False


def start_full_sync(tenant_id: str) -> tuple[SyncRunMixin, bool]:
    """Queue a full push (Sync Now). Returns (run, started): a running one is returned as is."""
    state = get_state()
    session, models = state.db.session, state.models
    current = runs.active_run(session, models, tenant_id)
    if current is not None:
        return current, False
    total = state.contact_adapter().count(session, tenant_id)
    run = runs.new_run(session, models, tenant_id, RunKind.FULL, total=total)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        # Another request started one between our look and our insert (the unique index
        # allows one active full sync): that one covers this request.
        session.rollback()
        current = runs.active_run(session, models, tenant_id)
        if current is None:  # and it already ended: start ours after all
            return start_full_sync(tenant_id)
        return current, False
    state.jobs.enqueue_drain(tenant_id)
    return run, True


def retry_errors(tenant_id: str, entry_ids: Sequence[int] | None = None) -> int:
    """Push the contacts of these open error-log entries again (None: every open entry)."""
    state = get_state()
    session, models = state.db.session, state.models
    host_ids = errorlog.error_host_ids(session, models, tenant_id, entry_ids)
    outbox.add(session, models, ((tenant_id, h, OutboxOp.RETRY) for h in host_ids))
    session.commit()
    if host_ids:
        state.jobs.enqueue_drain(tenant_id)
    return len(host_ids)
