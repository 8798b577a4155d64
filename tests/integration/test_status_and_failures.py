"""The Integrations page's progress panel, pauses for API limits, Reconnect needed, fields."""

from __future__ import annotations

import re
from typing import Any

from flask_sfsync.testing import connect

from .conftest import Env, wait_for


def _people(n: int, title: str = "v1") -> list[dict[str, object]]:
    return [{"first_name": "Mary", "last_name": f"Jackson{i}", "email": f"mary{i}@example.com",
             "title": title, "company": "Langley"} for i in range(n)]


def test_integrations_page_shows_progress_and_disables_sync_now_while_running(
    make_env: Any,
) -> None:
    env: Env = make_env(SFSYNC_BULK_THRESHOLD=100_000, SFSYNC_PUSH_PAGE_SIZE=200)
    env.add_contacts(_people(800))
    env.save_settings()
    # Slow answers keep the run going while the page is read and Sync Now pressed again
    # (three more pages of 200, a second each), however loaded the machine is.
    env.org.faults.latency(1.0)
    env.workers.start()
    env.sync_now()
    running = wait_for(lambda: (s := env.status())["syncing"] and s["run"]["done"] > 0 and s,
                       what="a sync in progress")
    assert 0 < running["run"]["done"] < running["run"]["total"] == 800
    page = env.page("sfsync.integrations")
    assert 'id="sfsync-sync-panel"' in page and 'data-syncing="true"' in page
    assert re.search(r'sfsync-sync-now"[^>]*disabled', page)
    # A second Sync Now while one runs starts nothing new.
    env.sync_now()
    env.org.faults.latency(0)
    done = env.wait_idle()
    assert done["run"]["id"] == running["run"]["id"]
    assert (done["run"]["pushed"], done["run"]["percent"]) == (800, 100)
    page = env.page("sfsync.integrations")
    assert 'data-syncing="false"' in page and "Last sync" in page
    assert '<strong class="sfsync-count-pushed">800</strong>' in page


def test_daily_limit_pauses_with_a_message_then_resumes(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_LIMIT_PAUSE=3)
    [first, *_] = env.add_contacts(_people(5))
    env.workers.start()
    env.save_settings(sync_mode="auto")
    env.wait_idle()
    env.org.faults.set_daily_limit(1)  # the org's daily limit is spent (by someone)
    env.edit(first, title="after the limit")
    paused = wait_for(lambda: (s := env.status())["paused_until"] and s, what="the pause")
    assert "daily API limit" in paused["pause_reason"]
    assert "daily API limit" in env.page("sfsync.integrations")
    env.org.faults.set_daily_limit(1_000_000)
    wait_for(lambda: any(r["Title"] == "after the limit" for r in env.records("Lead")),
             what="the change after the pause")
    assert env.status()["paused_until"] is None


def test_api_budget_pauses_before_salesforce_refuses(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_API_BUDGET_SHARE=0.0001, SFSYNC_BULK_THRESHOLD=100_000)
    env.org.faults.set_daily_limit(100_000)  # our share: 10 calls a day
    env.add_contacts(_people(3000))
    env.save_settings()
    env.workers.start()
    env.sync_now()
    paused = wait_for(lambda: (s := env.status())["paused_until"] and s, what="the pause")
    assert "API budget" in paused["pause_reason"]
    assert paused["run"]["status"] == "paused" and paused["syncing"]
    assert len(env.org.request_log) < 40


def test_refused_refresh_token_stops_and_shows_reconnect_needed(env: Env) -> None:
    [first, *_] = env.add_contacts(_people(3))
    env.workers.start()
    env.save_settings(sync_mode="auto")
    env.wait_idle()
    env.org.tokens.revoke_user(env.org.org.users[0].id)  # e.g. an admin revoked our app
    env.org.faults.expire_all_tokens()
    env.edit(first, title="needs reconnect")
    wait_for(lambda: env.status()["connection"] == "reconnect_needed", what="Reconnect needed")
    page = env.page("sfsync.integrations")
    assert "Reconnect needed" in page
    assert env.outbox_size() == 1  # the change waits for the new connection
    connect(env.client, env.org)
    wait_for(lambda: any(r["Title"] == "needs reconnect" for r in env.records("Lead")),
             what="the change after reconnecting")


def test_fields_are_created_on_connect_and_listed(env: Env) -> None:
    env.workers.start()
    wait_for(lambda: "data-state=" in env.page("sfsync.sync_settings"), what="the field setup")
    page = env.page("sfsync.sync_settings")
    for sobject in ("Contact", "Lead"):
        assert f'data-field="{sobject}.SFSync_Id__c" data-state="created"' in page
    response = env.post("sfsync.sync_fields")
    assert response.status_code == 302
    page = env.page("sfsync.sync_settings")
    assert "they all exist already" in page
    # Only what the host maps: this host has no notes, meeting date, tags or phones list.
    assert "SFSync_Notes__c" not in page
    described = env.org.salesforce().Lead.describe()
    ours = sorted(f["name"] for f in described["fields"] if f["name"].startswith("SFSync_"))
    assert ours == ["SFSync_Id__c"]


def test_without_permission_to_create_fields_it_says_so_and_still_pushes(env: Env) -> None:
    standard = next(u for u in env.org.org.users if u.is_active and not u.is_admin)
    connect(env.client, env.org, username=standard.username, password=standard.password)
    (ada,) = env.add_contacts([{"first_name": "Ada", "last_name": "Lovelace",
                                "email": "ada@example.com", "title": "Analyst",
                                "company": "Engines"}])
    env.workers.start()
    wait_for(lambda: "may not create custom fields" in env.page("sfsync.sync_settings"),
             what="the field setup to report the missing permission")
    assert env.org.org.object_def("Lead").field("SFSync_Id__c") is None

    env.save_settings()
    env.sync_now()
    env.wait_idle()
    env.edit(ada, title="Mathematician")
    env.sync_now()
    env.wait_idle()
    leads = env.records("Lead")
    assert [(r["Email"], r["Title"]) for r in leads] == [("ada@example.com", "Mathematician")]
    assert leads[0]["OwnerId"] == standard.id


def test_a_field_setup_that_failed_at_connect_is_done_before_the_first_push(env: Env) -> None:
    (ada,) = env.add_contacts([{"first_name": "Ada", "last_name": "Lovelace",
                                "email": "ada@example.com", "company": "Engines"}])
    env.org.faults.fail_next(1000, "/tooling", "503")  # Salesforce's setup API is down
    env.workers.start()
    wait_for(lambda: "could not be checked" in env.page("sfsync.sync_settings"),
             what="the field setup to give up")
    assert env.org.org.object_def("Lead").field("SFSync_Id__c") is None

    env.org.faults.clear()
    env.save_settings()
    env.sync_now()
    env.wait_idle()
    (lead,) = env.records("Lead")
    assert lead["SFSync_Id__c"] == f"acme-{ada}"
    assert 'data-field="Lead.SFSync_Id__c" data-state="created"' in env.page(
        "sfsync.sync_settings"
    )
