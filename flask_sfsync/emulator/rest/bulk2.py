"""Bulk API 2.0 over HTTP: ``/jobs/ingest`` and ``/jobs/query``, as simple-salesforce drives them.

Ingest: POST a job, PUT its CSV to ``/batches`` (201), PATCH ``UploadComplete`` (processing
starts on a background thread), poll GET until JobComplete/Failed, then GET
``successfulResults`` / ``failedResults`` / ``unprocessedrecords``. Query: POST a job, poll,
GET ``/results?maxRecords=&locator=`` pages answered with ``Sforce-Locator`` (``null`` on the
last page) and ``Sforce-NumberOfRecords``.

Organization is not an ingest object (Salesforce: 400 ``INVALIDENTITY`` "Entity
'Organization' is not supported by the Bulk API."); a query job reads it like any query.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.rest import csvio
from flask_sfsync.emulator.rest.bulk2_ingest import run_ingest
from flask_sfsync.emulator.rest.bulk2_jobs import FINAL_STATES, Job, jobs_of
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import json_response, read_json, request_content_type
from flask_sfsync.emulator.rest.sobjects import data_object
from flask_sfsync.emulator.schema.organization import ORGANIZATION
from flask_sfsync.emulator.soql.engine import execute

__all__ = [
    "ingest_job",
    "ingest_results",
    "ingest_root",
    "ingest_upload",
    "query_job",
    "query_results",
    "query_root",
]

INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
QUERY_OPERATIONS = ("query", "queryAll")
MAX_UPLOAD_BYTES = 150 * 1024 * 1024  # Salesforce: 150 MB of base64-encoded data per job
DEFAULT_MAX_RECORDS = 50000
CSV_MIMETYPE = "text/csv"
_RESULT_KINDS = {
    "successfulresults": "successfulResults",
    "failedresults": "failedResults",
    "unprocessedrecords": "unprocessedrecords",
}


def _invalid_job(message: str) -> SalesforceApiError:
    return SalesforceApiError(400, "INVALIDJOB", f"InvalidJob : {message}")


def _bad_state(message: str) -> SalesforceApiError:
    return SalesforceApiError(409, "INVALIDJOBSTATE", message)


def _job_options(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    content_type = body.get("contentType", "CSV")
    if content_type != "CSV":
        raise _invalid_job(f"Invalid contentType: {content_type}. The only valid value is CSV")
    delimiter = body.get("columnDelimiter", "COMMA")
    if delimiter not in csvio.DELIMITERS:
        raise _invalid_job(f"Invalid columnDelimiter: {delimiter}")
    line_ending = body.get("lineEnding", "LF")
    if line_ending not in csvio.LINE_ENDINGS:
        raise _invalid_job(f"Invalid lineEnding: {line_ending}")
    return {"column_delimiter": delimiter, "line_ending": line_ending}


def _new_job(ctx: ApiContext, version: str, operation: str, sobject: str,
             options: dict[str, Any], **fields: Any) -> Job:
    jobs = jobs_of(ctx.org)
    return jobs.add(Job(id=jobs.new_id(), is_query=fields.pop("is_query", False),
                        operation=operation, sobject=sobject, created_by=ctx.user_id,
                        api_version=float(version), **options, **fields))


def _listing(ctx: ApiContext, version: str, *, is_query: bool) -> Response:
    jobs = jobs_of(ctx.org).listing(is_query=is_query)
    records = [job.info(version, created_view=True) for job in jobs]
    return json_response({"done": True, "records": records, "nextRecordsUrl": None})


# --- ingest --------------------------------------------------------------------------------


def ingest_root(ctx: ApiContext, request: Request, version: str) -> Response:
    if request.method == "GET":
        return _listing(ctx, version, is_query=False)
    body = read_json(request)
    options = _job_options(body)
    operation = body.get("operation")
    if operation not in INGEST_OPERATIONS:
        raise _invalid_job(f"Invalid operation: {operation}")
    name = body.get("object")
    if not isinstance(name, str) or not name:
        raise _invalid_job("The object is required")
    try:
        obj = data_object(ctx, name)
    except SalesforceApiError:
        raise _invalid_job(f"sObject type '{name}' is not supported.") from None
    if obj.name == ORGANIZATION:
        raise SalesforceApiError(400, "INVALIDENTITY",
                                 f"Entity '{obj.name}' is not supported by the Bulk API.")
    external = body.get("externalIdFieldName")
    if operation == "upsert":
        fdef = obj.field(str(external or ""))
        if fdef is None or not (fdef.external_id or fdef.id_lookup):
            raise _invalid_job(
                f"The field {external} on {obj.name} is not an external ID field"
                if external
                else "externalIdFieldName is required for upsert"
            )
        external = fdef.name
    job = _new_job(ctx, version, operation, obj.name, options,
                   external_id_field=external if operation == "upsert" else None)
    return json_response(job.info(version, created_view=True))


def ingest_upload(ctx: ApiContext, request: Request, version: str, job_id: str) -> Response:
    job = jobs_of(ctx.org).get(job_id, is_query=False)
    mimetype = request_content_type(request)
    if mimetype != CSV_MIMETYPE:
        raise SalesforceApiError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"MediaType of '{mimetype or 'none'}' is not supported by this resource",
        )
    data = request.get_data()
    if len(data) > MAX_UPLOAD_BYTES:
        raise SalesforceApiError(413, "INVALIDBATCH", "InvalidBatch : Data exceeds 150 MB")
    with job.lock:
        if job.state != "Open":
            raise _bad_state(f"Can not upload data to a job in state {job.state}")
        if job.data is not None:
            raise _bad_state("Job data was already uploaded; a job accepts one upload")
        job.data = data
    ctx.log_records(max(0, data.count(b"\n") - 1))
    return Response(status=201)


def _start(ctx: ApiContext, job: Job) -> None:
    thread = threading.Thread(
        target=run_ingest,
        args=(ctx.org, job, ctx.user_id, ctx.record_fault),
        name=f"bulk2-{job.id}",
        daemon=True,
    )
    thread.start()


def ingest_job(ctx: ApiContext, request: Request, version: str, job_id: str) -> Response:
    jobs = jobs_of(ctx.org)
    job = jobs.get(job_id, is_query=False)
    if request.method == "GET":
        return json_response(job.info(version))
    if request.method == "DELETE":
        if job.state in ("Open", "InProgress"):
            raise _bad_state(f"Can not delete a job in state {job.state}")
        jobs.remove(job.id)
        return Response(status=204)
    state = _requested_state(request)
    if state == "UploadComplete":
        if job.state != "Open":
            raise _bad_state(f"Can not set state UploadComplete on a job in state {job.state}")
        job.set_state("UploadComplete")
        if job.data is None:
            job.set_state("Failed", "InvalidBatch : No data was uploaded for this job")
        else:
            _start(ctx, job)
        return json_response(job.info(version, created_view=True))
    _abort(job)
    return json_response(job.info(version, created_view=True))


def _requested_state(request: Request) -> str:
    body = read_json(request)
    state = body.get("state") if isinstance(body, dict) else None
    if state not in ("UploadComplete", "Aborted"):
        raise _invalid_job(f"Invalid state: {state}")
    return str(state)


def _abort(job: Job) -> None:
    if job.state in FINAL_STATES:
        raise _bad_state(f"Can not abort a job in state {job.state}")
    job.abort_requested.set()
    job.set_state("Aborted")


def ingest_results(
    ctx: ApiContext, request: Request, version: str, job_id: str, kind: str
) -> Response:
    result_kind = _RESULT_KINDS.get(kind.lower())
    if result_kind is None:
        raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
    job = jobs_of(ctx.org).get(job_id, is_query=False)
    if job.state not in FINAL_STATES:
        raise _bad_state(f"Results are not available for a job in state {job.state}")
    header = job.header
    if not header and job.data:
        try:
            header = csvio.parse(job.data, job.column_delimiter, job.line_ending)[0]
        except csvio.CsvInputError:
            header = []
    if result_kind == "successfulResults":
        columns, rows = ["sf__Id", "sf__Created", *header], job.successes
    elif result_kind == "failedResults":
        columns, rows = ["sf__Id", "sf__Error", *header], job.failures
    else:
        columns, rows = list(header), _unprocessed(job)
    ctx.log_records(len(rows))
    body = csvio.write(columns, rows, job.column_delimiter, job.line_ending) if columns else ""
    return Response(body, status=200, content_type="text/csv; charset=UTF-8")


def _unprocessed(job: Job) -> list[list[str]]:
    if job.unprocessed or job.state != "Aborted" or job.processed or not job.data:
        return job.unprocessed
    try:  # aborted before processing started: every uploaded row is unprocessed
        return csvio.parse(job.data, job.column_delimiter, job.line_ending)[1]
    except csvio.CsvInputError:
        return []


# --- query ---------------------------------------------------------------------------------


def query_root(ctx: ApiContext, request: Request, version: str) -> Response:
    if request.method == "GET":
        return _listing(ctx, version, is_query=True)
    body = read_json(request)
    options = _job_options(body)
    operation = body.get("operation", "query")
    if operation not in QUERY_OPERATIONS:
        raise _invalid_job(f"Invalid operation: {operation}")
    text = body.get("query")
    if not isinstance(text, str) or not text.strip():
        raise _invalid_job("The query is required")
    result = execute(
        ctx.org.query_source(ctx.user_id), text, include_deleted=operation == "queryAll",
        api_version=version, bulk=True,
    )
    if result.bulk_refusal is not None:
        # Bulk API 2.0's query limits: no GROUP BY, OFFSET, TYPEOF, aggregates, compound
        # fields, parent-to-child sub-queries or unbounded FIELDS().
        raise SalesforceApiError(400, "API_ERROR", result.bulk_refusal)
    obj = data_object(ctx, result.sobject)
    job = _new_job(ctx, version, operation, obj.name, options, is_query=True, query=text,
                   state="UploadComplete")
    job.result = result
    threading.Thread(target=_finish_query, args=(job,), daemon=True).start()
    return json_response(job.info(version, created_view=True))


def _finish_query(job: Job) -> None:
    """The query ran at creation (so bad SOQL is a 400 there); here it only completes."""
    job.set_state("InProgress")
    job.processed = job.result.total_size if job.result is not None else 0
    job.set_state("JobComplete")


def query_job(ctx: ApiContext, request: Request, version: str, job_id: str) -> Response:
    jobs = jobs_of(ctx.org)
    job = jobs.get(job_id, is_query=True)
    if request.method == "GET":
        return json_response(job.info(version))
    if request.method == "DELETE":
        if job.state == "InProgress":
            raise _bad_state("Can not delete a job in state InProgress")
        jobs.remove(job.id)
        return Response(status=204)
    if _requested_state(request) != "Aborted":
        raise _invalid_job("A query job can only be aborted")
    _abort(job)
    return json_response(job.info(version, created_view=True))


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str) -> int:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode())
    except ValueError:
        raise SalesforceApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


def query_results(ctx: ApiContext, request: Request, version: str, job_id: str) -> Response:
    job = jobs_of(ctx.org).get(job_id, is_query=True)
    if job.state != "JobComplete" or job.result is None:
        raise _bad_state(f"Results are not available for a job in state {job.state}")
    locator = request.args.get("locator")
    offset = _offset(locator) if locator and locator != "null" else 0
    try:
        max_records = int(request.args.get("maxRecords", DEFAULT_MAX_RECORDS))
    except ValueError:
        raise SalesforceApiError(400, "INVALIDPARAMETER", "maxRecords must be a number") from None
    if max_records <= 0:
        raise SalesforceApiError(400, "INVALIDPARAMETER", "maxRecords must be greater than 0")
    total = job.result.total_size
    rows = job.result.rows(offset, max_records)
    end = offset + len(rows)
    ctx.log_records(len(rows))
    body = csvio.write(job.result.columns, rows, job.column_delimiter, job.line_ending)
    response = Response(body if total else "", status=200, content_type="text/csv; charset=UTF-8")
    response.headers["Sforce-Locator"] = _locator(end) if end < total else "null"
    response.headers["Sforce-NumberOfRecords"] = str(len(rows))
    return response
