"""WHERE: each operator with Salesforce's semantics, dates, Ids, and type errors."""

from __future__ import annotations

import datetime as dt

import pytest
from test_soql_fixtures import NOW, FakeOrg, build_org, error, records


@pytest.fixture
def org() -> FakeOrg:
    return build_org()


def last_names(org: FakeOrg, where: str, **kwargs: object) -> list[str]:
    rows = records(org, f"SELECT LastName FROM Contact WHERE {where} ORDER BY LastName",
                   **kwargs)
    return [row["LastName"] for row in rows]


# --- text -----------------------------------------------------------------------------------

def test_equality_ignores_case(org: FakeOrg) -> None:
    assert last_names(org, "Email = 'BOB@globex.COM'") == ["jones"]
    assert last_names(org, "LastName = 'SMITH'") == ["Smith"]


def test_not_equal_includes_nulls(org: FakeOrg) -> None:
    assert last_names(org, "Email != 'alice@acme.com'") == ["jones", "O'Brien"]
    assert last_names(org, "Email <> 'alice@acme.com'") == ["jones", "O'Brien"]


def test_null_comparisons(org: FakeOrg) -> None:
    assert last_names(org, "Email = null") == ["O'Brien"]
    assert last_names(org, "Email != NULL") == ["jones", "Smith"]
    assert last_names(org, "AccountId = null") == ["O'Brien"]


def test_empty_string_means_null(org: FakeOrg) -> None:
    assert last_names(org, "Email = ''") == ["O'Brien"]
    assert last_names(org, "Email != ''") == ["jones", "Smith"]
    assert last_names(org, "Email IN ('', 'alice@acme.com')") == ["O'Brien", "Smith"]
    assert last_names(org, "AccountId = ''") == ["O'Brien"]


def test_string_ordering_operators(org: FakeOrg) -> None:
    assert last_names(org, "LastName > 'k'") == ["O'Brien", "Smith"]
    assert last_names(org, "LastName <= 'JONES'") == ["jones"]
    assert last_names(org, "LastName < 'a'") == []


@pytest.mark.parametrize(("pattern", "expected"), [
    ("'%acme.com'", ["Smith"]),
    ("'%ACME%'", ["Smith"]),
    ("'bob@_lobex.com'", ["jones"]),
    ("'%'", ["jones", "Smith"]),
    ("'alice'", []),
])
def test_like(org: FakeOrg, pattern: str, expected: list[str]) -> None:
    assert last_names(org, f"Email LIKE {pattern}") == expected


def test_like_escaped_wildcards(org: FakeOrg) -> None:
    org.add("Contact", LastName="Under_score")
    org.add("Contact", LastName="Underxscore")
    org.add("Contact", LastName="100%")
    assert last_names(org, r"LastName LIKE 'Under\_score'") == ["Under_score"]
    # Sorted on upper case as Salesforce does: "X" comes before "_".
    assert last_names(org, "LastName LIKE 'Under_score'") == ["Underxscore", "Under_score"]
    assert last_names(org, r"LastName LIKE '%\%'") == ["100%"]


