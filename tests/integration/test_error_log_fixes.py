"""Failures a person can fix from the error log: plain words and a fix per entry (Salesforce's
code and message behind Details), duplicates linked to the existing record or pushed anyway,
errors grouped by category with Retry per category; CSRF, tenants and escaping as everywhere."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from .conftest import Env, wait_for

ERRORS = "/integrations/salesforce/errors"


def _entry_id(page: str, host_id: int) -> int:
    found = re.search(rf'data-entry-id="(\d+)" data-host-id="{host_id}"', page)
    assert found is not None, f"no entry of contact {host_id}"
    return int(found.group(1))


def _rows(env: Env, model: str, **where: Any) -> list[Any]:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        table = getattr(state.models, model)
        query = sa.select(table).filter_by(**where).order_by(table.id)
        rows = list(state.db.session.scalars(query))
        state.db.session.expunge_all()
        return rows


def _first_sync(env: Env, rows: list[dict[str, Any]]) -> list[int]:
    ids = env.add_contacts(rows)
    env.save_settings()
    env.workers.start()
    env.sync_now()
    env.wait_idle()
    return ids


def test_each_entry_says_what_was_refused_which_field_and_what_to_do(env: Env) -> None:
    long_title = "<script>alert(1)</script>" + "T" * 275
    ids = _first_sync(env, [
        {"first_name": "Long", "last_name": "<b>Title</b>", "email": "long@example.com",
         "title": long_title, "company": "B"},
        {"first_name": "Bad", "last_name": "Email", "email": "not-an-email", "company": "C"},
        {"first_name": "No", "last_name": None, "email": "nolast@example.com", "company": "A"},
    ])
    page = env.page("sfsync.sync_errors")
    entry = page[page.index(f'data-host-id="{ids[0]}"'):]
    entry = entry[: entry.index("</li>")]
    assert "The title is too long for Salesforce: its Lead field holds at most 128" in entry
    assert "Shorten the title to 128 characters (it has 300), then Retry." in entry
    # Salesforce's code and message behind Details, the value cut and escaped.
    details = entry[entry.index("<details"):]
    assert "STRING_TOO_LONG" in details and "(300 characters) (max length=128)" in details
    assert "T" * 41 not in page and long_title not in page
    assert "<script>" not in page and "<b>Title</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in details
    # An Edit link to the host's own record, and Retry.
    assert f'class="sfsync-button sfsync-edit" href="/contacts/{ids[0]}"' in entry
    assert "sfsync-retry" in entry
    assert "Correct the email so that it has the form name@example.com" in page
    assert "Salesforce needs a last name on every Lead, and this contact has none." in page
    # Fixed in the host, retried: resolved.
    env.edit(ids[0], title="Head of Things")
    assert env.post("sfsync.sync_retry", entry_id=_entry_id(page, ids[0]),
                    data={"next": "//evil.example/x"}).headers["Location"] == ERRORS
    wait_for(lambda: env.status()["open_errors"] == 2, what="the entry to resolve")
    history = env.page("sfsync.sync_history", host_id=str(ids[0]))
    assert "The title is too long for Salesforce" in history
    assert 'data-status="pushed"' in history and "T" * 41 not in history


def test_categories_count_filter_and_retry_their_records(env: Env) -> None:
    ids = _first_sync(env, [
        {"first_name": "Long", "last_name": "One", "email": "l1@example.com",
         "title": "T" * 200, "company": "A"},
        {"first_name": "Bad", "last_name": "Email", "email": "not-an-email", "company": "A"},
        {"first_name": "Twin", "last_name": "First", "email": "twin@example.com", "company": "A"},
        {"first_name": "Twin", "last_name": "Second", "email": "twin@example.com", "company": "A"},
    ])
    page = env.page("sfsync.sync_errors")
    counts = dict(re.findall(
        r'data-category="(\w+)">\s*<a class="sfsync-category-link"[^>]*>\s*'
        r'<span class="sfsync-category-name">[^<]*</span>\s*'
        r'<span class="sfsync-category-count">(\d+)</span>', page))
    assert counts == {"duplicates": "1", "field_values": "2"}
    assert "3 errors to fix" in page
    values = env.page("sfsync.sync_errors", category="field_values")
    shown = set(re.findall(r'data-host-id="(\d+)"', values))
    assert shown == {str(ids[0]), str(ids[1])}
    assert "Showing field values only" in values
    # Retry the field values: their two contacts (fixed meanwhile), not the duplicate.
    env.edit(ids[0], title="Short")
    env.edit(ids[1], email="good@example.com")
    response = env.post("sfsync.sync_retry_category", category="field_values",
                        data={"next": "/integrations/salesforce/errors?category=field_values"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/errors?category=field_values")
    wait_for(lambda: env.status()["open_errors"] == 1, what="the field values to resolve")
    env.wait_idle()
    [left] = _rows(env, "SyncError", resolved_at=None)
    assert left.error_code == "DUPLICATES_DETECTED" and left.attempts == 1
    assert env.post("sfsync.sync_retry_category", category="nonsense").status_code == 404
    assert env.post("sfsync.sync_retry_category", category="permissions").status_code == 302
    assert "There are no open permissions errors to retry." in env.page("sfsync.sync_errors")


def test_a_duplicate_of_another_contact_is_linked_to_its_record(env: Env) -> None:
    first, second = _first_sync(env, [
        {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
         "title": "Rear Admiral", "company": "Navy"},
        {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
         "title": "Imported", "company": "Navy"},
    ])
    [lead] = env.records("Lead")
    page = env.page("sfsync.sync_errors")
    [entry] = _rows(env, "SyncError")
    dup = second if entry.host_id == str(second) else first
    other = first if dup == second else second
    assert entry.duplicate_id == lead["Id"]
    assert "another contact here with the same email, pushed in the same sync" in page
    assert f'class="sfsync-duplicate-contact" href="/contacts/{other}"' in page
    assert "Link to the existing Salesforce record" in page and "Push anyway" in page
    assert env.post("sfsync.sync_error_link", entry_id=entry.id).status_code == 302
    # Both contacts point at the one record; the entry is resolved with no push.
    links = {link.host_id: link.sf_id for link in _rows(env, "SyncLink")}
    assert links == {str(first): lead["Id"], str(second): lead["Id"]}
    assert env.status()["open_errors"] == 0
    flashed = env.page("sfsync.sync_errors")
    assert f"Grace Hopper (#{dup}) now shares the Salesforce Lead {lead['Id']} with Grace " \
           f"Hopper (#{other}): changes of either go to that record." in flashed
    history = env.page("sfsync.sync_history", host_id=str(dup))
    assert 'data-status="linked"' in history
    assert f'the record is shared with <a class="sfsync-shared-with" href="/contacts/{other}">' \
        in history
    # The next sync finds both unchanged: the record keeps its values, no new failure.
    env.sync_now()
    status = env.wait_idle()
    assert (status["run"]["failed"], status["run"]["unchanged"]) == (0, 2)
    [same] = env.records("Lead")
    assert same["Title"] == lead["Title"]
    # A later change of the linked duplicate updates that record.
    env.edit(dup, title="Commodore")
    env.sync_now()
    env.wait_idle()
    [after] = env.records("Lead")
    assert after["Title"] == "Commodore" and env.status()["open_errors"] == 0


def test_push_anyway_saves_that_contact_past_the_alert_and_only_it(env: Env) -> None:
    _, b1, a2, b2 = _first_sync(env, [
        {"first_name": "Ann", "last_name": "One", "email": "ann@example.com", "company": "A"},
        {"first_name": "Bob", "last_name": "One", "email": "bob@example.com", "company": "B"},
        {"first_name": "Ann", "last_name": "Two", "email": "ann@example.com", "company": "A"},
        {"first_name": "Bob", "last_name": "Two", "email": "bob@example.com", "company": "B"},
    ])
    failed = {e.host_id: e for e in _rows(env, "SyncError")}
    assert set(failed) == {str(a2), str(b2)}
    # Both asked while no worker runs: one drain takes them together.
    for proc in env.workers.procs:
        proc.killed = True  # type: ignore[attr-defined]  # stopped on purpose
    env.workers.stop_all()
    assert env.post("sfsync.sync_error_push_anyway", entry_id=failed[str(a2)].id
                    ).status_code == 302
    assert env.post("sfsync.sync_retry", entry_id=failed[str(b2)].id).status_code == 302
    queued = env.page("sfsync.sync_errors")
    assert "Queued: pushing it anyway, as a record of its own." in queued
    assert queued.count("Queued to be pushed again.") == 1
    env.workers.start()
    env.wait_idle()
    emails = sorted(r["Email"] for r in env.records("Lead"))
    assert emails == ["ann@example.com", "ann@example.com", "bob@example.com"]
    left = {e.host_id: e for e in _rows(env, "SyncError", resolved_at=None)}
    assert set(left) == {str(b2)} and left[str(b2)].attempts == 2
    [ann_two] = [link for link in _rows(env, "SyncLink") if link.host_id == str(a2)]
    assert ann_two.sf_id not in {r["Id"] for r in env.records("Lead")
                                 if r["LastName"] == "One"}
    # A resolved entry is not pushed anyway a second time.
    assert env.post("sfsync.sync_error_push_anyway", entry_id=failed[str(a2)].id
                    ).status_code == 302
    assert "This entry is already resolved." in env.page("sfsync.sync_errors")
    assert env.outbox_size() == 0 and b1


def test_a_match_made_in_salesforce_can_be_linked_to(env: Env) -> None:
    _first_sync(env, [{"first_name": "Warm", "last_name": "Up", "email": "w@example.com",
                       "company": "W"}])  # the push set our fields up in the org
    org = env.org.org
    made = org.create("Lead", {"LastName": "Keller", "Company": "Own", "Email": "hk@example.com",
                               "SFSync_Id__c": "another-app-17"}, org.admin.id,
                      allow_duplicates=True)
    [contact] = env.add_contacts([{"first_name": "Helen", "last_name": "Keller",
                                   "email": "hk@example.com", "company": "Own"}])
    env.sync_now()
    env.wait_idle()
    page = env.page("sfsync.sync_errors")
    [entry] = _rows(env, "SyncError", resolved_at=None)
    assert entry.duplicate_id == made
    assert "Salesforce matched it to the Lead" in page
    assert "a record no contact here is linked to (made in Salesforce, or by another app)" in page
    assert "Link to this Salesforce record" in page
    env.post("sfsync.sync_error_link", entry_id=entry.id)
    assert f"Helen Keller (#{contact}) is now linked to the Salesforce Lead {made}" in env.page(
        "sfsync.sync_errors")
    [link] = _rows(env, "SyncLink", host_id=str(contact))
    assert (link.sobject, link.sf_id) == ("Lead", made)
    assert env.status()["open_errors"] == 0
    # Linking twice is told, not done twice.
    env.post("sfsync.sync_error_link", entry_id=entry.id)
    assert "This entry is already resolved." in env.page("sfsync.sync_errors")


def test_fixes_need_csrf_and_are_the_tenants_own(env: Env) -> None:
    _first_sync(env, [
        {"first_name": "Twin", "last_name": "A", "email": "t@example.com", "company": "T"},
        {"first_name": "Twin", "last_name": "B", "email": "t@example.com", "company": "T"},
    ])
    [entry] = _rows(env, "SyncError")
    posts = [f"{ERRORS}/{entry.id}/link", f"{ERRORS}/{entry.id}/push-anyway",
             f"{ERRORS}/retry/duplicates"]
    for url in posts:
        assert env.client.post(url).status_code == 400, url
    assert env.client.get("/test-login/2").status_code == 200  # tenant globex
    theirs = env.client.get(ERRORS).get_data(as_text=True)
    assert "DUPLICATES_DETECTED" not in theirs and 'data-category="duplicates"' not in theirs
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', theirs)
    assert token is not None
    for url in posts[:2]:
        response = env.client.post(url, data={"csrf_token": token.group(1)})
        assert response.status_code == 404, url
    # Their Retry of a category retries nothing of ours.
    env.client.post(posts[2], data={"csrf_token": token.group(1)})
    assert env.outbox_size() == 0
    assert _rows(env, "SyncError")[0].resolved_at is None
    assert env.client.post(f"{ERRORS}/99999999999999999999/link",
                           data={"csrf_token": token.group(1)}).status_code == 404
