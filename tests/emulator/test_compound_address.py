"""Issue 10 point 2: compound address fields (Object Reference, "Address Compound Fields") in
describe, queries, record reads and writes, over sockets."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import V, api, error_body, wait_for_job
from simple_salesforce.exceptions import SalesforceMalformedRequest

from flask_sfsync.emulator.handle import LocalOrg

COMPOUNDS = [("Contact", "MailingAddress", "Mailing"), ("Contact", "OtherAddress", "Other"),
             ("Account", "BillingAddress", "Billing"), ("Account", "ShippingAddress", "Shipping"),
             ("Lead", "Address", ""), ("User", "Address", "")]
KEYS = ["city", "country", "countryCode", "geocodeAccuracy", "latitude", "longitude",
        "postalCode", "state", "stateCode", "street"]


@pytest.mark.parametrize(("sobject", "name", "prefix"), COMPOUNDS)
def test_describe(shared_sf: Any, sobject: str, name: str, prefix: str) -> None:
    fields = {f["name"]: f for f in getattr(shared_sf, sobject).describe()["fields"]}
    compound = fields[name]
    assert (compound["type"], compound["soapType"], compound["createable"],
            compound["updateable"], compound["nillable"]) == (
        "address", "urn:address", False, False, True)
    assert (compound["filterable"], compound["sortable"], compound["groupable"]) == (
        False, False, False)
    for part in ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude",
                 "GeocodeAccuracy"):
        assert fields[prefix + part]["compoundFieldName"] == name, part


def test_query_returns_the_address_object(shared_sf: Any) -> None:
    contact = shared_sf.Contact.create({
        "LastName": "Addressed", "MailingStreet": "1 Main St", "MailingCity": "Springfield",
        "MailingState": "IL", "MailingPostalCode": "62701", "MailingCountry": "US",
        "MailingLatitude": 39.78, "MailingLongitude": -89.65})["id"]
    record = shared_sf.query(f"SELECT MailingAddress, OtherAddress, Account.BillingAddress "
                             f"FROM Contact WHERE Id = '{contact}'")["records"][0]
    assert record["MailingAddress"] == {
        "city": "Springfield", "country": "US", "countryCode": None, "geocodeAccuracy": None,
        "latitude": 39.78, "longitude": -89.65, "postalCode": "62701", "state": "IL",
        "stateCode": None, "street": "1 Main St"}
    assert list(record["MailingAddress"]) == KEYS
    assert record["OtherAddress"] is None and record["Account"] is None


def test_parent_address_and_record_reads(shared_sf: Any) -> None:
    account = shared_sf.Account.create({"Name": "Billed", "BillingCity": "Lyon",
                                        "BillingCountry": "FR"})["id"]
    contact = shared_sf.Contact.create({"LastName": "Child", "AccountId": account})["id"]
    nested = shared_sf.query(f"SELECT Account.BillingAddress FROM Contact "
                             f"WHERE Id = '{contact}'")["records"][0]["Account"]
    assert nested["BillingAddress"]["city"] == "Lyon"
    whole = shared_sf.Account.get(account)
    assert whole["BillingAddress"]["country"] == "FR" and whole["ShippingAddress"] is None
    only = shared_sf.restful(f"sobjects/Account/{account}", params={"fields": "BillingAddress"})
    assert set(only) == {"attributes", "BillingAddress"}
    assert only["BillingAddress"]["city"] == "Lyon"
    retrieved = shared_sf.restful("composite/sobjects/Account",
                                  params={"ids": account, "fields": "Name,BillingAddress"})
    assert retrieved[0]["BillingAddress"]["city"] == "Lyon"


def test_a_compound_field_is_not_writable(shared_sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        shared_sf.Contact.create({"LastName": "W", "MailingAddress": {"city": "Nope"}})
    entry = error_body(excinfo)[0]
    assert (entry["errorCode"], entry["fields"]) == ("INVALID_FIELD_FOR_INSERT_UPDATE",
                                                     ["MailingAddress"])


@pytest.mark.parametrize("clause", ["WHERE MailingAddress = null", "ORDER BY MailingAddress"])
def test_not_filterable_or_sortable(shared_sf: Any, clause: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        shared_sf.query(f"SELECT Id FROM Contact {clause}")
    assert error_body(excinfo)[0]["errorCode"] == "INVALID_FIELD"


def test_bulk_query_refuses_compound_fields(shared_local: LocalOrg) -> None:
    # Bulk API 2.0 "Limits": query the parts instead of a compound field.
    refused = api(shared_local, "POST", f"{V}/jobs/query",
                  json={"operation": "query", "query": "SELECT MailingAddress FROM Contact"})
    assert refused.status_code == 400
    parts = api(shared_local, "POST", f"{V}/jobs/query",
                json={"operation": "query", "query": "SELECT MailingCity FROM Contact"})
    assert parts.status_code == 200
    assert wait_for_job(shared_local, parts.json()["id"], "query")["state"] == "JobComplete"
