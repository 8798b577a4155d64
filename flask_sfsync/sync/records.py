"""The records the sync core exchanges with the host, shared by push and pull.

A host adapter (Flask side) reads its models into these plain dicts; the core never sees a
host model or a database session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Required, TypedDict

__all__ = ["HostContact"]


class HostContact(TypedDict, total=False):
    """What the host adapter gives the sync core for one contact."""

    id: Required[str]
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None
    company: str | None
    stage: str | None
    owner_email: str | None  # the host user who owns the contact -> Salesforce OwnerId
    meeting_date: dt.date | str | None
    notes: str | None
    tags: Sequence[str] | str | None
    additional_phones: Sequence[str] | str | None
