"""Where the next pull starts: :class:`flask_sfsync.sync.pull.Coverage` (pure)."""

from __future__ import annotations

import datetime as dt

from flask_sfsync.sync.pull import Coverage, Page

T = dt.datetime(2026, 12, 1, 10, 0, 0, tzinfo=dt.UTC)
LOOKBACK = dt.timedelta(seconds=10)


def at(seconds: float) -> dt.datetime:
    return T + dt.timedelta(seconds=seconds)


def page(start: float | None, end: float | None, asked: float | None) -> Page:
    return Page("Lead", [], start=None if start is None else at(start),
                end=None if end is None else at(end),
                asked_at=None if asked is None else at(asked))


def test_an_idle_poll_proves_up_to_its_answer_less_the_lookback() -> None:
    assert Coverage(LOOKBACK).add(page(50, None, 100)) == at(90)


def test_a_read_never_starts_before_where_the_last_one_did() -> None:
    # Asked only 5 s after its start: nothing new is proven, the start stays.
    assert Coverage(LOOKBACK).add(page(50, None, 55)) == at(50)


def test_a_first_pull_proves_from_the_beginning() -> None:
    assert Coverage(LOOKBACK).add(page(None, None, 100)) == at(90)


def test_a_page_read_long_after_its_stamps_proves_them_all() -> None:
    coverage = Coverage(LOOKBACK)
    # [0, 20) asked at 100: all of it; the next page is not read yet, so up to its start.
    assert coverage.add(page(0, 20, 100)) == at(20)
    assert coverage.add(page(20, 40, 101)) == at(40)
    assert coverage.add(page(40, None, 102)) == at(92)


def test_a_burst_just_before_a_read_is_read_again_once() -> None:
    coverage = Coverage(LOOKBACK)
    # An import stamped [0, 5) and the first page was asked at 6: only up to -4 is proven.
    assert coverage.add(page(None, 5, 6)) == at(-4)
    # Later pages, asked after the lookback, do not make up for it.
    assert coverage.add(page(5, None, 200)) == at(-4)
    # The next read (from -4, a minute later) proves past the burst.
    assert Coverage(LOOKBACK).add(page(-4, None, 66)) == at(56)


def test_a_page_without_an_answer_time_proves_nothing_for_the_rest_of_the_read() -> None:
    coverage = Coverage(LOOKBACK)
    assert coverage.add(page(None, 20, None)) is None
    assert coverage.add(page(20, None, 100)) is None
