"""Issue 10 point 2: describe honours If-Modified-Since (REST API, "Get Object Metadata
Changes"): 304 with no body while the object's metadata is unchanged; a custom field created
through the Tooling API changes it."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from typing import Any

import pytest
from emulator_support import V, api
from simple_salesforce.exceptions import SalesforceGeneralError

from flask_sfsync.emulator.handle import LocalOrg


def http_date(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(dt.UTC), usegmt=True)


def since(local: LocalOrg, path: str, when: str, header: str = "If-Modified-Since") -> Any:
    return api(local, "GET", f"{V}/{path}", headers={header: when})


def test_unchanged_describe_is_304(local: LocalOrg, sf: Any) -> None:
    first = api(local, "GET", f"{V}/sobjects/Contact/describe")
    stamp = first.headers["Last-Modified"]
    again = since(local, "sobjects/Contact/describe", stamp)
    assert (again.status_code, again.content) == (304, b"")
    earlier = http_date(local.org.created_date - dt.timedelta(days=1))
    assert since(local, "sobjects/Contact/describe", earlier).json()["name"] == "Contact"
    # The format of the documentation's example, with a US zone name.
    assert since(local, "sobjects/Contact/describe", "Wed, 3 Jul 2013 19:43:31 GMT"
                 ).status_code == 200
    with pytest.raises(SalesforceGeneralError) as excinfo:
        sf.Contact.describe(headers={"If-Modified-Since": stamp})
    assert excinfo.value.status == 304


def test_a_custom_field_changes_the_metadata(local: LocalOrg, sf: Any) -> None:
    stamp = api(local, "GET", f"{V}/sobjects/Contact/describe").headers["Last-Modified"]
    global_stamp = api(local, "GET", f"{V}/sobjects").headers["Last-Modified"]
    assert since(local, "sobjects", global_stamp).status_code == 304
    later = local.org.created_date + dt.timedelta(minutes=5)
    local.org.clock = lambda: later
    sf.toolingexecute("sobjects/CustomField", method="POST", data={
        "FullName": "Contact.Loyalty__c", "Metadata": {"label": "Loyalty", "type": "Text",
                                                         "length": 20}})
    changed = since(local, "sobjects/Contact/describe", stamp)
    assert changed.status_code == 200
    assert "Loyalty__c" in {f["name"] for f in changed.json()["fields"]}
    assert changed.headers["Last-Modified"] == http_date(later)
    assert since(local, "sobjects/Contact/describe", http_date(later)).status_code == 304
    # Other objects did not change; the global describe did.
    assert since(local, "sobjects/Account/describe", stamp).status_code == 304
    assert since(local, "sobjects", global_stamp).status_code == 200


def test_if_unmodified_since(local: LocalOrg, sf: Any) -> None:
    stamp = api(local, "GET", f"{V}/sobjects/Lead/describe").headers["Last-Modified"]
    assert since(local, "sobjects/Lead/describe", stamp, "If-Unmodified-Since").status_code == 200
    before = http_date(local.org.created_date - dt.timedelta(hours=1))
    assert since(local, "sobjects/Lead/describe", before, "If-Unmodified-Since"
                 ).status_code == 412


def test_a_bad_date_is_ignored(local: LocalOrg) -> None:
    assert since(local, "sobjects/Contact/describe", "yesterday").status_code == 200
