"""What one execution of a query knows besides its text: the source, the clock, the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.schema.organization import ORGANIZATION
from flask_sfsync.emulator.schema.statuses import backing_field, value_rows
from flask_sfsync.emulator.soql.paths import QuerySource

__all__ = ["Scope"]

Row = Mapping[str, Any]
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(slots=True)
class Scope:
    source: QuerySource
    soql: str
    now: dt.datetime
    include_deleted: bool
    base_url: str                    # record urls: /services/data/vXX.X/sobjects/
    tooling: bool
    bulk: bool = False               # a Bulk API 2.0 query job

    def rows(self, obj: ObjectDef) -> Iterable[Row]:
        """Every row of ``obj``: the source's, a status object's picklist values, or the
        Organization record."""
        if backing_field(obj.name) is not None:
            return self.status_rows(obj)
        if obj.name == ORGANIZATION:
            return self.organization_rows()
        return self.source.scan(obj.name, self.include_deleted)

    def status_rows(self, obj: ObjectDef) -> list[dict[str, Any]]:
        created = getattr(self.source, "created_date", None) or _EPOCH
        admin = getattr(self.source, "admin", None)
        return value_rows(obj.name, self.source.object_info, created,
                          getattr(admin, "id", None))

    def organization_rows(self) -> list[dict[str, Any]]:
        record = getattr(self.source, "organization_record", None)
        return [record()] if record is not None else []
