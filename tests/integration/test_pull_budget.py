"""The pull's schedule and the API budget, with real worker processes, Redis and the local org:
the interval stretches when the budget is nearly spent, a pull that meets the org's daily
limit pauses the connection (so the push holds too), and a tenant's interval of 0 schedules
nothing though the application's default is 60 seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_sfsync.db import mirror, tenant_settings
from flask_sfsync.jobs.keys import PULL_MARKER
from flask_sfsync.jobs.sweep import sweep
from flask_sfsync.jobs.tasks import drain_job

from .conftest import Env, wait_for
from .pulling import people


def _schedule(env: Env) -> tuple[datetime | None, str | None]:
    """The tenant's next pull and the note on why it is later than its interval."""
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        session = state.db.session
        row = tenant_settings.settings_for(session, state.models, "acme")
        when = row.next_pull_at if row is not None else None
        note = mirror.schedule_note(session, state.models, "acme")
        session.remove()
    return (when.replace(tzinfo=UTC) if when and when.tzinfo is None else when), note


def _set_interval(env: Env, seconds: int | None) -> None:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        row = tenant_settings.settings_for(state.db.session, state.models, "acme")
        assert row is not None
        row.pull_interval = seconds
        state.db.session.commit()
        state.db.session.remove()


def _finished_pulls(env: Env) -> int:
    with env.app.app_context():
        queue = env.app.extensions["sfsync"].jobs.queue
        ids = queue.finished_job_registry.get_job_ids()
        return sum(1 for job in queue.job_class.fetch_many(ids, connection=queue.connection)
                   if job is not None and job.func_name.endswith("pull_job"))


def _queued_pulls(env: Env) -> int:
    with env.app.app_context():
        queue = env.app.extensions["sfsync"].jobs.queue
        return sum(1 for job in queue.jobs if job.func_name.endswith("pull_job"))


def _pulls_waiting(env: Env) -> int:
    """Pulls queued or running."""
    with env.app.app_context():
        queue = env.app.extensions["sfsync"].jobs.queue
        running = len(queue.started_job_registry.get_job_ids())
    return _queued_pulls(env) + running


def test_the_interval_stretches_when_the_budget_is_nearly_spent(
    make_env: Any,
) -> None:
    env: Env = make_env(SFSYNC_PULL_INTERVAL=60, SFSYNC_PULL_STRETCH_MAX=900)
    env.save_settings()
    env.org.faults.set_daily_limit(10_000)
    env.org.usage.reset(7650)  # others used 85% of the 9,000 calls we leave the org under
    env.workers.start()
    with env.app.app_context():
        env.app.extensions["sfsync"].jobs.enqueue_pull("acme")
    pulled_at = datetime.now(UTC)
    wait_for(lambda: _schedule(env)[1], 60, "the stretched schedule")
    when, note = _schedule(env)  # read again: the row and the note are two reads
    assert note is not None and note.startswith("API budget 85% used: pulling every ")
    assert note.endswith(" min instead of every 60 seconds")
    # 85% is most of the way from half to 95% used: the next pull is minutes away, not 60 s.
    assert when is not None and when - pulled_at > timedelta(minutes=5)
    assert when - pulled_at <= timedelta(seconds=900 + 60)
    with env.app.app_context():
        scheduled = env.app.extensions["sfsync"].jobs.queue.scheduled_job_registry
        # The note is committed just before the next pull is handed to RQ's scheduler.
        wait_for(lambda: len(scheduled.get_job_ids()) == 1, 30, "the next pull scheduled")
        assert len(scheduled.get_job_ids()) == 1

    # The budget freed (a new day for the org): the next pull is back to the tenant's minute.
    env.org.usage.reset(0)
    with env.app.app_context():
        env.app.extensions["sfsync"].jobs.enqueue_pull("acme", full=True)  # Pull now
    wait_for(lambda: _schedule(env)[1] is None, 60, "the schedule back to its interval")
    when, note = _schedule(env)
    assert when is not None and when - datetime.now(UTC) <= timedelta(seconds=60)


def test_a_pull_that_meets_the_daily_limit_pauses_the_push_too(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_LIMIT_PAUSE=300)
    [first] = env.add_contacts(people(1))
    env.workers.start()
    env.save_settings(sync_mode="auto")
    assert env.wait_idle()["run"]["pushed"] == 1
    env.org.faults.set_daily_limit(1)  # the org's daily limit is spent (by someone)
    with env.app.app_context():
        env.app.extensions["sfsync"].jobs.enqueue_pull("acme")
    paused = wait_for(lambda: (s := env.status())["paused_until"] and s, 60, "the pause")
    assert "daily API limit" in paused["pause_reason"]
    until = datetime.fromisoformat(paused["paused_until"])
    assert until - datetime.now(UTC) > timedelta(seconds=200)  # SFSYNC_LIMIT_PAUSE, not 0
    assert "daily API limit" in env.page("sfsync.integrations")
    env.workers.stop_all()

    # A change made during the pause waits: the drain calls nothing and keeps it.
    env.edit(first, title="during the pause")
    calls = len(env.org.request_log)
    with env.app.app_context():
        result = drain_job("acme")
        env.app.extensions["sfsync"].db.session.remove()
    assert result["drained"] is False
    assert len(env.org.request_log) == calls
    assert env.outbox_size() == 1
    assert not any(r["Title"] == "during the pause" for r in env.records("Lead"))


def test_interval_zero_pulls_only_when_asked_though_the_default_is_60(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_PULL_INTERVAL=60)
    env.save_settings()
    _set_interval(env, 0)
    env.workers.start()
    with env.app.app_context():
        env.app.extensions["sfsync"].jobs.enqueue_pull("acme", full=True)  # Pull now
    # The pull asked for, and the one connecting enqueued (before the interval was chosen).
    wait_for(lambda: _finished_pulls(env) >= 1 and _pulls_waiting(env) == 0, 60, "the pulls")
    env.workers.stop_all()
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        jobs = state.jobs
        assert jobs.queue.scheduled_job_registry.get_job_ids() == []
        assert _schedule(env) == (None, None)
        # The sweep finds no lost schedule either: nothing is queued for the tenant.
        jobs.redis.delete(PULL_MARKER.format(tenant="acme"))
        sweep()
        state.db.session.remove()
        assert not jobs.redis.exists(PULL_MARKER.format(tenant="acme"))
    assert _queued_pulls(env) == 0

    # Not set (None) is not 0: the application's 60 seconds apply, and the sweep resumes it.
    _set_interval(env, None)
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        sweep()
        state.db.session.remove()
    assert _queued_pulls(env) == 1
