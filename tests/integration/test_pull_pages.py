"""The pull on the integration's pages: the settings' "Pull from Salesforce" section, the
Overview's Pull card with Pull now, the status JSON's "pull", and the contact states the pull
adds (Deleted in Salesforce, Potential duplicate in Salesforce); each tenant sees only its own.

Pulls run as the pull job does (``pull_locked`` under the app context), after a real push."""

from __future__ import annotations

import html
import re
from typing import Any

import sqlalchemy as sa

from flask_sfsync.db import runs
from flask_sfsync.db.models import RunKind
from flask_sfsync.db.types import utcnow
from flask_sfsync.emulator.store.convert import LeadConvert
from flask_sfsync.services.pulled_delete import pulled_delete_of
from flask_sfsync.testing import csrf_token_from

from .conftest import Env, wait_for
from .pulling import links, pull, pushed

PULL_JOB = "flask_sfsync.jobs.tasks.pull_job"


def _pull_run(env: Env, kind: RunKind, *, total: int = 0, done: int = 0,
              sobject: str | None = None, counts: dict[str, int] | None = None,
              finished: bool = False, pulled: tuple[str, ...] = ()) -> int:
    """A pull run as the pull records it (db.runs' helpers), and the objects ``pulled`` in
    it so far (their pull state's last pull: now)."""
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        session = state.db.session
        run = runs.new_pull_run(session, state.models, "acme", kind, total=total)
        session.flush()
        runs.record_pull_progress(run, done, counts or {}, sobject=sobject)
        if finished:
            runs.finish(run)
        for sobject_done in pulled:
            row = session.get(state.models.PullState, ("acme", sobject_done))
            if row is None:
                row = state.models.PullState(tenant_id="acme", sobject=sobject_done)
                session.add(row)
            row.last_pull_at = utcnow()
            row.created, row.updated, row.deleted, row.skipped, row.failed = 1, 2, 0, 3, 0
        session.commit()
        run_id = int(run.id)
        session.remove()
        return run_id


def _progress(card: str) -> str:
    return card.split('class="sfsync-pull-progress"', 1)[1].split("</div>", 1)[0]
def _pull_rows(env: Env, tenant: str = "acme") -> dict[str, Any]:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        model = state.models.PullState
        rows = state.db.session.scalars(sa.select(model).where(model.tenant_id == tenant)).all()
        found = {r.sobject: (r.show_in_host, r.last_pull_at) for r in rows}
        state.db.session.remove()
        return found


def _pull_interval(env: Env, tenant: str = "acme") -> int | None:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        row = state.db.session.get(state.models.SyncSettings, tenant)
        value = row.pull_interval if row is not None else None
        state.db.session.remove()
        return value


def _post_pull_settings(env: Env, **data: str) -> Any:
    return env.post("sfsync.sync_pull_settings", data)


def _pull_section(page: str) -> str:
    return page.split('id="sfsync-pull-settings"', 1)[1].split("</form>", 1)[0]


def _pull_card(page: str) -> str:
    return page.split('id="sfsync-pull-panel"', 1)[1].split("</section>", 1)[0]


def _row(card: str, sobject: str) -> str:
    return card.split(f'data-sobject="{sobject}"', 1)[1].split("</tr>", 1)[0]


def _cell(row: str, name: str) -> str:
    match = re.search(rf'class="sfsync-pull-{name}"[^>]*>([^<]*)<', row)
    assert match, row
    return match.group(1).strip()


def _panel(env: Env, contact: int) -> str:
    page = env.client.get(f"/contacts/{contact}").get_data(as_text=True)
    return page.split('id="sfsync-contact-panel"', 1)[1].split("</section>", 1)[0]


def _state(panel: str) -> str:
    return panel.split('data-sync-state="', 1)[1].split('"', 1)[0]


def _pull_jobs(env: Env) -> list[Any]:
    with env.app.app_context():
        queue = env.app.extensions["sfsync"].jobs.queue
        return [job for job in queue.jobs if job.func_name == PULL_JOB]


# -- settings -------------------------------------------------------------------------------

