"""Tooling API: ``/tooling/sobjects/CustomField`` creates custom fields; tooling queries.

A created field is added to the object's schema by the store (so describe, SOQL, REST and Bulk
see it at once) and is itself a CustomField record (Id prefix 00N) that tooling queries such as
``SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE ...`` return. A repeat
answers ``DUPLICATE_DEVELOPER_NAME`` as Salesforce does.
"""

from __future__ import annotations

from typing import Any

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import json_response, not_found, read_json_object
from flask_sfsync.emulator.rest.query import run_query, serve_more
from flask_sfsync.emulator.rest.sobjects import sobject_info
from flask_sfsync.emulator.schema.ids import try_normalize_id
from flask_sfsync.emulator.schema.model import ObjectDef

__all__ = [
    "describe",
    "global_describe",
    "query",
    "query_more",
    "record",
    "resources",
    "sobject_root",
]

_RESOURCES = (
    "tooling",
    "sobjects",
    "query",
    "search",
    "runTestsAsynchronous",
    "completions",
    "executeAnonymous",
    "apexManifest",
    "composite",
)


def _root(version: str) -> str:
    return f"/services/data/v{version}/tooling"


def _tooling_object(ctx: ApiContext, name: str) -> ObjectDef:
    obj = ctx.org.object_info(name)
    if obj is None or not obj.tooling:
        raise not_found()
    return obj


def resources(ctx: ApiContext, request: Request, version: str) -> Response:
    root = _root(version)
    return json_response({name: f"{root}/{name}" for name in _RESOURCES if name != "tooling"})


def global_describe(ctx: ApiContext, request: Request, version: str) -> Response:
    root = _root(version)
    entries = [obj.describe_global_entry(root) for obj in ctx.org.tooling_schema.values()]
    return json_response({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries})


def describe(ctx: ApiContext, request: Request, version: str, sobject: str) -> Response:
    return json_response(_tooling_object(ctx, sobject).describe(_root(version)))


#: Salesforce's answer to a user whose profile lacks "Customize Application".
NO_SETUP_ACCESS = (
    "You do not have the level of access necessary to perform the operation you requested. "
    "Please contact the owner of the record or your administrator if access is necessary."
)


def _create_custom_field(ctx: ApiContext, body: dict[str, Any]) -> str:
    user = ctx.org.user(ctx.user_id)
    if user is None or not user.is_admin:
        # Creating metadata needs "Customize Application": only the admin profile has it here.
        raise SalesforceApiError(400, "INSUFFICIENT_ACCESS", NO_SETUP_ACCESS)
    full_name = body.get("FullName")
    sobject = full_name.split(".", 1)[0] if isinstance(full_name, str) else ""
    fdef = ctx.org.add_custom_field(sobject, body, ctx.user_id)
    return str(fdef.tooling_id)


def sobject_root(ctx: ApiContext, request: Request, version: str, sobject: str) -> Response:
    obj = _tooling_object(ctx, sobject)
    if request.method == "GET":
        return sobject_info(obj, _root(version))
    body = read_json_object(request)
    if obj.name != "CustomField":
        raise SalesforceApiError(
            400, "INVALID_TYPE", f"Creating {obj.name} records is not supported by the local org"
        )
    new_id = _create_custom_field(ctx, body)
    ctx.log_records(1)
    out = {"id": new_id, "success": True, "errors": [], "warnings": [], "infos": []}
    return json_response(out, status=201)


def record(
    ctx: ApiContext, request: Request, version: str, sobject: str, record_id: str
) -> Response:
    obj = _tooling_object(ctx, sobject)
    rid = try_normalize_id(record_id)
    if rid is None or not rid.startswith(obj.key_prefix):
        raise not_found()
    if request.method == "DELETE":
        raise SalesforceApiError(
            400, "INVALID_OPERATION", "Deleting custom fields is not supported by the local org"
        )
    return json_response(ctx.org.get(obj.name, rid, None, base_url=_root(version)))


def query(ctx: ApiContext, request: Request, version: str) -> Response:
    root = f"{_root(version)}/query"
    return run_query(ctx, request, version, root, include_deleted=False, tooling=True)


def query_more(ctx: ApiContext, request: Request, version: str, locator: str) -> Response:
    return serve_more(ctx, f"{_root(version)}/query", locator)
