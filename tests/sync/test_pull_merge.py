"""The pull's three-way merge per field (:func:`merge_fields`) and how a pulled row is read
(:func:`pulled`): pure functions, no org."""

from __future__ import annotations

import datetime as dt

import pytest

from flask_sfsync.sync.pull import TWO_WAY, merge_fields, pulled, same

EARLY = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
LATE = EARLY + dt.timedelta(minutes=5)

AGREED = {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com",
          "Phone": "+1 555 0100", "Title": "Engineer"}
HOST = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
        "phone": "+1 555 0100", "title": "Engineer"}


def test_equal_values_are_agreed_and_nothing_is_written() -> None:
    out = merge_fields("Contact", dict(AGREED), dict(HOST), dict(AGREED),
                       sf_modified=LATE, host_modified=None)
    assert out.to_host == {} and out.host_won == []
    assert out.agreed == AGREED
    # Our own push coming back with no agreed value yet: equal is still no write.
    first = merge_fields("Lead", dict(AGREED), dict(HOST), None,
                         sf_modified=LATE, host_modified=EARLY)
    assert first.to_host == {} and first.agreed == AGREED


def test_only_salesforce_moved_the_host_takes_it() -> None:
    sf = {**AGREED, "Title": "Chief Engineer"}
    out = merge_fields("Contact", sf, dict(HOST), dict(AGREED),
                       sf_modified=EARLY, host_modified=LATE)  # even with a newer host change
    assert out.to_host == {"title": "Chief Engineer"}
    assert out.agreed["Title"] == "Chief Engineer"
    assert out.host_won == []


def test_only_the_host_moved_it_keeps_its_value_and_nothing_is_written() -> None:
    host = {**HOST, "phone": "+1 555 0199"}
    out = merge_fields("Contact", dict(AGREED), host, dict(AGREED),
                       sf_modified=LATE, host_modified=EARLY)  # even with a newer SF stamp
    assert out.to_host == {}
    assert out.host_won == ["Phone"]
    assert out.agreed["Phone"] == "+1 555 0100"  # still the old agreement: the push sends it


@pytest.mark.parametrize(("sf_modified", "host_modified", "salesforce_wins"), [
    (LATE, EARLY, True),
    (EARLY, LATE, False),
    (EARLY, EARLY, False),  # a tie: the host's pending change stays
    (None, EARLY, False),  # no Salesforce stamp against a pending host change
])
def test_both_moved_the_most_recent_wins(
    sf_modified: dt.datetime | None, host_modified: dt.datetime, salesforce_wins: bool
) -> None:
    sf = {**AGREED, "Title": "From Salesforce"}
    host = {**HOST, "title": "From the host"}
    out = merge_fields("Lead", sf, host, dict(AGREED),
                       sf_modified=sf_modified, host_modified=host_modified)
    if salesforce_wins:
        assert out.to_host == {"title": "From Salesforce"}
        assert out.agreed["Title"] == "From Salesforce" and out.host_won == []
    else:
        assert out.to_host == {} and out.host_won == ["Title"]
        assert out.agreed["Title"] == "Engineer"


def test_no_agreed_base_and_no_pending_host_change_salesforce_wins() -> None:
    sf = {**AGREED, "Title": "From Salesforce", "Phone": None}
    out = merge_fields("Contact", sf, dict(HOST), None, sf_modified=None, host_modified=None)
    assert out.to_host == {"title": "From Salesforce", "phone": None}
    assert out.agreed == {**AGREED, "Title": "From Salesforce", "Phone": None}
    # With a pending host change and no base, the stamps decide.
    kept = merge_fields("Contact", sf, dict(HOST), None, sf_modified=EARLY, host_modified=LATE)
    assert kept.to_host == {} and sorted(kept.host_won) == ["Phone", "Title"]


def test_writable_excludes_a_key() -> None:
    sf = {**AGREED, "Title": "Chief", "Phone": "+1 555 0111"}
    out = merge_fields("Contact", sf, dict(HOST), dict(AGREED), sf_modified=LATE,
                       host_modified=None, writable=frozenset({"title"}))
    assert out.to_host == {"title": "Chief"}
    # Not written, not won by the host either, and the agreement stays where it was.
    assert out.host_won == []
    assert out.agreed["Phone"] == "+1 555 0100"


