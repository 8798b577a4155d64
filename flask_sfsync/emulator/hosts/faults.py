"""Fault injection: make the local org slow, flaky, locked, out of budget or unreachable.

Tests drive it through ``LocalOrg.faults`` or the login host's ``/_emulator/faults`` JSON API.
The instance pipeline asks :meth:`Faults.request_fault` before answering each call; the API
layer asks :func:`record_fault` once per record of a Collections (or Bulk) write, because
Salesforce reports a locked row there as that record's error, not as the call's.

Fault kinds: ``"503"`` (SERVER_UNAVAILABLE), ``"500"`` (UNKNOWN_EXCEPTION),
``"UNABLE_TO_LOCK_ROW"`` (400 for a single-record call) and ``"reset"`` (the connection is
dropped without an answer).
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = ["FAULT_KINDS", "LOCK_KIND", "Faults", "record_fault"]

LOCK_KIND = "UNABLE_TO_LOCK_ROW"
FAULT_KINDS = ("503", "500", LOCK_KIND, "reset")
_WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_VERSION_PREFIX = re.compile(r"^/services/data/v\d+\.\d+")

# The Faults of the request being answered on this thread, for record_fault().
_current: ContextVar[Faults | None] = ContextVar("sfsync_emulator_faults", default=None)


def _check_kind(kind: str) -> str:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
    return kind


def _matches(path: str, prefix: str) -> bool:
    """A prefix matches the full path, or the path after ``/services/data/vNN.N``."""
    if path.startswith(prefix):
        return True
    short = _VERSION_PREFIX.sub("", path, count=1)
    return short != path and short.startswith(prefix)


def _is_per_record_call(path: str) -> bool:
    # Collections, composite and Bulk report locks per record: the API layer asks record_fault().
    return "/composite" in path or "/jobs/" in path


@dataclass
class _FailNext:
    remaining: int
    path_prefix: str
    kind: str


@dataclass
class _ErrorRate:
    rate: float
    kind: str
    path_prefix: str


class Faults:
    """The fault switches of one local org. Every method is safe to call from any thread."""

    def __init__(
        self,
        *,
        expire_tokens: Callable[[], None] = lambda: None,
        set_daily_limit: Callable[[int], None] = lambda n: None,
        on_down: Callable[[], None] = lambda: None,
        seed: int | None = None,
    ) -> None:
        self._expire_tokens = expire_tokens
        self._set_daily_limit = set_daily_limit
        self._on_down = on_down
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._latency = 0.0
        self._rates: list[_ErrorRate] = []
        self._fail_next: list[_FailNext] = []
        self._down = False

    # --- switches -------------------------------------------------------------------------
    def latency(self, seconds: float) -> None:
        """Add ``seconds`` before every instance call (0 turns it off)."""
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            self._latency = float(seconds)

    def error_rate(self, rate: float, kind: str = "503", path_prefix: str = "/") -> None:
        """Fail this fraction of calls (0..1) with ``kind``; rate 0 removes that kind's rate."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        _check_kind(kind)
        with self._lock:
            self._rates = [r for r in self._rates if r.kind != kind]
            if rate > 0:
                self._rates.append(_ErrorRate(float(rate), kind, path_prefix))

    def fail_next(self, n: int, path_prefix: str = "/", kind: str = "503") -> None:
        """Fail the next ``n`` calls whose path starts with ``path_prefix``.

        The prefix may leave out ``/services/data/vNN.N``: ``"/composite/sobjects"`` matches
        every version's Collections endpoint.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        _check_kind(kind)
        with self._lock:
            if n:
                self._fail_next.append(_FailNext(n, path_prefix, kind))

    def expire_all_tokens(self) -> None:
        """Every access token issued so far answers 401 INVALID_SESSION_ID from now on."""
        self._expire_tokens()

    def set_daily_limit(self, limit: int) -> None:
        if limit < 0:
            raise ValueError("limit must be >= 0")
        self._set_daily_limit(limit)

    def down(self) -> None:
        """New connections are reset, open ones closed, until :meth:`up`."""
        with self._lock:
            self._down = True
        self._on_down()

    def up(self) -> None:
        with self._lock:
            self._down = False

    def clear(self) -> None:
        """Remove latency, error rates, pending failures and come back up."""
        with self._lock:
            self._latency = 0.0
            self._rates.clear()
            self._fail_next.clear()
            self._down = False

    # --- queries used by the servers ------------------------------------------------------
    @property
    def is_down(self) -> bool:
        return self._down

    @property
    def added_latency(self) -> float:
        return self._latency

    def request_fault(self, method: str, path: str) -> str | None:
        """The fault kind this call must fail with, or None. Consumes a fail_next slot."""
        with self._lock:
            for pending in self._fail_next:
                if _matches(path, pending.path_prefix):
                    pending.remaining -= 1
                    if pending.remaining <= 0:
                        self._fail_next.remove(pending)
                    return pending.kind
            for rate in self._rates:
                if not _matches(path, rate.path_prefix):
                    continue
                if rate.kind == LOCK_KIND and (
                    method not in _WRITE_METHODS or _is_per_record_call(path)
                ):
                    continue
                if self._random.random() < rate.rate:
                    return rate.kind
        return None

    def lock_row_fault(self) -> bool:
        """Whether one record of a multi-record write should fail with UNABLE_TO_LOCK_ROW."""
        with self._lock:
            for rate in self._rates:
                if rate.kind == LOCK_KIND:
                    return self._random.random() < rate.rate
        return False

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency": self._latency,
                "error_rates": [
                    {"rate": r.rate, "kind": r.kind, "path_prefix": r.path_prefix}
                    for r in self._rates
                ],
                "fail_next": [
                    {"n": f.remaining, "path_prefix": f.path_prefix, "kind": f.kind}
                    for f in self._fail_next
                ],
                "down": self._down,
            }

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make these faults the ones :func:`record_fault` consults on this thread."""
        token = _current.set(self)
        try:
            yield
        finally:
            _current.reset(token)


def record_fault() -> bool:
    """Should the record being written now fail with UNABLE_TO_LOCK_ROW?

    For the API layer: call once per record of a Collections/composite/Bulk write while
    answering a request; False outside a request or when no lock rate is set.
    """
    faults = _current.get()
    return faults.lock_row_fault() if faults is not None else False
