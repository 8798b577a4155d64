"""A describe cache: what fields an org's object has, kept per org and object for a while.

Describes change rarely (an admin adds a field) and each one is an API call, so the push asks
once per ``ttl``; :meth:`DescribeCache.invalidate` forgets an object after we changed it
(custom fields created). :meth:`DescribeCache.prefetch` describes several objects in one
Composite call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .api import SalesforceApi

__all__ = ["DescribeCache", "FieldInfo", "ObjectInfo", "default_cache"]


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    type: str
    length: int
    createable: bool
    updateable: bool
    nillable: bool
    external_id: bool
    unique: bool
    restricted_picklist: bool
    picklist_values: tuple[str, ...]  # active values only

    @classmethod
    def from_describe(cls, raw: Mapping[str, Any]) -> FieldInfo:
        return cls(
            name=str(raw["name"]),
            type=str(raw.get("type", "string")),
            length=int(raw.get("length") or 0),
            createable=bool(raw.get("createable")),
            updateable=bool(raw.get("updateable")),
            nillable=bool(raw.get("nillable")),
            external_id=bool(raw.get("externalId")),
            unique=bool(raw.get("unique")),
            restricted_picklist=bool(raw.get("restrictedPicklist")),
            picklist_values=tuple(
                str(v["value"]) for v in raw.get("picklistValues") or () if v.get("active", True)
            ),
        )


@dataclass(frozen=True)
class ObjectInfo:
    name: str
    fields: Mapping[str, FieldInfo]  # lower-cased API name -> field

    @classmethod
    def from_describe(cls, raw: Mapping[str, Any]) -> ObjectInfo:
        fields = (FieldInfo.from_describe(f) for f in raw.get("fields") or ())
        return cls(str(raw["name"]), {f.name.lower(): f for f in fields})

    def field(self, name: str) -> FieldInfo | None:
        return self.fields.get(name.lower())

    @cached_property
    def names(self) -> frozenset[str]:
        """Lower-cased field names, as :func:`flask_sfsync.sync.mapping.map_contact` wants."""
        return frozenset(self.fields)

    def writable(self, name: str, *, creating: bool) -> bool:
        info = self.field(name)
        return info is not None and (info.createable if creating else info.updateable)


class DescribeCache:
    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[str, str], tuple[float, ObjectInfo]] = {}
        self._lock = threading.Lock()

    def get(self, api: SalesforceApi, sobject: str) -> ObjectInfo:
        cached = self._cached(api.org_key, sobject)
        if cached is not None:
            return cached
        info = ObjectInfo.from_describe(api.rest("GET", f"sobjects/{sobject}/describe"))
        self._store(api.org_key, sobject, info)
        return info

    def prefetch(self, api: SalesforceApi, sobjects: Iterable[str]) -> None:
        """Describe every object not cached, in one Composite call (up to 25)."""
        missing = [s for s in dict.fromkeys(sobjects) if self._cached(api.org_key, s) is None]
        if not missing:
            return
        bodies = api.get_many([f"sobjects/{s}/describe" for s in missing])
        for sobject, body in zip(missing, bodies, strict=True):
            self._store(api.org_key, sobject, ObjectInfo.from_describe(body))

    def missing(self, api: SalesforceApi, sobjects: Iterable[str]) -> list[str]:
        """Those of ``sobjects`` not cached (their describe paths: ``sobjects/X/describe``)."""
        return [s for s in dict.fromkeys(sobjects) if self._cached(api.org_key, s) is None]

    def put(self, api: SalesforceApi, sobject: str, describe: Mapping[str, Any]) -> None:
        """Cache a describe a caller fetched itself (in a Composite call of its own)."""
        self._store(api.org_key, sobject, ObjectInfo.from_describe(describe))

    def invalidate(self, org_key: str, sobject: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == org_key]:
                if sobject is None or key[1].lower() == sobject.lower():
                    del self._entries[key]

    def _cached(self, org_key: str, sobject: str) -> ObjectInfo | None:
        with self._lock:
            entry = self._entries.get((org_key, sobject.lower()))
        if entry is None or self.clock() - entry[0] > self.ttl:
            return None
        return entry[1]

    def _store(self, org_key: str, sobject: str, info: ObjectInfo) -> None:
        with self._lock:
            self._entries[(org_key, sobject.lower())] = (self.clock(), info)


# One per process: workers of the same process share describes of the same org.
default_cache = DescribeCache()
