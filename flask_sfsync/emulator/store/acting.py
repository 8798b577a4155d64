"""The org as one user sees and changes it: what a person working in Salesforce does.

``LocalOrg.as_user("sofia.alvarez@...")`` hands one out, so a test reads like the story it
tells::

    sofia = org.as_user("sofia.alvarez@emulator.example.com")
    sofia.update("Contact", contact_id, {"Title": "CTO"})    # LastModifiedById = Sofia
    result = sofia.convert_lead(lead_id)                      # a LeadConvertResult
    sofia.merge("Contact", master_id, [duplicate_id])

Every call is the store's own (``Org.create``, ``Org.update`` ...) with the user's Id: the
user's profile, the validation rules and every data rule apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flask_sfsync.emulator.store.convert import LeadConvert, LeadConvertResult
from flask_sfsync.emulator.store.merge import MergeResult

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org

__all__ = ["ActingUser"]


class ActingUser:
    def __init__(self, org: Org, user_id: str) -> None:
        self.org = org
        self.user_id = user_id

    def __repr__(self) -> str:
        return f"<ActingUser {self.user_id}>"

    def create(self, sobject: str, fields: Mapping[str, Any], *,
               allow_duplicates: bool = False) -> str:
        return self.org.create(sobject, fields, self.user_id, allow_duplicates=allow_duplicates)

    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> None:
        self.org.update(sobject, record_id, fields, self.user_id)

    def delete(self, record_id: str) -> None:
        self.org.delete(record_id, self.user_id)

    def undelete(self, record_id: str) -> None:
        self.org.undelete(record_id, self.user_id)

    def get(self, sobject: str, record_id: str, fields: list[str] | None = None
            ) -> dict[str, Any]:
        """The record as this user reads it over REST (hidden fields left out)."""
        return self.org.get(sobject, record_id, fields, user_id=self.user_id)

    def change_owner(self, sobject: str, record_id: str, owner_id: str) -> None:
        self.org.update(sobject, record_id, {"OwnerId": owner_id}, self.user_id)

    def convert_lead(self, lead_id: str, **options: Any) -> LeadConvertResult:
        """``options``: LeadConvert's (converted_status, account_id, contact_id,
        create_opportunity, opportunity_name, owner_id, overwrite_lead_source)."""
        return self.org.convert_lead(LeadConvert(lead_id, **options), self.user_id)

    def merge(self, sobject: str, master_id: str, merged_ids: Sequence[str],
              fields: Mapping[str, Any] | None = None) -> MergeResult:
        return self.org.merge(sobject, master_id, merged_ids, self.user_id, fields)
