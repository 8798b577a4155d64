"""A push's Bulk API 2.0 spool for one group of writes (one object, one action).

:class:`GroupSpool` wraps :class:`~flask_sfsync.salesforce.bulk.BulkSpool` (rows on disk)
with what each record's outcome needs besides its fields (fingerprint, target id, how it was
matched), kept compact: a 100,000-record job's fields are never all in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_sfsync.salesforce import bulk, writers
from flask_sfsync.salesforce.api import SalesforceApi

from .matching import MatchedBy
from .plan import Action, Group, PlannedWrite
from .settings import PushSettings

__all__ = ["NO_FIELDS", "GroupSpool"]

# The fields of a planned write rebuilt from a result (its fields are in the spool's file).
NO_FIELDS: dict[str, Any] = {}


class GroupSpool:
    def __init__(self, api: SalesforceApi, group: Group, settings: PushSettings) -> None:
        self.sobject, self.action = group
        ext = settings.external_id_field if self.action is Action.UPSERT else None
        self.spool = bulk.BulkSpool(api, self.sobject, self.action.value, ext_field=ext)
        self.key_field = self.spool.key_field
        # host id -> (fingerprint, target id, matched by)
        self._meta: dict[str, tuple[str, str | None, MatchedBy | None]] = {}

    def add(self, writes: Sequence[PlannedWrite]) -> None:
        meta = self._meta
        for w in writes:
            meta[w.host_id] = (w.fingerprint, w.target_id, w.matched_by)
        self.spool.add(writes)

    def run(self) -> Iterator[writers.WriteResult]:
        return self.spool.run()

    def pop(self, host_id: str) -> tuple[str, str | None, MatchedBy | None]:
        """(fingerprint, target id, matched by) of a result's record; forgotten then."""
        return self._meta.pop(host_id)

    def remaining(self) -> list[PlannedWrite]:
        """The writes that got no result (yet), without their fields."""
        left, self._meta = self._meta, {}
        return [
            PlannedWrite(host_id, self.sobject, self.action, NO_FIELDS, fingerprint,
                         target_id, matched_by)
            for host_id, (fingerprint, target_id, matched_by) in left.items()
        ]

    def with_fields(self, writes: Sequence[PlannedWrite]) -> list[PlannedWrite]:
        """Updates by Id (stale links) again, with the fields they were sent with."""
        values = {str(w.target_id): w for w in writes}
        rows = self.spool.rows(set(values))
        return [
            PlannedWrite(w.host_id, w.sobject, w.action, rows.get(value, {}), w.fingerprint,
                         w.target_id, w.matched_by)
            for value, w in values.items()
        ]

    def close(self) -> None:
        self.spool.close()
