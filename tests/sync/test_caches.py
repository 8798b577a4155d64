"""Describe and owner caches keyed by (org, Salesforce user); a describe store shared by
processes (no server: a stand-in API counts the calls)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from flask_sfsync.salesforce.api import CacheKey, SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache
from flask_sfsync.sync.owners import OwnerDirectory


def describe_of(sobject: str, *fields: str) -> dict[str, Any]:
    return {"name": sobject, "fields": [{"name": f, "type": "string"} for f in fields]}


class StandInApi:
    def __init__(self, cache_key: CacheKey, fields: Sequence[str]) -> None:
        self.cache_key = cache_key
        self.fields = fields
        self.calls: list[str] = []

    def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        self.calls.append(path)
        return describe_of(path.split("/")[1], *self.fields)

    def get_many(self, paths: Sequence[str]) -> list[Any]:
        self.calls.append("composite")
        return [describe_of(p.split("/")[1], *self.fields) for p in paths]

    def query(self, soql: str) -> list[dict[str, Any]]:
        self.calls.append(soql)
        return [{"Id": "005A", "Email": "owner@example.org"}]


def as_api(stand_in: StandInApi) -> SalesforceApi:
    return cast(SalesforceApi, stand_in)


class MemoryStore:
    def __init__(self) -> None:
        self.saved: dict[tuple[CacheKey, str], Mapping[str, Any]] = {}

    def load(self, key: CacheKey, sobject: str) -> Mapping[str, Any] | None:
        return self.saved.get((key, sobject.lower()))

    def save(self, key: CacheKey, sobject: str, describe: Mapping[str, Any], ttl: float) -> None:
        self.saved[(key, sobject.lower())] = describe

    def forget(self, key: CacheKey, sobject: str | None = None) -> None:
        for entry in [k for k in self.saved if k[0] == key]:
            if sobject is None or entry[1] == sobject.lower():
                del self.saved[entry]


def test_describes_are_kept_per_user_and_forgotten_per_org() -> None:
    cache = DescribeCache()
    admin = StandInApi(("00D1", "005admin"), ["Email", "Secret__c"])
    seller = StandInApi(("00D1", "005seller"), ["Email"])  # field-level security hides one
    assert cache.get(as_api(admin), "Lead").field("Secret__c") is not None
    assert cache.get(as_api(seller), "Lead").field("Secret__c") is None
    assert cache.get(as_api(admin), "lead").field("Secret__c") is not None
    assert (len(admin.calls), len(seller.calls)) == (1, 1)
    cache.invalidate(admin.cache_key, "Lead")  # our fields changed: every user's view goes
    cache.get(as_api(seller), "Lead")
    assert len(seller.calls) == 2


def test_a_describe_store_serves_a_new_process() -> None:
    store = MemoryStore()
    first = StandInApi(("00D1", "005admin"), ["Email"])
    DescribeCache(store=store).prefetch(as_api(first), ("Lead", "Contact"))
    assert first.calls == ["composite"]
    again = StandInApi(("00D1", "005admin"), ["Email"])
    fresh = DescribeCache(store=store)  # as in a worker's next job
    assert fresh.missing(as_api(again), ("Lead", "Contact")) == []
    assert fresh.get(as_api(again), "Contact").field("Email") is not None
    assert again.calls == []
    fresh.invalidate(again.cache_key, "Contact")
    assert fresh.missing(as_api(again), ("Lead", "Contact")) == ["Contact"]


def test_owners_are_kept_per_user() -> None:
    directory = OwnerDirectory()
    one = StandInApi(("00D1", "005a"), [])
    other = StandInApi(("00D1", "005b"), [])
    assert directory.owner_id(as_api(one), "OWNER@example.org") == "005A"
    assert directory.owner_id(as_api(one), "owner@example.org") == "005A"
    assert directory.owner_id(as_api(other), "owner@example.org") == "005A"
    assert (len(one.calls), len(other.calls)) == (1, 1)
    assert "Email IN ('owner@example.org')" in one.calls[0]
