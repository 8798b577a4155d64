"""A large pull window through ONE Bulk API 2.0 ``queryAll`` job, as :func:`~.reader.read_since`
would read it page by page over REST.

When: :func:`count_since` (``SELECT COUNT()``, one call) tells how many records the window
holds; :func:`use_bulk` says whether that is worth a job (a first pull, or a resync above the
threshold). A REST read costs a call per 2,000 records; a job costs about four calls (create,
a poll or two) plus one per :data:`~flask_sfsync.salesforce.bulk.QUERY_PAGE_RECORDS` rows.

Order: the job's SOQL has no ORDER BY, as Salesforce advises (ORDER BY and LIMIT turn off PK
chunking, and a large query then times out), so its rows come in chunk order, not
(SystemModstamp, Id) order; sorting each result page would not be enough for a watermark.
:func:`read_bulk` therefore downloads every result page first (to a temporary file, one JSON
line per record; only a sort key per record stays in memory, about 100 bytes), sorts the
whole result, and only then yields pages in (SystemModstamp, Id) order: the caller may
commit its watermark after each page, as with REST pages.

Records stamped at or after the moment the job was created are left out: chunks run at
different moments, so a record changed while the job ran can come back with its old stamp
from one chunk while later stamps from another chunk carry the watermark past its change.
The next read (REST, from the watermark less the lookback) reads them.

Rows are parsed into the dicts the REST path yields: the same keys (``spec.fields``), an
empty cell as None, booleans as bool, numbers as numbers, datetimes in REST's
``...+0000`` spelling; other values as the text Salesforce sent.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...salesforce import SalesforceApi
from ...salesforce.bulk import BulkPolling, BulkQuery
from ...salesforce.soql import datetime_literal
from .reader import PAGE_SIZE, ObjectSpec, Page
from .stamps import parse_datetime

__all__ = [
    "DEFAULT_BULK_THRESHOLD",
    "FIELD_TYPES",
    "converters_for",
    "count_since",
    "csv_record",
    "read_bulk",
    "use_bulk",
]

#: Records above which a window is read through Bulk API 2.0 (SFSYNC_PULL_BULK_THRESHOLD).
DEFAULT_BULK_THRESHOLD = 10_000

#: Describe types of the fields :data:`~.reader.PULL_FIELDS` reads that are not text; any
#: other field is text unless the caller's ``types`` (from describe) says otherwise.
FIELD_TYPES: Mapping[str, str] = {
    "IsDeleted": "boolean",
    "IsConverted": "boolean",
    "SystemModstamp": "datetime",
    "LastModifiedDate": "datetime",
    "CreatedDate": "datetime",
    "ConvertedDate": "date",
}
_NUMBERS: Mapping[str, Callable[[str], Any]] = {
    "int": int, "double": float, "currency": float, "percent": float, "long": int,
}


def _where(start: dt.datetime | None) -> str:
    return "" if start is None else f" WHERE SystemModstamp >= {datetime_literal(start)}"


def count_since(api: SalesforceApi, spec: ObjectSpec, start: dt.datetime | None) -> int:
    """How many records (deleted ones too) :func:`~.reader.read_since` would read from
    ``start``: one ``SELECT COUNT()`` queryAll call."""
    body = api.rest("GET", "queryAll", params={"q": f"SELECT COUNT() FROM {spec.sobject}"
                                                    f"{_where(start)}"})
    return int(body.get("totalSize") or 0)


def use_bulk(count: int, threshold: int = DEFAULT_BULK_THRESHOLD) -> bool:
    """Whether a window of ``count`` records goes through Bulk API 2.0: above ``threshold``
    (0 or less: never)."""
    return threshold > 0 and count > threshold


def _cell(kind: str) -> Callable[[str], Any]:
    if kind == "boolean":
        return lambda text: text.lower() == "true"
    if kind == "datetime":
        # Bulk writes 2024-05-01T10:20:30.000Z; REST 2024-05-01T10:20:30.000+0000.
        return lambda text: f"{text[:-1]}+0000" if text.endswith("Z") else text
    return _NUMBERS.get(kind, str)


def csv_record(
    header: Sequence[str], row: Sequence[str], converters: Mapping[str, tuple[str, Any]]
) -> dict[str, Any]:
    """One result row as REST's record dict. ``converters``: lower-cased column ->
    (field name, cell converter), from :func:`converters_for`; other columns are left out."""
    out: dict[str, Any] = {}
    for column, text in zip(header, row, strict=False):
        found = converters.get(column.lower())
        if found is not None:
            name, convert = found
            out[name] = None if text == "" else convert(text)
    return out


def converters_for(
    spec: ObjectSpec, types: Mapping[str, str] | None = None
) -> dict[str, tuple[str, Any]]:
    """Lower-cased column -> (field name, cell converter) for ``spec.fields``: the describe
    type from ``types``, else :data:`FIELD_TYPES`, else text."""
    given = {k.lower(): v for k, v in (types or {}).items()}
    known = {k.lower(): v for k, v in FIELD_TYPES.items()}
    return {
        name.lower(): (name, _cell(given.get(name.lower()) or known.get(name.lower(), "string")))
        for name in spec.fields
    }


class _Spool:
    """Records on disk (a JSON line each), a sort key per record in memory."""

    def __init__(self, workdir: str | os.PathLike[str] | None) -> None:
        self._file = tempfile.TemporaryFile(dir=workdir, prefix="sfsync-pull-")  # noqa: SIM115
        self._keys: list[str] = []
        self._offsets = array("q")

    def add(self, record: Mapping[str, Any], key: str) -> None:
        self._offsets.append(self._file.tell())
        self._file.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        self._keys.append(key)

    def __len__(self) -> int:
        return len(self._keys)

    def sorted_pages(self, size: int) -> Iterator[list[dict[str, Any]]]:
        order = sorted(range(len(self._keys)), key=self._keys.__getitem__)
        self._keys = []
        for at in range(0, len(order), size):
            page = []
            for index in order[at : at + size]:
                self._file.seek(self._offsets[index])
                page.append(json.loads(self._file.readline()))
            yield page

    def close(self) -> None:
        self._file.close()


def _key(record: Mapping[str, Any]) -> tuple[dt.datetime, str]:
    stamp = parse_datetime(record.get("SystemModstamp"))
    if stamp is None:
        raise ValueError(f"{record.get('Id')}: no SystemModstamp")
    return stamp, str(record.get("Id") or "")


def read_bulk(
    api: SalesforceApi,
    spec: ObjectSpec,
    start: dt.datetime | None,
    *,
    page_size: int = PAGE_SIZE,
    expected: int = 0,
    types: Mapping[str, str] | None = None,
    polling: BulkPolling | None = None,
    workdir: str | os.PathLike[str] | None = None,
) -> Iterator[Page]:
    """Every record of ``spec.sobject`` stamped at or after ``start`` (None: all) and before
    the job began, through one Bulk API 2.0 queryAll job, in pages of ``page_size`` in
    (SystemModstamp, Id) order: the watermark may move after each page (the whole result is
    sorted before the first page is yielded). ``expected``: about how many (from
    :func:`count_since`), for the first poll; ``types``: describe types of ``extra`` fields
    that are not text (field -> "boolean", "int", "double", "datetime" ...)."""
    converters = converters_for(spec, types)
    soql = f"SELECT {', '.join(spec.fields)} FROM {spec.sobject}{_where(start)}"
    spool = _Spool(workdir)
    try:
        with BulkQuery(api, soql, operation="queryAll", polling=polling,
                       workdir=workdir) as job:
            info = job.run(expected)
            began = parse_datetime(info.get("createdDate"))
            for path in job.pages():
                _spool_page(path, converters, spool, began)
        # The job answers for every stamp from ``start`` as of its creation (Salesforce's
        # clock); a page for its stamps up to the next page's first second.
        held: list[dict[str, Any]] | None = None
        for records in spool.sorted_pages(page_size):
            if held is not None:
                yield Page(spec.sobject, held, start=start,
                           end=_key(records[0])[0].replace(microsecond=0), asked_at=began)
            held = records
        yield Page(spec.sobject, held or [], start=start, asked_at=began)
    finally:
        spool.close()


def _spool_page(path: Path, converters: Mapping[str, tuple[str, Any]], spool: _Spool,
                began: dt.datetime | None) -> None:
    with open(path, newline="", encoding="utf-8") as data:
        rows = csv.reader(data)
        header = next(rows, None)
        if header is None:
            return
        for row in rows:
            if not row:
                continue
            record = csv_record(header, row, converters)
            stamp, record_id = _key(record)
            if began is not None and stamp >= began:
                continue  # the next read takes it (see the module's docstring)
            spool.add(record, f"{stamp:%Y%m%d%H%M%S%f}{record_id}")
