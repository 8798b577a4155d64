"""The error log's Retry of the pull's entries (a Salesforce value this app refused): it pulls
those Salesforce records again, in one pull job; it never puts a contact in the push's outbox.
Push entries keep their push Retry; Retry all and a category's Retry send each entry its own
way. Each tenant retries only its own entries.

The entries are written as the pull writes them (``action`` "pull", ``HOST_REFUSED_VALUE``,
``host_id`` "" when no contact here is the record): the test host's columns are wider than
Salesforce's, so no real pull is refused by it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue

from flask_sfsync.db.models import RunStatus
from flask_sfsync.services.actions import retry_pull_errors

from .conftest import Env, wait_for
from .pulling import links, pull, pushed

PULL_JOB = "flask_sfsync.jobs.tasks.pull_job"
TOO_LONG = "Title is 401 characters; this app keeps at most 400"


@pytest.fixture(autouse=True)
def _empty_queue(app_config: dict[str, Any]) -> None:
    """The session's tests share one queue: a job an earlier test left is not this test's."""
    Queue(app_config["SFSYNC_QUEUE_NAME"],
          connection=Redis.from_url(app_config["SFSYNC_REDIS_URL"])).empty()


def _entry(env: Env, *, host_id: str, sf_id: str, tenant: str = "acme",
           action: str = "pull", code: str = "HOST_REFUSED_VALUE",
           message: str = TOO_LONG, fields: str = "title") -> int:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        now = datetime.now(UTC)
        row = state.models.SyncError(
            tenant_id=tenant, host_id=host_id, action=action, sobject="Lead", sf_id=sf_id,
            error_code=code, message=message, fields=fields, attempts=1, created_at=now,
            last_seen_at=now)
        state.db.session.add(row)
        state.db.session.commit()
        entry_id = int(row.id)
        state.db.session.remove()
        return entry_id


def _pull_jobs(env: Env) -> list[Any]:
    with env.app.app_context():
        queue = env.app.extensions["sfsync"].jobs.queue
        return [job for job in queue.jobs if job.func_name == PULL_JOB]


def _outbox(env: Env) -> list[tuple[str, str]]:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        model = state.models.OutboxEntry
        rows = state.db.session.execute(sa.select(model.host_id, model.op)).all()
        state.db.session.remove()
        return [(h, o) for h, o in rows]


def _pull_runs(env: Env) -> list[tuple[str, str, str]]:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        model = state.models.SyncRun
        rows = state.db.session.execute(
            sa.select(model.kind, model.status, model.tenant_id)
            .where(model.direction == "pull").order_by(model.id)).all()
        state.db.session.remove()
        return [(k, s, t) for k, s, t in rows]


def _item(page: str, entry_id: int) -> str:
    return page.split(f'id="sfsync-error-{entry_id}"', 1)[1].split("</li>", 1)[0]


def _lead_of(env: Env, host_id: int) -> str:
    return links(env)[str(host_id)][1]


def test_retry_of_a_pull_entry_pulls_its_record_again_and_pushes_nothing(env: Env) -> None:
    ids = pushed(env, 2)
    pull(env)
    env.workers.stop_all()  # the jobs stay queued: what Retry asked for is there to read
    lead = _lead_of(env, ids[0])
    linked = _entry(env, host_id=str(ids[0]), sf_id=lead)
    nobody = _entry(env, host_id="", sf_id="00Q000000000099AAA",
                    message="Last name is required here and Salesforce has none",
                    fields="last_name")

    page = env.page("sfsync.sync_errors")
    item = _item(page, linked)
    # Plain words: what Salesforce has that does not fit here, and what to do.
    assert "A change to this Lead in Salesforce was not brought here" in item
    assert "the title in Salesforce is 401 characters and this app keeps at most 400" in item
    assert "Shorten the title in Salesforce to 400 characters or fewer" in item
    assert "have this app&#39;s title column widened" in item
    assert "then Retry (it pulls this record again)" in item
    assert "Salesforce refused" not in item and "Edit " not in item
    assert re.search(rf'href="[^"]*/records/Lead/{lead}"', item)
    assert re.search(rf'data-entry-id="{linked}"[^>]*data-category="field_values"', page)
    # No contact here: the record names the entry, and there is no contact history to open.
    other = _item(page, nobody)
    assert "Salesforce Lead" in other and "no contact here yet" in other
    assert "Fill in the last name on the Salesforce record" in other
    assert "sfsync-history-link" not in other and "/contacts//history" not in page

    response = env.post("sfsync.sync_retry", entry_id=linked)
    assert response.status_code == 302
    page = env.page("sfsync.sync_errors")
    assert "The Salesforce Lead is queued to be pulled again." in page
    assert "Queued: this Salesforce record is pulled again." in _item(page, linked)
    assert 'class="sfsync-button sfsync-retry' not in _item(page, linked)
    assert _outbox(env) == []  # nothing pushed: the fix is in Salesforce or in this app
    [job] = _pull_jobs(env)
    assert tuple(job.args) == ("acme", False) and job.kwargs == {"retry": [lead]}
    assert _pull_runs(env) == [("retry", RunStatus.QUEUED.value, "acme")]
    # The other entry still offers its Retry.
    assert "sfsync-retry-pull" in _item(page, nobody)


def test_retry_all_and_a_category_send_each_entry_its_own_way(env: Env) -> None:
    ids = pushed(env, 2)
    env.workers.stop_all()
    lead = _lead_of(env, ids[0])
    pulled = _entry(env, host_id=str(ids[0]), sf_id=lead)
    nobody = _entry(env, host_id="", sf_id="00Q000000000098AAA")
    # A push failure of the other contact (Salesforce's row lock: passing).
    _entry(env, host_id=str(ids[1]), sf_id=_lead_of(env, ids[1]), action="update",
           code="UNABLE_TO_LOCK_ROW", message="unable to obtain exclusive access", fields="")

    response = env.post("sfsync.sync_retry_category", category="field_values")
    assert response.status_code == 302
    page = env.page("sfsync.sync_errors")
    assert "2 Salesforce record(s) with field values errors queued to be pulled again." in page
    assert _outbox(env) == []
    [job] = _pull_jobs(env)
    assert sorted(job.kwargs["retry"]) == sorted([lead, "00Q000000000098AAA"])
    for entry in (pulled, nobody):
        assert "Queued: this Salesforce record is pulled again." in _item(page, entry)

    env.post("sfsync.sync_retry_all")
    page = env.page("sfsync.sync_errors")
    # The push's entry goes to the outbox; the pull's entries never do (no contact "" pushed).
    assert _outbox(env) == [(str(ids[1]), "retry")]
    assert "1 contact(s) queued to be pushed again" in page
    assert "Salesforce record(s) queued to be pulled again" in page


def test_another_tenant_cannot_retry_and_the_form_needs_its_token(env: Env) -> None:
    pushed(env, 1)
    env.workers.stop_all()
    entry = _entry(env, host_id="", sf_id="00Q000000000097AAA")
    response = env.client.post(f"/integrations/salesforce/errors/{entry}/retry")
    assert response.status_code == 400  # no CSRF token
    assert _pull_jobs(env) == []

    assert env.client.get("/test-login/2").status_code == 200  # globex
    assert env.post("sfsync.sync_retry", entry_id=entry).status_code == 404
    env.post("sfsync.sync_retry_all")
    assert "There is nothing to retry." in env.page("sfsync.sync_errors")
    assert _pull_jobs(env) == [] and _pull_runs(env) == []
    with env.app.app_context():
        assert retry_pull_errors("globex", [entry]) == 0  # the service is tenant-scoped too
        env.models.db.session.remove()
    assert _pull_jobs(env) == []


def test_a_retry_the_queue_cannot_take_shows_retry_again(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    entry = _entry(env, host_id="", sf_id="00Q000000000096AAA")
    response = env.post("sfsync.sync_retry", entry_id=entry)
    assert response.status_code == 302
    page = env.page("sfsync.sync_errors")
    assert "The pull could not be queued (the job queue is unavailable)" in page
    assert "sfsync-retry-pull" in _item(page, entry)  # not shown as queued
    assert _pull_runs(env) == [("retry", RunStatus.STOPPED.value, "acme")]


def test_a_retried_pull_entry_resolves_once_its_record_applies(env: Env) -> None:
    """End to end: the worker's pull of the retried record (its value fits now: the host's
    column was widened) resolves the entry, and History shows the Retry's pull run."""
    ids = pushed(env, 1)
    pull(env)
    lead = _lead_of(env, ids[0])
    env.org.org.update("Lead", lead, {"Title": "Chief Engineer"}, env.org.org.admin.id)
    entry = _entry(env, host_id=str(ids[0]), sf_id=lead)
    assert env.post("sfsync.sync_retry", entry_id=entry).status_code == 302
    wait_for(lambda: env.status()["open_errors"] == 0, what="the retried entry to resolve")
    page = env.page("sfsync.sync_page")
    row = page.split('data-direction="pull"', 1)[1].split("</tr>", 1)[0]
    assert "Records retried from the error log" in row and "finished" in row
    assert _outbox(env) == []
