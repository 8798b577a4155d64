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
* **In Salesforce** - in step since its last push;
* **Not in Salesforce** - never pushed.

A page of contacts costs four queries (:mod:`flask_sfsync.db.contact_facts`) plus one of the
pull's mirror by host id (:func:`flask_sfsync.db.mirror.mirror_by_host`), and no API call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..db import mirror, tenant_settings
from ..db.connections import connection_for
from ..db.contact_facts import ContactFacts, facts_for
from ..state import get_state
from ..sync.failures import explain
from .failures import HOST_REFUSED_VALUE, explain_pulled

__all__ = ["ContactState", "contact_states"]


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
        host_id: _decide(fact, waiting, pulled.get(host_id, ()))
        for host_id, fact in facts.items()
    }


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
        when = fact.last_pushed_at.strftime("%Y-%m-%d %H:%M UTC") if fact.last_pushed_at else ""
        return ContactState(
            "in_salesforce", "In Salesforce",
            f"In step since its last push{' (' + when + ')' if when else ''}.", **where,
        )
    return ContactState("not_in_salesforce", "Not in Salesforce", "Not pushed yet.")
