"""Bulk API 2.0 ingest processing: applies an uploaded CSV to the org, row by row.

Runs on a background thread after ``UploadComplete`` so clients observe ``InProgress``. Rows are
written in chunks, each under the org's write lock, so REST calls keep being answered during a
large job. Row errors go to failedResults as Salesforce formats them:
``ERROR_CODE:message:Field1;Field2 --``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.rest import csvio
from flask_sfsync.emulator.rest.bulk2_jobs import Job
from flask_sfsync.emulator.rest.collections import lock_error
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef
from flask_sfsync.emulator.schema.values import CSV_NULL, from_csv, to_json

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org

__all__ = ["CHUNK", "format_error", "run_ingest"]

CHUNK = 200


def format_error(error: SalesforceApiError) -> str:
    return f"{error.error_code}:{error.message}:{';'.join(error.fields)} --"


def _columns(obj: ObjectDef, header: list[str]) -> list[FieldDef]:
    fields = []
    for name in header:
        fdef = obj.field(name)
        if fdef is None:
            raise csvio.CsvInputError(f"InvalidBatch : Field name not found : {name}")
        fields.append(fdef)
    return fields


def _values(columns: list[FieldDef], row: list[str]) -> dict[str, Any]:
    """JSON-ready values of a row; an empty cell leaves the field alone, #N/A nulls it."""
    out: dict[str, Any] = {}
    for fdef, cell in zip(columns, row, strict=True):
        if cell == "":
            continue
        out[fdef.name] = None if cell == CSV_NULL else to_json(fdef, from_csv(fdef, cell))
    return out


def _apply(
    org: Org, job: Job, user_id: str, obj: ObjectDef, fields: dict[str, Any]
) -> tuple[str, bool]:
    """Write one row; (record Id, created)."""
    op = job.operation
    record_id = next((str(v) for k, v in fields.items() if k == "Id" and v), None)
    if op == "insert":
        return org.create(obj.name, fields, user_id), True
    if op == "upsert":
        ext = str(job.external_id_field)
        value = fields.get(ext)
        if value in (None, ""):
            raise SalesforceApiError(400, "MISSING_ARGUMENT", f"{ext} not specified", [ext])
        try:
            return org.upsert(obj.name, ext, str(value), fields, user_id)
        except SalesforceApiError as exc:
            if exc.status != 300:
                raise
            raise SalesforceApiError(
                400,
                "DUPLICATE_EXTERNAL_ID",
                f"{ext}: more than one record found for external id field",
                [ext],
            ) from None
    if record_id is None:
        raise SalesforceApiError(
            400, "MISSING_ARGUMENT", f"Id not specified in an {op} call", ["Id"]
        )
    if op == "update":
        rest = {k: v for k, v in fields.items() if k != "Id"}
        org.update(obj.name, record_id, rest, user_id)
        return record_id, False
    org.delete(record_id, user_id, purge=op == "hardDelete")
    return record_id, False


def _row(
    org: Org,
    job: Job,
    user_id: str,
    obj: ObjectDef,
    columns: list[FieldDef],
    row: list[str],
    record_fault: Callable[[], bool],
) -> None:
    given_id = next(
        (cell for fdef, cell in zip(columns, row, strict=True) if fdef.name == "Id" and cell), ""
    )
    try:
        if record_fault():
            raise lock_error(given_id or None)
        record_id, created = _apply(org, job, user_id, obj, _values(columns, row))
    except SalesforceApiError as exc:
        job.failures.append([given_id, format_error(exc), *row])
        job.failed += 1
    else:
        job.successes.append([record_id, "true" if created else "false", *row])
    job.processed += 1


def run_ingest(org: Org, job: Job, user_id: str, record_fault: Callable[[], bool]) -> None:
    """The job's whole processing; never raises (the job records what went wrong)."""
    started = time.monotonic()
    try:
        obj = org.object_def(job.sobject)
        header, rows = csvio.parse(job.data or b"", job.column_delimiter, job.line_ending)
        columns = _columns(obj, header)
    except (csvio.CsvInputError, SalesforceApiError) as exc:
        message = exc.message if isinstance(exc, SalesforceApiError) else str(exc)
        job.set_state("Failed", message)
        return
    job.header = header
    job.set_state("InProgress")
    try:
        for start in range(0, len(rows), CHUNK):
            if job.abort_requested.is_set():
                job.unprocessed.extend(rows[start:])
                break
            with org.lock:
                for row in rows[start : start + CHUNK]:
                    _row(org, job, user_id, obj, columns, row, record_fault)
            job.processing_ms = int((time.monotonic() - started) * 1000)
    except Exception as exc:  # a bug must fail the job, not kill the thread silently
        job.set_state("Failed", f"InternalServerError : {type(exc).__name__}")
        return
    job.set_state("JobComplete")
