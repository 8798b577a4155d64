"""Bulk API 2.0 ingest (upsert by external ID, update by Id) for large sets.

One job carries up to 100 MB of CSV, so 100,000 contacts cost about six calls: create, upload,
close, poll (usually once or twice), successful and failed results.

simple-salesforce's ``sf.bulk2.<Object>.upsert`` is not used for the job itself, for three
reasons found in its source (1.12, ``bulk2.py``): it parses the whole CSV into lists and joins
it into one string before sending (three copies of the data in memory); its ``wait_for_job``
aborts the job when a single poll fails (one 503 would discard a 100,000-record job); and its
result download reads the whole body before writing it out. Here the CSV is written to a
temporary file row by row, uploaded as a stream, every step is retried on its own through
:class:`~.api.SalesforceApi`, and results are streamed to a file and read row by row. The
client's own ``requests`` session and headers are used, so refresh, budget and usage
counting work the same as for every other call.

Per-record results come back in :class:`~.writers.WriteResult`, as from Collections; records
that failed for a transient reason (``UNABLE_TO_LOCK_ROW``) are sent again through sObject
Collections, which retries them further.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.util import exception_handler

from . import writers
from .api import SalesforceApi
from .errors import Disposition, PermanentFailure, RecordError, disposition_of
from .writers import RecordWrite, WriteResult

__all__ = ["BulkPolling", "parse_error", "write"]

NULL = "#N/A"  # Bulk API 2.0's way to set a field to null; an empty cell leaves it unchanged
_DONE = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclass(frozen=True)
class BulkPolling:
    """When to ask whether a job is done: first after an estimate of its run time (so a job
    that finishes in time costs a single poll), then at growing intervals."""

    records_per_second: float = 20_000.0
    min_wait: float = 0.2
    max_wait: float = 10.0
    growth: float = 1.5
    timeout: float = 6 * 3600.0

    def first_wait(self, records: int) -> float:
        return min(self.max_wait, max(self.min_wait, records / self.records_per_second))


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
    writes: Sequence[RecordWrite],
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
    key_field = ext_field if operation == "upsert" else "Id"
    if not key_field:
        raise ValueError("a bulk upsert needs the external ID field")
    with tempfile.TemporaryDirectory(dir=workdir, prefix="sfsync-bulk-") as tmp:
        job = _Job(api, sobject, operation, key_field, Path(tmp), polling or BulkPolling())
        keys = job.write_csv(writes)
        job.run(len(keys))
        retry_keys: set[str] = set()
        for result in job.results(keys):
            if result.error is not None and _transient(result.error):
                retry_keys.add(result.key)
            else:
                yield result
    retry = [w for w in writes if w.key in retry_keys]
    if retry:
        again = writers.upsert(api, sobject, key_field, retry) if operation == "upsert" else (
            writers.update(api, sobject, retry)
        )
        yield from again


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

    def write_csv(self, writes: Sequence[RecordWrite]) -> dict[str, str]:
        """The job's CSV, one row at a time; returns key-field value -> caller's key."""
        columns = list(dict.fromkeys(name for w in writes for name in w.fields))
        keys: dict[str, str] = {}
        with open(self.tmp / "data.csv", "w", newline="", encoding="utf-8") as out:
            rows = csv.writer(out, lineterminator="\n")
            rows.writerow(columns)
            for w in writes:
                keys[str(w.fields[self.key_field])] = w.key
                rows.writerow([_cell(w.fields, c) for c in columns])
        return keys

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
        wait = self.polling.first_wait(records)
        deadline = time.monotonic() + self.polling.timeout
        while True:
            self.api.sleep(wait)
            info: Mapping[str, Any] = self.api.rest("GET", f"jobs/ingest/{self.id}")
            if info.get("state") in _DONE:
                return info
            if time.monotonic() > deadline:
                raise PermanentFailure(f"Bulk job {self.id} still {info.get('state')}")
            wait = min(self.polling.max_wait, wait * self.polling.growth)

    def results(self, keys: dict[str, str]) -> Iterator[WriteResult]:
        if self.info.get("state") != "JobComplete":
            error = RecordError("BULK_JOB_FAILED", str(self.info.get("errorMessage") or ""))
            for key in keys.values():
                yield WriteResult(key, None, error=error)
            return
        seen: set[str] = set()
        for row in self._rows("successfulResults"):
            found = keys.get(row.get(self.key_field, ""))
            if found is not None:
                seen.add(found)
                created = row.get("sf__Created", "").lower() == "true"
                yield WriteResult(found, row.get("sf__Id") or None, created=created)
        if int(self.info.get("numberRecordsFailed") or 0):
            for row in self._rows("failedResults"):
                found = keys.get(row.get(self.key_field, ""))
                if found is not None:
                    seen.add(found)
                    error = parse_error(row.get("sf__Error", ""))
                    yield WriteResult(found, row.get("sf__Id") or None, error=error)
        # Rows Salesforce never processed (the job stopped early) are reported, not lost.
        for key in keys.values():
            if key not in seen:
                yield WriteResult(key, None, error=RecordError("UNPROCESSED", "not processed"))

    def _rows(self, kind: str) -> Iterator[dict[str, str]]:
        path = self.tmp / f"{kind}.csv"
        self.api.call(lambda sf: self._download(sf, kind, path))
        with open(path, newline="", encoding="utf-8") as data:
            yield from csv.DictReader(data)

    def _download(self, sf: Salesforce, kind: str, path: Path) -> None:
        headers = {**sf.headers, "Accept": "text/csv"}
        url = f"{sf.bulk2_url}ingest/{self.id}/{kind}"
        with sf.session.get(url, headers=headers, stream=True, timeout=self.api.timeout) as reply:
            if reply.status_code >= 300:
                exception_handler(reply, name=f"bulk {kind}")
            _save(reply, path)


def _save(reply: requests.Response, path: Path) -> None:
    with open(path, "wb") as out:
        for block in reply.iter_content(chunk_size=1 << 16):
            out.write(block)


def _cell(fields: Mapping[str, Any], column: str) -> str:
    if column not in fields:
        return ""
    value = fields[column]
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
