"""Sync Now end to end: settings page, worker process, progress, the org's records."""

from __future__ import annotations

from .conftest import Env, wait_for


def _people(n: int, start: int = 0) -> list[dict[str, object]]:
    return [
        {"first_name": "Ada", "last_name": f"Lovelace{i}", "email": f"ada{i}@example.com",
         "title": "Engineer", "stage": "New", "company": "Analytical Engines"}
        for i in range(start, start + n)
    ]


def test_nothing_is_pushed_until_the_settings_are_saved(env: Env) -> None:
    env.add_contacts(_people(3))
    page = env.page("sfsync.sync_settings")
    assert "Pushes are off until you save these settings" in page
    response = env.post("sfsync.sync_now")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings")
    assert env.status()["run"] is None


def test_sync_now_pushes_every_contact_as_a_lead(env: Env) -> None:
    ids = env.add_contacts(_people(25))
    env.add_contacts([{"first_name": "No", "last_name": "Mail", "company": "X"}])
    env.save_settings()
    env.workers.start()
    env.sync_now()
    status = env.wait_idle()
    run = status["run"]
    assert (run["status"], run["pushed"], run["skipped"], run["failed"]) == ("finished", 25, 1, 0)
    leads = {r["Email"]: r for r in env.records("Lead")}
    assert len(leads) == 25
    first = leads["ada0@example.com"]
    assert (first["LastName"], first["Company"], first["Title"], first["LeadSource"]) == (
        "Lovelace0", "Analytical Engines", "Engineer", "Web"
    )
    assert first["Status"] == "Open - Not Contacted"
    # The custom fields were created when the org was connected; upserts used the external ID.
    assert first["SFSync_Id__c"] == f"acme-{ids[0]}"
    sync_page = env.page("sfsync.sync_page")
    assert "Skipped: no email address" in sync_page and "No Mail" in sync_page
    assert status["last_sync_at"] is not None
    # Sync Now again: nothing changed, so nothing is sent and nothing is duplicated.
    calls = len(env.org.request_log)
    env.sync_now()
    again = wait_for(lambda: (s := env.status())["run"]["id"] != run["id"]
                     and not s["syncing"] and s)
    assert (again["run"]["pushed"], again["run"]["unchanged"]) == (0, 25)
    assert len(env.records("Lead")) == 25
    assert len(env.org.request_log) - calls <= 3


def test_push_as_contacts_with_their_accounts(env: Env) -> None:
    grace = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.example",
             "company": "Navy"}
    env.add_contacts([*_people(3), grace])
    env.save_settings(push_as="Contact")
    env.workers.start()
    env.sync_now()
    env.wait_idle()
    accounts = {r["Name"]: r["Id"] for r in env.records("Account")}
    assert set(accounts) == {"Analytical Engines", "Navy"}
    contacts = {r["Email"]: r for r in env.records("Contact")}
    assert contacts["grace@navy.example"]["AccountId"] == accounts["Navy"]
    assert contacts["ada1@example.com"]["AccountId"] == accounts["Analytical Engines"]
    assert env.records("Lead") == []


def test_stage_filter_and_require_email_off(env: Env) -> None:
    env.add_contacts(
        [*_people(2),
         {"first_name": "Lost", "last_name": "Cause", "email": "lost@example.com",
          "stage": "Lost", "company": "Gone"},
         {"first_name": "No", "last_name": "Email", "stage": "New", "company": "Quiet"}]
    )
    env.save_settings(require_email=None, filter_stages="1", stages=["New", "Contacted"])
    env.workers.start()
    env.sync_now()
    status = env.wait_idle()
    names = sorted(r["LastName"] for r in env.records("Lead"))
    assert names == ["Email", "Lovelace0", "Lovelace1"]
    assert status["run"]["skipped"] == 1


def test_a_lead_without_company_gets_salesforces_placeholder_only_when_created(env: Env) -> None:
    (solo,) = env.add_contacts([{"first_name": "Solo", "last_name": "Trader",
                                 "email": "solo@example.com", "title": "Owner"}])
    env.save_settings()
    env.workers.start()
    env.sync_now()
    env.wait_idle()
    (lead,) = env.records("Lead")
    assert lead["Company"] == "[not provided]"
    # A person fills in the real company in Salesforce; our next update leaves it alone.
    with env.org.org.lock:
        env.org.org.update("Lead", lead["Id"], {"Company": "Solo Trading Ltd"},
                           env.org.org.admin.id)
    env.edit(solo, title="Founder")
    env.sync_now()
    env.wait_idle()
    (lead,) = env.records("Lead")
    assert (lead["Title"], lead["Company"]) == ("Founder", "Solo Trading Ltd")
