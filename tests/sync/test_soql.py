"""SOQL literals through simple-salesforce (no server)."""

from __future__ import annotations

import datetime as dt

import pytest

from flask_sfsync.salesforce.soql import datetime_literal, format_soql, in_list, quote


def test_string_literals_escape_what_salesforce_lists() -> None:
    assert quote("O'Brien\\x") == "'O\\'Brien\\\\x'"
    assert quote('a"b\nc\rd\te\bf\fg') == "'a\\\"b\\nc\\rd\\te\\bf\\fg'"
    assert in_list(["a'b", "c"]) == "('a\\'b','c')"
    assert in_list([]) == "()"
    assert format_soql("SELECT Id FROM Lead WHERE Email IN {}", ["x@y.z"]) == (
        "SELECT Id FROM Lead WHERE Email IN ('x@y.z')"
    )


def test_datetime_literals_are_utc_with_z_and_never_naive() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert datetime_literal(dt.datetime(2024, 1, 1, 1, 0, 0, 999_999, tzinfo=paris)) == (
        "2024-01-01T00:00:00Z"
    )
    assert datetime_literal(dt.datetime(2024, 6, 30, 23, 59, 59, tzinfo=dt.UTC)) == (
        "2024-06-30T23:59:59Z"
    )
    with pytest.raises(ValueError):
        datetime_literal(dt.datetime(2024, 1, 1))
