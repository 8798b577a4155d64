"""Each contact's honest state on the host's pages: in step, pending (why), out of date (why),
skipped (why), not in Salesforce; and as badges on a list, with no API call per row."""

from __future__ import annotations

from flask_sfsync.testing import csrf_token_from

from .conftest import Env, wait_for


def _state(env: Env, contact: int) -> str:
    page = env.client.get(f"/contacts/{contact}").get_data(as_text=True)
    marker = 'id="sfsync-contact-panel" data-sync-state="'
    return page.split(marker, 1)[1].split('"', 1)[0]


def _reason(env: Env, contact: int) -> str:
    page = env.client.get(f"/contacts/{contact}").get_data(as_text=True)
    return page.split('class="sfsync-state-reason">', 1)[1].split("</p>", 1)[0]


def test_each_state_with_its_reason(env: Env) -> None:
    ada, nomail, never = env.add_contacts([
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
         "title": "Analyst", "company": "Engines"},
        {"first_name": "No", "last_name": "Mail", "company": "X"},
        {"first_name": "Late", "last_name": "Comer", "email": "late@example.com"},
    ])
    assert _state(env, ada) == "not_in_salesforce"
    env.workers.start(simple=True)
    env.save_settings(sync_mode="auto")
    env.wait_idle()
    assert _state(env, ada) == "in_salesforce"
    assert _state(env, nomail) == "skipped" and "no email" in _reason(env, nomail)

    env.edit(ada, title="T" * 300)  # longer than Salesforce's 128 for Title
    wait_for(lambda: _state(env, ada) == "out_of_date", what="the failed update")
    assert "STRING_TOO_LONG" in _reason(env, ada) or "too long" in _reason(env, ada).lower()

    # Disconnected: a change waits, and the page says why.
    env.edit(ada, title="Analyst")
    wait_for(lambda: _state(env, ada) == "in_salesforce", what="the fixed update")
    env.workers.stop_all()
    token = csrf_token_from(env.client.get("/integrations/").get_data(as_text=True))
    assert env.client.post("/integrations/salesforce/disconnect",
                           data={"csrf_token": token}).status_code == 302
    env.edit(ada, title="Countess")
    assert _state(env, ada) == "pending"
    assert "not connected" in _reason(env, ada)
    assert never


def test_badges_on_a_list_cost_no_api_call(env: Env) -> None:
    ids = env.add_contacts([
        {"first_name": f"P{i}", "last_name": "L", "email": f"p{i}@example.com"} for i in range(30)
    ])
    env.workers.start(simple=True)
    env.save_settings()
    env.sync_now()
    env.wait_idle()
    env.org.request_log.clear()
    page = env.client.get("/contacts").get_data(as_text=True)
    assert page.count('data-sync-state="in_salesforce"') == len(ids)
    assert len(env.org.request_log) == 0
