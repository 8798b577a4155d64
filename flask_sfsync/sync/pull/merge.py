"""Which pulled values reach the host: a three-way merge per field against the agreed value.

For each two-way field the merge compares Salesforce's value, the host's value and the value
both sides last agreed on (kept per link, :attr:`Link.agreed`), never "now" alone:

* both equal -> nothing to write (our own push coming back is exactly this: no echo);
* only Salesforce moved away from the agreed value -> the host takes it;
* only the host moved -> the host keeps it (the push sends it);
* both moved (or nothing was agreed yet) -> the most recent wins: Salesforce's
  LastModifiedDate against the time of the host's pending change (a host edit made while a
  pull was in flight is newer than the data the pull read, so it is never overwritten).

Stage and the rest stay push-only until the mappings land.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TWO_WAY", "FieldMerge", "merge_fields", "same"]

#: host key -> Salesforce field, per object: what flows both ways (most recent wins).
TWO_WAY: Mapping[str, Mapping[str, str]] = {
    "Lead": {"first_name": "FirstName", "last_name": "LastName", "email": "Email",
             "phone": "Phone", "title": "Title"},
    "Contact": {"first_name": "FirstName", "last_name": "LastName", "email": "Email",
                "phone": "Phone", "title": "Title"},
}


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def same(a: Any, b: Any) -> bool:
    """Equal as the sync sees values: blank is None, surrounding spaces do not count."""
    return bool(_norm(a) == _norm(b))


@dataclass
class FieldMerge:
    #: host key -> the value to write to the host.
    to_host: dict[str, Any] = field(default_factory=dict)
    #: Salesforce field -> the value both sides now agree on.
    agreed: dict[str, Any] = field(default_factory=dict)
    #: Fields where the host's newer value won over Salesforce's (it is pushed).
    host_won: list[str] = field(default_factory=list)


_MISSING = object()


def merge_fields(
    sobject: str,
    sf_values: Mapping[str, Any],
    host: Mapping[str, Any],
    agreed: Mapping[str, Any] | None,
    *,
    sf_modified: dt.datetime | None,
    host_modified: dt.datetime | None,
    writable: frozenset[str] | None = None,
) -> FieldMerge:
    """The merge of one linked record. ``host``: the host contact's values by host key;
    ``host_modified``: when its pending (not yet pushed) change was made, None when it has
    none; ``writable``: the host keys the host lets the pull write (None: all)."""
    out = FieldMerge(agreed=dict(agreed or {}))
    base = agreed or {}
    for key, name in TWO_WAY.get(sobject, {}).items():
        if name not in sf_values:
            continue  # not read (the org hides the field)
        theirs, ours = sf_values[name], host.get(key)
        if same(theirs, ours):
            out.agreed[name] = _norm(theirs)
            continue
        was = base.get(name, _MISSING)
        if was is not _MISSING and same(ours, was):
            take = True  # only Salesforce moved
        elif was is not _MISSING and same(theirs, was):
            take = False  # only the host moved: it keeps its value, the push sends it
        else:
            take = _salesforce_newer(sf_modified, host_modified)
        if take and (writable is None or key in writable):
            out.to_host[key] = _norm(theirs)
            out.agreed[name] = _norm(theirs)
        elif not take:
            out.host_won.append(name)
    return out


def _salesforce_newer(sf_modified: dt.datetime | None, host_modified: dt.datetime | None) -> bool:
    if host_modified is None:
        return True  # the host has no change waiting: Salesforce's value is the newer one
    if sf_modified is None:
        return False
    return sf_modified > host_modified
