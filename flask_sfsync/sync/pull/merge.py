"""Which pulled values reach the host: a three-way merge per field against the agreed value.

For each two-way field the merge compares Salesforce's value, the host's value and the value
both sides last agreed on (kept per link, :attr:`Link.agreed`), never "now" alone:

* both equal -> nothing to write (our own push coming back is exactly this: no echo);
* only Salesforce moved away from the agreed value -> the host takes it;
* only the host moved -> the host keeps it (the push sends it);
* both moved (or nothing was agreed yet) -> the most recent wins: Salesforce's
  LastModifiedDate against the time of the host's pending change (a host edit made while a
  pull was in flight is newer than the data the pull read, so it is never overwritten).

The host's company is a two-way field too (:func:`merge_company`), compared by name as the
push sends it: a Lead's ``Company``, a Contact's Account (the name of the host company that
Account is, else the Account's Name). Which host company a taken name means (a match by name
or domain, or a new one) is the caller's business.

Stage and the rest stay push-only until the mappings land.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COMPANY_FIELD",
    "TWO_WAY",
    "CompanyMerge",
    "FieldMerge",
    "Winner",
    "decide",
    "merge_company",
    "merge_fields",
    "same",
]

#: host key -> Salesforce field, per object: what flows both ways (most recent wins).
TWO_WAY: Mapping[str, Mapping[str, str]] = {
    "Lead": {"first_name": "FirstName", "last_name": "LastName", "email": "Email",
             "phone": "Phone", "title": "Title"},
    "Contact": {"first_name": "FirstName", "last_name": "LastName", "email": "Email",
                "phone": "Phone", "title": "Title"},
}

#: Where the host's ``company`` is in Salesforce, per object: the key of its agreed value in
#: :attr:`Link.agreed` (a Contact's company is its Account's name, a relationship field).
COMPANY_FIELD: Mapping[str, str] = {"Lead": "Company", "Contact": "Account.Name"}


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


_MISSING: Any = object()


class Winner(enum.Enum):
    """Whose value one field keeps after a three-way comparison."""

    SAME = "same"  # equal: nothing to write
    SALESFORCE = "salesforce"  # the host takes Salesforce's value
    HOST = "host"  # the host keeps its value (the push sends it)


def decide(
    theirs: Any,
    ours: Any,
    was: Any = _MISSING,
    *,
    sf_modified: dt.datetime | None,
    host_modified: dt.datetime | None,
) -> Winner:
    """One field: Salesforce's value ``theirs``, the host's ``ours``, the agreed ``was``
    (left out: nothing agreed yet)."""
    if same(theirs, ours):
        return Winner.SAME
    if was is not _MISSING and same(ours, was):
        return Winner.SALESFORCE  # only Salesforce moved
    if was is not _MISSING and same(theirs, was):
        return Winner.HOST  # only the host moved
    newer = _salesforce_newer(sf_modified, host_modified)
    return Winner.SALESFORCE if newer else Winner.HOST


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
        winner = decide(theirs, ours, base.get(name, _MISSING), sf_modified=sf_modified,
                        host_modified=host_modified)
        if winner is Winner.SAME:
            out.agreed[name] = _norm(theirs)
            continue
        take = winner is Winner.SALESFORCE
        if take and (writable is None or key in writable):
            out.to_host[key] = _norm(theirs)
            out.agreed[name] = _norm(theirs)
        elif not take:
            out.host_won.append(name)
    return out


@dataclass(frozen=True)
class CompanyMerge:
    """The three-way result for one record's company."""

    #: The host's company follows Salesforce: attach the contact to the company named
    #: :attr:`name` (None: to no company).
    take: bool
    #: Salesforce's company name, placeholder and blanks as None.
    name: str | None
    #: The record's agreed values with the company's as it now is.
    agreed: dict[str, Any]


def merge_company(
    sobject: str,
    theirs: str | None,
    host: str | None,
    agreed: Mapping[str, Any] | None,
    *,
    sf_modified: dt.datetime | None,
    host_modified: dt.datetime | None,
    placeholder: str | None = None,
) -> CompanyMerge:
    """The company of one linked record: ``theirs`` is Salesforce's company name (a Lead's
    Company, a Contact's Account's), ``host`` the contact's company name, ``agreed`` the
    record's agreed values (:data:`COMPANY_FIELD` holds the company's). ``placeholder`` is
    the Company the push sends for a contact without one ("[not provided]"): it is no name.
    With nothing agreed yet, a Salesforce record naming no company leaves the host's."""
    key = COMPANY_FIELD[sobject]
    name = _norm(theirs)
    if placeholder is not None and same(name, placeholder):
        name = None
    out = dict(agreed or {})
    was = out.get(key, _MISSING)
    if name is None and was is _MISSING and _norm(host) is not None:
        # A first match where Salesforce names no company (a Lead's placeholder): that is no
        # news about the contact's company, which stays.
        return CompanyMerge(False, None, out)
    winner = decide(name, host, was, sf_modified=sf_modified, host_modified=host_modified)
    if winner is not Winner.HOST:
        out[key] = name
    return CompanyMerge(winner is Winner.SALESFORCE, name, out)


def _salesforce_newer(sf_modified: dt.datetime | None, host_modified: dt.datetime | None) -> bool:
    if host_modified is None:
        return True  # the host has no change waiting: Salesforce's value is the newer one
    if sf_modified is None:
        return False
    return sf_modified > host_modified
