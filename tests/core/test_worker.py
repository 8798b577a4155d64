"""RQ jobs run by our workers, against a real Redis, each inside the app's context."""

from __future__ import annotations

from typing import Any

import pytest
from flask import current_app
from rq import Queue
from rq.job import JobStatus

from flask_sfsync import get_state
from flask_sfsync.jobs.worker import make_worker
from flask_sfsync.services.connections import check_connection
from flask_sfsync.testing import config_for, connect, run_jobs


def blueprint_name_of_current_app() -> str:
    """A job that only works inside an app context."""
    return str(get_state(current_app).blueprint_name)


@pytest.fixture
def queued_host(make_host: Any, local_org: Any, redis_url: str) -> Any:
    config = {
        **config_for(local_org), "SFSYNC_REDIS_URL": redis_url, "SFSYNC_QUEUE_NAME": "sfsync-test"
    }
    return make_host(config)


def enqueue(func: Any, *args: Any) -> Any:
    return get_state().jobs.enqueue(func, *args)


def get_queue() -> Queue:
    return get_state().jobs.queue


def test_jobs_run_in_the_app_context(queued_host: Any) -> None:
    with queued_host.app.app_context():
        job = enqueue(blueprint_name_of_current_app)
    assert run_jobs(queued_host.app)
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "sfsync"


def test_check_connection_job_refreshes_through_the_worker(
    queued_host: Any, local_org: Any
) -> None:
    connect(queued_host.client(), local_org)
    before = queued_host.connection().access_token
    local_org.faults.expire_all_tokens()
    with queued_host.app.app_context():
        job = get_queue().enqueue(check_connection, "acme")

    run_jobs(queued_host.app)

    job.refresh()
    assert job.return_value()["status"] == "connected"
    assert job.return_value()["api_usage"] is not None
    assert queued_host.connection().access_token != before


def test_forking_worker_runs_jobs_with_an_app_context(queued_host: Any) -> None:
    with queued_host.app.app_context():
        job = enqueue(blueprint_name_of_current_app)
    worker = make_worker(queued_host.app)
    worker.work(burst=True)
    job.refresh()
    assert job.return_value() == "sfsync"


def test_worker_command_in_burst_mode(queued_host: Any) -> None:
    with queued_host.app.app_context():
        job = enqueue(blueprint_name_of_current_app)
        queue: Queue = get_queue()
    result = queued_host.app.test_cli_runner().invoke(
        args=["sfsync", "worker", "--burst", "--simple"]
    )
    assert result.exit_code == 0, result.output
    assert "sfsync worker on sfsync-test" in result.output
    job.refresh()
    assert job.return_value() == "sfsync"
    assert queue.count == 0
