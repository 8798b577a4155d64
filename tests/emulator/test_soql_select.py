"""SELECT lists and results: REST records, relationships, ORDER BY, paging, COUNT, CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from test_soql_fixtures import FakeOrg, build_org, error, records, run


@pytest.fixture
def org() -> FakeOrg:
    return build_org()


def test_rest_record_shape(org: FakeOrg) -> None:
    alice = org.rows["contact"][0]
    rows = records(org, "SELECT Id, LastName, Email FROM Contact WHERE LastName = 'Smith'")
    assert rows == [{
        "attributes": {"type": "Contact",
                       "url": f"/services/data/v60.0/sobjects/Contact/{alice['Id']}"},
        "Id": alice["Id"], "LastName": "Smith", "Email": "alice@acme.com",
    }]


def test_api_version_in_urls(org: FakeOrg) -> None:
    rows = records(org, "SELECT Account.Name FROM Contact WHERE LastName = 'Smith'",
                   api_version="58.0")
    assert rows[0]["attributes"]["url"].startswith("/services/data/v58.0/sobjects/Contact/")
    assert rows[0]["Account"]["attributes"]["url"].startswith(
        "/services/data/v58.0/sobjects/Account/")


def test_fields_come_in_select_order_with_canonical_names(org: FakeOrg) -> None:
    rows = records(org, "SELECT email, ACCOUNT.name, firstname, account.industry, id "
                        "FROM contact WHERE lastname = 'smith'")
    assert list(rows[0]) == ["attributes", "Email", "Account", "FirstName", "Id"]
    assert list(rows[0]["Account"]) == ["attributes", "Name", "Industry"]
    assert run(org, "select id from contact").sobject == "Contact"


def test_values_are_json_ready(org: FakeOrg) -> None:
    rows = records(org, "SELECT Birthdate, CreatedDate, DoNotCall FROM Contact "
                        "WHERE LastName = 'Smith'")
    assert rows[0]["Birthdate"] == "1990-01-31"
    assert rows[0]["CreatedDate"] == "2024-05-15T09:00:00.000+0000"
    assert rows[0]["DoNotCall"] is None
    accounts = records(org, "SELECT NumberOfEmployees, AnnualRevenue FROM Account "
                            "WHERE Name = 'Acme'")
    assert accounts[0]["NumberOfEmployees"] == 50
    assert accounts[0]["AnnualRevenue"] == 1_000_000.0


def test_parent_relationship_null_when_no_parent(org: FakeOrg) -> None:
    rows = records(org, "SELECT LastName, Account.Name FROM Contact ORDER BY LastName")
    assert [r["Account"] and r["Account"]["Name"] for r in rows] == ["Globex", None, "Acme"]
    acme = org.rows["account"][0]["Id"]
    assert rows[2]["Account"]["attributes"] == {
        "type": "Account", "url": f"/services/data/v60.0/sobjects/Account/{acme}"}


def test_two_level_relationship(org: FakeOrg) -> None:
    rows = records(org, "SELECT Account.Owner.Email, Owner.Name FROM Contact "
                        "WHERE LastName = 'Smith'")
    assert rows[0]["Account"]["Owner"]["Email"] == "ada@example.com"
    assert rows[0]["Account"]["Owner"]["attributes"]["type"] == "User"
    assert rows[0]["Owner"]["Name"] == "Ada Admin"


def test_polymorphic_who_and_what(org: FakeOrg) -> None:
    rows = records(org, "SELECT Subject, Who.Name, Who.Email, Who.Type, What.Name "
                        "FROM Task ORDER BY Subject")
    call, email, other = rows
    alice = org.rows["contact"][0]["Id"]
    assert call["Who"] == {
        "attributes": {"type": "Name", "url": f"/services/data/v60.0/sobjects/Contact/{alice}"},
        "Name": "Alice Smith", "Email": "alice@acme.com", "Type": "Contact",
    }
    assert call["What"]["Name"] == "Acme"
    assert email["Who"]["Type"] == "Lead"
    assert email["Who"]["attributes"]["url"].split("/")[-2] == "Lead"
    assert email["What"] is None and other["Who"] is None


def test_polymorphic_relationship_only_reaches_name_fields(org: FakeOrg) -> None:
    err = error(org, "SELECT Who.Birthdate FROM Task")
    assert err.error_code == "INVALID_FIELD"
    assert "No such column 'Birthdate' on entity 'Name'" in err.message
    err = error(org, "SELECT Who.Account.Name FROM Task")
    assert "Didn't understand relationship 'Account' in field path" in err.message


# --- errors ---------------------------------------------------------------------------------

def test_unknown_field(org: FakeOrg) -> None:
    err = error(org, "SELECT Id, Foo FROM Contact")
    assert err.error_code == "INVALID_FIELD"
    assert err.message == (
        "\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Foo' on entity 'Contact'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names."
    )


def test_unknown_field_in_where_and_order_by(org: FakeOrg) -> None:
    assert "No such column 'Bar'" in error(org, "SELECT Id FROM Contact WHERE Bar = 1").message
    assert "No such column 'Bar'" in error(org, "SELECT Id FROM Contact ORDER BY Bar").message


def test_unknown_relationship(org: FakeOrg) -> None:
    err = error(org, "SELECT Acount.Name FROM Contact")
    assert err.error_code == "INVALID_FIELD"
    assert err.message.endswith(
        "Didn't understand relationship 'Acount' in field path. If you are attempting to use "
        "a custom relationship, be sure to append the '__r' after the custom relationship "
        "name. Please reference your WSDL or the describe call for the appropriate names.")


def test_unknown_field_on_parent(org: FakeOrg) -> None:
    err = error(org, "SELECT Account.Nmae FROM Contact")
    assert "No such column 'Nmae' on entity 'Account'" in err.message


def test_unknown_object(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Foo")
    assert err.error_code == "INVALID_TYPE"
    assert err.message == (
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\n"
        "sObject type 'Foo' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names."
    )


def test_duplicate_field(org: FakeOrg) -> None:
    err = error(org, "SELECT Id, LastName, id FROM Contact")
    assert (err.error_code, err.message) == ("INVALID_FIELD", "duplicate field selected: Id")


def test_long_text_area_cannot_be_sorted(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact ORDER BY Description")
    assert err.message.endswith("field 'Description' can not be sorted in a query call")


# --- ORDER BY, LIMIT, OFFSET ----------------------------------------------------------------

def names(org: FakeOrg, order: str, **kwargs: object) -> list[str | None]:
    rows = records(org, f"SELECT FirstName FROM Contact ORDER BY {order}", **kwargs)
    return [row["FirstName"] for row in rows]


def test_order_is_case_insensitive_with_nulls_first_ascending(org: FakeOrg) -> None:
    assert names(org, "FirstName") == [None, "Alice", "bob"]
    assert names(org, "FirstName ASC") == [None, "Alice", "bob"]


def test_descending_puts_nulls_last(org: FakeOrg) -> None:
    assert names(org, "FirstName DESC") == ["bob", "Alice", None]


def test_explicit_nulls_placement(org: FakeOrg) -> None:
    assert names(org, "FirstName NULLS LAST") == ["Alice", "bob", None]
    assert names(org, "FirstName DESC NULLS FIRST") == [None, "bob", "Alice"]


def test_several_sort_keys(org: FakeOrg) -> None:
    org.add("Contact", FirstName="Zed", LastName="Smith", LeadSource="Web")
    rows = records(org, "SELECT FirstName, LastName FROM Contact "
                        "ORDER BY LastName DESC, FirstName ASC")
    assert [(r["LastName"], r["FirstName"]) for r in rows] == [
        ("Smith", "Alice"), ("Smith", "Zed"), ("O'Brien", None), ("jones", "bob")]


def test_picklists_sort_in_their_defined_order(org: FakeOrg) -> None:
    rows = records(org, "SELECT LeadSource FROM Contact ORDER BY LeadSource")
    # LEAD_SOURCES order: Web, Phone Inquiry, Partner Referral, Purchased List, Other.
    assert [r["LeadSource"] for r in rows] == ["Web", "Phone Inquiry", "Other"]


def test_order_by_parent_field_and_dates(org: FakeOrg) -> None:
    rows = records(org, "SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST")
    assert [r["LastName"] for r in rows] == ["jones", "Smith", "O'Brien"]
    rows = records(org, "SELECT LastName FROM Contact ORDER BY CreatedDate")
    assert [r["LastName"] for r in rows] == ["O'Brien", "jones", "Smith"]


def test_limit_and_offset(org: FakeOrg) -> None:
    assert names(org, "LastName LIMIT 2") == ["bob", None]
    assert names(org, "LastName LIMIT 2 OFFSET 1") == [None, "Alice"]
    assert names(org, "LastName OFFSET 5") == []
    assert run(org, "SELECT Id FROM Contact LIMIT 0").total_size == 0


def test_records_pages(org: FakeOrg) -> None:
    result = run(org, "SELECT LastName FROM Contact ORDER BY LastName")
    assert result.total_size == 3
    assert [r["LastName"] for r in result.records(0, 2)] == ["jones", "O'Brien"]
    assert [r["LastName"] for r in result.records(2, 2)] == ["Smith"]
    assert result.records(3, 2) == []


def test_results_are_unordered_insertion_order_without_order_by(org: FakeOrg) -> None:
    rows = records(org, "SELECT LastName FROM Contact")
    assert [r["LastName"] for r in rows] == ["Smith", "jones", "O'Brien"]


# --- COUNT ----------------------------------------------------------------------------------

def test_count(org: FakeOrg) -> None:
    result = run(org, "SELECT COUNT() FROM Contact")
    assert (result.is_count, result.total_size, result.records(0, 2000)) == (True, 3, [])
    assert run(org, "SELECT count() FROM Contact WHERE Email != null").total_size == 2
    assert run(org, "SELECT COUNT() FROM Contact", include_deleted=True).total_size == 4
    assert run(org, "SELECT COUNT() FROM Contact LIMIT 1").total_size == 1


def test_count_must_stand_alone(org: FakeOrg) -> None:
    assert error(org, "SELECT COUNT(), Id FROM Contact").error_code == "MALFORMED_QUERY"


def test_count_of_a_field_is_an_aggregate_result(org: FakeOrg) -> None:
    result = run(org, "SELECT COUNT(Id), COUNT(Email) emails FROM Contact")
    assert not result.is_count and result.total_size == 1
    assert result.records(0, 10) == [
        {"attributes": {"type": "AggregateResult"}, "expr0": 3, "emails": 2}]
    assert result.columns == ["expr0", "emails"]
    assert result.rows(0, 10) == [["3", "2"]]
    limited = run(org, "SELECT COUNT(Id) FROM Contact LIMIT 1")
    assert limited.records(0, 10)[0]["expr0"] == 3


def test_aggregate_with_plain_field_needs_group_by(org: FakeOrg) -> None:
    err = error(org, "SELECT LastName, COUNT(Id) FROM Contact")
    assert err.message.endswith("Field must be grouped or aggregated: LastName")


# --- CSV ------------------------------------------------------------------------------------

def test_csv_columns_and_rows(org: FakeOrg) -> None:
    result = run(org, "SELECT Id, LastName, Account.Name, Birthdate, CreatedDate, DoNotCall "
                      "FROM Contact ORDER BY LastName")
    assert result.columns == ["Id", "LastName", "Account.Name", "Birthdate", "CreatedDate",
                              "DoNotCall"]
    rows = result.rows(0, 10)
    alice = org.rows["contact"][0]["Id"]
    assert rows[2] == [alice, "Smith", "Acme", "1990-01-31", "2024-05-15T09:00:00.000Z", ""]
    assert rows[1][2] == "" and rows[1][3] == ""
    assert result.rows(1, 1) == [rows[1]]


def test_csv_polymorphic_columns(org: FakeOrg) -> None:
    result = run(org, "SELECT Subject, Who.Type, who.name FROM Task ORDER BY Subject")
    assert result.columns == ["Subject", "Who.Type", "Who.Name"]
    assert result.rows(0, 3) == [["Call", "Contact", "Alice Smith"], ["Email", "Lead", "Lee Lead"],
                                 ["Other", "", ""]]


def test_dates_in_results_use_utc(org: FakeOrg) -> None:
    org.add("Contact", LastName="Zoned",
            CreatedDate=dt.datetime(2024, 5, 15, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    rows = records(org, "SELECT CreatedDate FROM Contact WHERE LastName = 'Zoned'")
    assert rows[0]["CreatedDate"] == "2024-05-15T21:30:00.000+0000"
