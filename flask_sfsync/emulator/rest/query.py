"""``query`` and ``queryAll``: SOQL through E2's engine, paged with server-side cursors.

A result larger than one page is kept as a cursor; ``nextRecordsUrl`` is
``/services/data/vXX.X/query/{locator}-{offset}`` as on Salesforce. Like Salesforce, a user
keeps at most 10 open cursors (opening an 11th closes the oldest) and an idle cursor expires
after 15 minutes; an unknown or expired locator is ``INVALID_QUERY_LOCATOR``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import JSON_MIMETYPE, PerOrg, json_response
from flask_sfsync.emulator.schema.ids import make_id
from flask_sfsync.emulator.soql.engine import QueryResult, execute

__all__ = [
    "DEFAULT_BATCH",
    "Cursors",
    "batch_size",
    "query",
    "query_all",
    "query_more",
    "run_query",
    "serve_more",
]

DEFAULT_BATCH = 2000
MIN_BATCH = 200
CURSORS_PER_USER = 10
CURSOR_IDLE_SECONDS = 15 * 60


# Pages are formatted one ahead on a worker thread: while the client decodes page N the
# server formats page N+1 (client and org in separate processes then use both cores).
_prefetcher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-prefetch")
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)

Rendered = tuple[bytes, int]  # a page's records as a JSON array, and how many


@dataclass(slots=True)
class Cursor:
    result: QueryResult
    page_size: int
    user_id: str
    touched: float
    ahead: tuple[int, Future[Rendered]] | None = None

    def prefetch(self, offset: int) -> None:
        if offset < self.result.total_size:
            self.ahead = (offset, _prefetcher.submit(_render, self.result, offset, self.page_size))

    def take(self, offset: int) -> Rendered:
        ahead, self.ahead = self.ahead, None
        if ahead is not None and ahead[0] == offset:
            return ahead[1].result()
        return _render(self.result, offset, self.page_size)


def _render(result: QueryResult, start: int, count: int) -> Rendered:
    text, size = result.records_json(start, count)
    return text.encode("utf-8"), size


class Cursors:
    """Open query cursors of one org, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Cursor] = OrderedDict()
        self._sequence = itertools.count(1)

    def open(self, result: QueryResult, page_size: int, user_id: str) -> str:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            mine = [key for key, cur in self._items.items() if cur.user_id == user_id]
            for key in mine[: max(0, len(mine) - CURSORS_PER_USER + 1)]:
                del self._items[key]
            locator = make_id("01g", next(self._sequence))
            self._items[locator] = Cursor(result, page_size, user_id, now)
            return locator

    def get(self, locator: str) -> Cursor | None:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            cursor = self._items.get(locator)
            if cursor is not None:
                cursor.touched = now
                self._items.move_to_end(locator)
            return cursor

    def close(self, locator: str) -> bool:
        with self._lock:
            return self._items.pop(locator, None) is not None

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self, now: float) -> None:
        stale = [k for k, c in self._items.items() if now - c.touched > CURSOR_IDLE_SECONDS]
        for key in stale:
            del self._items[key]


cursors_of: PerOrg[Cursors] = PerOrg(Cursors)


def batch_size(request: Request) -> int:
    """``Sforce-Query-Options: batchSize=N``; Salesforce keeps N within 200..2000."""
    header = request.headers.get("Sforce-Query-Options", "")
    for part in header.split(","):
        key, _, value = part.partition("=")
        if key.strip().lower() == "batchsize":
            try:
                return max(MIN_BATCH, min(DEFAULT_BATCH, int(value.strip())))
            except ValueError:
                raise SalesforceApiError(
                    400, "INVALID_QUERY_FILTER_OPERATOR", f"Invalid batchSize: {value.strip()}"
                ) from None
    return DEFAULT_BATCH


def _page_response(total: int, start: int, rendered: Rendered, next_url: str | None) -> Response:
    """``{"totalSize","done","nextRecordsUrl"?,"records"}`` around pre-encoded records."""
    records, count = rendered
    end = start + count
    head = f'{{"totalSize":{total},"done":{"true" if end >= total else "false"}'
    if end < total and next_url is not None:
        head += f',"nextRecordsUrl":{_encoder.encode(f"{next_url}-{end}")}'
    body = head.encode("utf-8") + b',"records":' + records + b"}"
    response = Response(body, status=200, mimetype=JSON_MIMETYPE)
    response.headers["Content-Type"] = "application/json;charset=UTF-8"
    return response


def run_query(
    ctx: ApiContext,
    request: Request,
    version: str,
    url_root: str,
    *,
    include_deleted: bool,
    tooling: bool,
) -> Response:
    """Execute ``?q=`` and serve its first page; ``url_root`` is where its cursor lives."""
    text = request.args.get("q")
    if not text or not text.strip():
        raise SalesforceApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    # The user's view of the org: their profile's objects and fields, visible changes only.
    source = ctx.org.query_source(ctx.user_id)
    result = execute(source, text, include_deleted=include_deleted, api_version=version)
    obj = ctx.org.object_info(result.sobject)
    if obj is not None and obj.tooling != tooling:
        raise SalesforceApiError(
            400, "INVALID_TYPE", f"sObject type '{obj.name}' is not supported."
        )
    if result.is_count:
        return json_response({"totalSize": result.total_size, "done": True, "records": []})
    size = batch_size(request)
    # A page may hold fewer records than the batch size (sub-query children count too).
    rendered = _render(result, 0, size)
    next_url = None
    if rendered[1] < result.total_size:
        locator = cursors_of(ctx.org).open(result, size, ctx.user_id)
        cursor = cursors_of(ctx.org).get(locator)
        if cursor is not None:
            cursor.prefetch(rendered[1])
        next_url = f"{url_root}/{locator}"
    ctx.log_records(rendered[1])
    return _page_response(result.total_size, 0, rendered, next_url)


def serve_more(ctx: ApiContext, url_root: str, locator: str) -> Response:
    """One page of an open cursor: ``{locator}-{offset}``."""
    key, _, offset_text = locator.rpartition("-")
    cursors = cursors_of(ctx.org)
    cursor = cursors.get(key) if key and offset_text.isdigit() else None
    if cursor is None or cursor.user_id != ctx.user_id:
        raise SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    offset = int(offset_text)
    rendered = cursor.take(offset)
    ctx.log_records(rendered[1])
    total = cursor.result.total_size
    if offset + rendered[1] >= total:
        cursors.close(key)
    else:
        cursor.prefetch(offset + rendered[1])
    return _page_response(total, offset, rendered, f"{url_root}/{key}")


def query(ctx: ApiContext, request: Request, version: str) -> Response:
    root = f"/services/data/v{version}/query"
    return run_query(ctx, request, version, root, include_deleted=False, tooling=False)


def query_all(ctx: ApiContext, request: Request, version: str) -> Response:
    root = f"/services/data/v{version}/queryAll"
    return run_query(ctx, request, version, root, include_deleted=True, tooling=False)


def query_more(ctx: ApiContext, request: Request, version: str, locator: str) -> Response:
    endpoint = "queryAll" if "/queryAll/" in request.path else "query"
    if request.method == "DELETE":
        key = locator.rpartition("-")[0] or locator
        if not cursors_of(ctx.org).close(key):
            raise SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return Response(status=204)
    return serve_more(ctx, f"/services/data/v{version}/{endpoint}", locator)
