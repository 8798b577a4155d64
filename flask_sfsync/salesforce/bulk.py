"""Bulk API 2.0 ingest (upsert by external ID, update by Id) and query jobs, for large sets.

One job carries up to 100 MB of CSV, so 100,000 contacts cost about seven calls: create,
upload, close, two or three polls, and the successful results (failed results only when the
job says some failed).

simple-salesforce's ``sf.bulk2.<Object>.upsert`` is not used for the job itself, for three
reasons found in its source (1.12, ``bulk2.py``): it parses the whole CSV into lists and joins
it into one string before sending (three copies of the data in memory); its ``wait_for_job``
aborts the job when a single poll fails (one 503 would discard a 100,000-record job); and its
result download reads the whole body before writing it out. Here a :class:`BulkSpool` writes
the CSV to a temporary file as records come (a full sync feeds it page by page, so the
records are never all in memory), uploads it as a stream, retries every step on its own
through :class:`~.api.SalesforceApi`, and reads the results row by row from a file. The
client's own ``requests`` session and headers are used, so refresh, budget and usage
counting work the same as for every other call.

Per-record results come back in :class:`~.writers.WriteResult`, as from Collections; records
that failed for a transient reason (``UNABLE_TO_LOCK_ROW``) are sent again through sObject
Collections, which retries them further.

A :class:`BulkQuery` runs one ``query``/``queryAll`` job: create, poll (the same
:class:`BulkPolling`), then each page of results (``maxRecords``, next page by the
``Sforce-Locator`` header, ``null`` after the last) streamed to a file, one API call a page.
Its rows come in no promised order: ORDER BY turns off the PK chunking that keeps large jobs
from timing out (Bulk API 2.0 guide, "SOQL Considerations"), so a caller sorts.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.util import exception_handler

from . import writers
from .api import SalesforceApi
from .errors import Disposition, PermanentFailure, RecordError, disposition_of
from .writers import RecordWrite, Writable, WriteResult

__all__ = ["QUERY_PAGE_RECORDS", "BulkPolling", "BulkQuery", "BulkSpool", "parse_error", "write"]

NULL = "#N/A"  # Bulk API 2.0's way to set a field to null; an empty cell leaves it unchanged
_DONE = frozenset({"JobComplete", "Failed", "Aborted"})
#: Rows per results call of a query job: large pages, few calls (each is an API call).
QUERY_PAGE_RECORDS = 50_000


@dataclass(frozen=True)
class BulkPolling:
    """When to ask whether a job is done.

    Every poll is an API call, and every second between the job's end and the poll that sees
    it is wall time lost. So the first poll comes at ``probe`` of the estimated run time (a
    guess from ``records_per_second``); from then on the job's own progress
    (``numberRecordsProcessed`` over the time since it was closed) tells how long the rest
    takes, and the next poll is set just after that. A job that has not started yet (queued
    behind others) is asked again at growing intervals. A 100,000-record job costs two or
    three polls.
    """

    records_per_second: float = 20_000.0
    min_wait: float = 0.2
    max_wait: float = 10.0
    growth: float = 1.5
    timeout: float = 6 * 3600.0
    probe: float = 0.5
    margin: float = 1.1  # the rest's estimate, stretched: a poll too early costs a call

    def first_wait(self, records: int) -> float:
        """The estimated run time of a job of ``records`` (clamped)."""
        return min(self.max_wait, max(self.min_wait, records / self.records_per_second))

    def first_poll(self, records: int) -> float:
        return max(self.min_wait, self.first_wait(records) * self.probe)

    def next_wait(self, records: int, processed: int, elapsed: float, previous: float) -> float:
        """After a poll that found ``processed`` of ``records`` done ``elapsed`` seconds
        after the job was closed."""
        if processed <= 0 or elapsed <= 0 or processed >= records:
            return min(self.max_wait, max(self.min_wait, previous * self.growth))
        rest = (records - processed) * elapsed / processed
        return min(self.max_wait, max(self.min_wait, rest * self.margin))


def parse_error(text: str) -> RecordError:
    """``sf__Error`` of a failed row: ``CODE:message:field1;field2 --``."""
    text = text.strip().removesuffix("--").strip()
    code, _, rest = text.partition(":")
    message, sep, fields = rest.rpartition(":")
    if not sep or " " in fields.strip():  # no field list: the colon was in the message
        message, fields = rest, ""
    return RecordError(
        code.strip() or "UNKNOWN_EXCEPTION",
        message.strip(),
        tuple(f for f in fields.strip().split(";") if f),
    )


def write(
    api: SalesforceApi,
    sobject: str,
    operation: str,
    writes: Sequence[Writable],
    *,
    ext_field: str | None = None,
    polling: BulkPolling | None = None,
    workdir: str | os.PathLike[str] | None = None,
) -> Iterator[WriteResult]:
    """``operation``: "upsert" (by ``ext_field``) or "update" (by Id); "create" goes through
    Collections (Bulk results carry no key to tell which created row was which)."""
    if operation == "create":
        yield from writers.create(api, sobject, writes)
        return
    spool = BulkSpool(
        api, sobject, operation, ext_field=ext_field, polling=polling, workdir=workdir
    )
    try:
        spool.add(writes)
        yield from spool.run()
    finally:
        spool.close()


class BulkSpool:
    """One ingest job, filled in pieces (:meth:`add`), then run (:meth:`run`).

    Rows go straight to a temporary CSV file; what stays in memory is one entry per record:
    its key-field value (external ID or Id) -> the caller's key.
    """

    def __init__(
        self,
        api: SalesforceApi,
        sobject: str,
        operation: str,
        *,
        ext_field: str | None = None,
        polling: BulkPolling | None = None,
        workdir: str | os.PathLike[str] | None = None,
    ) -> None:
        if operation not in ("upsert", "update"):
            raise ValueError(f"a Bulk job here upserts or updates, not {operation!r}")
        key_field = ext_field if operation == "upsert" else "Id"
        if not key_field:
            raise ValueError("a bulk upsert needs the external ID field")
        self.api = api
        self.sobject = sobject
        self.operation = operation
        self.key_field = key_field
        self.polling = polling or BulkPolling()
        self._tmp = tempfile.TemporaryDirectory(dir=workdir, prefix="sfsync-bulk-")
        self.dir = Path(self._tmp.name)
        self._body_path = self.dir / "body.csv"
        self._body = open(self._body_path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._rows = csv.writer(self._body, lineterminator="\n")
        self.columns: list[str] = []
        self._keys: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, writes: Sequence[Writable]) -> None:
        """Append records (their ``fields`` must hold the key field)."""
        known = set(self.columns)
        new = [c for c in dict.fromkeys(n for w in writes for n in w.fields) if c not in known]
        if new:
            self._widen(new)
        columns = self.columns
        keys = self._keys
        key_field = self.key_field
        writerow = self._rows.writerow
        for w in writes:
            fields = w.fields
            keys[str(fields[key_field])] = w.key
            cells = [fields.get(c, "") for c in columns]
            # Most rows hold text only; None (clear) and booleans need their CSV spelling.
            if None in cells or True in cells or False in cells:
                cells = [_cell(c) for c in cells]
            writerow(cells)

    def _widen(self, new: Sequence[str]) -> None:
        """New columns go last; rows already written get empty cells (unchanged) for them."""
        old = len(self.columns)
        self.columns.extend(new)
        if not self._keys:
            return
        self._body.close()
        wider = self.dir / "body.wider.csv"
        pad = [""] * len(new)
        with (
            open(self._body_path, newline="", encoding="utf-8") as src,
            open(wider, "w", newline="", encoding="utf-8") as dst,
        ):
            out = csv.writer(dst, lineterminator="\n")
            for row in csv.reader(src):
                out.writerow(row[:old] + pad)
        os.replace(wider, self._body_path)
        self._body = open(self._body_path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._rows = csv.writer(self._body, lineterminator="\n")

    def run(self) -> Iterator[WriteResult]:
        """Run the job; every record added gets exactly one result."""
        if not self._keys:
            return
        self._body.close()
        data = self.dir / "data.csv"
        with open(data, "w", newline="", encoding="utf-8") as out:
            csv.writer(out, lineterminator="\n").writerow(self.columns)
            with open(self._body_path, encoding="utf-8", newline="") as body:
                shutil.copyfileobj(body, out, 1 << 20)
        self._body_path.unlink()
        job = _Job(self.api, self.sobject, self.operation, self.key_field, self.dir,
                   self.polling)
        job.run(len(self._keys))
        retry: dict[str, str] = {}
        for value, result in job.results(self._keys):
            if result.error is not None and _transient(result.error):
                retry[value] = result.key
            else:
                yield result
        self._keys = {}
        if retry:
            yield from self._retry(retry)

    def _retry(self, retry: Mapping[str, str]) -> Iterator[WriteResult]:
        """Rows Bulk could not lock, again through Collections (which retries with backoff)."""
        rows = self.rows(set(retry))
        writes = [RecordWrite(retry[value], fields) for value, fields in rows.items()]
        if self.operation == "upsert":
            yield from writers.upsert(self.api, self.sobject, self.key_field, writes)
        else:
            yield from writers.update(self.api, self.sobject, writes)

    def rows(self, values: set[str]) -> dict[str, dict[str, Any]]:
        """Key-field value -> the fields its row was sent with, read back from the job's CSV
        (after :meth:`run`, before :meth:`close`): an empty cell was "leave unchanged" and is
        left out, ``#N/A`` was null. Values come back as the text the CSV holds."""
        found: dict[str, dict[str, Any]] = {}
        with open(self.dir / "data.csv", newline="", encoding="utf-8") as src:
            reader = csv.reader(src)
            header = next(reader)
            at = header.index(self.key_field)
            for row in reader:
                if row[at] in values:
                    cells = zip(header, row, strict=False)
                    found[row[at]] = {c: (None if v == NULL else v) for c, v in cells if v}
        return found

    def close(self) -> None:
        self._body.close()
        self._tmp.cleanup()


