"""The login host's WSGI app: OAuth and identity, the record pages, and the control API.

The control API (``/_emulator/...``, JSON; :mod:`.control`) offers the Python handle's switches
to other processes. It drives the running org through :class:`RunningOrg`, the part of
``LocalOrg`` (``handle.py``) it needs, so that this module does not import the handle that
builds it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug import Request, Response

from flask_sfsync.emulator.hosts.control import PREFIX, ControlApi, RunningOrg
from flask_sfsync.emulator.pages import PagesApp

__all__ = ["LoginApp", "RunningOrg"]

_log = logging.getLogger(__name__)


class LoginApp:
    """WSGI app of the login host: OAuth and identity, record pages, the control API."""

    def __init__(self, local: RunningOrg, pages: PagesApp) -> None:
        self.local = local
        self.pages = pages
        self.control = ControlApi(local)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path.startswith(PREFIX):
            response = self.control.handle(request)
        elif self.local.oauth.handles(path):
            response = self.local.oauth.handle(request)
        elif self.pages.handles(path):
            try:
                response = self.pages.handle(request)
            except Exception:
                _log.exception("unexpected error in %s %s", request.method, path)
                response = Response("Internal error", status=500, content_type="text/plain")
        else:
            response = Response("Not Found", status=404, content_type="text/plain")
        return response(environ, start_response)
