"""A record deleted in Salesforce: flag its host contact (the default) or delete it too.

The pull unlinks a deleted record's contacts (:mod:`flask_sfsync.services.pull`) and, per
contact, asks :func:`apply_deleted` what the tenant's ``pulled_delete`` setting does:

* ``"flag"`` (default): nothing more; the contact shows "Deleted in Salesforce";
* ``"delete"``: the contact is deleted through the adapter
  (:meth:`~flask_sfsync.host.ContactAdapter.delete_pulled`, a Core delete: not pushed back),
  unless Salesforce still has the person or the host changed it since:

  - it is linked to another record, or another live pulled record names it (a duplicate
    still in Salesforce): kept;
  - a change of it waits to be pushed that is newer than the delete (the outbox row's time
    against the deleted record's ``SystemModstamp``, which Salesforce sets to the time of the
    delete, as ``getDeleted`` reports it): kept, so the host's edit is not lost; an older
    waiting change loses to the delete, as the pull's "most recent wins" rule decides
    everywhere else;
  - the host refuses the delete (another row refers to the contact): kept.

  A kept contact is flagged as with ``"flag"``; every outcome is in the contact's history.
"""

from __future__ import annotations

from datetime import datetime

from ..db import contact_rows, links, mirror, outbox, tenant_settings
from ..db.errorlog import record_history
from ..db.models import Models
from ..db.types import aware
from ..host import ContactAdapter, SessionLike
from ..state import get_state
from .context import default_lead_source

__all__ = [
    "DELETE",
    "FLAG",
    "PULLED_DELETES",
    "apply_deleted",
    "pulled_delete_of",
    "save_pulled_delete",
]

FLAG = "flag"
DELETE = "delete"
#: The choices of the setting, and the words the settings page shows for them.
PULLED_DELETES: dict[str, str] = {
    FLAG: "Keep the contact and flag it \u201cDeleted in Salesforce\u201d",
    DELETE: "Delete the contact here too (unless it changed here since, or Salesforce still "
            "has another record of it)",
}

#: What :func:`apply_deleted` returns.
FLAGGED, DELETED, KEPT = "flagged", "deleted", "kept"


def apply_deleted(
    session: SessionLike,
    models: Models,
    adapter: ContactAdapter,
    tenant_id: str,
    host_id: str,
    *,
    setting: str,
    record: tuple[str, str],
    deleted_at: datetime,
) -> str:
    """What the setting does to the contact of a record deleted in Salesforce, once the pull
    has unlinked it: ``"flagged"`` (``setting`` is "flag"), ``"deleted"``, or ``"kept"`` (see
    the module docstring). ``record``: the deleted record's (object, id); ``deleted_at``: its
    ``SystemModstamp``. In the pull's transaction: not committed."""
    if setting != DELETE:
        return FLAGGED
    session.flush()  # the pull's unlink (ORM) and mirror row, before they are looked at
    why = _reason_to_keep(session, models, tenant_id, host_id, record, deleted_at)
    if why is None and not adapter.delete_pulled(session, tenant_id, host_id):
        why = "the app refused to delete it (another record of the app refers to it)"
    if why is not None:
        _history(session, models, tenant_id, host_id, record, "pulled", "kept",
                 f"Deleted in Salesforce; kept here: {why}.")
        return KEPT
    outbox.drop_contacts(session, models, tenant_id, [host_id])
    contact_rows.resolve_errors_of(session, models, tenant_id, [host_id])
    _history(session, models, tenant_id, host_id, record, "deleted", "delete",
             "Deleted in Salesforce: deleted here too (the pull's delete setting).")
    return DELETED


def _reason_to_keep(
    session: SessionLike, models: Models, tenant_id: str, host_id: str,
    record: tuple[str, str], deleted_at: datetime,
) -> str | None:
    if links.held_links(session, models, tenant_id, [host_id]):
        return "it is linked to another Salesforce record"
    others = [r for r in mirror.mirror_by_host(session, models, tenant_id, [host_id]).get(
        host_id, ()) if r.sf_id != record[1] and not r.is_deleted and not r.is_converted]
    if others:
        return f"Salesforce still has {others[0].sobject} {others[0].sf_id} for it"
    waiting = aware(mirror.pending_changes(session, models, tenant_id, [host_id]).get(host_id))
    deleted = aware(deleted_at)
    if waiting is not None and deleted is not None and waiting > deleted:
        return "it changed here after the delete (the change waits to be pushed)"
    return None


def _history(
    session: SessionLike, models: Models, tenant_id: str, host_id: str,
    record: tuple[str, str], status: str, action: str, detail: str,
) -> None:
    record_history(session, models, [{
        "tenant_id": tenant_id, "host_id": host_id, "run_id": None, "status": status,
        "action": action, "sobject": record[0], "sf_id": record[1], "detail": detail,
    }])


# -- the setting --------------------------------------------------------------------------------


def pulled_delete_of(tenant_id: str) -> str:
    """The tenant's choice ("flag" until it chose); reads only."""
    state = get_state()
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    return str(row.pulled_delete) if row is not None and row.pulled_delete else FLAG


def save_pulled_delete(tenant_id: str, choice: str) -> None:
    """Save the choice (committed); :class:`ValueError` for anything but "flag" or "delete".
    Applies from the next pulled delete on (records already flagged stay)."""
    if choice not in PULLED_DELETES:
        raise ValueError(f"pulled_delete must be one of {sorted(PULLED_DELETES)}")
    state = get_state()
    row = tenant_settings.settings_row(state.db.session, state.models, tenant_id,
                                       lead_source=default_lead_source())
    row.pulled_delete = choice
    state.db.session.commit()
