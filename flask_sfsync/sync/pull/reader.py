"""Reading what changed in Salesforce since a watermark: exact, idempotent, and cheap.

Every read is a ``queryAll`` (deleted and merged records come back with ``IsDeleted``) ordered
by ``SystemModstamp, Id`` from the watermark minus a lookback: a change becomes queryable a
little after its stamp (Estuary measured 1-3 s), so the window is read again and the caller
skips what it already applied (the mirror's (Id, SystemModstamp)).

Pages never lose a record at their boundary, with SOQL's whole-second dateTime literals: a full
page ends at the start of its last second, whose records are read again by the next page (which
starts at that second); a second holding more than a page of records is read by Id
within the second first. The first page of every object comes from one Composite call (an idle
poll of Lead, Contact and Account costs one API call); that call can also carry a getDeleted
window per object (:mod:`.deletes`), so a periodic check that the recycle bin was not emptied
behind our back costs no call of its own.

Large windows (a first pull, a resync) go through one Bulk API 2.0 job instead:
:mod:`.bulk_read`.

Where the next read starts (:class:`Coverage`): every page says which stamps it answers for
(``start`` to ``end``) and when Salesforce answered it (``asked_at``, from the response's
``Date``). A record stamped more than the lookback before a query was visible to it, so a page
proves its stamps complete up to ``asked_at`` less the lookback; the next read starts where
the first page of this one stops proving. That is never later than a record that could still
appear, and after a burst (an import stamps thousands of records within seconds) it moves past
the burst once a read was made a lookback after it: polls do not read the burst again and
again, as a start at the last record's stamp less the lookback would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as url_quote

from ...salesforce import SalesforceApi
from ...salesforce.api import subrequest_failure
from ...salesforce.soql import datetime_literal, quote
from .deletes import DeletedWindow, ReplicationWindowLost, deleted_path, minute, window_from
from .stamps import parse_datetime

__all__ = [
    "ASKED_MARGIN",
    "PAGE_SIZE",
    "PULL_FIELDS",
    "Coverage",
    "DeletedWindows",
    "ObjectSpec",
    "Page",
    "Watermark",
    "parse_datetime",
    "poll",
    "read_ids",
    "read_since",
    "spec_for",
    "start_of",
]

#: Records per query page (queryAll's largest batch).
PAGE_SIZE = 2000
#: Taken off a response's ``Date`` for when its query ran: the header is whole seconds and
#: written once the answer is ready, after the query (a large page takes a moment).
ASKED_MARGIN = dt.timedelta(seconds=2)

_SYSTEM = ("Id", "SystemModstamp", "IsDeleted", "LastModifiedDate", "LastModifiedById",
           "MasterRecordId")
_PERSON = ("FirstName", "LastName", "Email", "Phone", "Title", "OwnerId")
#: What a pull reads of each object (fields the org lacks are left out by :func:`spec_for`).
PULL_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Lead": (*_SYSTEM, *_PERSON, "Company", "IsConverted", "ConvertedContactId",
             "ConvertedAccountId"),
    "Contact": (*_SYSTEM, *_PERSON, "AccountId"),
    "Account": (*_SYSTEM, "Name", "Website", "Phone", "OwnerId"),
}
# Never left out: the keyset and the identity of a record need them.
_REQUIRED = frozenset({"Id", "SystemModstamp", "IsDeleted"})


@dataclass(frozen=True)
class ObjectSpec:
    sobject: str
    fields: tuple[str, ...]


def spec_for(
    sobject: str, available: Collection[str] | None = None, extra: Sequence[str] = ()
) -> ObjectSpec:
    """What to read of ``sobject``: :data:`PULL_FIELDS` and ``extra`` (our external ID
    field), less those the org's describe (``available``) does not list."""
    wanted = [*PULL_FIELDS[sobject], *[e for e in extra if e not in PULL_FIELDS[sobject]]]
    if available is not None:
        have = {name.lower() for name in available}
        wanted = [f for f in wanted if f in _REQUIRED or f.lower() in have]
    return ObjectSpec(sobject, tuple(wanted))


@dataclass(frozen=True, order=True)
class Watermark:
    """The (SystemModstamp, Id) of the last record applied."""

    stamp: dt.datetime
    id: str = ""


