"""``POST /composite``: up to 25 REST subrequests in one call, with ``@{ref.path}`` references.

Each subrequest runs through the same dispatcher as a direct call (so it behaves exactly like
one) and answers ``{"body","httpHeaders","httpStatusCode","referenceId"}``. A later subrequest
may use an earlier one's result: ``@{NewAccount.id}`` or ``@{Found.records[0].Id}``.
With ``allOrNone`` the first failure rolls everything back and every other subrequest answers
400 ``PROCESSING_HALTED``; without it, only subrequests that reference a failed one halt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from werkzeug import Request, Response
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import json_response, read_json

__all__ = ["MAX_SUBREQUESTS", "handle"]

MAX_SUBREQUESTS = 25
Dispatch = Callable[[ApiContext, Request], Response]

_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_REFERENCE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"})
_ROLLED_BACK = (
    "The transaction was rolled back since another operation in the same transaction failed."
)


class _Halt(Exception):
    """A reference could not be resolved; the subrequest is not sent."""


class _RollBack(Exception):
    pass


def _invalid(message: str) -> SalesforceApiError:
    return SalesforceApiError(400, "INVALID_INPUT", message)


def _subrequests(request: Request) -> tuple[list[dict[str, Any]], bool]:
    body = read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise SalesforceApiError(
            400, "JSON_PARSER_ERROR", "The request body must have a compositeRequest list"
        )
    subs = body["compositeRequest"]
    if not subs:
        raise _invalid("The compositeRequest list must contain at least one subrequest")
    if len(subs) > MAX_SUBREQUESTS:
        raise SalesforceApiError(
            400,
            "LIMIT_EXCEEDED",
            f"A composite request can contain at most {MAX_SUBREQUESTS} subrequests; "
            f"this one has {len(subs)}",
        )
    seen: set[str] = set()
    for sub in subs:
        if not isinstance(sub, dict):
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "Every subrequest must be an object")
        ref, method, url = sub.get("referenceId"), sub.get("method"), sub.get("url")
        if not isinstance(ref, str) or not _REFERENCE_ID.match(ref):
            raise _invalid(f"Invalid referenceId: {ref}")
        if ref in seen:
            raise _invalid(f"Duplicate referenceId provided in the request: {ref}")
        seen.add(ref)
        if not isinstance(method, str) or method.upper() not in _METHODS:
            raise _invalid(f"Invalid method for subrequest {ref}: {method}")
        if not isinstance(url, str) or not url.startswith("/services/data/v"):
            raise _invalid(f"Invalid url for subrequest {ref}: {url}")
        path = urlsplit(url).path
        if ("/composite" in path and "/composite/sobjects" not in path) or "/jobs/" in path:
            raise _invalid(f"The composite API does not support this subrequest: {ref} {url}")
    all_or_none = body.get("allOrNone", False)
    return subs, all_or_none is True or str(all_or_none).lower() == "true"


def _lookup(results: dict[str, Any], ref: str, path: str) -> Any:
    if ref not in results:
        raise _Halt(f"{ref}{path}")
    value = results[ref]
    for name, index in _STEP.findall(path):
        try:
            value = value[int(index)] if index else value[name]
        except (KeyError, IndexError, TypeError):
            raise _Halt(f"{ref}{path}") from None
    return value


def _resolve(value: Any, results: dict[str, Any], *, in_url: bool = False) -> Any:
    """Replace each ``@{ref.path}`` in strings; a string that is one reference keeps its type."""
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole and not in_url:
            return _lookup(results, whole.group(1), whole.group(2))
        return _REFERENCE.sub(lambda m: str(_lookup(results, m.group(1), m.group(2))), value)
    if isinstance(value, list):
        return [_resolve(item, results) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, results) for key, item in value.items()}
    return value


def _body(payload: bytes, mimetype: str) -> Any:
    """A subresponse's body: JSON as JSON, anything else (none expected) as text."""
    if not payload:
        return None
    if mimetype == "application/json":
        return json.loads(payload)
    return payload.decode("utf-8", "replace")


def _halted(ref: str, message: str) -> dict[str, Any]:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": ref,
    }


def _run_one(
    ctx: ApiContext, sub: dict[str, Any], results: dict[str, Any], dispatch: Dispatch
) -> dict[str, Any]:
    ref = str(sub["referenceId"])
    try:
        url = str(_resolve(sub["url"], results, in_url=True))
        body = _resolve(sub.get("body"), results)
    except _Halt as missing:
        return _halted(
            ref,
            f"Invalid reference specified. No value for {missing} found in "
            f"{str(missing).split('.')[0].split('[')[0]}. Provided referenceId is invalid or "
            "its subrequest failed.",
        )
    parts = urlsplit(url)
    headers = Headers([(str(k), str(v)) for k, v in (sub.get("httpHeaders") or {}).items()])
    builder = EnvironBuilder(
        path=parts.path,
        query_string=parts.query,
        method=str(sub["method"]).upper(),
        data=None if body is None else json.dumps(body),
        content_type="application/json" if body is not None else None,
        headers=headers,
    )
    try:
        response = dispatch(ctx, Request(builder.get_environ()))
    finally:
        builder.close()
    payload = response.get_data()
    parsed = _body(payload, response.mimetype or "")
    out_headers: dict[str, str] = {}
    if response.status_code == 201 and isinstance(parsed, dict) and "id" in parsed:
        out_headers["Location"] = f"{parts.path.rstrip('/')}/{parsed['id']}"
    if response.status_code < 300:
        results[ref] = parsed
    return {
        "body": parsed,
        "httpHeaders": out_headers,
        "httpStatusCode": response.status_code,
        "referenceId": ref,
    }


def handle(ctx: ApiContext, request: Request, version: str, dispatch: Dispatch) -> Response:
    subs, all_or_none = _subrequests(request)
    results: dict[str, Any] = {}
    answers: list[dict[str, Any]] = []
    try:
        with ctx.org.transaction() if all_or_none else ctx.org.lock:
            for sub in subs:
                answer = _run_one(ctx, sub, results, dispatch)
                answers.append(answer)
                if all_or_none and answer["httpStatusCode"] >= 400:
                    raise _RollBack
    except _RollBack:
        failed = len(answers) - 1
        answers = [
            answer if index == failed else _halted(answer["referenceId"], _ROLLED_BACK)
            for index, answer in enumerate(answers)
        ]
        answers += [_halted(str(sub["referenceId"]), _ROLLED_BACK) for sub in subs[failed + 1 :]]
    return json_response({"compositeResponse": answers})
