"""Reading what changed in Salesforce since a watermark: exact, idempotent, and cheap.

Every read is a ``queryAll`` (deleted and merged records come back with ``IsDeleted``) ordered
by ``SystemModstamp, Id`` from the watermark minus a lookback: a change becomes queryable a
little after its stamp (Estuary measured 1-3 s), so the window is read again and the caller
skips what it already applied (the mirror's (Id, SystemModstamp)).

Pages never lose a record at their boundary, with SOQL's whole-second dateTime literals: a full
page ends at the start of its last second, whose records are read again by the next page (which
starts at that second); a second holding more than a page of records is read by Id
within the second first. The first page of every object comes from one Composite call (an idle
poll of Lead, Contact and Account costs one API call).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as url_quote

from ...salesforce import SalesforceApi
from ...salesforce.soql import datetime_literal, quote

__all__ = [
    "PAGE_SIZE",
    "PULL_FIELDS",
    "ObjectSpec",
    "Page",
    "Watermark",
    "parse_datetime",
    "poll",
    "read_since",
    "spec_for",
    "start_of",
]

#: Records per query page (queryAll's largest batch).
PAGE_SIZE = 2000

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
    sobject: str
    records: list[dict[str, Any]] = field(default_factory=list)


def parse_datetime(value: Any) -> dt.datetime | None:
    """REST's ``2024-05-01T10:20:30.000+0000`` (or Bulk's ``...Z``) as an aware datetime."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


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
) -> list[Page]:
    """The first page of each object from its start, in ONE Composite call."""
    paths = [
        "queryAll?q=" + url_quote(_first_soql(s, starts.get(s.sobject), limit), safe="")
        for s in specs
    ]
    bodies = api.get_many(paths)
    return [Page(s.sobject, _clean(b.get("records", []))) for s, b in zip(specs, bodies,
                                                                       strict=True)]


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
    records = first.records if first is not None else _query_all(
        api, _first_soql(spec, start, limit))
    while True:
        if len(records) < limit:
            yield Page(spec.sobject, records)
            return
        last = _second(_stamp(records[-1]))
        head = [r for r in records if _second(_stamp(r)) < last]
        if head:
            # The last second may go on beyond this page: the next page starts with it.
            yield Page(spec.sobject, head)
        else:
            # A whole page in one second: read that second by Id, then go on after it.
            yield from _one_second(api, spec, last, limit)
            last = last + dt.timedelta(seconds=1)
        records = _query_all(api, _from_second(spec, last, limit))


def _one_second(
    api: SalesforceApi, spec: ObjectSpec, second: dt.datetime, limit: int
) -> Iterator[Page]:
    after = ""
    while True:
        chunk = _query_all(api, _within_second(spec, second, after, limit))
        if chunk:
            yield Page(spec.sobject, chunk)
        if len(chunk) < limit:
            return
        after = str(chunk[-1]["Id"])


def _stamp(record: Mapping[str, Any]) -> dt.datetime:
    stamp = parse_datetime(record.get("SystemModstamp"))
    if stamp is None:
        raise ValueError(f"{record.get('Id')}: no SystemModstamp")
    return stamp