@dataclass
class Page:
    """Records of one object in (SystemModstamp, Id) order. ``deleted``: only on a page of
    :func:`poll` that was asked for a getDeleted window of its object: what it said, or why
    the window is lost."""

    sobject: str
    records: list[dict[str, Any]] = field(default_factory=list)
    deleted: DeletedWindow | ReplicationWindowLost | None = None
    #: The stamps this page answers for: from ``start`` (None: the beginning) up to ``end``
    #: (None: no end, the last page of a read); the next page starts at ``end``.
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    #: When Salesforce ran the query (its clock; None: not known).
    asked_at: dt.datetime | None = None


class Coverage:
    """How far one read has proven Salesforce's records complete, page after page.

    A page proves its stamps up to ``asked_at`` less the lookback (a record stamped earlier
    was visible to the query), or all of them when that is past its ``end``. After each page,
    :meth:`add` gives the stamp before which every record has been read: the smallest proof
    so far, and never past the page's ``end`` (the pages after it are not read yet, which is
    what a worker killed here resumes from). None: a page did not say when it was answered.
    """

    def __init__(self, lookback: dt.timedelta) -> None:
        self.lookback = lookback
        self._proven: dt.datetime | None = None  # None: nothing limits it yet
        self._known = True

    def add(self, page: Page) -> dt.datetime | None:
        if page.asked_at is None:
            self._known = False
        if not self._known:
            return None
        assert page.asked_at is not None
        visible = page.asked_at - self.lookback
        if page.end is None or visible < page.end:
            proof = visible if page.start is None else max(page.start, visible)
            self._proven = proof if self._proven is None else min(self._proven, proof)
        bounds = [b for b in (self._proven, page.end) if b is not None]
        return min(bounds) if bounds else None


def asked_at(api: SalesforceApi) -> dt.datetime | None:
    """When the org ran the query its latest answer was for (see :data:`ASKED_MARGIN`)."""
    served = api.meter.server_time
    return None if served is None else served - ASKED_MARGIN

#: getDeleted windows for :func:`poll`: object -> (start, end).
DeletedWindows = Mapping[str, tuple[dt.datetime, dt.datetime]]


def _second(stamp: dt.datetime) -> dt.datetime:
    return stamp.astimezone(dt.UTC).replace(microsecond=0)


def _select(spec: ObjectSpec) -> str:
    return f"SELECT {', '.join(spec.fields)} FROM {spec.sobject}"


def _from_second(spec: ObjectSpec, start: dt.datetime, limit: int) -> str:
    return (
        f"{_select(spec)} WHERE SystemModstamp >= {datetime_literal(start)} "
        f"ORDER BY SystemModstamp, Id LIMIT {limit}"
    )


def _within_second(spec: ObjectSpec, second: dt.datetime, after_id: str, limit: int) -> str:
    nxt = second + dt.timedelta(seconds=1)
    # No Id bound for the first chunk: ``Id > ''`` matches nothing (an empty Id is null).
    after = f"AND Id > {quote(after_id)} " if after_id else ""
    return (
        f"{_select(spec)} WHERE SystemModstamp >= {datetime_literal(second)} "
        f"AND SystemModstamp < {datetime_literal(nxt)} {after}"
        f"ORDER BY Id LIMIT {limit}"
    )


def start_of(since: Watermark | None, lookback: dt.timedelta) -> dt.datetime | None:
    """Where a read from ``since`` begins: its stamp less the lookback, at a whole second."""
    return None if since is None else _second(since.stamp - lookback)


def _first_soql(spec: ObjectSpec, start: dt.datetime | None, limit: int) -> str:
    if start is None:
        return f"{_select(spec)} ORDER BY SystemModstamp, Id LIMIT {limit}"
    return _from_second(spec, start, limit)


def _clean(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "attributes"} for r in records]