def test_like_on_a_number_field_is_rejected(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Account WHERE NumberOfEmployees LIKE '5%'")
    assert err.error_code == "INVALID_FIELD"


def test_in_and_not_in(org: FakeOrg) -> None:
    assert last_names(org, "LeadSource IN ('web', 'Other')") == ["jones", "Smith"]
    assert last_names(org, "LeadSource NOT IN ('Web')") == ["jones", "O'Brien"]
    assert last_names(org, "Email NOT IN ('alice@acme.com')") == ["jones", "O'Brien"]
    assert last_names(org, "Email IN (null, 'alice@acme.com')") == ["O'Brien", "Smith"]
    assert last_names(org, "Email NOT IN (null)") == ["jones", "Smith"]


def test_and_or_not_and_parentheses(org: FakeOrg) -> None:
    assert last_names(org, "LeadSource = 'Web' OR LeadSource = 'Other'") == ["jones", "Smith"]
    assert last_names(org, "Email != null AND LeadSource = 'Other'") == ["jones"]
    assert last_names(org, "NOT LeadSource = 'Web'") == ["jones", "O'Brien"]
    assert last_names(org, "NOT (LeadSource = 'Web' OR Email = null)") == ["jones"]
    assert last_names(
        org, "(LeadSource = 'Web' AND Email LIKE '%acme%') OR (LastName = 'jones')"
    ) == ["jones", "Smith"]


def test_relationship_field_in_where(org: FakeOrg) -> None:
    assert last_names(org, "Account.Name = 'acme'") == ["Smith"]
    assert last_names(org, "Account.Industry != 'Banking'") == ["jones", "O'Brien"]
    assert last_names(org, "Owner.Email = 'ada@example.com'") == ["jones", "O'Brien", "Smith"]


def test_polymorphic_type_in_where(org: FakeOrg) -> None:
    rows = records(org, "SELECT Subject FROM Task WHERE Who.Type = 'Lead'")
    assert [row["Subject"] for row in rows] == ["Email"]
    rows = records(org, "SELECT Subject FROM Task WHERE What.Name = 'Acme'")
    assert [row["Subject"] for row in rows] == ["Call"]


# --- numbers and booleans -------------------------------------------------------------------

def test_numbers(org: FakeOrg) -> None:
    def names(where: str) -> list[str]:
        rows = records(org, f"SELECT Name FROM Account WHERE {where} ORDER BY Name")
        return [row["Name"] for row in rows]

    assert names("NumberOfEmployees > 10") == ["Acme"]
    assert names("NumberOfEmployees >= 5") == ["Acme", "Globex"]
    assert names("NumberOfEmployees = 5.0") == ["Globex"]
    assert names("AnnualRevenue < 2e6".replace("2e6", "2000000.50")) == ["Acme"]
    assert names("NumberOfEmployees IN (1, 50)") == ["Acme"]
    assert names("AnnualRevenue = null") == ["Globex"]
    assert names("NumberOfEmployees > -1") == ["Acme", "Globex"]


def test_booleans(org: FakeOrg) -> None:
    org.add("Contact", LastName="Quiet", DoNotCall=True)
    assert last_names(org, "DoNotCall = TRUE") == ["Quiet"]
    assert "Quiet" not in last_names(org, "DoNotCall = false")
    # Salesforce treats null as false on a checkbox.
    assert last_names(org, "DoNotCall != null") == ["Quiet"]
    assert "Quiet" not in last_names(org, "DoNotCall = null")
    assert len(last_names(org, "DoNotCall = null")) == 3


# --- type mismatches ------------------------------------------------------------------------

@pytest.mark.parametrize(("where", "message"), [
    ("Birthdate = '2024-01-01'",
     "value of filter criterion for field 'Birthdate' must be of type date and should not be "
     "enclosed in quotes"),
    ("CreatedDate > 2024-01-01",
     "value of filter criterion for field 'CreatedDate' must be of type dateTime and should "
     "not be enclosed in quotes"),
    ("Birthdate > 2024-01-01T00:00:00Z",
     "value of filter criterion for field 'Birthdate' must be of type date and should not be "
     "enclosed in quotes"),
    ("LastName = 5",
     "value of filter criterion for field 'LastName' must be of type string and should be "
     "enclosed in quotes"),
    ("DoNotCall = 'true'",
     "value of filter criterion for field 'DoNotCall' must be of type boolean and should not "
     "be enclosed in quotes"),
    ("Account.NumberOfEmployees = '5'",
     "value of filter criterion for field 'Account.NumberOfEmployees' must be of type integer "
     "and should not be enclosed in quotes"),
    ("LastName = TODAY",
     "value of filter criterion for field 'LastName' must be of type string and should be "
     "enclosed in quotes"),
])
def test_type_mismatch(org: FakeOrg, where: str, message: str) -> None:
    err = error(org, f"SELECT Id FROM Contact WHERE {where}")
    assert err.error_code == "INVALID_FIELD"
    assert err.message.endswith("\n" + message)
    assert "ERROR at Row:1:Column:30" in err.message


def test_long_text_area_cannot_be_filtered(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE Description = 'x'")
    assert err.error_code == "INVALID_FIELD"
    assert err.message.endswith("field 'Description' can not be filtered in a query call")


# --- Ids ------------------------------------------------------------------------------------

def test_ids_match_in_15_and_18_characters(org: FakeOrg) -> None:
    alice = org.rows["contact"][0]["Id"]
    assert last_names(org, f"Id = '{alice}'") == ["Smith"]
    assert last_names(org, f"Id = '{alice[:15]}'") == ["Smith"]
    assert last_names(org, f"Id = '{alice.lower()}'") == ["Smith"]
    assert last_names(org, f"Id IN ('{alice[:15]}')") == ["Smith"]
    assert last_names(org, f"Id != '{alice}'") == ["jones", "O'Brien"]


def test_reference_fields_match_15_characters(org: FakeOrg) -> None:
    acme = org.rows["account"][0]["Id"]
    assert last_names(org, f"AccountId = '{acme[:15]}'") == ["Smith"]
    assert last_names(org, f"AccountId IN ('{acme}', null)") == ["O'Brien", "Smith"]


def test_malformed_id_literal(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE Id = '123'")
    assert err.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert err.message.endswith("\ninvalid ID field: 123")


def test_id_of_a_deleted_row_needs_query_all(org: FakeOrg) -> None:
    dan = org.rows["contact"][3]["Id"]
    assert last_names(org, f"Id = '{dan}'") == []
    assert last_names(org, f"Id = '{dan}'", include_deleted=True) == ["Deleted"]


def test_id_of_another_object_matches_nothing(org: FakeOrg) -> None:
    acme = org.rows["account"][0]["Id"]
    assert last_names(org, f"Id = '{acme}'") == []


def test_id_lookup_combined_with_other_conditions(org: FakeOrg) -> None:
    alice = org.rows["contact"][0]["Id"]
    assert last_names(org, f"Id = '{alice}' AND LastName = 'Smith'") == ["Smith"]
    assert last_names(org, f"Id = '{alice}' AND LastName = 'Other'") == []


# --- deleted rows ---------------------------------------------------------------------------

def test_deleted_rows_only_with_query_all(org: FakeOrg) -> None:
    assert "Deleted" not in last_names(org, "Email != null")
    assert last_names(org, "IsDeleted = true", include_deleted=True) == ["Deleted"]
    assert last_names(org, "IsDeleted = true") == []


# --- dates ----------------------------------------------------------------------------------

def test_date_field_against_dates(org: FakeOrg) -> None:
    assert last_names(org, "Birthdate = 1990-01-31") == ["Smith"]
    assert last_names(org, "Birthdate > 1990-01-31") == []
    assert last_names(org, "Birthdate >= 1990-01-31") == ["Smith"]
    assert last_names(org, "Birthdate < 2000-01-01") == ["Smith"]


def test_datetime_field_against_datetimes(org: FakeOrg) -> None:
    assert last_names(org, "CreatedDate > 2024-05-15T08:59:59Z") == ["Smith"]
    assert last_names(org, "CreatedDate = 2024-05-15T09:00:00Z") == ["Smith"]
    # 11:00 in UTC+02:00 is 09:00 UTC.
    assert last_names(org, "CreatedDate = 2024-05-15T11:00:00+02:00") == ["Smith"]
    assert last_names(org, "CreatedDate < 2024-02-01T00:00:00Z") == ["O'Brien"]


@pytest.mark.parametrize(("where", "expected"), [
    ("CreatedDate = TODAY", ["Smith"]),
    ("CreatedDate = YESTERDAY", ["jones"]),
    ("CreatedDate = TOMORROW", []),
    ("CreatedDate < TODAY", ["jones", "O'Brien"]),
    ("CreatedDate <= TODAY", ["jones", "O'Brien", "Smith"]),
    ("CreatedDate > YESTERDAY", ["Smith"]),
    ("CreatedDate >= YESTERDAY", ["jones", "Smith"]),
    ("CreatedDate = LAST_N_DAYS:1", ["jones", "Smith"]),
    ("CreatedDate = LAST_N_DAYS:200", ["jones", "O'Brien", "Smith"]),
    ("CreatedDate = NEXT_N_DAYS:5", []),
    ("CreatedDate = THIS_WEEK", ["jones", "Smith"]),
    ("CreatedDate = LAST_WEEK", []),
    ("CreatedDate = THIS_MONTH", ["jones", "Smith"]),
    ("CreatedDate = THIS_YEAR", ["jones", "O'Brien", "Smith"]),
    ("CreatedDate < THIS_MONTH", ["O'Brien"]),
    ("CreatedDate = LAST_90_DAYS", ["jones", "Smith"]),
    ("CreatedDate != TODAY", ["jones", "O'Brien"]),
    ("CreatedDate IN (TODAY, YESTERDAY)", ["jones", "Smith"]),
])
def test_relative_date_literals_on_datetimes(org: FakeOrg, where: str,
                                             expected: list[str]) -> None:
    assert last_names(org, where) == expected


def test_relative_date_literals_on_dates(org: FakeOrg) -> None:
    org.add("Contact", LastName="Today", Birthdate=NOW.date())
    org.add("Contact", LastName="Soon", Birthdate=NOW.date() + dt.timedelta(days=3))
    org.add("Contact", LastName="Past", Birthdate=NOW.date() - dt.timedelta(days=7))
    assert last_names(org, "Birthdate = TODAY") == ["Today"]
    assert last_names(org, "Birthdate = NEXT_N_DAYS:3") == ["Soon"]
    assert last_names(org, "Birthdate = NEXT_N_DAYS:2") == []
    assert last_names(org, "Birthdate = LAST_N_DAYS:7") == ["Past", "Today"]
    assert last_names(org, "Birthdate = LAST_N_DAYS:6") == ["Today"]
    assert last_names(org, "Birthdate = LAST_WEEK") == ["Past"]
    assert last_names(org, "Birthdate > TODAY") == ["Soon"]


def test_today_follows_the_clock(org: FakeOrg) -> None:
    later = NOW + dt.timedelta(days=1)
    assert last_names(org, "CreatedDate = YESTERDAY", now=later) == ["Smith"]


# --- generated queries ----------------------------------------------------------------------

def test_in_with_thousands_of_ids(org: FakeOrg) -> None:
    alice = org.rows["contact"][0]["Id"]
    others = [alice[:3] + f"{i:012d}" for i in range(2500)]
    ids = ", ".join(f"'{i}'" for i in [*others, alice])
    assert last_names(org, f"Id IN ({ids})") == ["Smith"]
    assert last_names(org, f"AccountId NOT IN ({ids})") == ["jones", "O'Brien", "Smith"]


def test_hundreds_of_conditions(org: FakeOrg) -> None:
    many_and = " AND ".join(["LastName != 'x'"] * 500)
    many_or = " OR ".join(["LastName = 'x'"] * 500 + ["LastName = 'Smith'"])
    assert last_names(org, many_and) == ["jones", "O'Brien", "Smith"]
    assert last_names(org, f"({many_or}) AND Email != null") == ["Smith"]


def test_absurd_nesting_is_refused_not_crashed(org: FakeOrg) -> None:
    nested = "(" * 5000 + "LastName = 'x'" + ")" * 5000
    assert error(org, f"SELECT Id FROM Contact WHERE {nested}").error_code == "MALFORMED_QUERY"


def test_characters_outside_soql(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE LastName = 'x' AND é = 'y'")
    assert err.error_code == "MALFORMED_QUERY"
    assert err.message.endswith("unexpected token: 'é'")
    assert last_names(org, "LastName != 'Müller'") == ["jones", "O'Brien", "Smith"]
