"""A stable hash of what would be sent, so an unchanged contact is not sent again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["fingerprint"]


def fingerprint(sobject: str, fields: Mapping[str, Any], **context: Any) -> str:
    """Same object, same values (in any key order), same context -> same hash.

    ``context`` holds what decides the written ids without being a mapped value itself (the
    owner's email, the company that becomes the Account), so a change there is noticed too.
    """
    canonical = _encode([sobject, sorted(fields.items()), sorted(context.items())])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Built once: ``json.dumps`` with options builds an encoder per call. Keys are sorted above
# (items, not dicts), so the text is the same as ``json.dumps(..., sort_keys=True)`` gives.
_encode = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
).encode
