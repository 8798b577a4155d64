"""Model behaviour the integration relies on: UTC timestamps, normalised tags, phone lines."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from host_demo.extensions import db
from host_demo.forms import format_phone_lines, parse_phone_lines
from host_demo.models import Contact, normalise_tags

from .conftest import World


def test_timestamps_are_aware_utc_and_move_on_update(app: Flask, world: World) -> None:
    with app.app_context():
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None
        created, updated = ada.created_at, ada.updated_at
        assert created.tzinfo is dt.UTC and updated.tzinfo is dt.UTC
        ada.title = "Analyst"
        db.session.commit()
        assert ada.updated_at > updated and ada.created_at == created


def test_meeting_times_keep_their_instant(app: Flask, world: World) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    with app.app_context():
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None
        ada.meeting_at = dt.datetime(2030, 6, 1, 11, 0, tzinfo=paris)
        db.session.commit()
        db.session.expire_all()
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None
        assert ada.meeting_at == dt.datetime(2030, 6, 1, 9, 0, tzinfo=dt.UTC)


def test_naive_datetimes_are_refused(app: Flask, world: World) -> None:
    with app.app_context():
        ada = db.session.get(Contact, world.contact_id)
        assert ada is not None
        ada.meeting_at = dt.datetime(2030, 6, 1, 9, 0)
        with pytest.raises(Exception, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


def test_tags_are_normalised() -> None:
    assert normalise_tags(" VIP, partner,,vip ,  Big   Fish ") == ",vip,partner,big fish,"
    assert normalise_tags(" , ") == ""
    contact = Contact(last_name="X", tags=normalise_tags("b, a"))
    assert contact.tag_list == ["b", "a"]


def test_phone_lines_round_trip() -> None:
    phones = parse_phone_lines(
        "Mobile: +1 415 555 0134\n\n +44 20 7946 0018 \nDesk: 030 1234 567 x12"
    )
    assert phones == [
        {"label": "Mobile", "number": "+1 415 555 0134"},
        {"label": "Other", "number": "+44 20 7946 0018"},
        {"label": "Desk", "number": "030 1234 567 x12"},
    ]
    assert parse_phone_lines(format_phone_lines(phones)) == phones
    with pytest.raises(ValueError, match="Line 1"):
        parse_phone_lines("Mobile: call me maybe")
