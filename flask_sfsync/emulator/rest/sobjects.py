"""REST resources on sObjects: describe, CRUD, upsert by external ID, updated/deleted, limits.

Status codes follow Salesforce: create 201 ``{"id","success","errors"}``; update and delete 204;
upsert 201 (created) or 200 with ``created: false`` (API v46+), 300 with the matching record
URLs when the external ID matches several records, 404 for a field that is not an external ID.

Organization is read-only here (describe: not createable, updateable or deletable): its
resources answer a write as Salesforce answers a method an object does not support, 405
``METHOD_NOT_ALLOWED`` "HTTP Method 'POST' not allowed. Allowed are HEAD,GET".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import MultipleMatchesError, SalesforceApiError
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import json_response, not_found, read_json_object
from flask_sfsync.emulator.rest.metadata import conditional, last_modified, metadata_modified
from flask_sfsync.emulator.rest.records import read_record, require_live
from flask_sfsync.emulator.schema.ids import try_normalize_id
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.schema.organization import ORGANIZATION
from flask_sfsync.emulator.schema.values import parse_datetime

__all__ = [
    "allow_duplicates",
    "base_path",
    "by_external_id",
    "data_object",
    "deleted",
    "describe",
    "global_describe",
    "limits",
    "record",
    "resources",
    "sobject_info",
    "sobject_root",
    "updated",
]

_RESOURCES = (
    "tooling",
    "metadata",
    "eclair",
    "folders",
    "prechatForms",
    "contact-tracing",
    "jsonxform",
    "chatter",
    "tabs",
    "appMenu",
    "quickActions",
    "queryAll",
    "commerce",
    "wave",
    "iot",
    "analytics",
    "search",
    "identity",
    "composite",
    "parameterizedSearch",
    "fingerprint",
    "theme",
    "nouns",
    "domino",
    "event",
    "serviceTemplates",
    "recent",
    "connect",
    "licensing",
    "limits",
    "process",
    "dedupe",
    "async-queries",
    "query",
    "jobs",
    "match",
    "localizedvalue",
    "mobile",
    "emailConnect",
    "consent",
    "tokenizer",
    "compactLayouts",
    "knowledgeManagement",
    "sobjects",
    "actions",
    "support",
)


def base_path(version: str) -> str:
    return f"/services/data/v{version}"


def allow_duplicates(request: Request) -> bool:
    """``Sforce-Duplicate-Rule-Header: allowSave=true`` saves despite a duplicate rule's alert.

    Salesforce's documented form separates the options with semicolons
    (``allowSave=true; includeRecordDetails=true; runAsCurrentUser=true``); commas are read
    too."""
    header = request.headers.get("Sforce-Duplicate-Rule-Header", "")
    options = {
        key.strip().lower(): value.strip().lower()
        for key, _, value in (part.partition("=") for part in re.split(r"[;,]", header))
    }
    return options.get("allowsave") == "true"


def data_object(ctx: ApiContext, name: str) -> ObjectDef:
    """The object behind ``/sobjects/{name}``; tooling objects are not data API objects.

    As the token's user sees it (their profile: hidden fields absent, read-only ones not
    createable or updateable); NOT_FOUND when they may not read it at all.
    """
    obj = ctx.org.object_info(name)
    if obj is None or obj.tooling:
        raise not_found()
    view = ctx.org.visible_object(obj, ctx.user_id)
    if view is None:
        raise not_found()
    return view


def _refuse_write(obj: ObjectDef, request: Request, *, record: bool) -> None:
    """405 for a write the object's describe rules out (Organization's resources).

    The allowed methods follow describe: POST on ``/sobjects/X`` when createable; PATCH and
    DELETE on a record when updateable and deletable. Other objects go on to the store, whose
    rules answer (CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, INSUFFICIENT_ACCESS_OR_READONLY ...).
    """
    if obj.name != ORGANIZATION or request.method in ("GET", "HEAD"):
        return
    allowed = ["HEAD", "GET"]
    if record:
        allowed += [m for m, ok in (("PATCH", obj.updateable), ("DELETE", obj.deletable)) if ok]
    elif obj.createable:
        allowed.append("POST")
    if request.method not in allowed:
        raise SalesforceApiError(
            405, "METHOD_NOT_ALLOWED",
            f"HTTP Method '{request.method}' not allowed. Allowed are {','.join(allowed)}")


def resources(ctx: ApiContext, request: Request, version: str) -> Response:
    root = base_path(version)
    return json_response({name: f"{root}/{name}" for name in _RESOURCES})


def global_describe(ctx: ApiContext, request: Request, version: str) -> Response:
    modified = metadata_modified(ctx.org, None)
    unchanged = conditional(request, modified)
    if unchanged is not None:
        return unchanged
    root = base_path(version)
    entries = [
        obj.describe_global_entry(root)
        for obj in ctx.org.visible_objects(ctx.user_id)  # the user's profile may hide some
    ]
    return json_response({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries},
                         headers=last_modified(modified))


def describe(ctx: ApiContext, request: Request, version: str, sobject: str) -> Response:
    obj = data_object(ctx, sobject)
    modified = metadata_modified(ctx.org, obj.name)
    unchanged = conditional(request, modified)
    if unchanged is not None:
        return unchanged
    return json_response(obj.describe(base_path(version)), headers=last_modified(modified))


def sobject_info(obj: ObjectDef, root: str) -> Response:
    """``GET /sobjects/X``: the object's global describe entry and its (empty) recent items."""
    return json_response({"objectDescribe": obj.describe_global_entry(root), "recentItems": []})


