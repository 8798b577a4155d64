"""Scheduled pulls with real worker processes: an edit in Salesforce reaches the host within
the tenant's interval, with one schedule however many workers run."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from flask_sfsync.db import mirror, tenant_settings
from flask_sfsync.jobs.keys import PULL_MARKER
from flask_sfsync.jobs.tasks import pull_job
from flask_sfsync.services.actions import save_pull_settings

from .conftest import Env, wait_for


def _title(env: Env, contact_id: int) -> Any:
    with env.app.app_context():
        session = env.models.db.session
        value = session.scalar(sa.select(env.models.Contact.title).where(
            env.models.Contact.id == contact_id))
        session.remove()
        return value


def _lead_of(env: Env, contact_id: int) -> str:
    with env.app.app_context():
        links = env.app.extensions["sfsync"].models.SyncLink
        session = env.models.db.session
        sf_id = session.scalar(sa.select(links.sf_id).where(links.host_id == str(contact_id)))
        session.remove()
        assert sf_id
        return str(sf_id)


def test_an_edit_in_salesforce_arrives_within_the_interval(make_env: Callable[..., Env]) -> None:
    env = make_env(SFSYNC_PULL_INTERVAL=2)
    [contact_id] = env.add_contacts([{"first_name": "Ada", "last_name": "Lovelace",
                                      "email": "ada@example.com", "title": "Engineer"}])
    env.save_settings()
    env.workers.start()
    env.workers.start()  # two workers: still one schedule
    env.sync_now()
    env.wait_idle()
    lead_id = _lead_of(env, contact_id)
    wait_for(lambda: env.app.extensions["sfsync"].jobs.redis.exists(
        PULL_MARKER.format(tenant="acme")), 30, "the first pull to schedule the next")
    org = env.org.org
    org.update("Lead", lead_id, {"Title": "Chief Engineer"}, org.admin.id)
    edited = time.monotonic()
    wait_for(lambda: _title(env, contact_id) == "Chief Engineer", 30, "the pulled title")
    assert time.monotonic() - edited <= 2 + 3  # the interval, plus a poll and RQ's scheduler
    # One schedule per tenant, not one per worker.
    with env.app.app_context():
        queue = env.app.extensions["sfsync"].jobs.queue
        scheduled = queue.scheduled_job_registry.get_job_ids()
        assert len(scheduled) <= 1


def test_kill_9_mid_pull_resumes_from_the_last_committed_page(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    org = env.org.org
    for i in range(5000):
        org.create("Lead", {"LastName": f"Pulled{i}", "Company": "Acme",
                            "Email": f"p{i}@pulled.example"}, org.admin.id, system_mode=True)
    env.save_settings()
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        mirror.pull_states(state.db.session, state.models, "acme")["Lead"].show_in_host = True
        state.db.session.commit()
        state.db.session.remove()
    env.org.faults.latency(1.0)  # every call takes a second: time to kill mid-pull
    first = env.workers.start()
    with env.app.app_context():
        env.app.extensions["sfsync"].jobs.enqueue_pull("acme")

    def watermark() -> Any:
        with env.app.app_context():
            state = env.app.extensions["sfsync"]
            row = state.db.session.get(state.models.PullState, ("acme", "Lead"))
            value = row.watermark_stamp if row is not None else None
            state.db.session.remove()
            return value

    wait_for(watermark, 60, "a first committed page")
    env.workers.kill9(first)
    env.org.faults.clear()
    with env.app.app_context():
        jobs = env.app.extensions["sfsync"].jobs
        jobs.redis.delete(PULL_MARKER.format(tenant="acme"))
        jobs.redis.delete("sfsync:push-lock:acme")  # the dead worker's lock, as if expired
        jobs.enqueue_pull("acme")
    env.workers.start()

    def host_count() -> int:
        with env.app.app_context():
            session = env.models.db.session
            n = int(session.scalar(sa.select(sa.func.count()).select_from(env.models.Contact))
                    or 0)
            session.remove()
            return n

    wait_for(lambda: host_count() == 5000, 120, "every pulled lead in the host")
    time.sleep(1)
    with env.app.app_context():
        session = env.models.db.session
        emails = session.scalars(sa.select(env.models.Contact.email)).all()
        assert len(emails) == len(set(emails)) == 5000  # no duplicate host contacts
        state = env.app.extensions["sfsync"]
        linked = session.scalar(sa.select(sa.func.count()).select_from(state.models.SyncLink))
        assert linked == 5000


def test_a_paused_connection_is_not_pulled_until_its_pause_ends(env: Env) -> None:
    env.save_settings()
    calls = env.org.org.api_usage
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        row = tenant_settings.settings_for(state.db.session, state.models, "acme")
        assert row is not None
        tenant_settings.set_pause(row, datetime.now(UTC) + timedelta(seconds=60),
                                  "Paused to stay within the API budget")
        state.db.session.commit()
        result = pull_job("acme")
        assert (result["pulled"], result["reason"]) == (False, "paused")
        # Scheduled for when the pause ends, once.
        assert len(state.jobs.queue.scheduled_job_registry.get_job_ids()) == 1
        state.db.session.remove()
    assert env.org.org.api_usage == calls  # no call to Salesforce


def test_a_retry_pull_is_queued_beside_the_schedule_and_leaves_it(env: Env) -> None:
    env.save_settings()
    with env.app.app_context():
        jobs = env.app.extensions["sfsync"].jobs
        marker = PULL_MARKER.format(tenant="acme")
        assert jobs.enqueue_pull("acme", delay=60)  # the schedule
        assert jobs.enqueue_pull("acme", delay=60)  # asked again: the marker says one waits
        assert len(jobs.queue.scheduled_job_registry.get_job_ids()) == 1
        ttl = jobs.redis.ttl(marker)
        # Two retries while the schedule waits: both queued, the marker left as it was.
        assert jobs.enqueue_pull("acme", retry=["00Q000000000001AAA"])
        assert jobs.enqueue_pull("acme", retry=["00Q000000000002AAA"])
        queued = [j for j in jobs.queue.jobs if j.func_name.endswith("pull_job")]
        assert [j.kwargs for j in queued] == [{"retry": ["00Q000000000001AAA"]},
                                              {"retry": ["00Q000000000002AAA"]}]
        assert all(j.retries_left is None for j in queued)  # not taken as RQ's own Retry
        assert len(jobs.queue.scheduled_job_registry.get_job_ids()) == 1
        assert 0 < jobs.redis.ttl(marker) <= ttl


def test_a_retry_that_meets_a_pause_waits_for_it_and_leaves_the_schedule(env: Env) -> None:
    env.save_settings()
    calls = env.org.org.api_usage
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        jobs = state.jobs
        marker = PULL_MARKER.format(tenant="acme")
        assert jobs.enqueue_pull("acme", delay=600)  # the schedule
        row = tenant_settings.settings_for(state.db.session, state.models, "acme")
        assert row is not None
        tenant_settings.set_pause(row, datetime.now(UTC) + timedelta(seconds=60),
                                  "Paused to stay within the API budget")
        state.db.session.commit()
        result = pull_job("acme", retry=["00Q000000000001AAA"])
        assert (result["pulled"], result["reason"]) == (False, "paused")
        assert jobs.redis.exists(marker)  # the schedule's marker stays
        registry = jobs.queue.scheduled_job_registry
        waiting = [jobs.queue.fetch_job(i) for i in registry.get_job_ids()]
        assert sorted(sorted(j.kwargs) for j in waiting if j is not None) == [
            ["retry"], ["schedule"]]  # the retry, and the schedule's own pull
        state.db.session.remove()
    assert env.org.org.api_usage == calls


def test_one_schedule_however_often_pull_now_and_new_intervals_come(env: Env) -> None:
    """Pull now beside the schedule starts no second one; a new interval replaces the
    waiting pull (the old one, when it fires, does nothing); 0 stops the schedule."""
    env.save_settings()
    with env.app.app_context():
        jobs = env.app.extensions["sfsync"].jobs
        assert jobs.enqueue_pull("acme", delay=600)  # the schedule
        old = [jobs.queue.fetch_job(i) for i in jobs.queue.scheduled_job_registry.get_job_ids()]
        # Pull now runs beside it and, finding a schedule, leaves it as it is.
        assert pull_job("acme", full=True)["pulled"]
        assert len(jobs.queue.scheduled_job_registry.get_job_ids()) == 1
        # A new interval: the schedule is a new pull 30 s away, the old one is superseded.
        save_pull_settings("acme", {}, 30)
        ids = jobs.queue.scheduled_job_registry.get_job_ids()
        assert len(ids) == 2
        stale = old[0]
        assert stale is not None
        result = pull_job("acme", **stale.kwargs)
        assert (result["pulled"], result["reason"]) == (False, "superseded")
        # Its replacement runs and passes the schedule on: still one waiting after it.
        fresh = next(j for j in (jobs.queue.fetch_job(i) for i in ids)
                     if j is not None and j.id != stale.id)
        jobs.queue.scheduled_job_registry.remove(stale)
        jobs.queue.scheduled_job_registry.remove(fresh)
        assert pull_job("acme", **fresh.kwargs)["pulled"]
        assert len(jobs.queue.scheduled_job_registry.get_job_ids()) == 1
        # 0: only when asked; the waiting pull does nothing.
        save_pull_settings("acme", {}, 0)
        waiting = jobs.queue.fetch_job(jobs.queue.scheduled_job_registry.get_job_ids()[0])
        assert waiting is not None
        assert pull_job("acme", **waiting.kwargs)["reason"] == "superseded"
        env.app.extensions["sfsync"].db.session.remove()
