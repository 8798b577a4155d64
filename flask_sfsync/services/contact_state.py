"""Each contact's honest sync state, as every page shows it (badges, the contact panel).

One of (in this order of precedence):

* **Pending** - a change waits to be pushed, and why: queued, the connection paused (API
  budget, the org's limit), or Salesforce not connected;
* **Out of date** - it is in Salesforce but its latest push failed (the reason), or the
  latest pull could not store a Salesforce value here (the pull's error-log entry);
* **Not in Salesforce** after a failed first push (the reason);
* **Potential duplicate in Salesforce** - two or more live, unconverted pulled records name
  it (the pull never merges them: a person decides);
* **Deleted in Salesforce** - its record was deleted there (the pull unlinked it; its mirror
  row keeps the contact) and it is linked to no other record;
* **Skipped** - the last push left it out (no email, its stage is not pushed);
* **In Salesforce** - in step since its last push (or its last pull, when that came later
  or it was never pushed from here);
* **Not in Salesforce** - never pushed.

A page of contacts costs four queries (:mod:`flask_sfsync.db.contact_facts`) plus one of the
pull's mirror by host id (:func:`flask_sfsync.db.mirror.mirror_by_host`), and no API call.

The contact panel has the contact's latest history entries at hand: :func:`with_history`
says there what Salesforce did to the record ("Linked to Contact 003... (converted in
Salesforce)", "Merged in Salesforce into ..."), and :func:`history_text` says each entry in
plain words (a pulled entry by its detail: "Pulled: title", "Deleted in Salesforce").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..db import mirror, tenant_settings
from ..db.connections import connection_for
from ..db.contact_facts import ContactFacts, facts_for
from ..db.models import SyncHistoryMixin
from ..state import get_state
from ..sync.failures import explain
from .failures import HOST_REFUSED_VALUE, explain_pulled

__all__ = ["ContactState", "contact_states", "history_text", "last_pushed_record", "with_history"]

#: The status of the pull's history entries; their action says what the pull did.
PULLED = "pulled"
#: The pulled objects whose mirror rows name host contacts.
_PEOPLE = frozenset({"Lead", "Contact"})
#: Pull actions that moved the contact's link to another Salesforce record.
_MOVES = frozenset({"converted", "merged"})


@dataclass(frozen=True)
class ContactState:
    #: "pending" | "out_of_date" | "failed" | "duplicate_in_salesforce" |
    #: "deleted_in_salesforce" | "skipped" | "in_salesforce" | "not_in_salesforce"
    key: str
    label: str
    reason: str
    sobject: str | None = None
    sf_id: str | None = None
    #: The Salesforce records the state is about, as (object, id): the live records of a
    #: potential duplicate, the deleted record(s) of "Deleted in Salesforce".
    records: tuple[tuple[str, str], ...] = ()

    @property
    def in_salesforce(self) -> bool:
        return self.sf_id is not None


def contact_states(tenant_id: str, host_ids: Sequence[str]) -> dict[str, ContactState]:
    """The state of each of these host contacts of the tenant, by host id."""
    state = get_state()
    session, models = state.db.session, state.models
    conn = connection_for(session, models, tenant_id)
    row = tenant_settings.settings_for(session, models, tenant_id)
    if conn is None or not conn.is_connected:
        waiting = "Salesforce is not connected: it is pushed once you reconnect."
    elif tenant_settings.active_pause(row) is not None:
        waiting = f"Paused: {row.pause_reason if row is not None else ''}".strip()
    else:
        waiting = "Queued: it is pushed within seconds."
    ids = [str(h) for h in host_ids]
    facts = facts_for(session, models, tenant_id, ids)
    pulled = mirror.mirror_by_host(session, models, tenant_id, ids)
    return {
        host_id: _decide(fact, waiting, _people(pulled.get(host_id, ())))
        for host_id, fact in facts.items()
    }


def _people(refs: Sequence[mirror.MirrorRef]) -> list[mirror.MirrorRef]:
    """The Leads and Contacts among ``refs``: an Account's mirror row names a host *company*
    (its id may equal a contact's), never a contact."""
    return [r for r in refs if r.sobject in _PEOPLE]


def _decide(
    fact: ContactFacts, waiting: str, pulled: Sequence[mirror.MirrorRef] = ()
) -> ContactState:
    where: dict[str, Any] = {"sobject": fact.sobject, "sf_id": fact.sf_id}
    if fact.pending:
        return ContactState("pending", "Pending", waiting, **where)
    if fact.error_code == HOST_REFUSED_VALUE:
        plain = explain_pulled(fact.error_message or "", (), fact.sobject or "record")
        reason = f"The latest pull could not store a value here: {plain.summary} {plain.fix}"
        return ContactState("out_of_date", "Out of date", reason, **where)
    if fact.error_code is not None:
        plain = explain(fact.error_code, fact.error_message or "", sobject=fact.sobject)
        reason = f"The latest push failed ({fact.error_code}): {plain.summary} {plain.fix}"
        if fact.sf_id is not None:
            return ContactState("out_of_date", "Out of date", reason, **where)
        return ContactState("failed", "Not in Salesforce", reason, **where)
    live = tuple((r.sobject, r.sf_id) for r in pulled if not r.is_deleted and not r.is_converted)
    if len(live) > 1:
        return ContactState(
            "duplicate_in_salesforce", "Potential duplicate in Salesforce",
            f"{len(live)} Salesforce records are this contact: merge them in Salesforce "
            "(the sync never merges records by itself).",
            records=live, **where,
        )
    deleted = tuple((r.sobject, r.sf_id) for r in pulled if r.is_deleted)
    if fact.sf_id is None and deleted:
        return ContactState(
            "deleted_in_salesforce", "Deleted in Salesforce",
            "Its Salesforce record was deleted there; the contact stays here. Restore the "
            "record from Salesforce's recycle bin to link it again.",
            records=deleted,
        )
    if fact.sf_id is None and fact.last_status == "skipped":
        return ContactState("skipped", "Skipped", fact.last_detail or "Skipped by the last push.")
    if fact.sf_id is not None:
        return _in_step(fact, pulled, where)
    return ContactState("not_in_salesforce", "Not in Salesforce", "Not pushed yet.")


def _in_step(
    fact: ContactFacts, pulled: Sequence[mirror.MirrorRef], where: dict[str, Any]
) -> ContactState:
    """A linked contact, in step: by its last push, unless a pull came after it (or it was
    never pushed from here: created from, or matched to, a Salesforce record); a Contact
    that a converted Lead of this contact became says so."""
    state = ContactState("in_salesforce", "In Salesforce", "", **where)
    if fact.last_status == PULLED:
        lead = next((r for r in pulled if r.sobject == "Lead" and r.is_converted), None)
        if fact.sobject == "Contact" and lead is not None:
            # The pull may read the new Contact before the converted Lead (and then history
            # says "Matched by email"): the Lead's mirror row tells the conversion either way.
            return _converted(state, lead.sobject, lead.sf_id)
        return replace(state, reason="In step with Salesforce since its last pull.")
    if fact.last_pushed_at is None:  # linked by a person (the error log's fix)
        return replace(state, reason="Linked to its Salesforce record (not pushed from here yet).")
    when = fact.last_pushed_at.strftime("%Y-%m-%d %H:%M UTC")
    return replace(state, reason=f"In step since its last push ({when}).")


def with_history(state: ContactState, entries: Sequence[SyncHistoryMixin]) -> ContactState:
    """``state`` told with the contact's latest history ``entries`` (newest first): a linked
    contact whose record Salesforce converted or merged since its last push says so."""
    if state.key != "in_salesforce" or state.sf_id is None:
        return state
    moved = _moved(entries)
    if moved is None:
        return state
    if moved.action == "converted":
        return _converted(state, moved.sobject, moved.sf_id)
    reason = (f"Merged in Salesforce into {state.sobject} {state.sf_id} ({moved.sobject} "
              f"{moved.sf_id} was merged into it): linked to it now.")
    return replace(state, reason=reason)


def _converted(state: ContactState, sobject: str | None, sf_id: str | None) -> ContactState:
    reason = (f"Linked to {state.sobject} {state.sf_id} (converted in Salesforce from "
              f"{sobject} {sf_id}).")
    return replace(state, reason=reason)


def last_pushed_record(
    entries: Sequence[SyncHistoryMixin], linked: tuple[str | None, str | None]
) -> tuple[str, str] | None:
    """The record the contact's newest push among ``entries`` went to, when it is not the
    ``linked`` (object, id) one: Salesforce converted or merged it since, so the link's
    "last pushed" was a push to that record (None: it was to the linked one, or unknown)."""
    for entry in entries:
        if entry.status == "pushed" and entry.sobject and entry.sf_id:
            if (entry.sobject, entry.sf_id) == linked:
                return None
            return str(entry.sobject), str(entry.sf_id)
    return None


def _moved(entries: Sequence[SyncHistoryMixin]) -> SyncHistoryMixin | None:
    """The pull's conversion or merge entry, unless a push (or anything but a pulled field
    update, such as the company that follows a conversion) came after it."""
    for entry in entries:
        if entry.status != PULLED:
            return None
        if entry.action in _MOVES:
            return entry
        if entry.action != "update":
            return None
    return None


def history_text(entry: SyncHistoryMixin) -> str:
    """One history entry in a person's words, for the contact panel: a skipped or pulled
    entry by its detail ("Skipped: no email address", "Pulled: title", "Deleted in
    Salesforce"), a push by its status and action ("Pushed (update Lead)")."""
    detail = (entry.detail or "").strip()
    if entry.status == PULLED and detail:
        if entry.action in _MOVES:  # the detail is "now Contact 003..."
            return (f"{str(entry.action).capitalize()} in Salesforce: {entry.sobject} "
                    f"{entry.sf_id} is {detail}")
        if entry.action in ("create", "linked"):
            return f"{detail} ({entry.sobject} {entry.sf_id})"
        return detail
    if entry.status == "skipped" and detail:
        return detail
    text = entry.status.capitalize()
    if entry.action:
        text += f" ({entry.action} {entry.sobject or ''})".replace(" )", ")")
    return text
