"""A Contact's Account: the host company, found by name or created.

Names are matched as Salesforce compares text in SOQL (case-insensitively); when several
Accounts share a name, the oldest Id wins so every push picks the same one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote as urlquote

from flask_sfsync.salesforce import writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.errors import RecordError
from flask_sfsync.salesforce.soql import format_soql, in_chunks

__all__ = ["AccountResolution", "resolve_accounts"]


@dataclass
class AccountResolution:
    ids: dict[str, str] = field(default_factory=dict)  # lower-cased name -> Account Id
    created: set[str] = field(default_factory=set)  # lower-cased names of new Accounts
    errors: dict[str, RecordError] = field(default_factory=dict)  # lower-cased name -> why

    def id_for(self, name: str | None) -> str | None:
        return self.ids.get(name.strip().lower()) if name else None


def resolve_accounts(
    api: SalesforceApi,
    names: Iterable[str | None],
    *,
    owner_ids: dict[str, str] | None = None,
    look_up: bool = True,
) -> AccountResolution:
    """Account Ids for ``names``: one query per 1,000 names (25 per call), then one create
    call per 200 missing Accounts. ``owner_ids``: lower-cased name -> OwnerId for new ones;
    ``look_up`` False: the caller knows none of them exists (it read every Account)."""
    wanted: dict[str, str] = {}
    for name in names:
        if name and name.strip():
            wanted.setdefault(name.strip().lower(), name.strip())
    result = AccountResolution()
    if not wanted:
        return result
    paths = [
        "query?q=" + urlquote(
            format_soql("SELECT Id, Name FROM Account WHERE Name IN {} ORDER BY Id", list(chunk)),
            safe="",
        )
        for chunk in in_chunks(wanted.values())
    ]
    for body in api.get_many(paths) if look_up else ():
        for record in body.get("records", []):
            result.ids.setdefault(str(record["Name"]).lower(), str(record["Id"]))
        # IN lists of 1,000 names match at most a few per name; more pages are rare
        next_url = body.get("nextRecordsUrl")
        while next_url:
            page = api.get_many([str(next_url)])[0]
            for record in page.get("records", []):
                result.ids.setdefault(str(record["Name"]).lower(), str(record["Id"]))
            next_url = page.get("nextRecordsUrl") if not page.get("done", True) else None
    missing = [key for key in wanted if key not in result.ids]
    owners = owner_ids or {}
    writes = (
        writers.RecordWrite(
            key, {"Name": wanted[key], **({"OwnerId": owners[key]} if key in owners else {})}
        )
        for key in missing
    )
    for outcome in writers.create(api, "Account", writes):
        if outcome.error is None and outcome.id:
            result.ids[outcome.key] = outcome.id
            result.created.add(outcome.key)
        elif outcome.error is not None:
            result.errors[outcome.key] = outcome.error
    return result
