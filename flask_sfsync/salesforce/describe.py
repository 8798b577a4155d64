"""A describe cache: what fields an org's object has, as one user sees it, kept a while.

Entries are keyed by the API's :attr:`~.api.SalesforceApi.cache_key`, (org id, user id), and
the object: a describe shows only the fields the user's field-level security lets them see.
Describes change rarely (an admin adds a field) and each one is an API call, so the push asks
once per ``ttl``; :meth:`DescribeCache.invalidate` forgets an object of an org, for every
user, after we changed it (custom fields created). :meth:`DescribeCache.prefetch` describes
several objects in one Composite call. A :class:`DescribeStore` (optional) shares describes
between processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from .api import CacheKey, SalesforceApi

__all__ = ["DescribeCache", "DescribeStore", "FieldInfo", "ObjectInfo", "default_cache"]


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
        """Lower-cased field names (what a mapping's ``available`` wants)."""
        return frozenset(self.fields)

    def writable(self, name: str, *, creating: bool) -> bool:
        info = self.field(name)
        return info is not None and (info.createable if creating else info.updateable)


class DescribeStore(Protocol):
    """A second level under the in-process cache, shared by processes (the Flask side backs
    it with Redis: each job of a forking worker is a new process). It keeps describes as
    Salesforce sent them, by (cache key, lower-cased object), for ``ttl`` seconds."""

    def load(self, key: CacheKey, sobject: str) -> Mapping[str, Any] | None: ...

    def save(self, key: CacheKey, sobject: str, describe: Mapping[str, Any], ttl: float) -> None:
        ...

    def forget(self, key: CacheKey, sobject: str | None = None) -> None:
        """``sobject`` None: every object of ``key``."""
        ...


class DescribeCache:
    def __init__(
        self,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        store: DescribeStore | None = None,
    ) -> None:
        """``store``: where describes are shared with other processes (read when this
        process has none, written with every describe made)."""
        self.ttl = ttl
        self.clock = clock
        self.store = store
        # (cache key, lower-cased object) -> (when read, what it is)
        self._entries: dict[tuple[CacheKey, str], tuple[float, ObjectInfo]] = {}
        self._lock = threading.Lock()

    def get(self, api: SalesforceApi, sobject: str) -> ObjectInfo:
        cached = self._cached(api.cache_key, sobject)
        if cached is not None:
            return cached
        return self._keep(api.cache_key, sobject, api.rest("GET", f"sobjects/{sobject}/describe"))

    def prefetch(self, api: SalesforceApi, sobjects: Iterable[str]) -> None:
        """Describe every object not cached, in one Composite call (up to 25)."""
        missing = self.missing(api, sobjects)
        if not missing:
            return
        bodies = api.get_many([f"sobjects/{s}/describe" for s in missing])
        for sobject, body in zip(missing, bodies, strict=True):
            self._keep(api.cache_key, sobject, body)

    def missing(self, api: SalesforceApi, sobjects: Iterable[str]) -> list[str]:
        """Those of ``sobjects`` not cached (their describe paths: ``sobjects/X/describe``)."""
        return [s for s in dict.fromkeys(sobjects) if self._cached(api.cache_key, s) is None]

    def put(self, api: SalesforceApi, sobject: str, describe: Mapping[str, Any]) -> None:
        """Cache a describe a caller fetched itself (in a Composite call of its own)."""
        self._keep(api.cache_key, sobject, describe)

    def invalidate(self, key: CacheKey, sobject: str | None = None) -> None:
        """Forget ``sobject`` (None: every object) after we changed it in the org of ``key``
        (an API's :attr:`~.api.SalesforceApi.cache_key`). In this process every user's entry
        of that org goes; in the store, ``key``'s (other users' expire with ``ttl``)."""
        with self._lock:
            for entry in [k for k in self._entries if k[0][0] == key[0]]:
                if sobject is None or entry[1] == sobject.lower():
                    del self._entries[entry]
        if self.store is not None:
            self.store.forget(key, sobject)

    def _cached(self, key: CacheKey, sobject: str) -> ObjectInfo | None:
        with self._lock:
            entry = self._entries.get((key, sobject.lower()))
        if entry is not None and self.clock() - entry[0] <= self.ttl:
            return entry[1]
        shared = self.store.load(key, sobject) if self.store is not None else None
        if shared is None:
            return None
        info = ObjectInfo.from_describe(shared)
        self._remember(key, sobject, info)
        return info

    def _keep(self, key: CacheKey, sobject: str, describe: Mapping[str, Any]) -> ObjectInfo:
        info = ObjectInfo.from_describe(describe)
        self._remember(key, sobject, info)
        if self.store is not None:
            self.store.save(key, sobject, describe, self.ttl)
        return info

    def _remember(self, key: CacheKey, sobject: str, info: ObjectInfo) -> None:
        with self._lock:
            self._entries[(key, sobject.lower())] = (self.clock(), info)


# One per process: workers of the same process share describes of the same org.
default_cache = DescribeCache()
