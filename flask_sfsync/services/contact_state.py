"""Each contact's honest sync state, as every page shows it (badges, the contact panel).

One of (in this order of precedence):

* **Pending** - a change waits to be pushed, and why: queued, the connection paused (API
  budget, the org's limit), or Salesforce not connected;
* **Out of date** - it is in Salesforce but its latest push failed (the reason);
* **Not in Salesforce** after a failed first push (the reason);
* **Skipped** - the last push left it out (no email, its stage is not pushed);
* **In Salesforce** - in step since its last push;
* **Not in Salesforce** - never pushed.

A page of contacts costs four queries and no API call (:mod:`flask_sfsync.db.contact_facts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..db import tenant_settings
from ..db.connections import connection_for
from ..db.contact_facts import ContactFacts, facts_for
from ..state import get_state
from ..sync.failures import explain

__all__ = ["ContactState", "contact_states"]


@dataclass(frozen=True)
class ContactState:
    #: "pending" | "out_of_date" | "failed" | "skipped" | "in_salesforce" | "not_in_salesforce"
    key: str
    label: str
    reason: str
    sobject: str | None = None
    sf_id: str | None = None

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
    facts = facts_for(session, models, tenant_id, [str(h) for h in host_ids])
    return {host_id: _decide(fact, waiting) for host_id, fact in facts.items()}


def _decide(fact: ContactFacts, waiting: str) -> ContactState:
    where = {"sobject": fact.sobject, "sf_id": fact.sf_id}
    if fact.pending:
        return ContactState("pending", "Pending", waiting, **where)
    if fact.error_code is not None:
        plain = explain(fact.error_code, fact.error_message or "", sobject=fact.sobject)
        reason = f"The latest push failed ({fact.error_code}): {plain.summary} {plain.fix}"
        if fact.sf_id is not None:
            return ContactState("out_of_date", "Out of date", reason, **where)
        return ContactState("failed", "Not in Salesforce", reason, **where)
    if fact.sf_id is None and fact.last_status == "skipped":
        return ContactState("skipped", "Skipped", fact.last_detail or "Skipped by the last push.")
    if fact.sf_id is not None:
        when = fact.last_pushed_at.strftime("%Y-%m-%d %H:%M UTC") if fact.last_pushed_at else ""
        return ContactState(
            "in_salesforce", "In Salesforce",
            f"In step since its last push{' (' + when + ')' if when else ''}.", **where,
        )
    return ContactState("not_in_salesforce", "Not in Salesforce", "Not pushed yet.")
