"""The API's own threads (``submit``/``close``) and a caller's lane into them (no server)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import wait
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from flask_sfsync.salesforce.api import POOL_SIZE, SalesforceApi
from flask_sfsync.salesforce.lanes import Lane


def offline_api(**kwargs: Any) -> SalesforceApi:
    sf = Salesforce(instance_url="https://org.example.test", session_id="x")
    return SalesforceApi(sf, cache_key=("00D000000000001", "005000000000001"), **kwargs)


def test_submit_runs_inside_thread_context_and_close_lets_the_threads_go() -> None:
    entered: list[str] = []

    @contextlib.contextmanager
    def context() -> Iterator[None]:
        entered.append(threading.current_thread().name)
        yield

    with offline_api(thread_context=context) as api:
        assert api.submit(lambda a, b: a + b, 2, 3).result() == 5
        assert entered and entered[0].startswith("sfsync-call")
    assert api._pool is None  # closed; a later submit starts the threads again
    assert api.submit(lambda: 7).result() == 7
    api.close()


def test_a_lane_runs_at_most_its_width_in_order_and_cancels_what_waits() -> None:
    running = 0
    most = 0
    started: list[int] = []
    lock = threading.Lock()
    gate = threading.Event()

    def call(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            started.append(i)
        gate.wait(5)
        time.sleep(0.002)
        with lock:
            running -= 1
        return i

    with offline_api() as api:
        lane = Lane(api, 3)
        futures = [lane.submit(call, i) for i in range(12)]
        time.sleep(0.05)
        assert started == [0, 1, 2]  # the others wait, without the caller looking again
        assert futures[11].cancel()  # a waiting call can be cancelled
        gate.set()
        wait(futures[:11])
        assert [f.result() for f in futures[:11]] == list(range(11))
        assert futures[11].cancelled()
        # Dispatched first in, first out; two calls let go at once may start in either order.
        assert most == 3 and sorted(started) == list(range(11))
        assert all(started.index(i) < started.index(i + 4) for i in range(7))
    assert POOL_SIZE >= 3


def test_a_failing_call_or_thread_context_reaches_the_caller() -> None:
    @contextlib.contextmanager
    def broken() -> Iterator[None]:
        raise RuntimeError("no app context")
        yield

    with offline_api() as api:
        lane = Lane(api, 2)
        failing = lane.submit(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.result(5)
        assert lane.submit(lambda: "next").result(5) == "next"  # the slot was given back
    with offline_api(thread_context=broken) as api:
        lane = Lane(api, 1)
        with pytest.raises(RuntimeError, match="no app context"):
            lane.submit(lambda: 1).result(5)
        with pytest.raises(RuntimeError, match="no app context"):
            lane.submit(lambda: 2).result(5)