def sobject_root(ctx: ApiContext, request: Request, version: str, sobject: str) -> Response:
    obj = data_object(ctx, sobject)
    _refuse_write(obj, request, record=False)
    if request.method == "GET":
        return sobject_info(obj, base_path(version))
    body = read_json_object(request)
    fields = {k: v for k, v in body.items() if k != "attributes"}
    record_id = ctx.org.create(
        obj.name, fields, ctx.user_id, allow_duplicates=allow_duplicates(request)
    )
    ctx.log_records(1)
    return json_response({"id": record_id, "success": True, "errors": []}, status=201)


def _own_record_id(ctx: ApiContext, obj: ObjectDef, raw: str) -> str:
    """The record's Id, when ``raw`` is an Id of this object; Salesforce's 404s otherwise."""
    record_id = try_normalize_id(raw)
    if record_id is None:
        # Salesforce reads a non-Id segment as an external ID field name.
        raise SalesforceApiError(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {raw}",
        )
    if not record_id.startswith(obj.key_prefix):
        raise not_found()
    return record_id


def _fields_param(request: Request) -> list[str] | None:
    raw = request.args.get("fields")
    if raw is None:
        return None
    return [name.strip() for name in raw.split(",") if name.strip()]


def record(
    ctx: ApiContext, request: Request, version: str, sobject: str, record_id: str
) -> Response:
    obj = data_object(ctx, sobject)
    _refuse_write(obj, request, record=True)
    rid = _own_record_id(ctx, obj, record_id)
    if request.method == "GET":
        # The recycle bin, compound addresses and picklist-value objects: records.py.
        return json_response(
            read_record(ctx, obj, rid, _fields_param(request), base_path(version))
        )
    if request.method == "PATCH":
        body = read_json_object(request)
        fields = {k: v for k, v in body.items() if k != "attributes"}
        ctx.org.update(
            obj.name, rid, fields, ctx.user_id, allow_duplicates=allow_duplicates(request)
        )
        ctx.log_records(1)
        return Response(status=204)
    ctx.org.delete(rid, ctx.user_id)
    ctx.log_records(1)
    return Response(status=204)


def _several(version: str, error: MultipleMatchesError) -> SalesforceApiError:
    """Salesforce answers several matches with 300 and the matching records' URLs."""
    return SalesforceApiError(
        300,
        error.error_code,
        error.message,
        error.fields,
        extra={"choices": error.urls(base_path(version))},
    )


