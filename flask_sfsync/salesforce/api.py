"""One org's API as every caller calls it: budget check, retries with backoff, one refresh.

Every call to Salesforce goes through :meth:`SalesforceApi.call` (``rest``, ``query`` and the
Composite reads are built on it), so the failure policy of :mod:`.errors` is applied in one
place, the one retry loop:

* :class:`~.errors.TransientFailure` -> sleep (exponential backoff, jitter) and try again,
  up to ``RetryPolicy.attempts``; then it is raised;
* :class:`~.errors.SessionExpired` -> the client's ``refresh(stale)`` (see
  :class:`~.client.SalesforceClient`: it builds a new ``Salesforce``, whose headers are fixed
  at construction) once, then try again;
* anything else classified is raised as the tree's exception; unclassified ones (bugs) as is.

Parallel calls (sObject Collections writes in flight together) run on the API's own threads:
:meth:`SalesforceApi.submit`, at most :data:`POOL_SIZE` of them, each inside
``thread_context``; every caller keeps its own, smaller limit of calls in flight
(:class:`~.lanes.Lane`, or its own count). :meth:`SalesforceApi.close` lets the threads go.

Caches of what an org looks like to a user (describes, owners) are keyed by
:attr:`SalesforceApi.cache_key`: (org id, Salesforce user id).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import urlparse

from simple_salesforce.api import Salesforce

from .budget import ApiBudget
from .errors import (
    Disposition,
    PermanentFailure,
    RecordError,
    SessionExpired,
    TransientFailure,
    classify,
    disposition_of,
    record_error,
)
from .limits import UsageMeter

__all__ = [
    "COMPOSITE_MAX",
    "POOL_SIZE",
    "CacheKey",
    "ClientSource",
    "RetryPolicy",
    "SalesforceApi",
    "subrequest_failure",
]

T = TypeVar("T")
COMPOSITE_MAX = 25  # subrequests per Composite call, which counts as one API call
# Threads of one SalesforceApi at most, for all its callers together. Each caller keeps its
# own limit of calls in flight, smaller than this (a push: ``write_concurrency``, 3 by
# default). Salesforce lets an org run 25 long (20 s and more) requests at once, shared with
# every other integration of that org: we take a few.
POOL_SIZE = 8

# (org id, Salesforce user id): whose view of which org a cached describe or owner lookup is
# (a describe depends on the user's field-level security).
CacheKey = tuple[str, str]


class ClientSource(Protocol):
    """What builds and refreshes ``Salesforce`` objects: the extension's ``SalesforceClient``
    (``flask_sfsync.salesforce.client``) has this shape."""

    @property
    def sf(self) -> Salesforce: ...

    def refresh(self, stale: Salesforce | None = None) -> None: ...


class _Fixed:
    """A bare ``Salesforce`` (tests, scripts): nothing to refresh it with."""

    def __init__(self, sf: Salesforce) -> None:
        self.sf = sf

    def refresh(self, stale: Salesforce | None = None) -> None:
        raise SessionExpired("the session expired and no client factory can refresh it")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """Equal jitter: half the exponential step, plus up to the other half at random, so
        workers retrying the same locked rows spread out but always wait a little."""
        step = min(self.max_delay, self.base_delay * 2.0**attempt)
        return step / 2 + random.uniform(0, step / 2)


class SalesforceApi:
    """One org's API for one connection (and user). ``client``: a bare ``Salesforce``
    (tests, scripts: nothing to refresh it with) or a :class:`ClientSource` such as
    :class:`~.client.SalesforceClient`."""

    def __init__(
        self,
        client: Salesforce | ClientSource,
        *,
        budget: ApiBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 120.0,
        cache_key: CacheKey | None = None,
        thread_context: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        """``cache_key``: (the org's id, the connected Salesforce user's id), what caches
        of how the org looks to that user are keyed by (describes, owners). A caller that
        does not pass it (a test, a script with one user) gets (the instance's host, ""):
        one user per instance is assumed then.

        ``thread_context``: what a thread of ours that makes calls runs inside (parallel
        Collections writes), e.g. the Flask app context a token refresh needs to store the
        new token."""
        self.budget = budget
        self.thread_context = thread_context
        self.client: ClientSource = _Fixed(client) if isinstance(client, Salesforce) else client
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.timeout = timeout
        self.meter = UsageMeter()
        if budget is not None:
            self.meter.subscribe(budget.observe)
        self.cache_key: CacheKey = cache_key or (self.client.sf.sf_instance, "")
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @property
    def sf(self) -> Salesforce:
        """The client's current ``Salesforce`` (a new one after every refresh)."""
        sf = self.client.sf
        self.meter.attach(sf.session)  # a no-op once attached
        return sf

    @property
    def data_path(self) -> str:
        """``/services/data/vXX.X`` as Composite subrequest URLs need it."""
        return urlparse(self.sf.base_url).path.rstrip("/")

    def call(self, fn: Callable[[Salesforce], T], *, cost: int = 1) -> T:
        """Run ``fn(sf)`` under the failure policy; ``cost`` is the calls it will make."""
        refreshed = False
        attempt = 0
        while True:
            if self.budget is not None:
                self.budget.acquire(cost)
            sf = self.sf
            try:
                return fn(sf)
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
                if isinstance(failure, SessionExpired) and not refreshed:
                    refreshed = True
                    self._refresh(sf)
                    continue
                attempt += 1
                if isinstance(failure, TransientFailure) and attempt < self.retry.attempts:
                    self.sleep(self.retry.delay(attempt - 1))
                    continue
                if failure is exc:
                    raise
                raise failure from exc
            finally:
                if self.budget is not None:
                    self.budget.release(cost)

    # -- parallel calls -------------------------------------------------------------------

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """``fn(*args)`` on one of this API's threads, inside ``thread_context``.

        The threads (at most :data:`POOL_SIZE`) start with the first submit. The caller
        limits its own calls in flight; ``fn`` must not wait for another submit (the threads
        could all be waiting)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="sfsync-call")
            return self._pool.submit(self._in_thread, fn, *args)

    def close(self) -> None:
        """Let the threads go, once the calls running on them are done; a later
        :meth:`submit` starts new ones."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> SalesforceApi:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        if self.thread_context is None:
            return fn(*args)
        with self.thread_context():
            return fn(*args)

    def _refresh(self, stale: Salesforce) -> None:
        try:
            self.client.refresh(stale)
        except Exception as exc:
            failure = classify(exc)
            if failure is None or failure is exc:
                raise
            raise failure from exc

    def rest(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """``sf.restful`` (path relative to ``/services/data/vXX.X/``) under the policy;
        ``headers``: request headers of this call only (e.g. the duplicate rule header)."""
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if json is not None:
            kwargs["json"] = json
        if headers:
            kwargs["headers"] = dict(headers)
        return self.call(lambda sf: sf.restful(path, params=params, method=method, **kwargs))

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record of a SOQL query, page by page (one call per page of up to 2,000)."""
        page: dict[str, Any] = self.call(lambda sf: sf.query(soql, timeout=self.timeout))
        yield from page.get("records", [])
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            url = str(page["nextRecordsUrl"])
            page = self.call(partial(_query_more, url=url, timeout=self.timeout))
            yield from page.get("records", [])

    def get_each(self, paths: Sequence[str]) -> list[tuple[int, Any]]:
        """:meth:`get_many`, but a subrequest's own failure (other than a transient one,
        which is retried) comes back as its (status, body) instead of raising: for a
        caller that can do without some of the answers."""
        answers: list[tuple[int, Any]] = [(0, None)] * len(paths)
        pending = list(range(len(paths)))
        for round_ in range(self.retry.attempts):
            if round_:
                self.sleep(self.retry.delay(round_ - 1))
            retry: list[int] = []
            for start in range(0, len(pending), COMPOSITE_MAX):
                batch = pending[start : start + COMPOSITE_MAX]
                for index, (status, body) in zip(batch, self._composite(paths, batch), strict=True):
                    if status >= 300 and _sub_errors(status, body)[0] is Disposition.RETRY:
                        retry.append(index)
                    else:
                        answers[index] = (status, body)
            pending = retry
            if not pending:
                return answers
        raise TransientFailure(f"{len(pending)} Composite subrequests kept failing")

    def get_many(self, paths: Sequence[str]) -> list[Any]:
        """GET several resources, 25 to a Composite call (one API call each batch).

        ``paths`` are relative to ``/services/data/vXX.X/`` (``query?q=...`` or a
        ``nextRecordsUrl``'s full path). Returns the bodies in order; a subrequest that
        failed for a transient reason is sent again in the next round, any other failure
        raises the tree's exception.
        """
        bodies: list[Any] = []
        for path, (status, body) in zip(paths, self.get_each(paths), strict=True):
            if status >= 300:
                raise subrequest_failure(path, status, body)
            bodies.append(body)
        return bodies

    def _composite(self, paths: Sequence[str], batch: Sequence[int]) -> list[tuple[int, Any]]:
        base = self.data_path
        requests_ = [
            {
                "method": "GET",
                "url": paths[i] if paths[i].startswith("/services/") else f"{base}/{paths[i]}",
                "referenceId": f"r{i}",
            }
            for i in batch
        ]
        reply = self.rest(
            "POST", "composite", json={"allOrNone": False, "compositeRequest": requests_}
        )
        return [(int(r["httpStatusCode"]), r.get("body")) for r in reply["compositeResponse"]]


def _query_more(sf: Salesforce, *, url: str, timeout: float) -> Any:
    return sf.query_more(url, identifier_is_url=True, timeout=timeout)


def subrequest_failure(path: str, status: int, body: Any) -> PermanentFailure:
    """What :meth:`SalesforceApi.get_many` raises for a Composite subrequest that failed
    (``get_each`` callers that treat some answers as values raise it for the rest)."""
    errors = _sub_errors(status, body)[1]
    return PermanentFailure(
        f"{path}: {errors[0].message if errors else status}", status=status, errors=errors
    )


def _sub_errors(status: int, body: Any) -> tuple[Disposition, list[RecordError]]:
    entries = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    errors = [record_error(e) for e in entries if isinstance(e, dict)]
    code = errors[0].status_code if errors else f"HTTP_{status}"
    return disposition_of(code, status), errors
