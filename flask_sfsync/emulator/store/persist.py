"""``--data FILE``: save and load an Org atomically (pickle; the file is the org's own).

Knows nothing of the Org itself (``Org.save`` / ``Org.load`` call it), so the store's main
module imports this one and not the other way round.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from contextlib import AbstractContextManager
from typing import Any, TypeVar

__all__ = ["load_snapshot", "save_snapshot"]

_MAGIC = b"SFSYNC-ORG-1\n"
T = TypeVar("T")


def save_snapshot(obj: object, lock: AbstractContextManager[Any],
                  path: str | os.PathLike[str]) -> None:
    """Write to a temporary file in the same directory, then rename over ``path``.

    A crash mid-write leaves the previous file intact; holding the org's lock keeps the
    snapshot consistent with concurrent API writes.
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".sfsync-org-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle, lock:
            handle.write(_MAGIC)
            pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_snapshot(path: str | os.PathLike[str], kind: type[T]) -> T:
    """The object ``save_snapshot`` wrote to ``path``; ValueError unless it is a ``kind``."""
    with open(path, "rb") as handle:
        if handle.read(len(_MAGIC)) != _MAGIC:
            raise ValueError(f"{os.fspath(path)} is not a flask-sfsync local org data file")
        obj = pickle.load(handle)  # our own file, written by save_snapshot
    if not isinstance(obj, kind):
        raise ValueError(f"{os.fspath(path)} does not hold an {kind.__name__}")
    return obj
