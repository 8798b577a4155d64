"""A small in-memory QuerySource over the emulator's real schema, for the SOQL tests.

It keeps rows as plain dicts, which is all the QuerySource protocol promises; the store's Org
is exercised separately in test_soql_store.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.catalog import standard_objects
from flask_sfsync.emulator.schema.ids import make_id
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.soql.engine import QueryResult, execute

NOW = dt.datetime(2024, 5, 15, 12, 0, 0, tzinfo=dt.UTC)    # a Wednesday


class FakeOrg:
    def __init__(self) -> None:
        self.objects = {obj.name.lower(): obj for obj in standard_objects()}
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.objects}
        self.by_id: dict[str, tuple[str, dict[str, Any]]] = {}
        self.sequence = 0

    def add(self, sobject: str, **values: Any) -> str:
        obj = self.objects[sobject.lower()]
        self.sequence += 1
        record_id = make_id(obj.key_prefix, self.sequence)
        row: dict[str, Any] = {f.name: None for f in obj.fields.values()}
        row.update({"Id": record_id, "IsDeleted": False, "CreatedDate": NOW})
        row.update(values)
        if obj.field("LastName") and obj.field("Name") and "Name" not in values:
            row["Name"] = " ".join(p for p in (row.get("FirstName"), row["LastName"]) if p)
        self.rows[obj.name.lower()].append(row)
        self.by_id[record_id] = (obj.name, row)
        return record_id

    # --- QuerySource ------------------------------------------------------------------

    def object_info(self, name: str) -> ObjectDef | None:
        return self.objects.get(name.lower())

    def scan(self, sobject: str, include_deleted: bool) -> Iterator[Mapping[str, Any]]:
        for row in self.rows[sobject.lower()]:
            if include_deleted or not row["IsDeleted"]:
                yield row

    def get_record(self, record_id: str) -> tuple[str, Mapping[str, Any]] | None:
        return self.by_id.get(record_id)


def run(org: FakeOrg, soql: str, **kwargs: Any) -> QueryResult:
    kwargs.setdefault("now", NOW)
    return execute(org, soql, **kwargs)


def records(org: FakeOrg, soql: str, **kwargs: Any) -> list[dict[str, Any]]:
    result = run(org, soql, **kwargs)
    return result.records(0, result.total_size)


def error(org: FakeOrg, soql: str, **kwargs: Any) -> SalesforceApiError:
    with pytest.raises(SalesforceApiError) as caught:
        run(org, soql, **kwargs)
    return caught.value


def build_org() -> FakeOrg:
    """Two accounts, four contacts (one without account, one deleted), a lead, a user, tasks."""
    fake = FakeOrg()
    user = fake.add("User", FirstName="Ada", LastName="Admin", Email="ada@example.com",
                    Username="ada@example.com", Alias="ada", IsActive=True)
    acme = fake.add("Account", Name="Acme", Industry="Banking", NumberOfEmployees=50,
                    OwnerId=user, AnnualRevenue=1_000_000.0)
    globex = fake.add("Account", Name="Globex", Industry="Energy", NumberOfEmployees=5,
                      OwnerId=user)
    fake.add("Contact", FirstName="Alice", LastName="Smith", Email="alice@acme.com",
             AccountId=acme, OwnerId=user, Birthdate=dt.date(1990, 1, 31),
             LeadSource="Web", CreatedDate=dt.datetime(2024, 5, 15, 9, 0, tzinfo=dt.UTC))
    fake.add("Contact", FirstName="bob", LastName="jones", Email="Bob@Globex.com",
             AccountId=globex, OwnerId=user, LeadSource="Other",
             CreatedDate=dt.datetime(2024, 5, 14, 23, 59, tzinfo=dt.UTC))
    fake.add("Contact", FirstName=None, LastName="O'Brien", Email=None, OwnerId=user,
             LeadSource="Phone Inquiry",
             CreatedDate=dt.datetime(2024, 1, 10, 8, 0, tzinfo=dt.UTC))
    fake.add("Contact", FirstName="Dan", LastName="Deleted", Email="dan@acme.com",
             AccountId=acme, OwnerId=user, IsDeleted=True)
    lead = fake.add("Lead", FirstName="Lee", LastName="Lead", Company="Initech",
                    Email="lee@initech.com", OwnerId=user)
    alice = fake.rows["contact"][0]["Id"]
    fake.add("Task", Subject="Call", WhoId=alice, WhatId=acme, OwnerId=user)
    fake.add("Task", Subject="Email", WhoId=lead, OwnerId=user)
    fake.add("Task", Subject="Other", OwnerId=user)
    return fake


def test_fake_org_holds_the_fixture() -> None:
    org = build_org()
    assert len(org.rows["contact"]) == 4
    assert org.object_info("CONTACT") is org.objects["contact"]
