"""sObject Collections: ``/composite/sobjects`` create, update, upsert, retrieve and delete.

Salesforce's rules kept here: at most 200 records per call (``EXCEEDED_ID_LIMIT``), ``allOrNone``
defaults to false, every record gets its own result ``{"id","success","errors"}`` with
``statusCode`` errors, upsert results carry ``created``. With ``allOrNone`` true one failure
rolls the whole call back and every other record reports ``ALL_OR_NONE_OPERATION_ROLLED_BACK``.
A lock fault set on the org (``faults.error_rate(..., kind="UNABLE_TO_LOCK_ROW")``) fails single
records, as a real lock does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import MultipleMatchesError, SalesforceApiError
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import json_response, read_json
from flask_sfsync.emulator.rest.records import read_record
from flask_sfsync.emulator.rest.sobjects import allow_duplicates, base_path, data_object
from flask_sfsync.emulator.schema.ids import try_normalize_id

__all__ = [
    "MAX_RECORDS",
    "ROLLED_BACK",
    "lock_error",
    "retrieve",
    "root",
    "save_all",
    "upsert",
]

MAX_RECORDS = 200
MAX_RETRIEVE_IDS = 2000
ROLLED_BACK = SalesforceApiError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
)

Result = dict[str, Any]
Operation = Callable[[dict[str, Any]], Result]


class _RollBack(Exception):
    """Raised inside ``Org.transaction()`` to undo everything written in it."""


def lock_error(record_id: str | None) -> SalesforceApiError:
    target = f" or 1 records: {record_id}" if record_id else ""
    return SalesforceApiError(
        400, "UNABLE_TO_LOCK_ROW", f"unable to obtain exclusive access to this record{target}"
    )


def _too_many() -> SalesforceApiError:
    return SalesforceApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
    )


def _failure(error: SalesforceApiError, record_id: str | None, upsert: bool) -> Result:
    out: Result = {}
    if record_id is not None:
        out["id"] = record_id
    out["success"] = False
    out["errors"] = [error.as_record_error()]
    if upsert:
        out["created"] = False
    return out


def save_all(
    ctx: ApiContext,
    records: list[dict[str, Any]],
    operation: Operation,
    *,
    all_or_none: bool,
    upsert: bool = False,
    known_id: Callable[[dict[str, Any]], str | None] = lambda _: None,
) -> list[Result]:
    """Apply ``operation`` to each record; per-record results, rolled back on allOrNone."""
    results: list[Result] = []
    try:
        # allOrNone: the store's transaction undoes every write if _RollBack escapes it;
        # otherwise the write lock alone keeps the call's records together.
        with ctx.org.transaction() if all_or_none else ctx.org.lock:
            for rec in records:
                try:
                    if ctx.record_fault():
                        raise lock_error(known_id(rec))
                    results.append(operation(rec))
                except SalesforceApiError as exc:
                    results.append(_failure(exc, known_id(rec), upsert))
            if all_or_none and not all(r["success"] for r in results):
                raise _RollBack
    except _RollBack:
        results = [
            result if not result["success"] else _failure(ROLLED_BACK, known_id(rec), upsert)
            for rec, result in zip(records, results, strict=True)
        ]
    ctx.log_records(len(records))
    return results


# --- request parsing -----------------------------------------------------------------------


def _bool_param(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _records_body(request: Request) -> tuple[list[dict[str, Any]], bool]:
    body = read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceApiError(
            400, "JSON_PARSER_ERROR", "The request body must be an object with a records list"
        )
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise _too_many()
    if not all(isinstance(rec, dict) for rec in records):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "Every record must be a JSON object")
    return records, _bool_param(body.get("allOrNone"))


def _type_of(rec: dict[str, Any]) -> str | None:
    attributes = rec.get("attributes")
    if isinstance(attributes, dict) and isinstance(attributes.get("type"), str):
        return str(attributes["type"])
    return None


def _fields(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k != "attributes"}


def _record_id(rec: dict[str, Any]) -> str | None:
    for key, value in rec.items():
        if key.lower() == "id" and isinstance(value, str):
            return try_normalize_id(value) or value
    return None


# --- handlers ------------------------------------------------------------------------------


def root(ctx: ApiContext, request: Request, version: str) -> Response:
    if request.method == "DELETE":
        return _delete(ctx, request)
    records, all_or_none = _records_body(request)
    dupes = allow_duplicates(request)
    if request.method == "POST":
        if any(_type_of(rec) is None for rec in records):
            raise SalesforceApiError(
                400, "INVALID_TYPE", "Every record needs attributes with its sObject type"
            )

        def create(rec: dict[str, Any]) -> Result:
            if _record_id(rec) is not None:
                raise SalesforceApiError(
                    400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]
                )
            obj = data_object(ctx, str(_type_of(rec)))
            new_id = ctx.org.create(obj.name, _fields(rec), ctx.user_id, allow_duplicates=dupes)
            return {"id": new_id, "success": True, "errors": []}

        return json_response(save_all(ctx, records, create, all_or_none=all_or_none))

    def update(rec: dict[str, Any]) -> Result:
        rid = _record_id(rec)
        if rid is None:
            raise SalesforceApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call")
        sobject = _type_of(rec) or ctx.org.sobject_of_id(rid)
        if sobject is None:
            raise SalesforceApiError(
                400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"]
            )
        fields = {k: v for k, v in _fields(rec).items() if k.lower() != "id"}
        ctx.org.update(
            data_object(ctx, sobject).name, rid, fields, ctx.user_id, allow_duplicates=dupes
        )
        return {"id": rid, "success": True, "errors": []}

    results = save_all(ctx, records, update, all_or_none=all_or_none, known_id=_record_id)
    return json_response(results)


def _delete(ctx: ApiContext, request: Request) -> Response:
    raw = request.args.get("ids", "")
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if not ids:
        raise SalesforceApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
    if len(ids) > MAX_RECORDS:
        raise _too_many()
    all_or_none = _bool_param(request.args.get("allOrNone"))
    records = [{"Id": rid} for rid in ids]

    def delete(rec: dict[str, Any]) -> Result:
        rid = str(rec["Id"])
        ctx.org.delete(rid, ctx.user_id)
        return {"id": try_normalize_id(rid) or rid, "success": True, "errors": []}

    def given(rec: dict[str, Any]) -> str:
        return str(rec["Id"])

    return json_response(save_all(ctx, records, delete, all_or_none=all_or_none, known_id=given))


def upsert(ctx: ApiContext, request: Request, version: str, sobject: str, field: str) -> Response:
    obj = data_object(ctx, sobject)
    ext = obj.field(field)
    if ext is None or not (ext.external_id or ext.id_lookup):
        raise SalesforceApiError(
            400,
            "INVALID_FIELD",
            f"Field name provided, {field} is not an External ID or indexed field for {obj.name}",
        )
    records, all_or_none = _records_body(request)
    dupes = allow_duplicates(request)

    def one(rec: dict[str, Any]) -> Result:
        rec_type = _type_of(rec)
        if rec_type is not None and rec_type.lower() != obj.name.lower():
            raise SalesforceApiError(
                400, "INVALID_TYPE", f"Record type {rec_type} does not match {obj.name}"
            )
        fields = _fields(rec)
        value = next((v for k, v in fields.items() if k.lower() == ext.name.lower()), None)
        if value is None or value == "":
            raise SalesforceApiError(400, "MISSING_ARGUMENT", f"{ext.name} not specified")
        try:
            rid, created = ctx.org.upsert(
                obj.name, ext.name, value, fields, ctx.user_id, allow_duplicates=dupes
            )
        except MultipleMatchesError:
            raise SalesforceApiError(
                400,
                "DUPLICATE_EXTERNAL_ID",
                f"{ext.name}: more than one record found for external id field",
                [ext.name],
            ) from None
        return {"id": rid, "success": True, "errors": [], "created": created}

    results = save_all(ctx, records, one, all_or_none=all_or_none, upsert=True)
    return json_response(results)


def retrieve(ctx: ApiContext, request: Request, version: str, sobject: str) -> Response:
    obj = data_object(ctx, sobject)
    if request.method == "POST":
        body = read_json(request)
        if not isinstance(body, dict):
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body must be an object")
        ids = [str(i) for i in body.get("ids") or []]
        fields = [str(f) for f in body.get("fields") or []]
    else:
        ids = [p.strip() for p in request.args.get("ids", "").split(",") if p.strip()]
        fields = [p.strip() for p in request.args.get("fields", "").split(",") if p.strip()]
    if not ids:
        raise SalesforceApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
    if not fields:
        raise SalesforceApiError(400, "MISSING_ARGUMENT", "fields parameter is required")
    if len(ids) > MAX_RETRIEVE_IDS:
        raise SalesforceApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_RETRIEVE_IDS} records "
            "into this call",
        )
    for name in fields:
        if obj.field(name) is None:
            raise SalesforceApiError(
                400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'"
            )
    out: list[dict[str, Any] | None] = []
    for rid in ids:
        try:
            out.append(read_record(ctx, obj, rid, fields, base_path(version)))
        except SalesforceApiError:
            out.append(None)  # Salesforce answers null for Ids it cannot return
    ctx.log_records(len(ids))
    return json_response(out)
