"""The Organization object over sockets: the one record describing the org (its name, edition,
sandbox flag, instance, locale), queryable, describable and retrievable, read-only through the
API; its name set by ``LocalOrg(org_name=...)`` and ``--org-name``."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from emulator_support import V, api, error_body
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.emulator.store.org import Org

BASICS = "SELECT Id, Name, OrganizationType, IsSandbox, InstanceName FROM Organization"
COMMON = ("SELECT PrimaryContact, Country, LanguageLocaleKey, DefaultLocaleSidKey, "
          "TimeZoneSidKey, CreatedDate, SystemModstamp, CreatedBy.Name FROM Organization")
METHOD_NOT_ALLOWED = {
    "errorCode": "METHOD_NOT_ALLOWED",
    "message": "HTTP Method '{}' not allowed. Allowed are HEAD,GET",
}


def the_record(sf: Any, soql: str = BASICS) -> dict[str, Any]:
    result = sf.query(soql)
    assert result["totalSize"] == 1 and result["done"] is True
    record: dict[str, Any] = result["records"][0]
    return record


def parse_stamp(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


# --- query ---------------------------------------------------------------------------------

def test_the_basics_clients_read(shared_local: LocalOrg, shared_sf: Any) -> None:
    record = the_record(shared_sf)
    assert record["Id"] == shared_local.org_id and record["Id"].startswith("00D")
    assert (record["Name"], record["OrganizationType"], record["IsSandbox"],
            record["InstanceName"]) == ("Local Org", "Developer Edition", False, "NA1")
    assert record["attributes"] == {
        "type": "Organization", "url": f"{V}/sobjects/Organization/{shared_local.org_id}"}


def test_commonly_read_fields(shared_local: LocalOrg, shared_sf: Any) -> None:
    record = the_record(shared_sf, COMMON)
    assert record["PrimaryContact"] == shared_local.admin.name == "Admin User"
    assert (record["Country"], record["LanguageLocaleKey"], record["DefaultLocaleSidKey"],
            record["TimeZoneSidKey"]) == ("US", "en_US", "en_US", "America/Los_Angeles")
    created, modstamp = parse_stamp(record["CreatedDate"]), parse_stamp(record["SystemModstamp"])
    assert created == modstamp
    assert created == shared_local.org.created_date.replace(
        microsecond=shared_local.org.created_date.microsecond // 1000 * 1000)
    assert record["CreatedBy"]["Name"] == "Admin User"


def test_query_all_count_filters_and_fields_all(shared_local: LocalOrg, shared_sf: Any) -> None:
    assert shared_sf.query_all(BASICS)["totalSize"] == 1
    assert shared_sf.restful("queryAll", params={"q": BASICS})["totalSize"] == 1
    assert shared_sf.query("SELECT COUNT() FROM Organization")["totalSize"] == 1
    short_id = shared_local.org_id[:15]
    by_id = shared_sf.query(f"SELECT Name FROM Organization WHERE Id = '{short_id}'")
    assert [r["Name"] for r in by_id["records"]] == ["Local Org"]
    assert shared_sf.query("SELECT Id FROM Organization WHERE IsSandbox = true")["totalSize"] == 0
    everything = the_record(shared_sf, "SELECT FIELDS(ALL) FROM Organization LIMIT 1")
    assert {"Name", "OrganizationType", "IsSandbox", "InstanceName", "PrimaryContact",
            "Country", "LanguageLocaleKey", "DefaultLocaleSidKey", "TimeZoneSidKey",
            "NamespacePrefix", "Address", "LastModifiedDate"} <= set(everything)
    assert everything["Address"]["country"] == "US"
    assert everything["NamespacePrefix"] is None


def test_a_standard_user_reads_it_too(shared_local: LocalOrg) -> None:
    standard = next(u for u in shared_local.org.users if u.is_active and not u.is_admin)
    assert the_record(shared_local.salesforce(standard))["Name"] == "Local Org"


def test_composite_subrequests_read_it_and_cannot_write_it(shared_local: LocalOrg,
                                                          shared_sf: Any) -> None:
    org_id = shared_local.org_id
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "GET", "url": f"{V}/query?q=SELECT+Id,Name+FROM+Organization",
         "referenceId": "org"},
        {"method": "GET", "url": f"{V}/sobjects/Organization/@{{org.records[0].Id}}",
         "referenceId": "record"},
        {"method": "PATCH", "url": f"{V}/sobjects/Organization/{org_id}",
         "referenceId": "rename", "body": {"Name": "Nope"}},
    ]}
    found, record, rename = shared_sf.restful(
        "composite", method="POST", json=body)["compositeResponse"]
    assert found["httpStatusCode"] == 200
    assert [r["Id"] for r in found["body"]["records"]] == [org_id]
    assert (record["httpStatusCode"], record["body"]["Name"]) == (200, "Local Org")
    assert rename["httpStatusCode"] == 405
    assert rename["body"] == [{k: v.format("PATCH") for k, v in METHOD_NOT_ALLOWED.items()}]


def test_bulk_query_reads_it(shared_local: LocalOrg, shared_sf: Any) -> None:
    pages = list(shared_sf.bulk2.Organization.query("SELECT Id, Name FROM Organization"))
    lines = "".join(pages).strip().splitlines()
    assert lines == ['"Id","Name"', f'"{shared_local.org_id}","Local Org"']


# --- describe ------------------------------------------------------------------------------

def test_describe_is_read_only(shared_sf: Any) -> None:
    described = shared_sf.Organization.describe()
    assert (described["name"], described["label"], described["keyPrefix"]) == (
        "Organization", "Organization", "00D")
    assert (described["createable"], described["updateable"], described["deletable"]) == (
        False, False, False)
    assert (described["queryable"], described["retrieveable"], described["undeletable"]) == (
        True, True, False)
    fields = {f["name"]: f for f in described["fields"]}
    assert {"Id", "Name", "OrganizationType", "IsSandbox", "InstanceName", "PrimaryContact",
            "Country", "Address", "Phone", "LanguageLocaleKey", "DefaultLocaleSidKey",
            "TimeZoneSidKey", "FiscalYearStartMonth", "NamespacePrefix", "CreatedDate",
            "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"} <= set(fields)
    assert "IsDeleted" not in fields  # the org is never in the recycle bin
    assert not [n for n, f in fields.items() if f["createable"] or f["updateable"]]
    assert fields["Name"]["nameField"] is True and fields["Name"]["length"] == 80
    edition = fields["OrganizationType"]
    assert (edition["label"], edition["type"], edition["restrictedPicklist"]) == (
        "Edition", "picklist", True)
    assert {"Developer Edition", "Enterprise Edition", "Unlimited Edition"} <= {
        v["value"] for v in edition["picklistValues"]}
    assert (fields["IsSandbox"]["type"], fields["InstanceName"]["type"]) == ("boolean", "string")
    assert fields["Address"]["type"] == "address"
    assert fields["Country"]["compoundFieldName"] == "Address"


def test_listed_in_the_global_describe(shared_sf: Any) -> None:
    entry = {o["name"]: o for o in shared_sf.describe()["sobjects"]}["Organization"]
    assert (entry["keyPrefix"], entry["createable"], entry["updateable"],
            entry["deletable"]) == ("00D", False, False, False)
    info = shared_sf.Organization.metadata()
    assert info["objectDescribe"]["name"] == "Organization"


# --- retrieve ------------------------------------------------------------------------------

def test_retrieve_by_id(shared_local: LocalOrg, shared_sf: Any) -> None:
    record = shared_sf.Organization.get(shared_local.org_id)
    assert record["attributes"]["type"] == "Organization"
    assert (record["Id"], record["Name"], record["IsSandbox"]) == (
        shared_local.org_id, "Local Org", False)
    assert record["Address"]["country"] == "US"
    short = shared_sf.Organization.get(shared_local.org_id[:15])
    assert short["Id"] == shared_local.org_id


def test_retrieve_chosen_fields(shared_local: LocalOrg) -> None:
    answer = api(shared_local, "GET",
                 f"{V}/sobjects/Organization/{shared_local.org_id}?fields=Name,Address")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"attributes", "Name", "Address"}
    assert body["Address"]["country"] == "US"
    bad = api(shared_local, "GET",
              f"{V}/sobjects/Organization/{shared_local.org_id}?fields=Name,Nope")
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"


@pytest.mark.parametrize("other", ["00D8d0000000002AAA", "0018d0000000001AAA"])
def test_another_id_is_not_found(shared_local: LocalOrg, other: str) -> None:
    answer = api(shared_local, "GET", f"{V}/sobjects/Organization/{other}")
    assert answer.status_code == 404
    assert answer.json()[0]["errorCode"] == "NOT_FOUND"


# --- writes are refused ----------------------------------------------------------------------

def test_simple_salesforce_writes_are_refused(shared_local: LocalOrg, shared_sf: Any) -> None:
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("POST", lambda: shared_sf.Organization.create({"Name": "Nope"})),
        ("PATCH", lambda: shared_sf.Organization.update(shared_local.org_id, {"Name": "Nope"})),
        ("DELETE", lambda: shared_sf.Organization.delete(shared_local.org_id)),
    ]
    for method, call in calls:
        with pytest.raises(SalesforceGeneralError) as excinfo:
            call()
        assert excinfo.value.status == 405
        assert error_body(excinfo) == [
            {k: v.format(method) for k, v in METHOD_NOT_ALLOWED.items()}]
    assert the_record(shared_sf)["Name"] == "Local Org"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/sobjects/Organization"),
    ("PATCH", "/sobjects/Organization/{id}"),
    ("DELETE", "/sobjects/Organization/{id}"),
    ("PATCH", "/sobjects/Organization/Id/{id}"),
    ("DELETE", "/sobjects/Organization/Id/{id}"),
])
def test_raw_writes_answer_405(shared_local: LocalOrg, method: str, path: str) -> None:
    answer = api(shared_local, method, V + path.format(id=shared_local.org_id),
                 json={"Name": "Nope"} if method != "DELETE" else None)
    assert answer.status_code == 405
    assert answer.json() == [{k: v.format(method) for k, v in METHOD_NOT_ALLOWED.items()}]


def test_collections_writes_fail_per_record(shared_local: LocalOrg, shared_sf: Any) -> None:
    org_id = shared_local.org_id
    created = shared_sf.restful("composite/sobjects", method="POST", json={
        "allOrNone": False, "records": [{"attributes": {"type": "Organization"}, "Name": "N"}]})
    assert created[0]["success"] is False
    assert created[0]["errors"][0]["statusCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    updated = shared_sf.restful("composite/sobjects", method="PATCH", json={
        "allOrNone": False,
        "records": [{"attributes": {"type": "Organization"}, "id": org_id, "Name": "N"}]})
    assert (updated[0]["success"], updated[0]["errors"][0]["statusCode"]) == (
        False, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY")
    assert "does not support update" in updated[0]["errors"][0]["message"]
    deleted = shared_sf.restful("composite/sobjects", method="DELETE",
                                params={"ids": org_id, "allOrNone": "false"})
    assert (deleted[0]["success"], deleted[0]["errors"][0]["statusCode"]) == (
        False, "INSUFFICIENT_ACCESS_OR_READONLY")
    assert the_record(shared_sf)["Name"] == "Local Org"


@pytest.mark.parametrize("operation", ["insert", "update", "upsert", "delete"])
def test_not_a_bulk_ingest_object(shared_local: LocalOrg, operation: str) -> None:
    body = {"object": "Organization", "operation": operation, "externalIdFieldName": "Id"}
    answer = api(shared_local, "POST", f"{V}/jobs/ingest", json=body)
    assert answer.status_code == 400
    assert answer.json() == [{"errorCode": "INVALIDENTITY",
                              "message": "Entity 'Organization' is not supported by the Bulk API."}]


# --- the org's name, edition and sandbox flag ----------------------------------------------

def test_the_demo_org_is_a_company(local_demo: LocalOrg) -> None:
    sf = local_demo.salesforce()
    record = the_record(sf, "SELECT Name, OrganizationType, City, State, Country, Phone, "
                            "PrimaryContact FROM Organization")
    assert (record["Name"], record["OrganizationType"]) == ("Example Inc.", "Enterprise Edition")
    assert (record["City"], record["State"], record["Country"]) == ("San Francisco", "CA", "US")
    assert record["Phone"].startswith("+1 415 555")
    assert record["PrimaryContact"] == "Admin User"
    assert local_demo.org_name == local_demo.info()["org_name"] == "Example Inc."


def test_org_name_and_sandbox_are_configurable() -> None:
    with LocalOrg(seed="empty", org_name="  Acme Widgets  ", sandbox=True) as local:
        assert local.org_name == local.info()["org_name"] == "Acme Widgets"
        record = the_record(local.salesforce(), BASICS.replace(
            " FROM", ", CreatedDate, LastModifiedDate FROM"))
        assert (record["Name"], record["IsSandbox"], record["InstanceName"]) == (
            "Acme Widgets", True, "CS1")
        # Developer Edition orgs have no sandboxes: a sandbox is a copy of a production org.
        assert record["OrganizationType"] == "Enterprise Edition"
        assert record["CreatedDate"] == record["LastModifiedDate"]  # named, never renamed


def test_org_name_before_start_follows_the_seed() -> None:
    assert LocalOrg().org_name == "Local Org"
    assert LocalOrg(seed="demo").org_name == "Example Inc."
    assert LocalOrg(seed="demo", org_name="Mine").org_name == "Mine"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 81])
def test_org_name_is_checked(bad: str) -> None:
    with pytest.raises(ValueError, match="org's name"):
        LocalOrg(org_name=bad)


def test_renaming_a_running_org_stamps_the_record(local: LocalOrg, sf: Salesforce) -> None:
    before = the_record(sf, "SELECT Name, CreatedDate, SystemModstamp FROM Organization")
    local.org_name = "Renamed Co"
    after = the_record(sf, "SELECT Name, CreatedDate, LastModifiedDate, SystemModstamp "
                           "FROM Organization")
    assert (after["Name"], local.org_name, local.info()["org_name"]) == ("Renamed Co",) * 3
    assert after["CreatedDate"] == before["CreatedDate"]
    assert parse_stamp(after["SystemModstamp"]) >= parse_stamp(before["SystemModstamp"])
    assert after["LastModifiedDate"] == after["SystemModstamp"]
    with pytest.raises(ValueError):
        local.org_name = ""
    assert local.org_name == "Renamed Co"


def test_a_data_file_keeps_the_name(tmp_path: Path) -> None:
    data = tmp_path / "org.sfdata"
    with LocalOrg(seed="demo", data_file=data, org_name="Saved Co"):
        pass
    with LocalOrg(data_file=data) as again:  # seed "empty" is ignored: the file exists
        assert again.org_name == "Saved Co"
        assert the_record(again.salesforce())["Name"] == "Saved Co"
    with LocalOrg(data_file=data, org_name="Renamed On Start") as renamed:
        record = the_record(renamed.salesforce(), "SELECT Name, CreatedDate, LastModifiedDate "
                                                  "FROM Organization")
        assert record["Name"] == "Renamed On Start"
        assert parse_stamp(record["LastModifiedDate"]) > parse_stamp(record["CreatedDate"])


def test_a_data_file_from_before_the_object_loads(tmp_path: Path) -> None:
    old = Org()
    del old.__dict__["company"]
    del old.schema["organization"], old.tables["organization"]
    data = tmp_path / "old.sfdata"
    old.save(data)
    with LocalOrg(data_file=data) as local:
        assert local.org_name == "Local Org"
        record = the_record(local.salesforce())
        assert (record["Id"], record["Name"]) == (local.org_id, "Local Org")


# --- the command line ------------------------------------------------------------------------

def run_cli(*args: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Start the CLI, read its first line and the Organization record, stop it: (info, record,
    stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flask_sfsync.emulator", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "no output"
        info = json.loads(line)
        token = requests.post(info["login_url"] + "/_emulator/token", json={}, timeout=30)
        session = requests.Session()
        session.verify = info["ca_bundle"]
        session.trust_env = False
        sf = Salesforce(instance_url=info["instance_url"],
                        session_id=token.json()["access_token"], session=session)
        record = the_record(sf)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0
        return info, record, stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def test_cli_org_name() -> None:
    info, record, stderr = run_cli("--seed", "demo", "--org-name", "Acme Widgets")
    assert info["org_name"] == record["Name"] == "Acme Widgets"
    assert record["OrganizationType"] == "Enterprise Edition"
    assert 'Local Salesforce org "Acme Widgets": login ' in stderr


def test_cli_default_name_and_bad_name() -> None:
    info, record, _ = run_cli()
    assert info["org_name"] == record["Name"] == "Local Org"
    bad = subprocess.run([sys.executable, "-m", "flask_sfsync.emulator", "--org-name", " "],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "error: the org's name must be a non-empty string" in bad.stderr
