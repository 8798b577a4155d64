"""The error log as a person reads it: each entry explained, grouped by category, with what
a duplicate rule's match is.

The words come from :mod:`flask_sfsync.sync.failures` (the catalogue of Salesforce's codes);
here they meet the tenant's data: what the host calls each field (its adapter's mapping), a
field's length from the describe the push already cached (no call to Salesforce is made for a
page), and the contacts of the tenant a duplicate rule's match is linked to.

The pull's entries (``action`` "pull", code :data:`HOST_REFUSED_VALUE`) are the other way
round: Salesforce has a value this app's table cannot hold (too long, a required value
missing, nowhere to keep it). :func:`explain_pulled` says so, and that the fix is in Salesforce
or in the host's column; such an entry is in the Field values group and its Retry pulls the
record again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from redis.exceptions import RedisError

from ..db import errorlog, links, outbox, runs
from ..db.models import Direction, SalesforceConnectionMixin, SyncErrorMixin
from ..salesforce import ObjectInfo
from ..state import get_state
from ..sync.failures import (
    Category,
    Explanation,
    duplicate_fix,
    explain,
    field_names,
    split_detail,
)
from ..sync.failures import category_of as push_category_of
from .connections import connection_for

__all__ = [
    "HOST_REFUSED_VALUE",
    "CategoryCount",
    "DuplicateMatch",
    "ErrorLog",
    "LogEntry",
    "category_codes",
    "category_of",
    "error_log",
    "explain_detail",
    "explain_pulled",
    "sobject_of_id",
]

#: Salesforce record id prefixes of the objects a contact is pushed as.
KEY_PREFIXES = {"00Q": "Lead", "003": "Contact"}

#: The pull's code: the host refused a value pulled from Salesforce.
HOST_REFUSED_VALUE = "HOST_REFUSED_VALUE"
# The host adapter's words for each refusal (flask_sfsync.host.writes.value_problems), joined
# by "; " (one of them has a ";" of its own: found in the text, never split on it).
_HOST_PROBLEM = re.compile(
    r"(?P<too_long>(?P<long_label>[^;]+?) is (?P<length>\d+) characters; this app keeps at "
    r"most (?P<max>\d+))"
    r"|(?P<required>(?P<required_label>[^;]+?) is required here and Salesforce has none)"
    r"|(?P<no_column>the host does not store (?P<column_label>[^;]+?) in a column the sync "
    r"can write)"
)
_THEN_RETRY = "then Retry (it pulls this record again)."


@dataclass(frozen=True)
class DuplicateMatch:
    """The record a duplicate rule matched, and who here it belongs to."""

    sf_id: str
    sobject: str
    #: The tenant's other contacts linked to that record (none: a record made in Salesforce,
    #: or by someone else).
    host_ids: tuple[str, ...]
    #: Those of them that the entry's own sync pushed (the same email, the same run).
    same_run: frozenset[str]

    @property
    def ours(self) -> bool:
        return bool(self.host_ids)


@dataclass(frozen=True)
class LogEntry:
    entry: SyncErrorMixin
    explanation: Explanation
    duplicate: DuplicateMatch | None
    #: The contact's change waiting to be pushed (an outbox operation: "retry",
    #: "allow_save", "upsert"), None when nothing waits.
    pending: str | None

    @property
    def category(self) -> Category:
        return self.explanation.category

    @property
    def pulled(self) -> bool:
        """The pull's entry: a Salesforce record this app did not store (Retry pulls it)."""
        return self.entry.action == errorlog.PULL

    @property
    def fix(self) -> str:
        """What to do: the catalogue's words, or for a duplicate, knowing whose record matched."""
        if self.entry.error_code != "DUPLICATES_DETECTED":
            return self.explanation.fix
        return duplicate_fix(self.duplicate.ours if self.duplicate is not None else None)


@dataclass(frozen=True)
class CategoryCount:
    category: Category
    count: int


@dataclass(frozen=True)
class ErrorLog:
    entries: list[LogEntry]
    #: Every category with entries, in the catalogue's order (of the open entries, or of all
    #: entries when resolved ones are shown too).
    categories: list[CategoryCount]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.categories)


def sobject_of_id(sf_id: str, default: str) -> str:
    """The object of a Salesforce record id, from its key prefix."""
    return KEY_PREFIXES.get(sf_id[:3], default)


def category_of(code: str) -> Category:
    """The error log's group of ``code`` (the pull's refusals are field values too)."""
    return Category.FIELD_VALUES if code == HOST_REFUSED_VALUE else push_category_of(code)


def explain_pulled(message: str, fields: Sequence[str], sobject: str) -> Explanation:
    """A pulled value this app refused, in plain words: what Salesforce has that does not
    fit here, and what to do (change it in Salesforce, or widen this app's column)."""
    summaries: list[str] = []
    fixes: list[str] = []
    max_length = length = None
    for m in _HOST_PROBLEM.finditer(message):
        if m["too_long"]:
            label, max_length, length = m["long_label"].strip().lower(), int(m["max"]), int(
                m["length"])
            summaries.append(f"the {label} in Salesforce is {length} characters and this app "
                             f"keeps at most {max_length}")
            fixes.append(f"shorten the {label} in Salesforce to {max_length} characters or "
                         f"fewer (or have this app's {label} column widened)")
        elif m["required"]:
            label = m["required_label"].strip().lower()
            summaries.append(f"Salesforce has no {label}, and this app needs one")
            fixes.append(f"fill in the {label} on the Salesforce record")
        else:
            label = m["column_label"].strip().lower()
            summaries.append(f"this app has no column to keep the {label} in")
            fixes.append(f"have this app given a column for the {label} (or leave it empty "
                         "in Salesforce)")
    if not summaries and message.strip():
        summaries, fixes = [message.strip()], ["correct the value in Salesforce"]
    if not summaries:
        summaries, fixes = ["this app could not store a value"], ["check the record"]
    summary = (f"A change to this {sobject} in Salesforce was not brought here: "
               f"{'; '.join(summaries)}.")
    fix = f"{'; and '.join(fixes)}, {_THEN_RETRY}"
    named = [f.strip().replace("_", " ") for f in fields if f.strip()]
    return Explanation(
        code=HOST_REFUSED_VALUE, category=Category.FIELD_VALUES, summary=summary,
        fix=fix[:1].upper() + fix[1:], field=" and ".join(named) or None, sf_fields=(),
        max_length=max_length, length=length, message=message, known=True, passing=False,
    )