def test_the_pull_section_saves_show_in_host_and_the_interval(make_env: Any) -> None:
    # A host name with markup: shown as text, never as HTML.
    env = make_env(SFSYNC_APP_NAME="<b>Acme CRM</b>")
    page = env.page("sfsync.sync_settings")
    section = _pull_section(page)
    assert "Pull from Salesforce" in section
    assert "Show Salesforce Leads in &lt;b&gt;Acme CRM&lt;/b&gt;" in section
    assert "<b>Acme CRM</b>" not in page
    # This host has a company adapter: Accounts are matched to (or make) its companies.
    assert ("Accounts are matched to your companies in &lt;b&gt;Acme CRM&lt;/b&gt; (by "
            "website domain, then name)") in section
    assert "no contact is created from one" in section
    assert "only mirrored" not in section
    assert not re.search(r'<input checked[^>]*name="show_', section)  # off by default
    assert "only when you choose Pull now" in section  # SFSYNC_PULL_INTERVAL is 0 here

    response = _post_pull_settings(env, show_lead="1", show_account="1", pull_interval="300")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/salesforce/settings#sfsync-pull-settings")
    rows = _pull_rows(env)
    assert {o: rows[o][0] for o in rows} == {"Lead": True, "Contact": False, "Account": True}
    assert _pull_interval(env) == 300
    section = _pull_section(env.page("sfsync.sync_settings"))
    assert re.search(r'<input checked[^>]*name="show_lead"', section)
    assert not re.search(r'<input checked[^>]*name="show_contact"', section)
    assert 'value="300"' in section
    # The push's settings were not touched: they still wait to be saved.
    assert env.status()["settings_saved"] is False

    # Out of range, or not a number: the message beside the field, and nothing saved.
    for bad in ("5", "86401", "abc", "1e3", "-20", "²"):
        response = _post_pull_settings(env, show_contact="1", pull_interval=bad)
        assert response.status_code == 400, bad
        html = response.get_data(as_text=True)
        section = _pull_section(html)
        assert 'id="pull_interval-error"' in section
        assert "from 10 to 86400" in section.split('id="pull_interval-error"', 1)[1]
        assert 'aria-invalid="true"' in section
        assert "The pull settings were not saved" in section
        # The push form above is still the page's own, unaffected.
        assert "The settings were not saved" not in html
    rows = _pull_rows(env)
    assert rows["Contact"][0] is False and rows["Lead"][0] is True
    assert _pull_interval(env) == 300

    # Blank: back to the default; unchecked boxes turn off.
    assert _post_pull_settings(env, pull_interval="").status_code == 302
    assert _pull_interval(env) is None
    assert not any(on for on, _ in _pull_rows(env).values())


def test_the_pull_settings_need_the_csrf_token(env: Env) -> None:
    response = env.client.post("/integrations/salesforce/pull-settings",
                               data={"show_lead": "1", "pull_interval": "60"})
    assert response.status_code == 400
    assert not any(on for on, _ in _pull_rows(env).values())
    response = env.client.post("/integrations/salesforce/pull")
    assert response.status_code == 400
    assert _pull_jobs(env) == []


# -- the Overview ---------------------------------------------------------------------------

def test_the_overview_shows_the_last_pull_and_its_counts(env: Env) -> None:
    card = _pull_card(env.page("sfsync.integrations"))
    for sobject in ("Lead", "Contact", "Account"):
        assert "Not pulled yet" in _row(card, sobject)
    assert "Only when asked" in card  # the interval resolves to 0
    status = env.status()["pull"]
    assert status["interval"] == 0 and status["next_pull_at"] is None
    assert [o["sobject"] for o in status["objects"]] == ["Lead", "Contact", "Account"]
    assert all(o["last_pull_at"] is None and o["counts"] is None for o in status["objects"])

    ids = pushed(env, 3)
    pull(env)
    org = env.org.org
    org.update("Lead", links(env)[str(ids[0])][1], {"Title": "Chief Engineer"}, org.admin.id)
    counts = pull(env)
    assert counts["Lead"]["updated"] == 1

    card = _pull_card(env.page("sfsync.integrations"))
    lead = _row(card, "Lead")
    assert "Not pulled yet" not in lead and " UTC" in _cell(lead, "at")
    for name, value in counts["Lead"].items():
        assert _cell(lead, name) == str(value), name
    status = env.status()["pull"]
    assert status["objects"][0]["counts"] == counts["Lead"]
    assert status["objects"][0]["last_pull_at"] is not None

    # With its own interval the tenant's next pull is no longer "only when asked".
    assert _post_pull_settings(env, pull_interval="120").status_code == 302
    card = _pull_card(env.page("sfsync.integrations"))
    assert "Only when asked" not in card and "every 120 seconds" in card
    assert env.status()["pull"]["interval"] == 120


