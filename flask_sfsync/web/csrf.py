"""CSRF protection for every POST of the blueprint.

Where the host uses Flask-WTF's ``CSRFProtect`` (``app.extensions["csrf"]``) its token and check
are used, so one token works across the host and our pages. Otherwise we keep our own random
token in the session and compare it on every unsafe request to the blueprint.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import abort, current_app, request, session

SESSION_KEY = "_sfsync_csrf_token"
HEADER = "X-CSRFToken"
CSRF_FAILED = "The form has expired or its CSRF token is missing. Reload the page and try again."
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _flask_wtf() -> Any | None:
    return current_app.extensions.get("csrf")


def field_name() -> str:
    if _flask_wtf() is not None:
        return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return "csrf_token"


def token() -> str:
    """The token to put in our forms (hidden input named :func:`field_name`)."""
    if _flask_wtf() is not None:
        from flask_wtf.csrf import generate_csrf

        return str(generate_csrf())
    value = session.get(SESSION_KEY)
    if not isinstance(value, str):
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def protect() -> None:
    """``before_request`` of the blueprint: refuse an unsafe request without a valid token."""
    if request.method not in _UNSAFE:
        return
    wtf = _flask_wtf()
    if wtf is not None:
        # CSRFProtect checks every view by itself unless the host turned that off.
        if not current_app.config.get("WTF_CSRF_CHECK_DEFAULT", True):
            wtf.protect()
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get("csrf_token") or request.headers.get(HEADER)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        abort(400, description=CSRF_FAILED)
