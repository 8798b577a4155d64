"""The host merged contacts: one link survives, the others are dropped, nothing is merged in
Salesforce.

The host calls :meth:`flask_sfsync.SFSync.contacts_merged` in the transaction that merges
(after deleting the merged contacts, before its commit)::

    survivor.phone = survivor.phone or loser.phone
    db.session.delete(loser)
    sfsync.contacts_merged(team_id, survivor.id, [loser.id])
    db.session.commit()

Then, in that one transaction:

* the survivor's link: a Contact link is preferred over a Lead (the pull prefers a Contact
  record for one person too: keeping the Lead would have the next pull move the link anyway),
  then the survivor's own link, then the most recently pushed; the survivor keeps or takes
  it, its fingerprint forgotten so the next push writes the survivor's merged values there;
* every other link of these contacts is dropped: its record stays in Salesforce as it is,
  never written again (nor deleted: a Delete the host's own delete queued finds no link);
* the merged contacts' waiting changes and open error-log entries go; with Auto Sync on, the
  survivor gets a waiting change (pushed within seconds after the commit);
* pulled records that named a merged contact name the survivor: two records for it now is a
  "Potential duplicate in Salesforce" (a person merges them there), a deleted one shows
  "Deleted in Salesforce" when the survivor has no link;
* the survivor's history (and each merged contact's) says what happened.

A merged contact that the adapter still finds is refused: the next Sync Now would push it
again (by its external ID, to the record its dropped link named). Tenant-scoped: a contact
of another tenant, as the survivor or among the merged, is refused (LookupError) before
anything changes, and every row changed is the tenant's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..db import contact_rows, links, outbox, tenant_settings
from ..db.errorlog import record_history
from ..db.links import HeldLink
from ..db.tracking import queue_contacts
from ..state import get_state

__all__ = ["MergeResult", "choose_link", "merge_contacts"]

# Pushed before anything else: a link never pushed (the pull made it) sorts first.
_NEVER = datetime.min


@dataclass(frozen=True)
class MergeResult:
    """What a host merge did."""

    survivor_id: str
    #: The survivor's link now, as (object, Salesforce id); None: it has none.
    kept: tuple[str, str] | None
    #: The links dropped, as (host id, object, Salesforce id): never pushed to again.
    dropped: tuple[tuple[str, str, str], ...]
    #: Waiting changes of the merged contacts that were dropped (outbox rows).
    changes_dropped: int
    #: Pulled records that named a merged contact and name the survivor now.
    records_moved: int


def choose_link(survivor_id: str, held: Mapping[str, HeldLink]) -> HeldLink | None:
    """The link the survivor keeps among ``held`` (its own and the merged contacts'): a
    Contact over a Lead, then the survivor's own, then the most recently pushed."""
    def rank(link: HeldLink) -> tuple[bool, bool, datetime]:
        pushed = link.last_pushed_at.replace(tzinfo=None) if link.last_pushed_at else _NEVER
        return (link.sobject == "Contact", link.host_id == survivor_id, pushed)

    return max(held.values(), key=rank, default=None)


def merge_contacts(tenant_id: str, survivor_id: str, merged_ids: Sequence[str]) -> MergeResult:
    """Apply a host merge (see the module docstring); not committed: the host commits.

    :raises LookupError: the survivor is not a contact of the tenant, or a contact named is
        another tenant's.
    :raises ValueError: the survivor is among the merged, or a merged contact still exists.
    """
    state = get_state()
    session, models = state.db.session, state.models
    adapter = state.contact_adapter()
    merged = list(dict.fromkeys(str(h) for h in merged_ids))
    if survivor_id in merged:
        raise ValueError(f"contact {survivor_id} cannot be merged into itself")
    # The host's own merge first (its deletes, its edits of the survivor), so that the outbox
    # rows its flush writes are there to be dropped, and the merged contacts are gone.
    session.flush()
    foreign = sorted(adapter.foreign_ids(session, tenant_id, [survivor_id, *merged]))
    if foreign:
        raise LookupError(f"contacts {', '.join(foreign)} are not this tenant's")
    if not adapter.existing_ids(session, tenant_id, [survivor_id]):
        raise LookupError(f"no contact {survivor_id} of this tenant")
    still = sorted(adapter.existing_ids(session, tenant_id, merged))
    if still:
        raise ValueError(
            f"merged contacts {', '.join(still)} still exist: delete them (or have the adapter "
            "leave them out) before contacts_merged, or the next push sends them again"
        )
    held = links.held_links(session, models, tenant_id, [survivor_id, *merged])
    kept = choose_link(survivor_id, held)
    dropped = [link for link in held.values() if kept is None or link.host_id != kept.host_id]
    links.drop_links(session, models, tenant_id, [link.host_id for link in dropped])
    if kept is not None:
        links.give_link(session, models, tenant_id, kept.host_id, survivor_id)
    changes = outbox.drop_contacts(session, models, tenant_id, merged)
    moved = contact_rows.name_in_mirror(session, models, tenant_id, merged, survivor_id)
    contact_rows.resolve_errors_of(session, models, tenant_id, merged)
    record_history(session, models, _history(tenant_id, survivor_id, merged, held, kept))
    if kept is not None and _auto_sync(tenant_id):
        queue_contacts(tenant_id, [survivor_id])
    return MergeResult(
        survivor_id=survivor_id,
        kept=(kept.sobject, kept.sf_id) if kept is not None else None,
        dropped=tuple((k.host_id, k.sobject, k.sf_id) for k in dropped),
        changes_dropped=changes,
        records_moved=moved,
    )


def _auto_sync(tenant_id: str) -> bool:
    """Whether the tenant pushes each change (else its next Sync Now pushes the survivor: its
    link's fingerprint was forgotten)."""
    state = get_state()
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    return bool(row is not None and row.saved and row.auto_sync)


def _history(
    tenant_id: str,
    survivor_id: str,
    merged: Iterable[str],
    held: Mapping[str, HeldLink],
    kept: HeldLink | None,
) -> list[dict[str, Any]]:
    """One row on the survivor per contact merged into it (and for its own link when it lost
    it), one on each merged contact."""
    def row(host_id: str, link: HeldLink | None, detail: str) -> dict[str, Any]:
        return {"tenant_id": tenant_id, "host_id": host_id, "run_id": None, "status": "merged",
                "action": None, "sobject": link.sobject if link else None,
                "sf_id": link.sf_id if link else None, "detail": detail}

    rows: list[dict[str, Any]] = []
    for host_id in merged:
        link = held.get(host_id)
        if link is None:
            detail = f"Contact #{host_id} was merged into this one (it was not in Salesforce)."
        elif link is kept or (kept is not None and link.sf_id == kept.sf_id):
            detail = (f"Contact #{host_id} was merged into this one: its {link.sobject} "
                      f"{link.sf_id} is this contact's record now.")
        else:
            detail = (f"Contact #{host_id} was merged into this one: its {link.sobject} "
                      f"{link.sf_id} stays in Salesforce as it is and is no longer updated "
                      "(merge it there if it is the same person).")
        rows.append(row(survivor_id, link, detail))
        rows.append(row(host_id, link, f"Merged into contact #{survivor_id}."))
    own = held.get(survivor_id)
    if own is not None and kept is not None and own.sf_id != kept.sf_id:
        rows.append(row(survivor_id, own, (
            f"Its {own.sobject} {own.sf_id} is no longer updated: the {kept.sobject} "
            f"{kept.sf_id} of contact #{kept.host_id} is its record now (a Contact is "
            "preferred over a Lead).")))
    return rows
