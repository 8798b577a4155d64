"""Writing records through sObject Collections, 200 per call, ``allOrNone`` false.

* :func:`upsert` — ``PATCH /composite/sobjects/{obj}/{extField}``: idempotent, so a call retried
  after a 503 or a timeout can never create a second record. The normal path.
* :func:`create` / :func:`update` — ``POST`` / ``PATCH /composite/sobjects``: for orgs without
  our external ID field (then matching relies on links and email) and for updates by Id.

A write may acknowledge a duplicate rule's alert (``allow_duplicates=True``, a person's "Push
anyway"): its calls carry ``Sforce-Duplicate-Rule-Header: allowSave=true`` (REST API 52.0 and
later), which saves records a rule would only have *alerted* about; a rule whose action is
Block still refuses them. The header holds for a whole call, so such records go in calls of
their own.

Failures are handled at two levels: a whole call that fails transiently is retried by
:class:`~.api.SalesforceApi`; a record whose own error is transient (``UNABLE_TO_LOCK_ROW``) is
sent again, with the others of its kind, in a later round with backoff. Every other per-record
error is final and comes back as Salesforce wrote it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any, Protocol

from .api import SalesforceApi
from .errors import Disposition, PermanentFailure, RecordError, disposition_of, record_error

__all__ = [
    "ALLOW_SAVE",
    "COLLECTION_MAX",
    "Call",
    "RecordWrite",
    "Writable",
    "WriteResult",
    "create",
    "create_call",
    "delete",
    "update",
    "update_call",
    "upsert",
    "upsert_call",
    "write_chunk",
]

COLLECTION_MAX = 200
#: Acknowledge a duplicate rule's alert and save anyway (Salesforce's Duplicate Rule header).
ALLOW_SAVE: Mapping[str, str] = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


class Writable(Protocol):
    """What a write needs from a record: :class:`RecordWrite`, or a caller's own object
    with the same two attributes (no copy per record)."""

    @property
    def key(self) -> str: ...

    @property
    def fields(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """One record to send. ``key`` is the caller's (e.g. the host contact's id) and comes
    back on its result; ``fields`` are Salesforce field names -> JSON values (``Id`` for an
    update, the external ID field for an upsert)."""

    key: str
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class WriteResult:
    key: str
    id: str | None
    created: bool = False
    error: RecordError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def upsert(
    api: SalesforceApi,
    sobject: str,
    ext_field: str,
    writes: Iterable[Writable],
    *,
    concurrency: int = 1,
    allow_duplicates: bool = False,
) -> Iterator[WriteResult]:
    call = upsert_call(sobject, ext_field, allow_duplicates=allow_duplicates)
    return _write(api, call, writes, concurrency)


def create(
    api: SalesforceApi,
    sobject: str,
    writes: Iterable[Writable],
    *,
    concurrency: int = 1,
    allow_duplicates: bool = False,
) -> Iterator[WriteResult]:
    return _write(api, create_call(sobject, allow_duplicates=allow_duplicates), writes,
                  concurrency)


def update(
    api: SalesforceApi,
    sobject: str,
    writes: Iterable[Writable],
    *,
    concurrency: int = 1,
    allow_duplicates: bool = False,
) -> Iterator[WriteResult]:
    return _write(api, update_call(sobject, allow_duplicates=allow_duplicates), writes,
                  concurrency)


def delete(api: SalesforceApi, record_ids: Iterable[str]) -> Iterator[WriteResult]:
    """Move records to the recycle bin, 200 per call; results are keyed by record id.

    An already deleted record (``ENTITY_IS_DELETED``) counts as done: a retried delete is fine.
    """
    ids = list(dict.fromkeys(record_ids))
    for start in range(0, len(ids), COLLECTION_MAX):
        chunk = ids[start : start + COLLECTION_MAX]
        replies = api.rest(
            "DELETE", "composite/sobjects", params={"ids": ",".join(chunk), "allOrNone": "false"}
        )
        for record_id, reply in zip(chunk, replies, strict=True):
            result = _result(record_id, reply, creates=False)
            if result.error is not None and result.error.status_code == "ENTITY_IS_DELETED":
                result = WriteResult(record_id, record_id)
            yield result


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    sobject: str
    creates: bool = False  # POST results carry no "created": every success is a creation
    headers: Mapping[str, str] | None = None  # of this call only (ALLOW_SAVE)


def _write(
    api: SalesforceApi, call: Call, writes: Iterable[Writable], concurrency: int = 1
) -> Iterator[WriteResult]:
    """Results in chunks as they are written, so a caller can store links as it goes."""
    chunks = _chunks(writes)
    if concurrency <= 1:
        for chunk in chunks:
            yield from _write_chunk(api, call, chunk)
        return
    yield from _pipelined(api, call, chunks, concurrency)


def _chunks(writes: Iterable[Writable]) -> Iterator[list[Writable]]:
    chunk: list[Writable] = []
    for write in writes:
        chunk.append(write)
        if len(chunk) == COLLECTION_MAX:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _pipelined(
    api: SalesforceApi, call: Call, chunks: Iterator[list[Writable]], concurrency: int
) -> Iterator[WriteResult]:
    """Up to ``concurrency`` calls in flight (on the API's threads), results in order.

    While the caller stores one chunk's results, Salesforce is saving the next ones. Each
    chunk keeps its own retries (:func:`_write_chunk`). When a call fails for good (paused,
    reconnect needed), the calls already in flight are waited for and their results handed
    over before the failure is raised: a record Salesforce saved is never left unrecorded.
    """
    inflight: deque[Future[list[WriteResult]]] = deque()

    def fill() -> None:
        while len(inflight) < concurrency:
            # Near the end of the API budget, one call at a time: the budget then pauses
            # the push at exactly its limit.
            if inflight and api.budget is not None and not api.budget.can_spend(
                len(inflight) + 1
            ):
                return
            chunk = next(chunks, None)
            if chunk is None:
                return
            inflight.append(api.submit(_write_chunk, api, call, chunk))

    try:
        fill()
        while inflight:
            oldest = inflight.popleft()
            try:
                done = oldest.result()
            except BaseException:
                yield from _settle(inflight)
                raise
            fill()
            yield from done
    finally:
        # Given up early (by the caller, or a failure): calls not started are dropped, those
        # running are waited for, so none is still writing once this returns.
        for future in inflight:
            future.cancel()
        wait(inflight)


def _settle(inflight: deque[Future[list[WriteResult]]]) -> Iterator[WriteResult]:
    """The results of calls already running; those not started are cancelled."""
    while inflight:
        future = inflight.popleft()
        if future.cancel():
            continue
        try:
            results = future.result()
        except BaseException:
            continue
        yield from results


def upsert_call(sobject: str, ext_field: str, *, allow_duplicates: bool = False) -> Call:
    return Call("PATCH", f"composite/sobjects/{sobject}/{ext_field}", sobject,
                headers=ALLOW_SAVE if allow_duplicates else None)


def create_call(sobject: str, *, allow_duplicates: bool = False) -> Call:
    return Call("POST", "composite/sobjects", sobject, creates=True,
                headers=ALLOW_SAVE if allow_duplicates else None)


def update_call(sobject: str, *, allow_duplicates: bool = False) -> Call:
    return Call("PATCH", "composite/sobjects", sobject,
                headers=ALLOW_SAVE if allow_duplicates else None)


def write_chunk(
    api: SalesforceApi, call: Call, chunk: Sequence[Writable]
) -> list[WriteResult]:
    """One Collections call (up to 200 records, with its own per-record retries): for a
    caller that runs calls its own way (the push stream's pipeline)."""
    return _write_chunk(api, call, chunk)


def _write_chunk(
    api: SalesforceApi, call: Call, chunk: Sequence[Writable]
) -> list[WriteResult]:
    results: dict[int, WriteResult] = {}
    pending = list(range(len(chunk)))
    for round_ in range(api.retry.attempts):
        if round_:
            api.sleep(api.retry.delay(round_ - 1))
        body = {
            "allOrNone": False,
            "records": [_record(call.sobject, chunk[i].fields) for i in pending],
        }
        try:
            replies = api.rest(call.method, call.path, json=body, headers=call.headers)
        except PermanentFailure as exc:
            # The whole call was refused (e.g. a value Salesforce cannot parse at all): every
            # record of it gets Salesforce's error; the other chunks go on.
            error = _combined(exc.errors) if exc.errors else RecordError(exc.error_code, str(exc))
            for index in pending:
                results[index] = WriteResult(chunk[index].key, None, error=error)
            break
        retry: list[int] = []
        for index, reply in zip(pending, replies, strict=True):
            result = _result(chunk[index].key, reply, call.creates)
            if result.error is not None and _transient(result.error):
                retry.append(index)
            results[index] = result
        pending = retry
        if not pending:
            break
    # Records still locked after the last round keep their last (transient) error.
    return [results[i] for i in range(len(chunk))]


def _record(sobject: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"attributes": {"type": sobject}, **fields}


def _result(key: str, reply: Mapping[str, Any], creates: bool) -> WriteResult:
    if reply.get("success"):
        return WriteResult(key, reply.get("id"), created=creates or bool(reply.get("created")))
    errors = [record_error(e) for e in reply.get("errors") or ()]
    return WriteResult(key, reply.get("id"), error=_combined(errors))


def _combined(errors: Sequence[RecordError]) -> RecordError:
    """One record can fail several validations at once: keep the first code, every message."""
    if not errors:
        return RecordError("UNKNOWN_EXCEPTION", "Salesforce reported a failure without errors")
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    return RecordError(
        first.status_code,
        "; ".join(e.message for e in errors),
        tuple(dict.fromkeys(f for e in errors for f in e.fields)),
        tuple(dict.fromkeys(i for e in errors for i in e.duplicate_ids)),
    )


def _transient(error: RecordError) -> bool:
    return disposition_of(error.status_code) is Disposition.RETRY