def _transient(error: RecordError) -> bool:
    return disposition_of(error.status_code) is Disposition.RETRY


class _Job:
    def __init__(
        self,
        api: SalesforceApi,
        sobject: str,
        operation: str,
        key_field: str,
        tmp: Path,
        polling: BulkPolling,
    ) -> None:
        self.api = api
        self.sobject = sobject
        self.operation = operation
        self.key_field = key_field
        self.tmp = tmp
        self.polling = polling
        self.id = ""
        self.info: Mapping[str, Any] = {}

    def run(self, records: int) -> None:
        body: dict[str, Any] = {
            "object": self.sobject,
            "operation": self.operation,
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if self.operation == "upsert":
            body["externalIdFieldName"] = self.key_field
        self.id = str(self.api.rest("POST", "jobs/ingest", json=body)["id"])
        self.api.call(self._upload)
        self.api.rest("PATCH", f"jobs/ingest/{self.id}", json={"state": "UploadComplete"})
        self.info = self._wait(records)

    def _upload(self, sf: Salesforce) -> None:
        headers = {**sf.headers, "Content-Type": "text/csv", "Accept": "application/json"}
        with open(self.tmp / "data.csv", "rb") as data:  # reopened on every retry
            reply = sf.session.put(
                f"{sf.bulk2_url}ingest/{self.id}/batches",
                data=data,
                headers=headers,
                timeout=self.api.timeout,
            )
        if reply.status_code >= 300:
            exception_handler(reply, name="bulk upload")

    def _wait(self, records: int) -> Mapping[str, Any]:
        return _await(self.api, f"jobs/ingest/{self.id}", records, self.polling)

    def results(self, keys: dict[str, str]) -> Iterator[tuple[str, WriteResult]]:
        """(key-field value, result) for every record; ``keys`` is emptied on the way."""
        if self.info.get("state") != "JobComplete":
            error = RecordError("BULK_JOB_FAILED", str(self.info.get("errorMessage") or ""))
            for value, key in keys.items():
                yield value, WriteResult(key, None, error=error)
            keys.clear()
            return
        for value, sf_id, created in self._rows("successfulResults", "sf__Created"):
            found = keys.pop(value, None)
            if found is not None:
                yield value, WriteResult(found, sf_id or None, created=created.lower() == "true")
        failed = int(self.info.get("numberRecordsFailed") or 0)
        if failed:
            for value, sf_id, text in self._rows("failedResults", "sf__Error"):
                found = keys.pop(value, None)
                if found is not None:
                    yield value, WriteResult(found, sf_id or None, error=parse_error(text))
        # Rows Salesforce never processed (the job stopped early) are reported, not lost.
        for value, key in keys.items():
            yield value, WriteResult(key, None, error=RecordError("UNPROCESSED", "not processed"))
        keys.clear()

    def _rows(self, kind: str, extra: str) -> Iterator[tuple[str, str, str]]:
        """(key-field value, sf__Id, ``extra`` column) of each result row, from a file."""
        path = self.tmp / f"{kind}.csv"
        self.api.call(lambda sf: self._download(sf, kind, path))
        try:
            with open(path, newline="", encoding="utf-8") as data:
                rows = csv.reader(data)
                header = next(rows, None)
                if header is None:
                    return
                at_key = header.index(self.key_field) if self.key_field in header else -1
                at_id = header.index("sf__Id") if "sf__Id" in header else -1
                at_extra = header.index(extra) if extra in header else -1
                for row in rows:
                    if at_key < 0 or at_key >= len(row):
                        continue
                    yield (
                        row[at_key],
                        row[at_id] if 0 <= at_id < len(row) else "",
                        row[at_extra] if 0 <= at_extra < len(row) else "",
                    )
        finally:
            path.unlink(missing_ok=True)

    def _download(self, sf: Salesforce, kind: str, path: Path) -> None:
        headers = {**sf.headers, "Accept": "text/csv"}
        url = f"{sf.bulk2_url}ingest/{self.id}/{kind}"
        with sf.session.get(url, headers=headers, stream=True, timeout=self.api.timeout) as reply:
            if reply.status_code >= 300:
                exception_handler(reply, name=f"bulk {kind}")
            _save(reply, path)


def _await(api: SalesforceApi, path: str, records: int, polling: BulkPolling) -> Mapping[str, Any]:
    """Poll the job at ``path`` until it is done; its last JobInfo."""
    closed = time.monotonic()
    deadline = closed + polling.timeout
    wait = polling.first_poll(records)
    while True:
        api.sleep(wait)
        info: Mapping[str, Any] = api.rest("GET", path)
        if info.get("state") in _DONE:
            return info
        now = time.monotonic()
        if now > deadline:
            raise PermanentFailure(f"Bulk job {path.rsplit('/', 1)[-1]} still {info.get('state')}")
        processed = int(info.get("numberRecordsProcessed") or 0)
        wait = polling.next_wait(records, processed, now - closed, wait)


class BulkQuery:
    """One Bulk API 2.0 query job: :meth:`run`, then :meth:`pages`; :meth:`close` (or
    ``with``) removes its files. ``operation``: "query" or "queryAll" (deleted and merged
    records too)."""

    def __init__(
        self,
        api: SalesforceApi,
        soql: str,
        *,
        operation: str = "queryAll",
        polling: BulkPolling | None = None,
        workdir: str | os.PathLike[str] | None = None,
        page_records: int = QUERY_PAGE_RECORDS,
    ) -> None:
        if operation not in ("query", "queryAll"):
            raise ValueError(f"a Bulk query job runs query or queryAll, not {operation!r}")
        self.api = api
        self.soql = soql
        self.operation = operation
        self.polling = polling or BulkPolling()
        self.page_records = page_records
        self._tmp = tempfile.TemporaryDirectory(dir=workdir, prefix="sfsync-bulkq-")
        self.dir = Path(self._tmp.name)
        self.id = ""
        self.info: Mapping[str, Any] = {}

    def __enter__(self) -> BulkQuery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, expected: int = 0) -> Mapping[str, Any]:
        """Create the job and wait for it (``expected``: about how many rows, for the first
        poll's timing); its final JobInfo. PermanentFailure unless it completed."""
        body = {"operation": self.operation, "query": self.soql, "contentType": "CSV",
                "columnDelimiter": "COMMA", "lineEnding": "LF"}
        created: Mapping[str, Any] = self.api.rest("POST", "jobs/query", json=body)
        self.id = str(created["id"])
        self.info = {**created, **_await(self.api, f"jobs/query/{self.id}", expected,
                                         self.polling)}
        if self.info.get("state") != "JobComplete":
            raise PermanentFailure(
                f"Bulk query job {self.id} {self.info.get('state')}: "
                f"{self.info.get('errorMessage') or 'no message'}")
        return self.info

    def pages(self) -> Iterator[Path]:
        """Each page of results as a CSV file (header first), one API call each; a page's
        file is removed when the next one is asked for."""
        locator = ""
        number = 0
        while True:
            path = self.dir / f"page-{number}.csv"
            locator = self.api.call(partial(self._download, locator=locator, path=path))
            try:
                yield path
            finally:
                path.unlink(missing_ok=True)
            if not locator or locator == "null":
                return
            number += 1

    def _download(self, sf: Salesforce, *, locator: str, path: Path) -> str:
        headers = {**sf.headers, "Accept": "text/csv"}
        params: dict[str, Any] = {"maxRecords": self.page_records}
        if locator:
            params["locator"] = locator
        url = f"{sf.bulk2_url}query/{self.id}/results"
        with sf.session.get(url, headers=headers, params=params, stream=True,
                            timeout=self.api.timeout) as reply:
            if reply.status_code >= 300:
                exception_handler(reply, name="bulk query results")
            _save(reply, path)
            return str(reply.headers.get("Sforce-Locator") or "null")

    def close(self) -> None:
        self._tmp.cleanup()


def _save(reply: requests.Response, path: Path) -> None:
    with open(path, "wb") as out:
        for block in reply.iter_content(chunk_size=1 << 16):
            out.write(block)


def _cell(value: Any) -> Any:
    """A CSV cell: absent ("") leaves the field unchanged, None clears it."""
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value