def test_pull_now_enqueues_a_full_pull_that_a_worker_runs(env: Env) -> None:
    response = env.post("sfsync.sync_pull_now")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/integrations/#sfsync-pull-panel")
    page = env.page("sfsync.integrations")
    assert "Pull started: every record is read again" in page
    jobs = _pull_jobs(env)
    assert [tuple(job.args) for job in jobs] == [("acme", True)]

    env.workers.start()
    wait_for(lambda: all(o["last_pull_at"] for o in env.status()["pull"]["objects"]),
             what="the pull to run")
    card = _pull_card(env.page("sfsync.integrations"))
    assert "Not pulled yet" not in card


def test_pull_now_is_disabled_with_its_reason_when_not_connected(env: Env) -> None:
    token = csrf_token_from(env.client.get("/integrations/").get_data(as_text=True))
    assert env.client.post("/integrations/salesforce/disconnect",
                           data={"csrf_token": token}).status_code == 302
    card = _pull_card(env.page("sfsync.integrations"))
    button = card.split('class="sfsync-button sfsync-pull-now"', 1)[1].split(">", 1)[0]
    assert "disabled" in button
    assert "Connect Salesforce to pull." in card
    response = env.post("sfsync.sync_pull_now")
    assert response.status_code == 302
    assert "Connect Salesforce before pulling." in env.page("sfsync.integrations")
    assert _pull_jobs(env) == []


# -- a pull under way, and History -------------------------------------------------------

def test_a_running_full_pull_shows_a_bar_and_each_object_where_it_is(env: Env) -> None:
    _pull_run(env, RunKind.FULL, total=500, done=120, sobject="Contact",
              counts={"created": 4, "updated": 6, "skipped": 110}, pulled=("Account",))
    card = _pull_card(env.page("sfsync.integrations"))
    progress = _progress(card)
    assert "hidden" not in progress.split(">", 1)[0]
    assert "Pulling now" in progress and "Every record (Pull now)" in progress
    assert re.search(r'<progress[^>]*max="500" value="120"', progress)
    assert "Reading Contacts: 120 of 500 records." in progress
    # Accounts were pulled in this run, Contacts are being read, Leads come next.
    assert "Reading now" in _row(card, "Contact")
    assert "Next in this pull" in _row(card, "Lead")
    assert _cell(_row(card, "Account"), "updated") == "2"

    status = env.status()
    pulled = status["pull"]
    assert pulled["running"] is True
    assert (pulled["run"]["done"], pulled["run"]["total"], pulled["run"]["percent"]) == (
        120, 500, 24)
    assert pulled["run"]["counts"] == {"created": 4, "updated": 6, "deleted": 0,
                                       "skipped": 110, "failed": 0}
    assert [o["progress"] for o in pulled["objects"]] == ["waiting", "reading", "done"]
    # The push's side sees no sync: a pull is not a push.
    assert status["syncing"] is False and status["run"] is None
    assert 'data-pulling="true"' in env.page("sfsync.integrations")  # polled fast


