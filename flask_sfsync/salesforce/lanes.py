"""A caller's lane into the API's threads: at most ``width`` of its calls running at once.

:meth:`~.api.SalesforceApi.submit` runs a call on the API's shared threads right away. A caller
that hands over many calls and wants only a few of them running at a time (the push stream's
pipeline: ``write_concurrency``) submits them to a :class:`Lane` instead: the others wait, in
order, and each starts as soon as an earlier one is done, without the caller looking. That is
how a pool of ``width`` threads of its own would run them, without its threads.

The futures are those of ``concurrent.futures``: a call not started yet can be cancelled.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from functools import partial
from typing import Any, TypeVar

from .api import SalesforceApi

__all__ = ["Lane"]

T = TypeVar("T")
_Call = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]


class Lane:
    def __init__(self, api: SalesforceApi, width: int) -> None:
        self.api = api
        self.width = max(1, width)
        self._lock = threading.Lock()
        self._waiting: deque[_Call] = deque()
        self._running = 0

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """``fn(*args)`` on the API's threads, once fewer than ``width`` calls of this lane
        run."""
        future: Future[T] = Future()
        with self._lock:
            self._waiting.append((future, fn, args))
        self._start()
        return future

    def _start(self) -> None:
        while True:
            with self._lock:
                if self._running >= self.width or not self._waiting:
                    return
                future, fn, args = self._waiting.popleft()
                if future.cancelled():
                    continue
                self._running += 1
            try:
                pooled = self.api.submit(_run, future, fn, args)
            except BaseException as exc:  # the threads are gone (interpreter shutdown)
                with self._lock:
                    self._running -= 1
                if future.set_running_or_notify_cancel():
                    future.set_exception(exc)
                continue
            pooled.add_done_callback(partial(self._finished, future))

    def _finished(self, future: Future[Any], pooled: Future[None]) -> None:
        if not future.done() and future.set_running_or_notify_cancel():
            # ``thread_context`` failed before the call could start: the caller hears it.
            failure = CancelledError() if pooled.cancelled() else pooled.exception()
            future.set_exception(failure or RuntimeError("the call did not run"))
        with self._lock:
            self._running -= 1
        self._start()


def _run(future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """On a thread of the API: the call, unless it was cancelled while it waited."""
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args)
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(result)
