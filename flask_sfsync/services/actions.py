"""What a person (or a host's code) asks the sync to do: Sync Now, Retry, save the settings,
and the error log's fixes (link a duplicate to the existing record, push it anyway, retry a
category), Pull now.

Each records the work in the database first and then asks the job layer for a drain, so a
lost enqueue (Redis down) loses nothing: the sweep finds the work again.

A Retry goes the way the entry came: a push's entry puts its contact in the outbox again; a
pull's entry (a Salesforce value the host refused) is one more pull of that Salesforce record
only, through a queued pull run (:func:`flask_sfsync.db.runs.queue_pull_retry`) that its
entries point at, so the log shows them queued until that pull has run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from ..db import connections as connection_store
from ..db import errorlog, links, mirror, outbox, runs, tenant_settings
from ..db.models import (
    ConnectionStatus,
    DeleteBehaviour,
    OutboxOp,
    RunKind,
    SyncErrorMixin,
    SyncRunMixin,
    SyncSettingsMixin,
)
from ..db.types import utcnow
from ..salesforce import SalesforceFailure
from ..state import get_state
from ..sync import HostContact, Link, PushAs
from ..sync.failures import Category
from ..sync.push.plan import OrgSchema, draft
from .context import default_lead_source, open_context
from .failures import category_codes, sobject_of_id
from .pulled_delete import PULLED_DELETES, pulled_delete_of

__all__ = [
    "TYPE_CHANGES",
    "FixRefused",
    "Linked",
    "Retried",
    "SettingsChoice",
    "link_to_existing",
    "linked_counts",
    "pull_now",
    "pull_settings_of",
    "push_anyway",
    "retry",
    "retry_category",
    "retry_errors",
    "retry_pull_errors",
    "save_pull_settings",
    "save_settings",
    "set_auto_sync",
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


def set_auto_sync(tenant_id: str, on: bool) -> bool:
    """Auto Sync on or off, keeping the other settings (the Overview's toggle). Turning it on
    pushes everything once, then each change; returns whether a full sync started. The
    settings must have been saved once (nothing is pushed before that)."""
    state = get_state()
    row = settings_of(tenant_id)
    if not row.saved:
        raise RuntimeError("save the sync settings first")
    was_on = row.auto_sync
    row.auto_sync = on
    state.db.session.commit()
    if on and not was_on:
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


@dataclass(frozen=True)
class Retried:
    """What a Retry queued: contacts to push again, Salesforce records to pull again."""

    pushed: int = 0
    pulled: int = 0
    #: Pull entries that could not be queued (the job queue was unreachable).
    not_queued: int = 0

    @property
    def total(self) -> int:
        return self.pushed + self.pulled


#: A pull Retry whose job could not be enqueued: its run says so and its entries are open again.
PULL_RETRY_NOT_QUEUED = "The job queue could not be reached: nothing was pulled. Retry again."


def retry(
    tenant_id: str, entry_ids: Sequence[int] | None = None, *, codes: Sequence[str] | None = None
) -> Retried:
    """Retry these open entries of the tenant (None: every open one; ``codes``: of these error
    codes only), each the way it came: a push's contact is pushed again, a pull's Salesforce
    record pulled again."""
    state = get_state()
    session, models = state.db.session, state.models
    host_ids = errorlog.error_host_ids(session, models, tenant_id, entry_ids, codes=codes)
    pushed = _queue(tenant_id, host_ids, OutboxOp.RETRY)
    pulls = errorlog.pull_entries(session, models, tenant_id, entry_ids, codes=codes)
    pulled = _retry_pulls(tenant_id, pulls)
    return Retried(pushed, pulled, len({e.sf_id for e in pulls}) - pulled)


def retry_errors(tenant_id: str, entry_ids: Sequence[int] | None = None) -> int:
    """Retry these open error-log entries (None: every open entry): the contacts of the push's
    entries are pushed again, the records of the pull's entries pulled again; how many."""
    return retry(tenant_id, entry_ids).total


def retry_pull_errors(tenant_id: str, entry_ids: Sequence[int]) -> int:
    """Pull the Salesforce records of these open pull entries of the tenant again (one pull,
    of those records only); how many records were queued (0: none of them is an open pull
    entry of this tenant, or the job queue could not be reached)."""
    state = get_state()
    found = errorlog.pull_entries(state.db.session, state.models, tenant_id, entry_ids)
    return _retry_pulls(tenant_id, found)


def _retry_pulls(tenant_id: str, entries: Sequence[SyncErrorMixin]) -> int:
    if not entries:
        return 0
    state = get_state()
    session, models = state.db.session, state.models
    sf_ids = sorted({str(e.sf_id) for e in entries})
    run = runs.queue_pull_retry(session, models, tenant_id)
    errorlog.wait_for_run(session, models, tenant_id, [e.id for e in entries], run.id)
    session.commit()
    if state.jobs.enqueue_pull(tenant_id, retry=sf_ids):
        return len(sf_ids)
    # No job will take the run: say so, and the entries show Retry again.
    runs.stop(run, PULL_RETRY_NOT_QUEUED)
    session.commit()
    return 0


# -- the error log's fixes ----------------------------------------------------------------------


class FixRefused(ValueError):
    """The fix does not apply to this entry (the message says why, for the person)."""


@dataclass(frozen=True)
class Linked:
    """A contact now linked to an existing Salesforce record."""

    host_id: str
    sobject: str
    sf_id: str
    #: The tenant's other contacts linked to the same record.
    shared_with: tuple[str, ...]


def _open_entry(tenant_id: str, entry_id: int) -> SyncErrorMixin:
    state = get_state()
    entry = errorlog.own_entry(state.db.session, state.models, tenant_id, entry_id)
    if entry is None:
        raise LookupError(f"no error-log entry {entry_id} of this tenant")
    if entry.resolved_at is not None:
        raise FixRefused("This entry is already resolved.")
    return entry


def link_to_existing(tenant_id: str, entry_id: int) -> Linked:
    """A DUPLICATES_DETECTED entry's contact becomes the contact of the record the duplicate
    rule matched (another contact's, or one made in Salesforce): a link row, the entry
    resolved, nothing pushed. Its later changes update that record.

    The link remembers what the contact's values push as now, so the next sync does not
    write this contact's values over the record's (when Salesforce cannot be asked for the
    fields' describe, the next push writes them)."""
    state = get_state()
    session, models = state.db.session, state.models
    entry = _open_entry(tenant_id, entry_id)
    if not entry.duplicate_id:
        raise FixRefused("Salesforce named no matching record for this entry: Retry it, or "
                         "Push anyway.")
    sf_id = str(entry.duplicate_id)
    others = [k for k in links.linked_to(session, models, tenant_id, [sf_id]).get(sf_id, ())
              if k.host_id != entry.host_id]
    sobject = others[0].sobject if others else sobject_of_id(sf_id, entry.sobject)
    host_id = entry.host_id
    values = state.contact_adapter().load_sync(session, tenant_id, [host_id])
    if not values:
        raise FixRefused("This contact no longer exists here: there is nothing to link.")
    print_ = _in_step_fingerprint(tenant_id, values, sobject, sf_id)
    links.link_contact(session, models, tenant_id, host_id, sobject, sf_id, print_)
    errorlog.resolve(session, models, tenant_id, [entry.id])
    errorlog.record_history(session, models, [{
        "tenant_id": tenant_id, "host_id": host_id, "run_id": None, "status": "linked",
        "action": None, "sobject": sobject, "sf_id": sf_id,
        "detail": "Linked to the existing Salesforce record the duplicate rule matched",
    }])
    session.commit()
    return Linked(host_id, sobject, sf_id, tuple(k.host_id for k in others))


def _in_step_fingerprint(
    tenant_id: str, values: list[HostContact], sobject: str, sf_id: str
) -> str | None:
    """The fingerprint the next push computes for the contact (``values``, as the adapter
    reads it) linked to ``sf_id``: with it the contact counts as unchanged. None when it
    cannot be known now."""
    host_id = str(values[0]["id"])
    try:
        ctx = open_context(tenant_id)
    except SalesforceFailure:
        return None
    try:
        push = ctx.push
        # Usually the describes the push cached (no call); else two describes.
        schema = OrgSchema(ctx.describe.get(ctx.api, "Lead"),
                           ctx.describe.get(ctx.api, "Contact"), push.external_id_field)
        drafts, _ = draft(values, push, schema, {host_id: Link(host_id, sobject, sf_id, None)},
                          {})
    except SalesforceFailure:
        return None
    finally:
        ctx.close()
    return drafts[0].fingerprint if drafts else None


def push_anyway(tenant_id: str, entry_id: int) -> None:
    """Push a DUPLICATES_DETECTED entry's contact again, acknowledging the duplicate rule's
    alert (``allowSave``) for this contact only; the entry resolves when Salesforce saves it.
    A rule that blocks (rather than alerts) refuses it again."""
    entry = _open_entry(tenant_id, entry_id)
    if entry.error_code != "DUPLICATES_DETECTED":
        raise FixRefused("Push anyway is for records a duplicate rule refused.")
    _queue(tenant_id, [entry.host_id], OutboxOp.ALLOW_SAVE)


def retry_category(tenant_id: str, category: Category) -> Retried:
    """Retry the open entries of ``category`` (pushed or pulled again, as :func:`retry`)."""
    codes = category_codes(tenant_id, category)
    if not codes:
        return Retried()
    return retry(tenant_id, None, codes=codes)


def _queue(tenant_id: str, host_ids: Sequence[str], op: OutboxOp) -> int:
    state = get_state()
    session, models = state.db.session, state.models
    outbox.add(session, models, ((tenant_id, h, op) for h in host_ids))
    session.commit()
    if host_ids:
        state.jobs.enqueue_drain(tenant_id)
    return len(host_ids)


def pull_settings_of(tenant_id: str) -> dict[str, object]:
    """The pull's settings as the tenant saved them: ``show_in_host`` per pulled object (off
    until turned on), ``pull_interval`` (None: ``SFSYNC_PULL_INTERVAL``; 0: only when asked)
    and ``pulled_delete`` (what a record deleted in Salesforce does here). Reads only."""
    state = get_state()
    session, models = state.db.session, state.models
    rows = mirror.read_pull_states(session, models, tenant_id)
    settings = tenant_settings.settings_for(session, models, tenant_id)
    return {
        "show_in_host": {
            sobject: bool(rows[sobject].show_in_host) if sobject in rows else False
            for sobject in mirror.PULLED_OBJECTS
        },
        "pull_interval": settings.pull_interval if settings is not None else None,
        "pulled_delete": pulled_delete_of(tenant_id),
    }


def save_pull_settings(
    tenant_id: str, show_in_host: Mapping[str, bool], pull_interval: int | None,
    pulled_delete: str | None = None,
) -> None:
    """Save the pull's settings, in one commit: per object whether a pulled record that
    matches no host contact creates one, the seconds between two pulls (None: the default;
    0: only when someone presses Pull now), and what a record deleted in Salesforce does to
    its contact (one of :data:`~flask_sfsync.services.pulled_delete.PULLED_DELETES`; None:
    unchanged). Objects not in ``show_in_host`` keep their setting. The interval applies from
    the next pull on, the delete choice from the next pulled delete on."""
    if pull_interval is not None and pull_interval < 0:
        raise ValueError("pull_interval must be 0 or more (None: the default)")
    if pulled_delete is not None and pulled_delete not in PULLED_DELETES:
        raise ValueError(f"pulled_delete must be one of {sorted(PULLED_DELETES)}")
    state = get_state()
    session, models = state.db.session, state.models
    for sobject, on in show_in_host.items():
        mirror.set_show_in_host(session, models, tenant_id, sobject, bool(on))
    row = settings_of(tenant_id)
    before = tenant_settings.pull_interval_of(row, state.settings.pull_interval)
    row.pull_interval = pull_interval
    if pulled_delete is not None:
        row.pulled_delete = pulled_delete
    after = tenant_settings.pull_interval_of(row, state.settings.pull_interval)
    if after != before:
        # The pull waiting on the old interval gives way: the next one is an interval away.
        row.next_pull_at = utcnow() + timedelta(seconds=after) if after else None
    session.commit()
    if after != before and _connected(tenant_id):
        if after:
            state.jobs.enqueue_pull(tenant_id, delay=float(after), replace=True)
        else:
            state.jobs.stop_pull_schedule(tenant_id)


def _connected(tenant_id: str) -> bool:
    state = get_state()
    conn = connection_store.connection_for(state.db.session, state.models, tenant_id)
    return conn is not None and conn.status == ConnectionStatus.CONNECTED


def pull_now(tenant_id: str) -> bool:
    """Pull now, reading every record again (the Overview's Pull now); whether it was queued
    (False: the job queue could not be reached)."""
    return get_state().jobs.enqueue_pull(tenant_id, full=True)