def test_a_pull_that_cannot_tell_its_total_counts_the_records_so_far(env: Env) -> None:
    _pull_run(env, RunKind.AUTO, done=37, sobject="Lead")
    progress = _progress(_pull_card(env.page("sfsync.integrations")))
    assert "Changes since the last pull" in progress
    assert "Reading Leads: 37 records so far." in progress
    bar = re.search(r"<progress[^>]*>", progress)
    assert bar is not None and "value=" not in bar.group(0)  # the browser's indeterminate bar
    assert env.status()["pull"]["run"]["percent"] is None


def test_after_a_pull_the_card_and_history_show_its_counts(env: Env) -> None:
    pushed(env, 1)  # a push run, for History to show beside the pull
    _pull_run(env, RunKind.FULL, total=40, done=40, finished=True,
              counts={"created": 3, "updated": 2, "deleted": 1, "skipped": 34, "failed": 0},
              pulled=("Account", "Contact", "Lead"))
    card = _pull_card(env.page("sfsync.integrations"))
    assert "hidden" in _progress(card).split(">", 1)[0]
    summary = card.split('sfsync-pull-summary ', 1)[1].split("</p>", 1)[0]
    assert "(every record (pull now)):" in summary
    assert "Finished: 3 created, 2 updated, 1 deleted, 34 skipped, 0 failed." in summary
    assert env.status()["pull"]["running"] is False

    history = env.page("sfsync.sync_page")
    pull_row = history.split('data-direction="pull"', 1)[1].split("</tr>", 1)[0]
    assert "Pull from Salesforce" in pull_row and "Every record (Pull now)" in pull_row
    assert "40 / 40 read" in pull_row and "finished" in pull_row
    for name, value in (("created", 3), ("updated", 2), ("deleted", 1), ("skipped", 34),
                        ("failed", 0)):
        assert re.search(rf'sfsync-pull-run-{name}">{name.capitalize()} <strong>{value}<',
                         pull_row), name
    push_row = history.split('data-direction="push"', 1)[1].split("</tr>", 1)[0]
    assert "<td>full</td>" in push_row and "Pull from Salesforce" not in push_row
    # The push panel's last sync is the push, not the pull.
    assert env.status()["run"]["kind"] == "full" and env.status()["run"]["pushed"] == 1


def test_a_full_push_and_a_full_pull_run_at_once(env: Env) -> None:
    env.add_contacts([{"first_name": "Ada", "last_name": "L", "email": "ada@example.com"}])
    env.save_settings()
    _pull_run(env, RunKind.FULL, total=10, done=1, sobject="Account")
    env.sync_now()  # no worker: the push waits, queued, beside the running pull
    assert "Sync started" in env.page("sfsync.integrations")
    status = env.status()
    assert status["syncing"] is True and status["run"]["kind"] == "full"
    assert status["pull"]["running"] is True
    # A pull left running by a dead worker is stopped when the next starts (the lock says
    # nobody else pulls): the one-active-full-run index does not refuse the new one.
    second = _pull_run(env, RunKind.FULL, total=10)
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        model = state.models.SyncRun
        rows = state.db.session.execute(
            sa.select(model.id, model.direction, model.status, model.message)
            .order_by(model.id)).all()
        state.db.session.remove()
    pulls = [(i, s, m) for i, d, s, m in rows if d == "pull"]
    assert [s for _, s, _ in pulls] == ["stopped", "running"] and pulls[1][0] == second
    assert "worker stopped before this pull finished" in (pulls[0][2] or "")
    assert [s for _, d, s, _ in rows if d == "push"] == ["queued"]


def test_pull_now_run_by_a_worker_shows_in_history(env: Env) -> None:
    pushed(env, 2)
    assert env.post("sfsync.sync_pull_now").status_code == 302
    wait_for(lambda: (env.status()["pull"]["run"] or {}).get("status") == "finished",
             what="the pull run to finish")
    history = env.page("sfsync.sync_page")
    pull_row = history.split('data-direction="pull"', 1)[1].split("</tr>", 1)[0]
    assert "Pull from Salesforce" in pull_row and "Every record (Pull now)" in pull_row
    assert "2 / 2 read" in pull_row or "2 read" in pull_row


# -- contact states -------------------------------------------------------------------------

