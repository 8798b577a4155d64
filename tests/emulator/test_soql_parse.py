"""SOQL syntax: what parses, and Salesforce's MALFORMED_QUERY messages for what does not."""

from __future__ import annotations

import datetime as dt

import pytest
from test_soql_fixtures import FakeOrg, build_org, error, records, run

from flask_sfsync.emulator.soql.ast import And, Comparison, Not, Or
from flask_sfsync.emulator.soql.lexer import tokenize
from flask_sfsync.emulator.soql.parser import parse


@pytest.fixture
def org() -> FakeOrg:
    return build_org()


def test_keywords_and_names_are_case_insensitive(org: FakeOrg) -> None:
    rows = records(org, "select id, lastname, EMAIL from CONTACT where LASTNAME = 'smith'")
    assert list(rows[0]) == ["attributes", "Id", "LastName", "Email"]
    assert rows[0]["LastName"] == "Smith"


def test_whitespace_and_newlines_between_tokens(org: FakeOrg) -> None:
    soql = "SELECT\n  Id,\tLastName\nFROM Contact\nWHERE LastName='Smith'\n"
    assert run(org, soql).total_size == 1


def test_string_escapes() -> None:
    token = tokenize(r"'a\'b\\c\nd\te\"f'")[0]
    assert token.value == "a'b\\c\nd\te\"f"


def test_escaped_quote_finds_the_irish_name(org: FakeOrg) -> None:
    assert run(org, r"SELECT Id FROM Contact WHERE LastName = 'O\'Brien'").total_size == 1


def test_illegal_escape_is_malformed(org: FakeOrg) -> None:
    err = error(org, r"SELECT Id FROM Contact WHERE LastName = 'a\qb'")
    assert err.error_code == "MALFORMED_QUERY"
    assert "Illegal character sequence '\\q'" in err.message


def test_unterminated_string(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE LastName = 'abc")
    assert err.error_code == "MALFORMED_QUERY"


def test_datetime_literals_with_offsets() -> None:
    utc = tokenize("2024-01-31T10:00:00Z")[0].value
    plus = tokenize("2024-01-31T12:00:00+02:00")[0].value
    minus = tokenize("2024-01-31T05:00:00-05:00")[0].value
    frac = tokenize("2024-01-31T10:00:00.250Z")[0].value
    expected = dt.datetime(2024, 1, 31, 10, tzinfo=dt.UTC)
    assert utc == plus == minus == expected
    assert frac == expected + dt.timedelta(milliseconds=250)
    assert tokenize("2024-01-31")[0].value == dt.date(2024, 1, 31)


def test_datetime_without_zone_is_malformed(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE CreatedDate > 2024-01-31T10:00:00")
    assert err.error_code == "MALFORMED_QUERY"
    assert "unexpected token: '2024-01-31T10:00:00'" in err.message


def test_misspelled_from_points_at_the_token(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FORM Contact")
    assert err.status == 400
    assert err.error_code == "MALFORMED_QUERY"
    assert err.message == (
        "\nSELECT Id FORM Contact\n          ^\nERROR at Row:1:Column:11\n"
        "unexpected token: 'FORM'"
    )


def test_error_row_and_column_on_later_lines(org: FakeOrg) -> None:
    err = error(org, "SELECT Id\nFROM Contact\nWHERE LastName = 'x' OR Email = 'y' AND Id = 'z'")
    assert "ERROR at Row:3:Column:37\nunexpected token: 'AND'" in err.message
    assert err.message.startswith("\nWHERE LastName = 'x' OR Email = 'y' AND Id = 'z'\n")


def test_long_line_echo_starts_near_the_error(org: FakeOrg) -> None:
    fields = ", ".join(["Id", "FirstName", "LastName", "Email", "Phone", "Title"] * 2)
    soql = f"SELECT {fields} FORM Contact"
    err = error(org, soql)
    echo, caret = err.message.split("\n")[1:3]
    assert echo.endswith("FORM Contact") and len(echo) < len(soql)
    assert echo[caret.index("^"):].startswith("FORM")
    assert f"Column:{soql.index('FORM') + 1}" in err.message


def test_end_of_input(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM")
    assert err.error_code == "MALFORMED_QUERY"
    assert err.message.endswith("unexpected token: <EOF>")


def test_mixing_and_or_needs_parentheses(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE LastName = 'a' AND Email = 'b' OR Id = 'c'")
    assert err.message.endswith("unexpected token: 'OR'")


def test_condition_tree() -> None:
    query = parse("SELECT Id FROM Contact WHERE (A = 1 OR B = 2) AND NOT C = 3 AND D IN (1, 2)")
    assert isinstance(query.where, And)
    first, second, third = query.where.operands
    assert isinstance(first, Or) and len(first.operands) == 2
    assert isinstance(second, Not) and isinstance(second.operand, Comparison)
    assert isinstance(third, Comparison) and third.op == "IN" and len(third.values) == 2


def test_limit_offset_and_order() -> None:
    query = parse("SELECT Id FROM Contact ORDER BY LastName DESC NULLS LAST, Id LIMIT 5 OFFSET 10")
    assert [(o.field.path, o.descending, o.nulls_first) for o in query.order_by] == [
        ("LastName", True, False), ("Id", False, None)]
    assert (query.limit, query.offset) == (5, 10)


def test_limit_out_of_range(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact LIMIT 2147483648")
    assert err.error_code == "MALFORMED_QUERY"
    assert err.message.endswith("numeric value out of range: 2147483648")


def test_limit_must_be_an_integer(org: FakeOrg) -> None:
    assert error(org, "SELECT Id FROM Contact LIMIT 'x'").error_code == "MALFORMED_QUERY"
    assert error(org, "SELECT Id FROM Contact LIMIT 1.5").error_code == "MALFORMED_QUERY"


def test_offset_above_2000(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact OFFSET 2001")
    assert (err.error_code, err.message) == (
        "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
    assert run(org, "SELECT Id FROM Contact OFFSET 2000").total_size == 0


def test_bind_variables_are_apex_only(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE Email = :email")
    assert err.message.endswith("Bind variables only allowed in Apex code")


@pytest.mark.parametrize("soql", [
    # Sub-queries, GROUP BY, WITH SECURITY_ENFORCED and FIELDS() are emulated since issue 10
    # (tests/emulator/test_soql_*.py); these parts of SOQL still are not.
    "SELECT Id FROM Contact FOR UPDATE",
    "SELECT Id FROM Contact USING SCOPE mine",
    "SELECT LeadSource, COUNT(Id) FROM Contact GROUP BY ROLLUP(LeadSource)",
])
def test_unsupported_soql_is_malformed_not_a_crash(org: FakeOrg, soql: str) -> None:
    assert error(org, soql).error_code == "MALFORMED_QUERY"


def test_bare_word_as_value_is_unexpected(org: FakeOrg) -> None:
    err = error(org, "SELECT Id FROM Contact WHERE LastName = Smith")
    assert err.message.endswith("unexpected token: 'Smith'")


def test_object_alias(org: FakeOrg) -> None:
    rows = records(org, "SELECT c.LastName, c.Account.Name FROM Contact c WHERE c.Email != null "
                        "ORDER BY c.LastName")
    assert [r["LastName"] for r in rows] == ["jones", "Smith"]
    assert rows[0]["Account"]["Name"] == "Globex"
