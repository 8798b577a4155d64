"""``--data FILE``: save and load an Org atomically (pickle; the file is the org's own)."""

from __future__ import annotations

import os
import pickle
import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask_sfsync.emulator.store import Org

__all__ = ["load_org", "save_org"]

_MAGIC = b"SFSYNC-ORG-1\n"


def save_org(org: Org, path: str | os.PathLike[str]) -> None:
    """Write to a temporary file in the same directory, then rename over ``path``.

    A crash mid-write leaves the previous file intact; holding the org's lock keeps the
    snapshot consistent with concurrent API writes.
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".sfsync-org-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle, org.lock:
            handle.write(_MAGIC)
            pickle.dump(org, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_org(path: str | os.PathLike[str]) -> Org:
    from flask_sfsync.emulator.store import Org

    with open(path, "rb") as handle:
        if handle.read(len(_MAGIC)) != _MAGIC:
            raise ValueError(f"{os.fspath(path)} is not a flask-sfsync local org data file")
        org = pickle.load(handle)  # our own file, written by save_org
    if not isinstance(org, Org):
        raise ValueError(f"{os.fspath(path)} does not hold an Org")
    return org
