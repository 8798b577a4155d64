"""Crashes, outages and a flaky Salesforce: nothing lost, nothing duplicated."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .conftest import Env, wait_for


def _people(n: int) -> list[dict[str, object]]:
    return [
        {"first_name": "Kat", "last_name": f"Johnson{i}", "email": f"kat{i}@example.com",
         "title": "v1", "company": "NASA"}
        for i in range(n)
    ]


def _exactly_once(env: Env, ids: list[int], titles: dict[int, str]) -> None:
    leads = env.records("Lead")
    by_ext = Counter(str(r["SFSync_Id__c"]) for r in leads)
    assert len(leads) == len(ids), f"{len(leads)} Leads for {len(ids)} contacts"
    assert set(by_ext) == {f"acme-{i}" for i in ids}
    assert max(by_ext.values()) == 1
    title_of = {str(r["SFSync_Id__c"]): r["Title"] for r in leads}
    for contact_id in ids:
        assert title_of[f"acme-{contact_id}"] == titles.get(contact_id, "v1")


def test_worker_killed_mid_sync_then_another_finishes_exactly_once(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_BULK_THRESHOLD=100_000, SFSYNC_PUSH_PAGE_SIZE=300)
    ids = env.add_contacts(_people(1500))
    env.org.faults.latency(0.25)  # each Collections call takes a while: time to kill mid-way
    worker = env.workers.start()
    wait_for(lambda: env.status()["settings_saved"] is False)
    env.save_settings(sync_mode="auto")  # Auto Sync: a full sync starts at once
    wait_for(lambda: (env.status()["run"] or {}).get("pushed", 0) >= 400, what="a partial push")
    env.workers.kill9(worker)
    partial = env.status()["run"]
    assert partial["status"] == "running" and partial["pushed"] < 1500
    # Edits while no worker runs: some already pushed, some not yet.
    titles = {ids[0]: "v2", ids[10]: "v2", ids[-1]: "v2", ids[-20]: "v2"}
    for contact_id, title in titles.items():
        env.edit(contact_id, title=title)
    env.org.faults.latency(0)
    env.workers.start()  # its sweep finds the dead run once the lock expired
    env.wait_idle(timeout=180)
    _exactly_once(env, ids, titles)
    runs = env.page("sfsync.sync_page")
    assert "full" in runs


def test_redis_down_while_contacts_are_edited_then_everything_arrives(
    env: Env, redis_server: Any
) -> None:
    ids = env.add_contacts(_people(20))
    env.workers.start()
    env.save_settings(sync_mode="auto")
    env.wait_idle()
    redis_server.stop()
    try:
        titles = {}
        for contact_id in ids[:10]:
            env.edit(contact_id, title="while Redis was down")  # the host's commit succeeds
            titles[contact_id] = "while Redis was down"
        [late] = env.add_contacts([{"first_name": "New", "last_name": "Comer",
                                    "email": "new@example.com", "company": "NASA"}])
    finally:
        redis_server.start()
    titles[late] = "v1"
    env.edit(late, title="v1")
    wait_for(lambda: len(env.records("Lead")) == 21, timeout=120, what="the new contact")
    env.wait_idle(timeout=120)
    _exactly_once(env, [*ids, late], titles)


def test_injected_503s_and_lock_errors_still_push_every_contact_once(env: Env) -> None:
    ids = env.add_contacts(_people(600))
    env.save_settings()
    env.org.faults.error_rate(0.2, kind="503")
    env.org.faults.error_rate(0.2, kind="UNABLE_TO_LOCK_ROW")
    env.workers.start()
    env.sync_now()
    status = env.wait_idle(timeout=180)
    assert (status["run"]["pushed"], status["run"]["failed"]) == (600, 0)
    assert status["open_errors"] == 0
    # Edits under the same faults, then Sync Now again.
    titles = {contact_id: "v2" for contact_id in ids[::7]}
    for contact_id, title in titles.items():
        env.edit(contact_id, title=title)
    env.sync_now()
    env.wait_idle(timeout=180)
    env.org.faults.clear()
    _exactly_once(env, ids, titles)