def by_external_id(
    ctx: ApiContext, request: Request, version: str, sobject: str, field: str, value: str
) -> Response:
    obj = data_object(ctx, sobject)
    _refuse_write(obj, request, record=True)
    if request.method == "PATCH":
        return _upsert(ctx, request, version, obj, field, value)
    ids = ctx.org.find_by_key(obj.name, field, value)
    if not ids:
        if field.lower() == "id":
            require_live(ctx, value)  # .../Id/{id} of a deleted record: ENTITY_IS_DELETED
        raise not_found()
    if len(ids) > 1:
        raise _several(version, MultipleMatchesError(obj.name, field, value, ids))
    if request.method == "GET":
        found = read_record(ctx, obj, ids[0], _fields_param(request), base_path(version))
        return json_response(found)
    ctx.org.delete(ids[0], ctx.user_id)
    ctx.log_records(1)
    return Response(status=204)


def _upsert(
    ctx: ApiContext, request: Request, version: str, obj: ObjectDef, field: str, value: str
) -> Response:
    body = read_json_object(request)
    fields = {k: v for k, v in body.items() if k != "attributes"}
    try:
        record_id, created = ctx.org.upsert(
            obj.name, field, value, fields, ctx.user_id, allow_duplicates=allow_duplicates(request)
        )
    except MultipleMatchesError as exc:
        raise _several(version, exc) from None
    ctx.log_records(1)
    out = {"id": record_id, "success": True, "errors": [], "created": created}
    return json_response(out, status=201 if created else 200)


# --- replication ---------------------------------------------------------------------------


def _parse_when(request: Request, name: str) -> dt.datetime:
    raw = request.args.get(name)
    if not raw:
        raise SalesforceApiError(400, "MISSING_ARGUMENT", f"{name} parameter is required")
    # A "+" sent unencoded arrives as a space.
    when = parse_datetime(raw.strip().replace(" ", "+"))
    if when is None:
        raise SalesforceApiError(
            400, "INVALID_REPLICATION_DATE", f"{name}: invalid date/time value: {raw}"
        )
    return when


def updated(ctx: ApiContext, request: Request, version: str, sobject: str) -> Response:
    obj = data_object(ctx, sobject)
    start, end = _parse_when(request, "start"), _parse_when(request, "end")
    return json_response(ctx.org.updated_ids(obj.name, start, end))


def deleted(ctx: ApiContext, request: Request, version: str, sobject: str) -> Response:
    obj = data_object(ctx, sobject)
    start, end = _parse_when(request, "start"), _parse_when(request, "end")
    return json_response(ctx.org.deleted_records(obj.name, start, end))


# --- limits --------------------------------------------------------------------------------

_STATIC_LIMITS: dict[str, int] = {
    "AnalyticsExternalDataSizeMB": 40960,
    "ConcurrentAsyncGetReportInstances": 200,
    "ConcurrentSyncReportRuns": 20,
    "DailyAsyncApexExecutions": 250000,
    "DailyBulkApiBatches": 15000,
    "DailyBulkV2QueryFileStorageMB": 976562,
    "DailyBulkV2QueryJobs": 10000,
    "DailyDurableGenericStreamingApiEvents": 10000,
    "DailyDurableStreamingApiEvents": 10000,
    "DailyGenericStreamingApiEvents": 10000,
    "DailyStandardVolumePlatformEvents": 10000,
    "DailyStreamingApiEvents": 10000,
    "DailyWorkflowEmails": 2000,
    "DataStorageMB": 1024,
    "FileStorageMB": 10240,
    "HourlyAsyncReportRuns": 1200,
    "HourlyDashboardRefreshes": 200,
    "HourlyDashboardResults": 5000,
    "HourlyDashboardStatuses": 999999999,
    "HourlyODataCallout": 10000,
    "HourlyPublishedPlatformEvents": 50000,
    "HourlySyncReportRuns": 500,
    "HourlyTimeBasedWorkflow": 1000,
    "MassEmail": 5000,
    "MonthlyPlatformEventsUsageEntitlement": 0,
    "Package2VersionCreates": 6,
    "PermissionSets": 1500,
    "SingleEmail": 5000,
    "StreamingApiConcurrentClients": 2000,
}


def limits(ctx: ApiContext, request: Request, version: str) -> Response:
    maximum = int(ctx.org.daily_api_limit)
    used = int(ctx.org.api_usage)
    out: dict[str, Any] = {
        "DailyApiRequests": {"Max": maximum, "Remaining": max(0, maximum - used)}
    }
    for name, value in _STATIC_LIMITS.items():
        out[name] = {"Max": value, "Remaining": value}
    return json_response(dict(sorted(out.items())))
