"""The login host's WSGI app: OAuth and identity, the record pages, and the control API.

The control API (``/_emulator/...``, JSON) offers the Python handle's switches to other
processes, e.g. tests of a host app that runs the org with ``python -m flask_sfsync.emulator``:
``GET info``; ``GET|POST|DELETE faults``; ``GET|DELETE requests``; ``POST token``;
``GET|POST limits``; ``POST save``. It drives the running org through :class:`RunningOrg`, the
part of ``LocalOrg`` (``handle.py``) it needs, so that this module does not import the handle
that builds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug import Request, Response

from flask_sfsync.emulator.oauth.browser import DEFAULT_SCOPE
from flask_sfsync.emulator.pages import PagesApp

if TYPE_CHECKING:
    from flask_sfsync.emulator.hosts.faults import Faults
    from flask_sfsync.emulator.hosts.instance import ApiUsage
    from flask_sfsync.emulator.oauth.server import OAuthService
    from flask_sfsync.emulator.requestlog import RequestLog
    from flask_sfsync.emulator.store.org import Org

__all__ = ["LoginApp", "RunningOrg"]


class RunningOrg(Protocol):
    """What the login host uses of a started ``LocalOrg``."""

    @property
    def org(self) -> Org: ...
    @property
    def oauth(self) -> OAuthService: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def request_log(self) -> RequestLog: ...
    @property
    def usage(self) -> ApiUsage: ...
    @property
    def data_file(self) -> Path | None: ...

    def info(self) -> dict[str, Any]: ...
    def issue_token(self, user: Any = None, scope: str = DEFAULT_SCOPE) -> dict[str, Any]: ...
    def expire_codes(self) -> None: ...
    def save(self) -> None: ...


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class LoginApp:
    """WSGI app of the login host: OAuth and identity, record pages, the control API."""

    def __init__(self, local: RunningOrg, pages: PagesApp) -> None:
        self.local = local
        self.pages = pages

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path.startswith("/_emulator"):
            response = self._control(request)
        elif self.local.oauth.handles(path):
            response = self.local.oauth.handle(request)
        elif self.pages.handles(path):
            try:
                response = self.pages.handle(request)
            except Exception:
                response = Response("Internal error", status=500, content_type="text/plain")
        else:
            response = Response("Not Found", status=404, content_type="text/plain")
        return response(environ, start_response)

    def _control(self, request: Request) -> Response:
        try:
            return self._control_route(request)
        except (ValueError, KeyError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)

    def _control_route(self, request: Request) -> Response:
        local = self.local
        path, method = request.path.rstrip("/"), request.method
        body: dict[str, Any] = {}
        if method in ("POST", "PUT"):
            raw = request.get_json(silent=True)
            body = raw if isinstance(raw, dict) else {}
        if path == "/_emulator/info" and method == "GET":
            return _json(local.info())
        if path == "/_emulator/faults":
            if method == "DELETE":
                local.faults.clear()
            elif method == "POST":
                _apply_faults(local, body)
            return _json(local.faults.state())
        if path == "/_emulator/requests":
            if method == "DELETE":
                local.request_log.clear()
                return _json({"requests": []})
            return _json({"requests": local.request_log.as_json()})
        if path == "/_emulator/token" and method == "POST":
            return _json(local.issue_token(body.get("username"), body.get("scope", DEFAULT_SCOPE)))
        if path == "/_emulator/limits":
            if method == "POST":
                if "used" in body:
                    local.usage.reset(int(body["used"]))
                if "max" in body:
                    local.usage.set_limit(int(body["max"]))
            return _json({"used": local.org.api_usage, "max": local.org.daily_api_limit})
        if path == "/_emulator/save" and method == "POST":
            local.save()
            return _json({"saved": str(local.data_file)})
        return _json({"error": f"no control endpoint {method} {path}"}, 404)


def _apply_faults(local: RunningOrg, body: dict[str, Any]) -> None:
    """POST /_emulator/faults: any of the keys below, applied in this order."""
    faults = local.faults
    if "latency" in body:
        faults.latency(float(body["latency"]))
    if "error_rate" in body:
        spec = body["error_rate"]
        faults.error_rate(float(spec["rate"]), str(spec.get("kind", "503")),
                          str(spec.get("path_prefix", "/")))
    if "fail_next" in body:
        spec = body["fail_next"]
        faults.fail_next(int(spec["n"]), str(spec.get("path_prefix", "/")),
                         str(spec.get("kind", "503")))
    if body.get("expire_tokens"):
        faults.expire_all_tokens()
    if body.get("expire_codes"):
        local.expire_codes()
    if "daily_limit" in body:
        faults.set_daily_limit(int(body["daily_limit"]))
    if "down" in body:
        if body["down"]:
            faults.down()
        else:
            faults.up()
