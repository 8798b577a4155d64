"""sObject Collections calls running while the push stream plans the next page.

A push small enough that it can never go through Bulk API writes each page as soon as it
is planned: its calls (200 records each) wait in a :class:`~flask_sfsync.salesforce.lanes.Lane`
of the API's threads, ``concurrency`` of them running at once, while the caller plans the
next page. Results are handed back in order, on the caller's
thread (which owns the database session), whenever the caller looks: after planning a
page (:meth:`Pipeline.collect`) and at the end (:meth:`Pipeline.drain`).

A call that fails for good (paused, reconnect needed, retries ran out) stops the pipeline:
calls not started are cancelled, those already running are waited for and their results
handed back, then the failure is raised. A record Salesforce saved is never left
unrecorded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from typing import Generic, TypeVar

from flask_sfsync.salesforce import writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.lanes import Lane

__all__ = ["Pipeline"]

T = TypeVar("T")
Results = list[writers.WriteResult]


class Pipeline(Generic[T]):
    """Calls in order; ``T`` is what the caller attaches to each (its planned writes)."""

    def __init__(
        self,
        api: SalesforceApi,
        concurrency: int,
        on_results: Callable[[Results, T], None],
        on_wait: Callable[[], None] | None = None,
    ) -> None:
        """``on_wait``: called by :meth:`drain` before it waits for a call still running
        (a moment to store what was handed back so far: the progress moves, and the
        database work overlaps Salesforce's)."""
        self.api = api
        self.on_results = on_results
        self.on_wait = on_wait
        self._lane = Lane(api, concurrency)
        self._queue: deque[tuple[Future[Results], T]] = deque()

    def __len__(self) -> int:
        """Calls queued or running, or done and not handed back yet."""
        return len(self._queue)

    def submit(
        self, call: writers.Call, chunk: Sequence[writers.Writable], attached: T
    ) -> None:
        future = self._lane.submit(writers.write_chunk, self.api, call, chunk)
        self._queue.append((future, attached))

    def collect(self) -> None:
        """Hand back the results of the calls done so far (in order), without waiting."""
        while self._queue and self._queue[0][0].done():
            self._hand_back()

    def drain(self) -> None:
        """Wait for every call and hand its results back."""
        while self._queue:
            if self.on_wait is not None and not self._queue[0][0].done():
                self.on_wait()
            self._hand_back()

    def close(self) -> None:
        """Cancel what has not started; wait for what has (its results are dropped: only
        after a failure, whose handling has already handed back what it could)."""
        for future, _ in self._queue:
            future.cancel()
        wait([future for future, _ in self._queue])
        self._queue.clear()

    def _hand_back(self) -> None:
        future, attached = self._queue.popleft()
        try:
            results = future.result()
        except BaseException:
            self._settle()
            raise
        self.on_results(results, attached)

    def _settle(self) -> None:
        """After a failure: cancel the calls not started, hand back those that ran."""
        for future, _ in self._queue:
            future.cancel()
        while self._queue:
            future, attached = self._queue.popleft()
            if future.cancelled():
                continue
            try:
                results = future.result()
            except BaseException:  # the first failure is the one raised
                continue
            self.on_results(results, attached)
