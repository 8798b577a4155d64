"""What every page of the blueprint does for safety, beside the tenant guard and CSRF.

* :func:`safe_next` - the one check of a ``next`` target: a path on this site, never another
  host (``//evil.example``, ``/\\evil.example`` and control characters, which browsers strip,
  are refused);
* :func:`limit_request` - small bounds on what a form may send (our forms are a few fields);
* :func:`deny_framing` - the pages cannot be framed by another site (clickjacking of
  Disconnect or Sync Now), unless the host already chose its own policy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from werkzeug.wrappers import Response

__all__ = [
    "ID",
    "MAX_FORM_BYTES",
    "MAX_FORM_PARTS",
    "deny_framing",
    "limit_request",
    "safe_next",
]

#: The converter of integer ids in URLs: a database integer, else 404 (SQLite and PostgreSQL
#: integers stop at 2**63 - 1; a larger one would be a 500 from the driver).
ID = f"int(max={2**63 - 1})"

#: Bytes a POST to our pages may carry (the largest form, settings, is well under 4 KiB even
#: with dozens of stages).
MAX_FORM_BYTES = 16 * 1024
#: Fields a form may send (a host with many stages still stays far below it).
MAX_FORM_PARTS = 500


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path of this site, else ``default``."""
    if not target or any(ord(c) < 0x20 or c in "\\\x7f" for c in target):
        return default
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return default
    return target


def limit_request() -> None:
    """``before_request``: bound the form parser (a 5 MB Lead Source is refused with 413)."""
    request.max_content_length = MAX_FORM_BYTES
    request.max_form_memory_size = MAX_FORM_BYTES
    request.max_form_parts = MAX_FORM_PARTS


def deny_framing(response: Response) -> Response:
    """``after_request``: no framing by other sites (the host's own header wins)."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = f"{policy}; frame-ancestors 'none'"
    return response
