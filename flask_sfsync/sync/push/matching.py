"""Finding the Salesforce record a host contact already has, in Salesforce's order of trust.

1. an existing link (the caller's store: see :mod:`flask_sfsync.sync.links`; not looked up
   here);
2. the external ID (our ``SFSync_Id__c``), on a Contact, else on an open Lead;
3. the email: a Contact is preferred over a Lead with the same email; a record another host
   contact already claimed (its external ID is someone else's) is not taken;
4. else nothing: the plan creates one.

Queries are batched: each SOQL statement asks for up to 1,000 contacts (``IN`` lists sized
under the SOQL length limit), and statements travel 25 to a Composite call. For large pushes
the first call reads the org's whole Contact/Lead email index instead when that is small (an
empty org costs one call for 100,000 contacts).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as urlquote

from flask_sfsync.salesforce.api import COMPOSITE_MAX, SalesforceApi
from flask_sfsync.salesforce.soql import MAX_SOQL_CHARS, format_soql, quote

__all__ = ["Candidate", "Match", "MatchedBy", "Matcher", "find_matches"]

PAGE_SIZE = 2000  # records per query page
CHUNK_ITEMS = 1000
# From this many candidates on, the first call reads a page of the org's whole email index
# too: in an empty or small org that page is all there is, and the long IN lists are saved
# (in a large org it costs that one call more than IN lists alone).
SCAN_FROM = PAGE_SIZE


class MatchedBy(enum.Enum):
    LINK = "link"
    EXTERNAL_ID = "external_id"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class Candidate:
    host_id: str
    external_id: str | None  # None: the org has no external ID field
    email: str | None


@dataclass(frozen=True, slots=True)
class Match:
    sobject: str
    id: str
    by: MatchedBy


@dataclass
class _Index:
    """What the queries found for one object."""

    sobject: str
    by_external_id: dict[str, str] = field(default_factory=dict)
    by_email: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)

    def add(self, record: Mapping[str, Any], ext_field: str | None) -> None:
        record_id = str(record["Id"])
        ext = record.get(ext_field) if ext_field else None
        if ext:
            self.by_external_id.setdefault(str(ext), record_id)
        email = record.get("Email")
        if email:
            self.by_email.setdefault(str(email).lower(), []).append((record_id, ext))


@dataclass(frozen=True)
class _Object:
    sobject: str
    ext_field: str | None  # None when this object has no external ID field
    where: str = ""  # extra condition, e.g. open Leads only


def find_matches(
    api: SalesforceApi,
    candidates: Sequence[Candidate],
    *,
    contact_ext_field: str | None,
    lead_ext_field: str | None,
) -> dict[str, Match]:
    """host id -> the record each candidate matches (absent: create)."""
    matcher = Matcher(api, contact_ext_field=contact_ext_field, lead_ext_field=lead_ext_field)
    return matcher.find(candidates)


class Matcher:
    """:func:`find_matches` for a push fed page by page (a full sync).

    ``expected`` is how many candidates the whole push may bring: when that is large, the
    first page reads the org's whole email index (when small), and later pages match against
    it without a call. A record matched by one page is not given to a contact of a later one.
    """

    def __init__(
        self,
        api: SalesforceApi,
        *,
        contact_ext_field: str | None,
        lead_ext_field: str | None,
        expected: int = 0,
        sobjects: Sequence[str] = ("Contact", "Lead"),
    ) -> None:
        """``sobjects``: the objects whose records may match (both by default; one when the
        tenant chose new records of its new type over the ones already pushed)."""
        self.api = api
        self.expected = expected
        self.objects = tuple(
            obj for obj in (
                _Object("Contact", contact_ext_field),
                _Object("Lead", lead_ext_field, "IsConverted = false"),
            )
            if obj.sobject in sobjects
        )
        self._scanned: dict[str, _Index] | None = None  # None: not decided yet
        self._claimed: set[str] = set()

    @property
    def finds_nothing(self) -> bool:
        """The org was read whole and holds nothing to match (an empty org): later pages
        need not even be looked at."""
        scanned = self._scanned
        return (
            scanned is not None
            and len(scanned) == len(self.objects)
            and not any(i.by_external_id or i.by_email for i in scanned.values())
        )

    def will_scan(self, candidates: int) -> bool:
        """Whether :meth:`find` of that many candidates starts with a read of the org's
        whole email index (:meth:`scan_paths`)."""
        return self._scanned is None and max(candidates, self.expected) >= SCAN_FROM

    def scan_paths(self) -> list[str]:
        """The first page of each object's email index, as Composite subrequest paths: a
        caller may fetch them with other reads and hand them to :meth:`find`."""
        return [_query_path(_soql(obj, _scan_filter(obj))) for obj in self.objects]

    def find(
        self, candidates: Sequence[Candidate], *, first_pages: Sequence[Any] | None = None
    ) -> dict[str, Match]:
        """``first_pages``: the bodies of :meth:`scan_paths`, when the caller fetched them."""
        if not candidates or self.finds_nothing:
            return {}
        if self._scanned is None:
            self._scanned = self._scan(max(len(candidates), self.expected), first_pages)
        indexes = {name: _Index(name) for name in ("Contact", "Lead")}
        indexes.update(
            {o.sobject: self._scanned.get(o.sobject) or _Index(o.sobject) for o in self.objects}
        )
        todo = [o for o in self.objects if o.sobject not in self._scanned]
        _run(self.api, [(o, soql) for o in todo for soql in _statements(o, candidates)], indexes)
        return _decide(candidates, indexes["Contact"], indexes["Lead"], self._claimed)

    def _scan(self, candidates: int, first: Sequence[Any] | None) -> dict[str, _Index]:
        if candidates < SCAN_FROM:
            return {}
        indexes = {o.sobject: _Index(o.sobject) for o in self.objects}
        rest = _scan(self.api, self.objects, indexes, chunks=-(-candidates // CHUNK_ITEMS),
                     first=first)
        return {o.sobject: indexes[o.sobject] for o in self.objects if o not in rest}


def _scan(
    api: SalesforceApi,
    objects: Sequence[_Object],
    indexes: dict[str, _Index],
    chunks: int,
    first: Sequence[Any] | None = None,
) -> list[_Object]:
    """Read each object's whole index when that is cheaper than IN lists; the objects left
    to query by IN lists are returned. ``first``: the first pages, already fetched."""
    if first is None:
        first = api.get_many([_query_path(_soql(obj, _scan_filter(obj))) for obj in objects])
    rest: list[_Object] = []
    for obj, page in zip(objects, first, strict=True):
        pages_left = -(-int(page.get("totalSize", 0)) // PAGE_SIZE) - 1
        if pages_left > -(-chunks // COMPOSITE_MAX):
            rest.append(obj)
            continue
        _absorb(indexes[obj.sobject], obj, page.get("records", []))
        next_url = page.get("nextRecordsUrl")
        while not page.get("done", True) and next_url:
            page = api.get_many([str(next_url)])[0]
            _absorb(indexes[obj.sobject], obj, page.get("records", []))
            next_url = page.get("nextRecordsUrl")
    return rest


def _scan_filter(obj: _Object) -> str:
    return f"Email != null OR {obj.ext_field} != null" if obj.ext_field else "Email != null"


def _statements(obj: _Object, candidates: Sequence[Candidate]) -> Iterable[str]:
    ext_values: list[str] = []
    emails: list[str] = []
    size = 0
    for candidate in candidates:
        values = []
        if obj.ext_field and candidate.external_id:
            values.append(("ext", candidate.external_id))
        if candidate.email:
            values.append(("email", candidate.email.strip()))
        cost = sum(len(quote(v)) + 1 for _, v in values)
        if (ext_values or emails) and (
            size + cost > MAX_SOQL_CHARS or len(ext_values) + len(emails) >= 2 * CHUNK_ITEMS
        ):
            yield _soql(obj, _in_filter(obj, ext_values, emails))
            ext_values, emails, size = [], [], 0
        for kind, value in values:
            (ext_values if kind == "ext" else emails).append(value)
        size += cost
    if ext_values or emails:
        yield _soql(obj, _in_filter(obj, ext_values, emails))


def _in_filter(obj: _Object, ext_values: Sequence[str], emails: Sequence[str]) -> str:
    """The values as literals; the field names are ours (checked by describe)."""
    parts = []
    if ext_values:
        parts.append(
            format_soql("{field:literal} IN {}", list(ext_values), field=obj.ext_field)
        )
    if emails:
        parts.append(format_soql("Email IN {}", list(emails)))
    return " OR ".join(parts)


def _soql(obj: _Object, condition: str) -> str:
    """Field and object names are ours; the condition's values are literals already
    (:func:`_in_filter`)."""
    columns = "Id, Email" + (f", {obj.ext_field}" if obj.ext_field else "")
    where = f"{obj.where} AND ({condition})" if obj.where else condition
    return f"SELECT {columns} FROM {obj.sobject} WHERE {where} ORDER BY Id"


def _query_path(soql: str) -> str:
    return "query?q=" + urlquote(soql, safe="")


def _run(
    api: SalesforceApi, statements: list[tuple[_Object, str]], indexes: dict[str, _Index]
) -> None:
    """Run the statements 25 to a call; pages beyond the first follow in later calls."""
    pending: list[tuple[_Object, str]] = [(obj, _query_path(s)) for obj, s in statements]
    while pending:
        bodies = api.get_many([path for _, path in pending])
        follow: list[tuple[_Object, str]] = []
        for (obj, _), body in zip(pending, bodies, strict=True):
            _absorb(indexes[obj.sobject], obj, body.get("records", []))
            if not body.get("done", True) and body.get("nextRecordsUrl"):
                follow.append((obj, str(body["nextRecordsUrl"])))
        pending = follow


def _absorb(index: _Index, obj: _Object, records: Iterable[Mapping[str, Any]]) -> None:
    for record in records:
        index.add(record, obj.ext_field)


def _decide(
    candidates: Sequence[Candidate], contacts: _Index, leads: _Index, claimed: set[str]
) -> dict[str, Match]:
    """``claimed``: records already taken (by earlier pages); this page's are added."""
    matches: dict[str, Match] = {}
    if not (contacts.by_external_id or contacts.by_email or leads.by_external_id
            or leads.by_email):
        return matches
    # External IDs first, for every candidate: they are certain, emails are guesses.
    for c in candidates:
        for index in (contacts, leads):
            record_id = index.by_external_id.get(c.external_id) if c.external_id else None
            if record_id and record_id not in claimed:
                matches[c.host_id] = Match(index.sobject, record_id, MatchedBy.EXTERNAL_ID)
                claimed.add(record_id)
                break
    for c in candidates:
        if c.host_id in matches or not c.email:
            continue
        for index in (contacts, leads):
            record_id = _by_email(index, c, claimed)
            if record_id:
                matches[c.host_id] = Match(index.sobject, record_id, MatchedBy.EMAIL)
                claimed.add(record_id)
                break
    return matches


def _by_email(index: _Index, candidate: Candidate, claimed: set[str]) -> str | None:
    assert candidate.email is not None
    for record_id, ext in sorted(index.by_email.get(candidate.email.strip().lower(), ())):
        # A record carrying another host contact's external ID is that contact's.
        if record_id not in claimed and (not ext or ext == candidate.external_id):
            return record_id
    return None
