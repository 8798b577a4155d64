"""Conditional describe: ``If-Modified-Since`` and ``If-Unmodified-Since``.

REST API, "sObject Describe" and "Get Object Metadata Changes": with ``If-Modified-Since``
(``EEE, dd MMM yyyy HH:mm:ss z``) a describe whose object metadata has not changed since that
time answers ``304 Not Modified`` with no body; ``If-Unmodified-Since`` answers ``412
Precondition Failed`` when it has changed. The global describe (``/sobjects``) honours the
headers the same way over every object. An object's metadata changes when the org is created
and when a custom field is added to it through the Tooling API (its CustomField record's
LastModifiedDate). HTTP dates have whole seconds: metadata changed within the second named by
the header counts as not changed after it (RFC 9110, 13.1.3).
"""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING

from werkzeug import Request, Response

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org

__all__ = ["conditional", "last_modified", "metadata_modified"]


def metadata_modified(org: Org, sobject: str | None) -> dt.datetime:
    """When ``sobject``'s metadata last changed (any object's, for None)."""
    newest = org.created_date
    for row in org.custom_fields():
        table = row.get("TableEnumOrId")
        when = row.get("LastModifiedDate") or row.get("CreatedDate")
        if when is not None and (sobject is None or str(table).lower() == sobject.lower()):
            newest = max(newest, when)
    return newest


def _header_time(request: Request, name: str) -> dt.datetime | None:
    raw = request.headers.get(name)
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        return None  # an unreadable date is ignored, as for any HTTP cache validator
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def conditional(request: Request, modified: dt.datetime) -> Response | None:
    """The 304 or 412 the request's validators call for, or None to answer normally."""
    seconds = modified.replace(microsecond=0)
    since = _header_time(request, "If-Modified-Since")
    if since is not None and seconds <= since:
        return Response(status=304, headers=last_modified(modified))
    unmodified = _header_time(request, "If-Unmodified-Since")
    if unmodified is not None and seconds > unmodified:
        return Response(status=412, headers=last_modified(modified))
    return None


def last_modified(modified: dt.datetime) -> dict[str, str]:
    return {"Last-Modified": format_datetime(modified.astimezone(dt.UTC).replace(microsecond=0),
                                             usegmt=True)}