def poll(
    api: SalesforceApi,
    specs: Sequence[ObjectSpec],
    starts: Mapping[str, dt.datetime | None],
    *,
    limit: int = PAGE_SIZE,
    deleted_windows: DeletedWindows | None = None,
) -> list[Page]:
    """The first page of each object from its start, in ONE Composite call.

    ``deleted_windows``: getDeleted windows of some of ``specs``' objects, read in the same
    call; each such page's ``deleted`` is the :class:`~.deletes.DeletedWindow`, or the
    :class:`~.deletes.ReplicationWindowLost` (returned, not raised: the other pages stay
    good). A failed query subrequest raises, as before."""
    paths = [
        "queryAll?q=" + url_quote(_first_soql(s, starts.get(s.sobject), limit), safe="")
        for s in specs
    ]
    if not deleted_windows:
        bodies = api.get_many(paths)
        answered = asked_at(api)
        return [Page(s.sobject, _clean(b.get("records", [])), start=starts.get(s.sobject),
                     asked_at=answered) for s, b in zip(specs, bodies, strict=True)]
    known = {s.sobject for s in specs}
    if unknown := set(deleted_windows) - known:
        raise ValueError(f"getDeleted windows for objects not polled: {sorted(unknown)}")
    asked = [(o, w[0], deleted_path(o, *w)) for o, w in deleted_windows.items()]
    extra = [(o, start, p) for o, start, p in asked if p is not None]
    answers = api.get_each([*paths, *(p for _, _, p in extra)])
    when = asked_at(api)
    pages = []
    for spec, path, (status, body) in zip(specs, paths, answers, strict=False):
        if status >= 300:
            raise subrequest_failure(path, status, body)
        pages.append(Page(spec.sobject, _clean(body.get("records", [])),
                          start=starts.get(spec.sobject), asked_at=when))
    deleted: dict[str, DeletedWindow | ReplicationWindowLost] = {
        o: DeletedWindow(o, (), None, minute(start)) for o, start, p in asked if p is None}
    for (sobject, start, _), (status, body) in zip(extra, answers[len(paths):], strict=True):
        try:
            deleted[sobject] = window_from(sobject, start, status, body)
        except ReplicationWindowLost as lost:
            deleted[sobject] = lost
    for page in pages:
        page.deleted = deleted.get(page.sobject)
    return pages


def read_ids(api: SalesforceApi, spec: ObjectSpec, ids: Sequence[str]) -> list[dict[str, Any]]:
    """These records (deleted ones too), by Id: one query of up to 200 Ids."""
    if not ids:
        return []
    listed = ", ".join(quote(i) for i in ids)
    return _query_all(api, f"{_select(spec)} WHERE Id IN ({listed}) ORDER BY SystemModstamp, Id")


def _query_all(api: SalesforceApi, soql: str) -> list[dict[str, Any]]:
    body = api.rest("GET", "queryAll", params={"q": soql})
    return _clean(body.get("records", []))


def read_since(
    api: SalesforceApi,
    spec: ObjectSpec,
    start: dt.datetime | None,
    *,
    first: Page | None = None,
    limit: int = PAGE_SIZE,
) -> Iterator[Page]:
    """Every record of ``spec.sobject`` stamped at or after ``start`` (None: all), page by
    page in (SystemModstamp, Id) order, each exactly once unless a page boundary made it
    read twice (the caller skips what it applied). ``first``: the page :func:`poll` read."""
    if first is not None:
        records, asked = first.records, first.asked_at
    else:
        records = _query_all(api, _first_soql(spec, start, limit))
        asked = asked_at(api)
    while True:
        if len(records) < limit:
            yield Page(spec.sobject, records, start=start, asked_at=asked)
            return
        last = _second(_stamp(records[-1]))
        head = [r for r in records if _second(_stamp(r)) < last]
        if head:
            # The last second may go on beyond this page: the next page starts with it.
            yield Page(spec.sobject, head, start=start, end=last, asked_at=asked)
        else:
            # A whole page in one second: read that second by Id, then go on after it.
            yield from _one_second(api, spec, start, last, asked, limit)
            last = last + dt.timedelta(seconds=1)
        start = last
        records = _query_all(api, _from_second(spec, last, limit))
        asked = asked_at(api)


def _one_second(
    api: SalesforceApi, spec: ObjectSpec, start: dt.datetime | None, second: dt.datetime,
    asked: dt.datetime | None, limit: int,
) -> Iterator[Page]:
    """The records of ``second`` by Id; the pages answer for ``start`` (nothing was found
    before the second) up to the second, the last one for the whole second, as proven by
    the earliest of the queries (a record may have become visible between them)."""
    after = ""
    while True:
        chunk = _query_all(api, _within_second(spec, second, after, limit))
        when = asked_at(api)
        asked = None if when is None or asked is None else min(asked, when)
        complete = len(chunk) < limit
        end = second + dt.timedelta(seconds=1) if complete else second
        if chunk or complete:
            yield Page(spec.sobject, chunk, start=start, end=end, asked_at=asked)
        if complete:
            return
        after = str(chunk[-1]["Id"])


def _stamp(record: Mapping[str, Any]) -> dt.datetime:
    stamp = parse_datetime(record.get("SystemModstamp"))
    if stamp is None:
        raise ValueError(f"{record.get('Id')}: no SystemModstamp")
    return stamp