def test_fields_not_read_are_left_alone() -> None:
    sf = {k: v for k, v in AGREED.items() if k != "Phone"}  # the profile hides Phone
    out = merge_fields("Contact", sf, {**HOST, "phone": None}, None, sf_modified=LATE,
                       host_modified=None)
    assert "phone" not in out.to_host and "Phone" not in out.agreed
    assert merge_fields("Account", {"Name": "X"}, {}, None, sf_modified=None,
                        host_modified=None).to_host == {}


def test_blanks_and_spaces_are_none() -> None:
    assert same("", None) and same("   ", None) and same(None, None)
    assert same(" Ada ", "Ada") and not same("Ada", "ada")
    assert same(3, 3) and not same(0, None)
    sf = {**AGREED, "Title": "  ", "Phone": " +1 555 0100 "}
    out = merge_fields("Contact", sf, {**HOST, "title": None}, dict(AGREED),
                       sf_modified=LATE, host_modified=None)
    assert out.to_host == {}  # blank == None, spaces do not count
    assert out.agreed["Title"] is None and out.agreed["Phone"] == "+1 555 0100"
    moved = merge_fields("Contact", {**AGREED, "Title": "  Boss  "}, dict(HOST), dict(AGREED),
                         sf_modified=LATE, host_modified=None)
    assert moved.to_host == {"title": "Boss"}  # written trimmed


def test_two_way_fields_are_the_same_for_leads_and_contacts() -> None:
    assert TWO_WAY["Lead"] == TWO_WAY["Contact"]
    assert set(TWO_WAY["Contact"].values()) == set(AGREED)


# -- pulled() ---------------------------------------------------------------------------------


def _raw(**fields: object) -> dict[str, object]:
    return {"Id": "00Q8d000000001AAAA",
            "SystemModstamp": "2024-05-01T10:20:30.000+0000", **fields}


@pytest.mark.parametrize(("value", "expected"), [
    (True, True), (False, False), ("true", True), ("True", True), ("false", False),
    ("FALSE", False), (None, False), ("", False),
])
def test_flags_from_strings_and_booleans(value: object, expected: bool) -> None:
    record = pulled("Lead", _raw(IsDeleted=value, IsConverted=value))
    assert record.is_deleted is expected and record.is_converted is expected


def test_dates_with_offset_and_z() -> None:
    want = dt.datetime(2024, 5, 1, 10, 20, 30, tzinfo=dt.UTC)
    rest = pulled("Lead", _raw(LastModifiedDate="2024-05-01T09:00:00.000+0000"))
    bulk = pulled("Lead", _raw(SystemModstamp="2024-05-01T10:20:30.000Z",
                               LastModifiedDate="2024-05-01T09:00:00Z"))
    other = pulled("Lead", _raw(SystemModstamp="2024-05-01T12:20:30.000+0200"))
    assert rest.stamp == bulk.stamp == other.stamp == want
    assert rest.stamp.tzinfo is not None and rest.stamp.utcoffset() == dt.timedelta(0)
    assert rest.last_modified == bulk.last_modified == want.replace(hour=9, minute=0, second=0)
    assert rest.watermark.stamp == want and rest.watermark.id == "00Q8d000000001AAAA"
    assert pulled("Lead", _raw(LastModifiedDate=None)).last_modified is None
    with pytest.raises(ValueError, match="no SystemModstamp"):
        pulled("Lead", _raw(SystemModstamp=None))


def test_email_lower_cased_and_values_without_system_fields() -> None:
    record = pulled("Contact", _raw(Email="  Ada.Lovelace@Example.COM ", FirstName="Ada",
                                    OwnerId="0058d000000001AAAA", AccountId="",
                                    MasterRecordId="0038d000000009AAAA", IsDeleted="true"))
    assert record.email == "ada.lovelace@example.com"
    assert record.values == {"Email": "  Ada.Lovelace@Example.COM ", "FirstName": "Ada"}
    assert record.owner_id == "0058d000000001AAAA" and record.account_id is None
    assert record.merged
    assert pulled("Contact", _raw(Email=None)).email is None
    assert pulled("Contact", _raw(Email="  ")).email is None