def test_a_record_deleted_in_salesforce_shows_on_the_panel_and_the_list(env: Env) -> None:
    ids = pushed(env, 2)
    pull(env)
    lead_id = links(env)[str(ids[0])][1]
    org = env.org.org
    org.delete(lead_id, org.admin.id)
    assert pull(env)["Lead"]["deleted"] == 1

    panel = _panel(env, ids[0])
    assert _state(panel) == "deleted_in_salesforce"
    assert "Deleted in Salesforce" in panel
    assert "was deleted there" in panel
    # The deleted record, linked with the record URL helper (SFSYNC_RECORD_URL).
    assert re.search(rf'href="[^"]*/records/Lead/{lead_id}"', panel)
    assert _state(_panel(env, ids[1])) == "in_salesforce"

    listing = env.client.get("/contacts").get_data(as_text=True)
    assert listing.count('data-sync-state="deleted_in_salesforce"') == 1
    assert listing.count('data-sync-state="in_salesforce"') == 1


def test_two_live_records_of_one_contact_are_a_potential_duplicate(env: Env) -> None:
    ids = pushed(env, 2)
    pull(env)
    first = links(env)[str(ids[1])][1]
    org = env.org.org
    # A second Lead with the contact's email, made in Salesforce by hand.
    second = org.create(
        "Lead", {"LastName": "Lovelace1", "Company": "Analytical Engines",
                 "Email": "ada1@example.com"},
        org.admin.id, allow_duplicates=True,
    )
    pull(env)
    panel = _panel(env, ids[1])
    assert _state(panel) == "duplicate_in_salesforce", panel
    assert "Potential duplicate in Salesforce" in panel
    for sf_id in (first, str(second)):
        assert re.search(rf'href="[^"]*/records/Lead/{sf_id}"', panel), sf_id
    listing = env.client.get("/contacts").get_data(as_text=True)
    assert listing.count('data-sync-state="duplicate_in_salesforce"') == 1


def _reason(panel: str) -> str:
    return html.unescape(panel.split('class="sfsync-state-reason">', 1)[1].split("</p>", 1)[0])


def _history_lines(panel: str) -> list[str]:
    """The panel's short history, newest first, without the dates."""
    items = re.findall(r'<li data-status="[^"]*">([^<]*)</li>', panel)
    return [html.unescape(item).split(" \u00b7 ", 1)[1] for item in items]


def test_the_panel_tells_a_conversion_in_salesforce(env: Env) -> None:
    ids = pushed(env, 2)
    pull(env)
    lead_id = links(env)[str(ids[0])][1]
    org = env.org.org
    org.update("Lead", links(env)[str(ids[1])][1], {"Title": "Chief Engineer"}, org.admin.id)
    converted = org.convert_lead(LeadConvert(lead_id, create_opportunity=False), org.admin.id)
    contact_id = converted.contact_id
    pull(env)

    panel = _panel(env, ids[0])
    assert _state(panel) == "in_salesforce"
    reason = _reason(panel)
    # Never pushed as a Contact: not "in step since its last push".
    assert reason == (f"Linked to Contact {contact_id} (converted in Salesforce from Lead "
                      f"{lead_id}).")
    # The link's last push was to the Lead, and the panel says so.
    assert f"last pushed (as Lead {lead_id}) " in panel
    lines = _history_lines(panel)
    # The pull's entry in its own words (the pull reads the new Contact first, so it says
    # "Matched by email"; read the other way round it says "Converted in Salesforce").
    assert lines[0] in (f"Matched by email (Contact {contact_id})",
                        f"Converted in Salesforce: Lead {lead_id} is now Contact {contact_id}")
    assert lines[-1] == "Pushed (create Lead)"
    # A pulled field change shows what it changed.
    other = _panel(env, ids[1])
    assert _history_lines(other)[0] == "Pulled: title"
    assert _reason(other) == "In step with Salesforce since its last pull."
    # The list's badge says the same state.
    listing = env.client.get("/contacts").get_data(as_text=True)
    assert "In step since its last push" not in listing

    # The host changes it and the push reaches the Contact: in step by that push again.
    env.edit(ids[0], title="After conversion")
    env.sync_now()
    env.wait_idle()
    panel = _panel(env, ids[0])
    assert _reason(panel).startswith("In step since its last push (")
    assert "last pushed (as" not in panel
    assert _history_lines(panel)[0] == "Pushed (update Contact)"


