"""The pull's safety nets against the local org over HTTPS: a recycle bin emptied behind its
back (getDeleted's window lost: a full resync by itself), a large first pull through Bulk API
2.0, and a burst of records that later polls do not read again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from .conftest import Env
from .pulling import links, pull, pushed


class Clock:
    """The org's clock, moved by the test (getDeleted answers in whole minutes): it starts
    ten minutes back and never passes this machine's, as two synchronised clocks would."""

    def __init__(self) -> None:
        self.at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def clock(env: Env) -> Iterator[Clock]:
    clock = Clock()
    saved = env.org.org.clock, env.org.org.created_date
    env.org.org.clock = clock
    env.org.org.created_date = clock.at - dt.timedelta(days=1)  # it existed before
    yield clock
    env.org.org.clock, env.org.org.created_date = saved


def _pull_state(env: Env, sobject: str) -> Any:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        row = state.db.session.get(state.models.PullState, ("acme", sobject))
        state.db.session.expunge_all()
        return row


def _api_paths(env: Env) -> list[str]:
    return [f"{e.method} {e.path}" for e in env.org.request_log.entries()]


def test_an_emptied_recycle_bin_makes_the_pull_resync_and_the_host_follows(
    env: Env, clock: Clock
) -> None:
    ids = pushed(env, 3)
    pull(env)
    assert _pull_state(env, "Lead").deletes_checked_until is not None
    lead = links(env)[str(ids[0])][1]
    org = env.org.org
    clock.advance(minutes=2)
    org.delete(lead, org.admin.id)
    org.empty_recycle_bin([lead])  # gone for good: queryAll no longer returns it
    clock.advance(minutes=2)
    env.org.request_log.clear()
    counts = pull(env)
    # The getDeleted check rode in the poll's one Composite call and found its window lost.
    assert counts["Lead"]["deleted"] == 1
    assert str(ids[0]) not in links(env)
    assert set(links(env)) == {str(i) for i in ids[1:]}
    state = _pull_state(env, "Lead")
    assert "full resync" in (state.message or "")
    # The next poll is incremental again: one call, nothing applied.
    clock.advance(minutes=2)
    env.org.request_log.clear()
    again = pull(env)
    assert sum(c["deleted"] + c["updated"] + c["created"] for c in again.values()) == 0
    assert [p for p in _api_paths(env) if not p.endswith("/describe")] == [
        "POST /services/data/v60.0/composite"]


def test_a_large_first_pull_reads_through_one_bulk_query_job(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_PULL_BULK_THRESHOLD=2500)
    org = env.org.org
    for i in range(2600):
        org.create("Lead", {"LastName": f"Bulk{i}", "Company": "Acme",
                            "Email": f"bulk{i}@example.com"}, org.admin.id,
                   allow_duplicates=True, system_mode=True)
    env.org.request_log.clear()
    counts = pull(env)
    assert counts["Lead"]["skipped"] == 2600  # mirrored only: "Show Salesforce Leads" is off
    paths = _api_paths(env)
    # The poll's first page was full: one COUNT() query, then one Bulk job, no REST pages.
    assert "POST /services/data/v60.0/jobs/query" in paths
    assert paths.count("GET /services/data/v60.0/queryAll") == 1
    assert "COUNT" in next(e.query for e in env.org.request_log.entries()
                           if e.path.endswith("/queryAll"))
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        mirror = state.models.MirrorRecord
        held = state.db.session.scalar(sa.select(sa.func.count()).select_from(mirror).where(
            mirror.tenant_id == "acme", mirror.sobject == "Lead"))
        state.db.session.remove()
    assert held == 2600


def test_a_burst_is_read_again_once_and_then_left_behind(env: Env, clock: Clock) -> None:
    org = env.org.org
    for i in range(2100):  # more than a page, within one second of the org's clock
        org.create("Lead", {"LastName": f"Burst{i}", "Company": "Acme",
                            "Email": f"burst{i}@example.com"}, org.admin.id,
                   allow_duplicates=True, system_mode=True)
    pull(env)  # asked right after the burst: it may not all have been visible yet
    clock.advance(minutes=1)
    pull(env)  # reads it again, a lookback later: now it is proven
    clock.advance(minutes=1)
    env.org.request_log.clear()
    counts = pull(env)
    assert counts["Lead"]["skipped"] == 0  # nothing read again
    assert [p for p in _api_paths(env) if not p.endswith("/describe")] == [
        "POST /services/data/v60.0/composite"]
