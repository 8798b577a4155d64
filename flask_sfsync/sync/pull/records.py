"""A pulled Salesforce record as the pull reads it: its identity, system fields and values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .reader import Watermark, parse_datetime

__all__ = ["PulledRecord", "pulled"]

# Read into their own attributes; every other field read is one of the record's values.
_SYSTEM = frozenset({
    "Id", "SystemModstamp", "IsDeleted", "LastModifiedDate", "LastModifiedById",
    "MasterRecordId", "OwnerId", "AccountId", "IsConverted", "ConvertedContactId",
    "ConvertedAccountId",
})

# The field holding the company's name as text, per object.
_COMPANY_TEXT = {"Lead": "Company", "Account": "Name"}


@dataclass(frozen=True)
class PulledRecord:
    sobject: str
    id: str
    stamp: dt.datetime
    values: Mapping[str, Any]
    is_deleted: bool = False
    last_modified: dt.datetime | None = None
    last_modified_by: str | None = None
    owner_id: str | None = None
    account_id: str | None = None
    master_record_id: str | None = None
    is_converted: bool = False
    converted_contact_id: str | None = None
    converted_account_id: str | None = None

    @property
    def watermark(self) -> Watermark:
        return Watermark(self.stamp, self.id)

    @property
    def email(self) -> str | None:
        value = self.values.get("Email")
        return str(value).strip().lower() or None if value else None

    @property
    def company_name(self) -> str | None:
        """The company this record names as text: a Lead's Company, an Account's Name (a
        Contact's company is its Account: :attr:`account_id`); blank is None."""
        value = self.values.get(_COMPANY_TEXT.get(self.sobject, ""))
        return str(value).strip() or None if value else None

    @property
    def merged(self) -> bool:
        """Deleted by a merge: its links belong to the master now."""
        return self.is_deleted and bool(self.master_record_id)


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def pulled(sobject: str, raw: Mapping[str, Any]) -> PulledRecord:
    """A queryAll (or Bulk) row as a :class:`PulledRecord`."""
    stamp = parse_datetime(raw.get("SystemModstamp"))
    if stamp is None:
        raise ValueError(f"{raw.get('Id')}: no SystemModstamp")
    return PulledRecord(
        sobject=sobject,
        id=str(raw["Id"]),
        stamp=stamp,
        values={k: v for k, v in raw.items() if k not in _SYSTEM},
        is_deleted=_flag(raw.get("IsDeleted")),
        last_modified=parse_datetime(raw.get("LastModifiedDate")),
        last_modified_by=raw.get("LastModifiedById") or None,
        owner_id=raw.get("OwnerId") or None,
        account_id=raw.get("AccountId") or None,
        master_record_id=raw.get("MasterRecordId") or None,
        is_converted=_flag(raw.get("IsConverted")),
        converted_contact_id=raw.get("ConvertedContactId") or None,
        converted_account_id=raw.get("ConvertedAccountId") or None,
    )