def test_the_panel_tells_a_merge_and_a_record_made_in_salesforce(make_env: Any) -> None:
    env = make_env()
    ids = pushed(env, 2)
    pull(env)
    master, loser = links(env)[str(ids[0])][1], links(env)[str(ids[1])][1]
    org = env.org.org
    org.merge("Lead", master, [loser], org.admin.id)
    assert _post_pull_settings(env, show_lead="1").status_code == 302
    org.create("Lead", {"LastName": "Hopper", "FirstName": "Grace", "Company": "Navy",
                        "Email": "grace@navy.example"}, org.admin.id)
    pull(env)

    panel = _panel(env, ids[1])
    assert _state(panel) == "in_salesforce"
    assert _reason(panel) == (f"Merged in Salesforce into Lead {master} (Lead {loser} was "
                              "merged into it): linked to it now.")
    assert _history_lines(panel)[0] == (
        f"Merged in Salesforce: Lead {loser} is now Lead {master}")

    grace = next(h for h, (_, sf_id) in links(env).items()
                 if sf_id not in (master, loser))
    panel = _panel(env, int(grace))
    assert _reason(panel) == "In step with Salesforce since its last pull."
    line = _history_lines(panel)[0]
    assert line.startswith("Created from Salesforce (Lead ") and "Pushed" not in panel


# -- tenants --------------------------------------------------------------------------------

def test_another_tenant_sees_none_of_the_pull(env: Env) -> None:
    ids = pushed(env, 2)
    assert _post_pull_settings(env, show_lead="1", pull_interval="600").status_code == 302
    pull(env)
    org = env.org.org
    org.delete(links(env)[str(ids[0])][1], org.admin.id)
    pull(env)
    assert _state(_panel(env, ids[0])) == "deleted_in_salesforce"
    # Acme's own delete choice (after the delete above: it applies from the next one on).
    assert _post_pull_settings(env, show_lead="1", pull_interval="600",
                               pulled_delete="delete").status_code == 302

    assert env.client.get("/test-login/2").status_code == 200  # globex
    status = env.status()["pull"]
    assert all(o["last_pull_at"] is None and o["counts"] is None and not o["show_in_host"]
               for o in status["objects"])
    assert status["custom_interval"] is None
    section = _pull_section(env.page("sfsync.sync_settings"))
    assert not re.search(r'<input checked[^>]*name="show_', section)
    assert 'value="600"' not in section
    # Globex has not chosen: its deleted records are flagged (the default), not acme's choice.
    assert re.search(r'<input checked[^>]*name="pulled_delete"[^>]*value="flag"', section)
    overview = env.page("sfsync.integrations")
    assert 'class="sfsync-pull-at" data-label' not in overview  # no acme pull time
    # Globex is not connected: its Pull now says so and queues nothing.
    env.post("sfsync.sync_pull_now")
    assert "Connect Salesforce before pulling." in env.page("sfsync.integrations")
    assert _pull_jobs(env) == []
    # Its own save touches only its rows.
    assert _post_pull_settings(env, show_contact="1").status_code == 302
    assert _pull_rows(env, "globex")["Contact"][0] is True
    acme = _pull_rows(env, "acme")
    assert acme["Lead"][0] is True and acme["Contact"][0] is False
    assert _pull_interval(env, "acme") == 600
    with env.app.app_context():
        assert pulled_delete_of("acme") == "delete" and pulled_delete_of("globex") == "flag"
    # Acme's contact is not globex's: no panel with acme's states.
    page = env.client.get(f"/contacts/{ids[0]}")
    assert "deleted_in_salesforce" not in page.get_data(as_text=True)
    assert "deleted_in_salesforce" not in env.client.get("/contacts").get_data(as_text=True)