def category_codes(
    tenant_id: str, category: Category, *, include_resolved: bool = False
) -> list[str]:
    """The Salesforce error codes of the tenant's entries in ``category``."""
    state = get_state()
    counts = errorlog.code_counts(
        state.db.session, state.models, tenant_id, include_resolved=include_resolved
    )
    return sorted(code for code in counts if category_of(code) is category)


def error_log(
    tenant_id: str,
    *,
    include_resolved: bool = False,
    category: Category | None = None,
    limit: int = 100,
) -> ErrorLog:
    """The newest entries (of ``category`` only, when given), explained."""
    state = get_state()
    session, models = state.db.session, state.models
    counts = errorlog.code_counts(session, models, tenant_id, include_resolved=include_resolved)
    per_category: dict[Category, int] = {}
    for code, count in counts.items():
        per_category[category_of(code)] = per_category.get(category_of(code), 0) + count
    categories = [CategoryCount(c, per_category[c]) for c in Category if c in per_category]
    codes = None
    if category is not None:
        codes = sorted(code for code in counts if category_of(code) is category)
    found = errorlog.entries(
        session, models, tenant_id, include_resolved=include_resolved, limit=limit, codes=codes
    )
    return ErrorLog(_explained(tenant_id, found), categories)


def explain_detail(detail: str | None, sobject: str | None) -> Explanation | None:
    """A history row's ``"CODE: message"``, explained (None: the row is not an error)."""
    parts = split_detail(detail)
    if parts is None:
        return None
    code, message = parts
    names = _names(sobject or "Lead")
    return explain(code, message, sobject=sobject, names=names)


def _explained(tenant_id: str, found: Sequence[SyncErrorMixin]) -> list[LogEntry]:
    state = get_state()
    session, models = state.db.session, state.models
    conn = connection_for(tenant_id)
    names: dict[str, dict[str, str]] = {}
    describes: dict[str, ObjectInfo | None] = {}
    matches = _duplicate_matches(tenant_id, found)
    pending = outbox.pending_of(session, models, tenant_id,
                                [e.host_id for e in found if e.action != errorlog.PULL])
    pulling = runs.active_run_ids(session, models, tenant_id, Direction.PULL)
    out: list[LogEntry] = []
    for e in found:
        if e.action == errorlog.PULL:
            # Queued while the pull Retry it points at has not run.
            waits = "pull" if e.resolved_at is None and e.run_id in pulling else None
            fields_ = tuple(f.strip() for f in (e.fields or "").split(",") if f.strip())
            out.append(LogEntry(e, explain_pulled(e.message, fields_, e.sobject), None, waits))
            continue
        if e.sobject not in names:
            names[e.sobject] = _names(e.sobject)
        info = None
        if e.error_code == "STRING_TOO_LONG":  # the only code a describe adds to
            if e.sobject not in describes:
                describes[e.sobject] = _cached_describe(conn, e.sobject)
            info = describes[e.sobject]
        fields = tuple(f.strip() for f in (e.fields or "").split(",") if f.strip())
        explanation = explain(e.error_code, e.message, fields, sobject=e.sobject, info=info,
                              names=names[e.sobject])
        open_ = e.resolved_at is None
        out.append(LogEntry(e, explanation, matches.get(e.id),
                            pending.get(e.host_id) if open_ else None))
    return out


def _duplicate_matches(
    tenant_id: str, found: Sequence[SyncErrorMixin]
) -> dict[int, DuplicateMatch]:
    """Entry id -> its duplicate rule's match, with the tenant's contacts linked to it."""
    state = get_state()
    session, models = state.db.session, state.models
    with_match = [e for e in found if e.duplicate_id]
    if not with_match:
        return {}
    linked = links.linked_to(session, models, tenant_id, [str(e.duplicate_id) for e in with_match])
    out: dict[int, DuplicateMatch] = {}
    for e in with_match:
        sf_id = str(e.duplicate_id)
        others = [k for k in linked.get(sf_id, ()) if k.host_id != e.host_id]
        sobject = others[0].sobject if others else sobject_of_id(sf_id, e.sobject)
        host_ids = tuple(k.host_id for k in others)
        same_run = errorlog.pushed_in_run(session, models, e.run_id, host_ids)
        out[e.id] = DuplicateMatch(sf_id, sobject, host_ids, frozenset(same_run))
    return out


def _names(sobject: str) -> dict[str, str]:
    return field_names(sobject, get_state().contact_adapter().field_map)


def _cached_describe(
    conn: SalesforceConnectionMixin | None, sobject: str
) -> ObjectInfo | None:
    """The describe the push cached for this connection (the key ``api_for`` gives its
    API), or None: a page never calls Salesforce for it (the message says the length too)."""
    if conn is None:
        return None
    key = (conn.org_id or conn.instance_url or "", conn.sf_user_id or "")
    try:
        raw: Mapping[str, object] | None = get_state().jobs.describe_store().load(key, sobject)
    except RedisError:
        return None
    return ObjectInfo.from_describe(raw) if raw else None
