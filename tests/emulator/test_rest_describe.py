"""Issue 2 point 4, describe: global and per-object describe over sockets, with the field
properties Salesforce documents for the seven objects integrations use."""

from __future__ import annotations

from typing import Any

import pytest

OBJECTS = {"Contact": "003", "Lead": "00Q", "Account": "001", "Opportunity": "006",
           "Task": "00T", "Event": "00U", "User": "005"}
FIELD_KEYS = {"name", "type", "length", "nillable", "createable", "updateable", "externalId",
              "idLookup", "picklistValues", "restrictedPicklist", "referenceTo", "custom",
              "label", "unique", "defaultedOnCreate", "relationshipName", "calculated",
              "precision", "scale", "soapType", "filterable", "sortable"}


def fields_of(sf: Any, sobject: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in getattr(sf, sobject).describe()["fields"]}


def test_global_describe_lists_the_objects(shared_sf: Any) -> None:
    described = shared_sf.describe()
    entries = {o["name"]: o for o in described["sobjects"]}
    assert described["encoding"] == "UTF-8" and described["maxBatchSize"] == 200
    for name, prefix in OBJECTS.items():
        assert entries[name]["keyPrefix"] == prefix
        assert entries[name]["urls"]["sobject"] == f"/services/data/v60.0/sobjects/{name}"


@pytest.mark.parametrize("sobject", sorted(OBJECTS))
def test_every_field_has_salesforce_properties(shared_sf: Any, sobject: str) -> None:
    described = getattr(shared_sf, sobject).describe()
    assert described["name"] == sobject and described["keyPrefix"] == OBJECTS[sobject]
    assert described["custom"] is False
    for fdef in described["fields"]:
        assert set(fdef) >= FIELD_KEYS, fdef["name"]
    ids = [f for f in described["fields"] if f["name"] == "Id"]
    assert ids[0]["type"] == "id" and ids[0]["idLookup"] is True
    assert ids[0]["createable"] is False and ids[0]["nillable"] is False


@pytest.mark.parametrize(
    ("sobject", "field", "expected"),
    [
        ("Contact", "LastName", {"type": "string", "length": 80, "nillable": False}),
        ("Contact", "Email", {"type": "email", "length": 80, "idLookup": True}),
        ("Contact", "Name", {"type": "string", "createable": False, "updateable": False}),
        ("Contact", "AccountId", {"type": "reference", "referenceTo": ["Account"],
                                  "relationshipName": "Account"}),
        ("Lead", "Company", {"type": "string", "length": 255, "nillable": False}),
        ("Lead", "OwnerId", {"referenceTo": ["Group", "User"]}),
        ("Account", "Name", {"type": "string", "length": 255, "nillable": False}),
        ("Opportunity", "CloseDate", {"type": "date", "nillable": False}),
        ("Task", "WhoId", {"referenceTo": ["Contact", "Lead"]}),
        ("Task", "AccountId", {"createable": False, "updateable": False}),
        ("Event", "ShowAs", {"type": "picklist", "restrictedPicklist": True}),
        ("User", "Username", {"type": "string", "unique": True, "idLookup": True}),
        ("Contact", "IsDeleted", {"type": "boolean", "nillable": False,
                                  "defaultedOnCreate": True}),
    ],
)
def test_field_properties(shared_sf: Any, sobject: str, field: str,
                          expected: dict[str, Any]) -> None:
    fdef = fields_of(shared_sf, sobject)[field]
    assert {key: fdef[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("sobject", "field", "default"),
    [("Lead", "Status", "Open - Not Contacted"), ("Task", "Status", "Not Started"),
     ("Task", "Priority", "Normal")],
)
def test_picklists_carry_their_default(shared_sf: Any, sobject: str, field: str,
                                       default: str) -> None:
    fdef = fields_of(shared_sf, sobject)[field]
    defaults = [v["value"] for v in fdef["picklistValues"] if v["defaultValue"]]
    assert defaults == [default]
    assert all({"active", "label", "value", "validFor"} <= set(v) for v in fdef["picklistValues"])
    record = {"Lead": {"LastName": "Picky", "Company": "P"}, "Task": {"Subject": "Call"}}[sobject]
    created = getattr(shared_sf, sobject).create(record)["id"]
    assert getattr(shared_sf, sobject).get(created)[field] == default


def test_describe_is_case_insensitive(shared_sf: Any) -> None:
    lower = shared_sf.restful("sobjects/contact/describe")
    assert lower["name"] == "Contact"
