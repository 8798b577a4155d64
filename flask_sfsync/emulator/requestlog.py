"""The request log: every call the instance host answered, so tests can count API calls exactly.

Entries are appended by the instance pipeline once the response is known; ``records`` is the
number of records the call carried, reported by the API layer through ``ApiContext.log_records``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["LogEntry", "RequestLog"]


@dataclass(frozen=True)
class LogEntry:
    method: str
    path: str
    status: int
    records: int
    time: float  # epoch seconds when the request arrived
    query: str = ""
    duration: float = 0.0  # seconds spent answering

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """A thread-safe, clearable list of :class:`LogEntry` (servers answer on many threads)."""

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(
        self, *, method: str | None = None, path_prefix: str | None = None
    ) -> list[LogEntry]:
        """A snapshot, optionally only one method and/or paths starting with ``path_prefix``."""
        with self._lock:
            snapshot = list(self._entries)
        return [
            e
            for e in snapshot
            if (method is None or e.method == method.upper())
            and (path_prefix is None or e.path.startswith(path_prefix))
        ]

    def count(self, *, method: str | None = None, path_prefix: str | None = None) -> int:
        return len(self.entries(method=method, path_prefix=path_prefix))

    def as_json(self) -> list[dict[str, Any]]:
        return [e.as_json() for e in self.entries()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.entries())

    def __getitem__(self, index: int) -> LogEntry:
        with self._lock:
            return self._entries[index]

    def __repr__(self) -> str:
        return f"<RequestLog {len(self)} entries>"
