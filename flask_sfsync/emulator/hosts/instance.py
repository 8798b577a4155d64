"""The instance host's WSGI app: the pipeline every API call goes through.

For each request, in this order: added latency and injected faults, the Bearer token check
(401 INVALID_SESSION_ID), the daily API request count (403 REQUEST_LIMIT_EXCEEDED), then the API
layer (:func:`flask_sfsync.emulator.rest.routes.dispatch`) for ``/services/data/``. Every REST
response carries ``Sforce-Limit-Info`` and lands in the request log. A
:class:`SalesforceApiError` becomes Salesforce's JSON error; anything else becomes a
Salesforce-style JSON 500, never HTML or a stack trace. OAuth and identity paths
(``/services/oauth2/...``, ``/id/...``) are answered as on the login host, as a My Domain
instance does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.hosts.faults import LOCK_KIND, Faults
from flask_sfsync.emulator.hosts.server import RESET_ENVIRON_KEY
from flask_sfsync.emulator.requestlog import LogEntry, RequestLog
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import error_response
from flask_sfsync.emulator.rest.routes import dispatch

if TYPE_CHECKING:
    from flask_sfsync.emulator.oauth.server import OAuthService
    from flask_sfsync.emulator.store.org import Org

__all__ = ["ApiContext", "ApiUsage", "InstanceApp", "error_json"]

_log = logging.getLogger(__name__)
_DATA_PREFIX = "/services/data"
_OAUTH_PREFIXES = ("/services/oauth2/", "/id/")
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class ApiUsage:
    """The org's daily API request count (``org.api_usage`` / ``org.daily_api_limit``)."""

    def __init__(self, org: Org) -> None:
        self._org = org
        self._lock = threading.Lock()

    def consume(self) -> bool:
        """Count one request; False (and no count) once the limit is reached."""
        with self._lock:
            if self._org.api_usage >= self._org.daily_api_limit:
                return False
            self._org.api_usage += 1
            return True

    def set_limit(self, limit: int) -> None:
        with self._lock:
            self._org.daily_api_limit = limit

    def reset(self, used: int = 0) -> None:
        with self._lock:
            self._org.api_usage = used

    def header(self) -> str:
        return f"api-usage={self._org.api_usage}/{self._org.daily_api_limit}"


def error_json(status: int, error_code: str, message: str) -> Response:
    return error_response(SalesforceApiError(status, error_code, message))


def _path_record_id(path: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last if len(last) in (15, 18) and _ID_CHARS.issuperset(last) else ""


def _fault_response(kind: str, path: str) -> Response:
    if kind == "503":
        return error_json(
            503, "SERVER_UNAVAILABLE", "Server is temporarily unavailable. Please try again."
        )
    if kind == LOCK_KIND:
        record_id = _path_record_id(path)
        suffix = f" or 1 records: {record_id}" if record_id else ""
        return error_json(
            400, LOCK_KIND, f"unable to obtain exclusive access to this record{suffix}"
        )
    return _unknown_exception()


def _unknown_exception() -> Response:
    # Salesforce's wording for an internal error, with an ErrorId support would ask for.
    error_id = f"{int(time.time() * 1000) % 10**10}-{threading.get_ident() % 10**5} (-1)"
    return error_json(
        500,
        "UNKNOWN_EXCEPTION",
        f"An unexpected error occurred. Please include this ErrorId if you contact support: "
        f"{error_id}",
    )


def bearer_token(request: Request) -> str | None:
    """Salesforce accepts ``Authorization: Bearer <token>`` and the older ``OAuth <token>``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


class InstanceApp:
    """WSGI app of the instance host."""

    def __init__(
        self,
        *,
        org: Org,
        oauth: OAuthService,
        faults: Faults,
        request_log: RequestLog,
        usage: ApiUsage,
        instance_url: str,
    ) -> None:
        self.org = org
        self.oauth = oauth
        self.faults = faults
        self.request_log = request_log
        self.usage = usage
        self.instance_url = instance_url

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path.startswith(_OAUTH_PREFIXES):
            response = self.oauth.handle(request)
        else:
            response = self._api(request, environ)
        return response(environ, start_response)

    def _api(self, request: Request, environ: dict[str, Any]) -> Response:
        started, clock = time.time(), time.monotonic()  # wall time to log; a monotonic duration
        records = [0]

        def log_records(n: int) -> None:
            records[0] += n

        with self.faults.active():
            response = self._pipeline(request, environ, log_records)
        if request.path.startswith(_DATA_PREFIX):
            response.headers["Sforce-Limit-Info"] = self.usage.header()
        # The org's own clock (tests drive it), as Salesforce's Date is Salesforce's time: a
        # pull reasons from it about which records a query could see.
        response.headers["Date"] = formatdate(self.org.clock().timestamp(), usegmt=True)
        self.request_log.append(
            LogEntry(
                method=request.method,
                path=request.path,
                status=0 if environ.get(RESET_ENVIRON_KEY) else response.status_code,
                records=records[0],
                time=started,
                query=request.query_string.decode("latin-1"),
                duration=time.monotonic() - clock,
            )
        )
        return response

    def _pipeline(
        self, request: Request, environ: dict[str, Any], log_records: Callable[[int], None]
    ) -> Response:
        try:
            delay = self.faults.added_latency
            if delay:
                time.sleep(delay)
            kind = self.faults.request_fault(request.method, request.path)
            if kind == "reset":
                environ[RESET_ENVIRON_KEY] = True
                return _unknown_exception()
            if kind is not None:
                return _fault_response(kind, request.path)
            if not request.path.startswith(_DATA_PREFIX + "/") and request.path != _DATA_PREFIX:
                raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
            is_version_list = request.path.rstrip("/") == _DATA_PREFIX
            user_id = "" if is_version_list else self._authenticate(request)
            if not is_version_list and not self.usage.consume():
                raise SalesforceApiError(
                    403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
                )
            ctx = ApiContext(
                org=self.org,
                user_id=user_id,
                base_url=self.instance_url,
                log_records=log_records,
                record_fault=self.faults.lock_row_fault,
            )
            return dispatch(ctx, request)
        except SalesforceApiError as exc:
            return error_response(exc)
        except Exception:
            # The client sees Salesforce's opaque 500; the developer sees the traceback.
            _log.exception("unexpected error in %s %s", request.method, request.path)
            return _unknown_exception()

    def _authenticate(self, request: Request) -> str:
        token = bearer_token(request)
        user_id = self.oauth.tokens.user_for_access_token(token) if token else None
        if user_id is None:
            raise SalesforceApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return user_id
