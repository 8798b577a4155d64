"""Bulk API 2.0 job records: their state machine and the JobInfo JSON Salesforce reports.

Ingest: Open -> UploadComplete -> InProgress -> JobComplete | Failed, or Aborted from any state
before completion. Query: UploadComplete -> InProgress -> JobComplete | Failed | Aborted.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from flask_sfsync.emulator.rest.http import PerOrg, not_found
from flask_sfsync.emulator.schema.ids import make_id
from flask_sfsync.emulator.schema.values import format_datetime
from flask_sfsync.emulator.soql.engine import QueryResult

__all__ = ["FINAL_STATES", "Job", "Jobs", "jobs_of"]

FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclass
class Job:
    id: str
    is_query: bool
    operation: str
    sobject: str
    created_by: str
    api_version: float
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    external_id_field: str | None = None
    query: str | None = None
    state: str = "Open"
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    modstamp: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    data: bytes | None = None
    header: list[str] = field(default_factory=list)
    successes: list[list[str]] = field(default_factory=list)  # sf__Id, sf__Created, *row
    failures: list[list[str]] = field(default_factory=list)  # sf__Id, sf__Error, *row
    unprocessed: list[list[str]] = field(default_factory=list)
    processed: int = 0
    failed: int = 0
    error_message: str | None = None
    processing_ms: int = 0
    result: QueryResult | None = None
    abort_requested: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set_state(self, state: str, error: str | None = None) -> None:
        with self.lock:
            if self.state in FINAL_STATES:
                return  # an abort that won the race stays
            self.state = state
            if error is not None:
                self.error_message = error
            self.modstamp = dt.datetime.now(dt.UTC)

    def info(self, version: str, *, created_view: bool = False) -> dict[str, Any]:
        """JobInfo as Salesforce returns it (create/close answers omit the counters)."""
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject,
            "createdById": self.created_by,
            "createdDate": format_datetime(self.created),
            "systemModstamp": format_datetime(self.modstamp),
            "state": self.state,
        }
        if self.external_id_field:
            out["externalIdFieldName"] = self.external_id_field
        out.update(
            {
                "concurrencyMode": "Parallel",
                "contentType": "CSV",
                "apiVersion": self.api_version,
                "jobType": "V2Query" if self.is_query else "V2Ingest",
            }
        )
        if not self.is_query and self.state == "Open":
            out["contentUrl"] = f"services/data/v{version}/jobs/ingest/{self.id}/batches"
        out["lineEnding"] = self.line_ending
        out["columnDelimiter"] = self.column_delimiter
        if created_view:
            return out
        out["numberRecordsProcessed"] = self.processed
        if not self.is_query:
            out["numberRecordsFailed"] = self.failed
        out["retries"] = 0
        out["totalProcessingTime"] = self.processing_ms
        if not self.is_query:
            out["apiActiveProcessingTime"] = self.processing_ms
            out["apexProcessingTime"] = 0
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out


class Jobs:
    """The Bulk API 2.0 jobs of one org."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Job] = {}
        self._sequence = itertools.count(1)

    def new_id(self) -> str:
        with self._lock:
            return make_id("750", next(self._sequence))

    def add(self, job: Job) -> Job:
        with self._lock:
            self._items[job.id] = job
        return job

    def get(self, job_id: str, *, is_query: bool) -> Job:
        with self._lock:
            job = self._items.get(job_id)
        if job is None or job.is_query != is_query:
            raise not_found()
        return job

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._items.pop(job_id, None)

    def listing(self, *, is_query: bool) -> list[Job]:
        with self._lock:
            return [job for job in self._items.values() if job.is_query == is_query]


jobs_of: PerOrg[Jobs] = PerOrg(Jobs)
