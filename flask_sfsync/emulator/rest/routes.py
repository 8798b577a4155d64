"""The instance host's data APIs: every path under ``/services/data/``.

E3's instance app authenticates, counts and logs the call, then hands the request to
:func:`dispatch`. Here the path is matched against one routing table covering REST, sObject
Collections, composite, Bulk API 2.0 and the Tooling API; each resource lives in its own module:

    routes.py            routing, API versions
    sobjects.py          describe, record CRUD, upsert by external ID, updated/deleted, limits
    query.py             query / queryAll with cursors (nextRecordsUrl)
    collections.py       /composite/sobjects
    composite.py         /composite
    bulk2.py             /jobs/ingest, /jobs/query (jobs in bulk2_jobs.py, CSV in csvio.py,
                         ingest processing in bulk2_ingest.py)
    tooling.py           /tooling/...
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from werkzeug import Request, Response
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.rest import bulk2, collections, composite, query, sobjects, tooling
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import error_response, json_response, not_found

__all__ = ["MAX_VERSION", "MIN_VERSION", "dispatch", "dispatch_internal"]

MIN_VERSION = 50
MAX_VERSION = 66  # Summer '26 is 67.0; the newest GA release we claim to be

Handler = Callable[..., Response]

_RELEASES = ("Winter", "Spring", "Summer")
_VERSION_RE = re.compile(r"^(\d+)\.0$")

_V = "/services/data/v<version>"
_ROUTES: list[tuple[str, str, tuple[str, ...], Handler]] = [
    ("", "resources", ("GET",), sobjects.resources),
    ("/sobjects", "global_describe", ("GET",), sobjects.global_describe),
    ("/sobjects/<sobject>", "sobject", ("GET", "POST"), sobjects.sobject_root),
    ("/sobjects/<sobject>/describe", "describe", ("GET",), sobjects.describe),
    ("/sobjects/<sobject>/updated", "updated", ("GET",), sobjects.updated),
    ("/sobjects/<sobject>/deleted", "deleted", ("GET",), sobjects.deleted),
    ("/sobjects/<sobject>/<record_id>", "record", ("GET", "PATCH", "DELETE"), sobjects.record),
    (
        "/sobjects/<sobject>/<field>/<path:value>",
        "by_external_id",
        ("GET", "PATCH", "DELETE"),
        sobjects.by_external_id,
    ),
    ("/limits", "limits", ("GET",), sobjects.limits),
    ("/query", "query", ("GET",), query.query),
    ("/queryAll", "query_all", ("GET",), query.query_all),
    ("/query/<locator>", "query_more", ("GET", "DELETE"), query.query_more),
    ("/queryAll/<locator>", "query_all_more", ("GET", "DELETE"), query.query_more),
    ("/composite/sobjects", "collections", ("POST", "PATCH", "DELETE"), collections.root),
    ("/composite/sobjects/<sobject>", "collections_get", ("GET", "POST"), collections.retrieve),
    ("/composite/sobjects/<sobject>/<field>", "collections_upsert", ("PATCH",), collections.upsert),
    ("/jobs/ingest", "ingest_jobs", ("GET", "POST"), bulk2.ingest_root),
    ("/jobs/ingest/<job_id>", "ingest_job", ("GET", "PATCH", "DELETE"), bulk2.ingest_job),
    ("/jobs/ingest/<job_id>/batches", "ingest_batches", ("PUT",), bulk2.ingest_upload),
    ("/jobs/ingest/<job_id>/<kind>", "ingest_results", ("GET",), bulk2.ingest_results),
    ("/jobs/query", "query_jobs", ("GET", "POST"), bulk2.query_root),
    ("/jobs/query/<job_id>", "query_job", ("GET", "PATCH", "DELETE"), bulk2.query_job),
    ("/jobs/query/<job_id>/results", "query_results", ("GET",), bulk2.query_results),
    ("/tooling", "tooling_resources", ("GET",), tooling.resources),
    ("/tooling/sobjects", "tooling_global", ("GET",), tooling.global_describe),
    ("/tooling/sobjects/<sobject>", "tooling_sobject", ("GET", "POST"), tooling.sobject_root),
    ("/tooling/sobjects/<sobject>/describe", "tooling_describe", ("GET",), tooling.describe),
    (
        "/tooling/sobjects/<sobject>/<record_id>",
        "tooling_record",
        ("GET", "DELETE"),
        tooling.record,
    ),
    ("/tooling/query", "tooling_query", ("GET",), tooling.query),
    ("/tooling/query/<locator>", "tooling_query_more", ("GET",), tooling.query_more),
]

_HANDLERS: dict[str, Handler] = {endpoint: handler for _, endpoint, _, handler in _ROUTES}
_URL_MAP = Map(
    [Rule("/services/data", endpoint="versions", methods=["GET"])]
    + [
        Rule(_V + path, endpoint=endpoint, methods=list(methods))
        for path, endpoint, methods, _ in _ROUTES
    ],
    strict_slashes=False,
    merge_slashes=False,
)


def _check_version(version: str) -> None:
    """Salesforce answers an unknown API version with a plain NOT_FOUND."""
    match = _VERSION_RE.match(version)
    if not match or not MIN_VERSION <= int(match.group(1)) <= MAX_VERSION:
        raise not_found()


def _versions() -> Response:
    out = []
    for number in range(MIN_VERSION, MAX_VERSION + 1):
        # v50.0 was Winter '21; three releases a year since.
        offset = number - MIN_VERSION
        label = f"{_RELEASES[offset % 3]} '{21 + offset // 3:02d}"
        out.append({"label": label, "url": f"/services/data/v{number}.0", "version": f"{number}.0"})
    return json_response(out)


def dispatch(ctx: ApiContext, request: Request) -> Response:
    """Serve one API request; Salesforce-visible failures raise SalesforceApiError."""
    # simple-salesforce sends both "sobjects/Contact/" and "sobjects/Contact": one route each.
    path = request.path.rstrip("/") or "/"
    adapter = _URL_MAP.bind("instance", path_info=path)
    try:
        endpoint, args = adapter.match(path, method=request.method)
    except MethodNotAllowed as exc:
        allowed = ",".join(sorted(m for m in (exc.valid_methods or []) if m != "HEAD"))
        raise SalesforceApiError(
            405,
            "METHOD_NOT_ALLOWED",
            f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
        ) from None
    except NotFound:
        raise not_found() from None
    if endpoint == "versions":
        return _versions()
    kwargs = dict(args)
    version = str(kwargs.pop("version"))
    _check_version(version)
    return _HANDLERS[str(endpoint)](ctx, request, version, **kwargs)


def dispatch_internal(ctx: ApiContext, request: Request) -> Response:
    """Like :func:`dispatch`, but errors become responses (composite subrequests need them)."""
    try:
        return dispatch(ctx, request)
    except SalesforceApiError as exc:
        return error_response(exc)


def _composite(ctx: ApiContext, request: Request, version: str, **_: Any) -> Response:
    return composite.handle(ctx, request, version, dispatch_internal)


_HANDLERS["composite_root"] = _composite
_URL_MAP.add(Rule(_V + "/composite", endpoint="composite_root", methods=["POST"]))
