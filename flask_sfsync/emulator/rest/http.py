"""HTTP plumbing shared by the instance APIs: JSON in and out, Salesforce's request-level errors.

Every handler reads its body through :func:`read_json` so malformed JSON and wrong content types
turn into the errors Salesforce sends (``JSON_PARSER_ERROR`` 400, ``UNSUPPORTED_MEDIA_TYPE`` 415)
instead of a stack trace.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import SalesforceApiError

__all__ = [
    "JSON_MIMETYPE",
    "PerOrg",
    "error_response",
    "json_response",
    "not_found",
    "read_json",
    "read_json_object",
    "request_content_type",
]

T = TypeVar("T")

JSON_MIMETYPE = "application/json"

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; compact, because pages of 2,000 records are the hot path."""
    payload = _encoder.encode(body).encode("utf-8")
    response = Response(payload, status=status, mimetype=JSON_MIMETYPE)
    response.headers["Content-Type"] = "application/json;charset=UTF-8"
    if headers:
        response.headers.update(headers)
    return response


def error_response(error: SalesforceApiError) -> Response:
    """The REST body of an error, for callers that must not let the exception escape."""
    if error.status == 300 and "choices" in error.extra:
        # Upsert with several matches: Salesforce answers 300 with the matching record URLs.
        return json_response(error.extra["choices"], status=300)
    return json_response(error.as_rest(), status=error.status)


def not_found() -> SalesforceApiError:
    return SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")


def request_content_type(request: Request) -> str:
    return (request.mimetype or "").lower()


def read_json(request: Request, *, required: bool = True) -> Any:
    """The request's JSON body, or Salesforce's error for a bad one.

    Salesforce accepts a missing Content-Type as JSON (curl users rely on it) but refuses
    other media types with 415.
    """
    mimetype = request_content_type(request)
    if mimetype and mimetype != JSON_MIMETYPE and not mimetype.endswith("+json"):
        raise SalesforceApiError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"MediaType of '{mimetype}' is not supported by this resource",
        )
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise SalesforceApiError(
                400,
                "JSON_PARSER_ERROR",
                "No content to map due to end-of-input at [line:1, column:0]",
            )
        return None
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise SalesforceApiError(
            400,
            "JSON_PARSER_ERROR",
            f"Invalid UTF-8 start byte at [line:1, column:{exc.start + 1}]",
        ) from None
    except json.JSONDecodeError as exc:
        found = exc.doc[exc.pos] if exc.pos < len(exc.doc) else "end-of-input"
        # Salesforce's parser (Jackson) words its errors like this one.
        raise SalesforceApiError(
            400,
            "JSON_PARSER_ERROR",
            f"Unexpected character ('{found}' (code {ord(found) if len(found) == 1 else -1})): "
            f"{exc.msg} at [line:{exc.lineno}, column:{exc.colno}]",
        ) from None


def read_json_object(request: Request) -> dict[str, Any]:
    """A JSON body that must be an object (every create/update/upsert body)."""
    body = read_json(request)
    if not isinstance(body, dict):
        raise SalesforceApiError(
            400,
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of SObject from START_ARRAY value or request may be "
            "missing a required field at [line:1, column:1]",
        )
    return body


class PerOrg(Generic[T]):
    """State the APIs keep per org (query cursors, bulk jobs), dropped with the org.

    ApiContext carries only the org, so the state hangs off it in a weak mapping rather than
    as attributes on another area's class.
    """

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._items: weakref.WeakKeyDictionary[Any, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, org: Any) -> T:
        with self._lock:
            item = self._items.get(org)
            if item is None:
                item = self._factory()
                self._items[org] = item
            return item
