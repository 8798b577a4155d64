"""A connection's push settings, as the sync core reads them (the Flask layer stores them).

:class:`PushSettings` is also the :class:`~flask_sfsync.sync.mapping.rules.MappingSettings`
a push maps with.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..custom_fields import EXTERNAL_ID_FIELD

__all__ = [
    "DEFAULT_BULK_THRESHOLD",
    "DEFAULT_WRITE_CONCURRENCY",
    "PushAs",
    "PushSettings",
]

# Salesforce's guidance: sObject Collections for small sets, Bulk API 2.0 above ~2,000 records.
DEFAULT_BULK_THRESHOLD = 2000
DEFAULT_WRITE_CONCURRENCY = 3


class PushAs(enum.Enum):
    LEAD = "Lead"
    CONTACT = "Contact"  # with its Account (the contact's company, found by name or created)


@dataclass(frozen=True)
class PushSettings:
    push_as: PushAs = PushAs.LEAD
    # LeadSource of new records; the Flask layer defaults it to the host app's name.
    lead_source: str | None = None
    # Only contacts in these host stages are pushed (None in the set: contacts without a
    # stage); None pushes every stage.
    stages: frozenset[str | None] | None = None
    # Contacts without an email are skipped (and listed as skipped), as SyncApps does.
    require_email: bool = True
    # Host stage -> Lead Status. A stage with no entry leaves Status to Salesforce.
    stage_map: Mapping[str, str] = field(default_factory=dict)
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD
    # sObject Collections calls in flight at once (one connection's push; each call carries
    # 200 records): our side prepares and records one chunk while Salesforce saves others.
    # They run on the API's threads, at most salesforce.api.POOL_SIZE of them.
    write_concurrency: int = DEFAULT_WRITE_CONCURRENCY
    external_id_field: str = EXTERNAL_ID_FIELD
    # Prefixed to host ids in the external ID field so that two host apps (or tenants)
    # pushing to one org never claim each other's records: e.g. "acme-".
    external_id_prefix: str = ""
    # Salesforce fields (API names) that an empty host value clears; by default an empty
    # host value never blanks out what Salesforce has.
    clear_when_empty: frozenset[str] = frozenset()
    # Changes to the default field mapping, per object: {"Lead": {"host_field": "Sf_Field__c"}}.
    # A host field mapped to "" is not written at all. JSON-friendly, so a mappings page can
    # store it as is.
    field_map: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Salesforce requires a Lead's Company. A person without one still makes a lead, so new
    # Leads get Salesforce's own stand-in (the value Web-to-Lead uses); an existing record's
    # Company is never replaced by it. None: such contacts fail with REQUIRED_FIELD_MISSING.
    lead_company_placeholder: str | None = "[not provided]"
    # False: only records of ``push_as``'s object are matched and updated (a tenant that
    # switched object chose new records of the new one over those already pushed).
    match_other_type: bool = True

    @property
    def match_objects(self) -> tuple[str, ...]:
        """The objects whose records a contact may match."""
        return ("Contact", "Lead") if self.match_other_type else (self.push_as.value,)

    def external_id(self, host_id: str) -> str:
        return f"{self.external_id_prefix}{host_id}"
