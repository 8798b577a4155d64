"""What the API layer gets from the instance host besides the request.

Its own module so that the instance app (which builds it) and the API modules (which read it)
import it without importing each other: the instance app imports ``routes`` at load time, and an
import error there is a visible failure, not a 500 on every call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org

__all__ = ["ApiContext"]


def _no_faults() -> bool:
    return False


@dataclass
class ApiContext:
    """The org, the token's user and the hooks into the request log and fault injection."""

    org: Org
    user_id: str
    base_url: str  # the instance_url, e.g. https://127.0.0.1:54321
    log_records: Callable[[int], None]  # how many records this call carried (request log)
    # Ask once per record of a multi-record write: True = fail it with UNABLE_TO_LOCK_ROW.
    record_fault: Callable[[], bool] = field(default=_no_faults)
