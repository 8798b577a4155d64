"""The pull end to end: the local org over HTTPS, the host's database, a real worker for the
push; pulls run as the pull job does (``pull_locked`` under the app context)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from flask_sfsync.db.errorlog import contact_history
from flask_sfsync.emulator.store.convert import LeadConvert

from .conftest import Env
from .pulling import links, pull, pushed


def _contact(env: Env, contact_id: int) -> Any:
    with env.app.app_context():
        contact = env.models.db.session.get(env.models.Contact, contact_id)
        env.models.db.session.expunge_all()
        return contact






def _second_sync_pushes(env: Env) -> int:
    env.sync_now()
    run = env.wait_idle()["run"]
    return int(run["pushed"])


def test_our_own_push_coming_back_is_no_change_and_is_not_pushed_again(env: Env) -> None:
    pushed(env, 5)
    counts = pull(env)
    assert counts["Lead"]["updated"] == 0 and counts["Lead"]["created"] == 0
    assert counts["Lead"]["skipped"] == 5  # seen, equal to the host: nothing to write
    assert _second_sync_pushes(env) == 0
    # Idempotent: a second pull reads the lookback window again and applies nothing.
    again = pull(env)
    assert again["Lead"] == {"created": 0, "updated": 0, "deleted": 0, "skipped": 0,
                             "failed": 0}


def test_an_edit_in_salesforce_reaches_the_host_and_is_not_echoed(env: Env) -> None:
    ids = pushed(env, 3)
    pull(env)
    lead_id = links(env)[str(ids[0])][1]
    org = env.org.org
    org.update("Lead", lead_id, {"Title": "Chief Engineer", "Phone": "+1 555 0100"},
               org.admin.id)
    counts = pull(env)
    assert counts["Lead"]["updated"] == 1
    contact = _contact(env, ids[0])
    assert (contact.title, contact.phone) == ("Chief Engineer", "+1 555 0100")
    assert _contact(env, ids[1]).title == "Engineer"
    # The host now holds Salesforce's values: a push sends nothing back.
    assert _second_sync_pushes(env) == 0


def test_a_host_edit_waiting_to_be_pushed_wins_over_older_salesforce_data(env: Env) -> None:
    ids = pushed(env, 2)
    pull(env)
    lead_id = links(env)[str(ids[0])][1]
    org = env.org.org
    org.update("Lead", lead_id, {"Phone": "+1 555 0199"}, org.admin.id)
    env.save_settings(sync_mode="auto")
    env.workers.stop_all()  # the host's edit waits in the outbox
    env.edit(ids[0], title="Host Title")
    counts = pull(env)
    contact = _contact(env, ids[0])
    # Salesforce changed the phone only: the host takes it; the title it changed stays.
    assert (contact.title, contact.phone) == ("Host Title", "+1 555 0199")
    assert counts["Lead"]["updated"] == 1


def test_conversion_moves_the_link_and_pushes_go_to_the_contact(env: Env) -> None:
    ids = pushed(env, 2)
    pull(env)
    lead_id = links(env)[str(ids[0])][1]
    org = env.org.org
    result = org.convert_lead(LeadConvert(lead_id, create_opportunity=False), org.admin.id)
    contact_sf_id = result.contact_id
    pull(env)
    assert links(env)[str(ids[0])] == ("Contact", contact_sf_id)
    # The contact's history says it was a conversion (the Contact is read before the Lead).
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        history, _ = contact_history(state.db.session, state.models, "acme", str(ids[0]), 10)
        actions = [(h.action, h.detail) for h in history]
        state.db.session.remove()
    assert ("converted", f"now Contact {contact_sf_id}") in actions
    env.edit(ids[0], title="After conversion")
    assert _second_sync_pushes(env) == 1
    _, contact = org.get_record(contact_sf_id) or ("", {})
    assert contact["title"] == "After conversion"


def test_a_deleted_record_unlinks_and_a_merge_moves_to_the_master(env: Env) -> None:
    ids = pushed(env, 3)
    pull(env)
    linked = links(env)
    org = env.org.org
    org.delete(linked[str(ids[0])][1], org.admin.id)
    master, loser = linked[str(ids[1])][1], linked[str(ids[2])][1]
    org.merge("Lead", master, [loser], org.admin.id)
    counts = pull(env)
    assert counts["Lead"]["deleted"] == 2
    after = links(env)
    assert str(ids[0]) not in after
    assert after[str(ids[2])] == ("Lead", master)
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        row = state.db.session.scalar(sa.select(state.models.MirrorRecord).where(
            state.models.MirrorRecord.sf_id == linked[str(ids[0])][1]))
        assert row.is_deleted and row.host_id == str(ids[0])  # "Deleted in Salesforce"


def test_records_matching_no_contact_create_one_only_when_shown(env: Env) -> None:
    pushed(env, 1)
    org = env.org.org
    org.create("Lead", {"LastName": "Hopper", "FirstName": "Grace", "Company": "Navy",
                        "Email": "grace@navy.example"}, org.admin.id)
    assert pull(env)["Lead"]["created"] == 0
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        session = state.db.session
        session.execute(sa.update(state.models.PullState).values(show_in_host=True))
        session.commit()
    assert pull(env, full=True)["Lead"]["created"] == 1
    with env.app.app_context():
        m = env.models
        made = m.db.session.scalar(sa.select(m.Contact).where(
            m.Contact.email == "grace@navy.example"))
        assert made is not None and (made.team, made.first_name) == ("acme", "Grace")
    assert _second_sync_pushes(env) == 0  # it came from Salesforce: nothing to send back


def test_a_lead_with_a_contacts_email_does_not_take_the_contact(env: Env) -> None:
    ids = pushed(env, 1)
    pull(env)
    org = env.org.org
    contact_id = org.create("Contact", {"LastName": "Lovelace0", "Email": "ADA0@example.com"},
                            org.admin.id, allow_duplicates=True)
    pull(env)
    # The Contact wins over the Lead that had the same email.
    assert links(env)[str(ids[0])] == ("Contact", str(contact_id))


def test_flaky_salesforce_gives_the_same_end_state(env: Env) -> None:
    ids = pushed(env, 4)
    org = env.org.org
    linked = links(env)
    for i, contact_id in enumerate(ids):
        org.update("Lead", linked[str(contact_id)][1], {"Title": f"Title {i}"}, org.admin.id)
    env.org.faults.error_rate(0.2, "503")
    env.org.faults.fail_next(2, "/services/data", kind="503")
    try:
        counts = pull(env)
    finally:
        env.org.faults.clear()
    assert counts["Lead"]["updated"] == 4
    assert [_contact(env, c).title for c in ids] == [f"Title {i}" for i in range(4)]


def test_the_watermark_moves_with_what_was_applied(env: Env) -> None:
    pushed(env, 3)
    pull(env)
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        row = state.db.session.get(state.models.PullState, ("acme", "Lead"))
        newest = max(r["SystemModstamp"] for r in env.records("Lead"))
        assert row.watermark_stamp == newest.replace(tzinfo=row.watermark_stamp.tzinfo)
        assert row.last_pull_at is not None
        # Another tenant's pull state is its own (nothing was pulled for it).
        assert state.db.session.get(state.models.PullState, ("globex", "Lead")) is None



def test_a_pull_failure_without_a_host_contact_shows_in_the_error_log(env: Env) -> None:
    pushed(env, 1)
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        now = datetime.now(UTC)
        state.db.session.add(state.models.SyncError(
            tenant_id="acme", host_id="", action="pull", sobject="Lead",
            sf_id="00Q000000000001AAA", error_code="HOST_REFUSED_VALUE",
            message="Title is 401 characters; this app keeps at most 400", fields="title",
            attempts=1, created_at=now, last_seen_at=now))
        state.db.session.commit()
        state.db.session.remove()
    page = env.page("sfsync.sync_errors")
    assert "Title is 401 characters" in page


def test_undelete_links_the_record_again(env: Env) -> None:
    ids = pushed(env, 1)
    pull(env)
    lead_id = links(env)[str(ids[0])][1]
    org = env.org.org
    org.delete(lead_id, org.admin.id)
    pull(env)
    assert str(ids[0]) not in links(env)
    org.undelete(lead_id, org.admin.id)
    pull(env)
    assert links(env)[str(ids[0])] == ("Lead", lead_id)
    # The next push goes to that record (once: a new link sends the contact's values).
    assert _second_sync_pushes(env) == 1
    assert [r["Id"] for r in env.records("Lead")] == [lead_id]
