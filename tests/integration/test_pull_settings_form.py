"""The settings page's "Pull from Salesforce" form as a person uses it: what a record deleted
in Salesforce does here, an interval of 0 (only when you press Pull now) and what it means for
the Overview and for a new connection, the Accounts note with and without a company adapter;
and the Overview's note when the schedule is stretched (a real worker, the local org's usage);
and the contact panel's words for the pull's history entries.

Through the pages (Flask test client), the real Redis queue and worker processes."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from flask_sfsync.db import tenant_settings
from flask_sfsync.jobs.keys import PULL_MARKER
from flask_sfsync.services.contact_state import (
    ContactState,
    history_text,
    last_pushed_record,
    with_history,
)
from flask_sfsync.services.pulled_delete import PULLED_DELETES, pulled_delete_of
from flask_sfsync.testing import connect

from .conftest import Env, wait_for

PULL_JOB = "flask_sfsync.jobs.tasks.pull_job"


def _section(env: Env) -> str:
    page = env.page("sfsync.sync_settings")
    return page.split('id="sfsync-pull-settings"', 1)[1].split("</form>", 1)[0]


def _card(env: Env) -> str:
    page = env.page("sfsync.integrations")
    return page.split('id="sfsync-pull-panel"', 1)[1].split("</section>", 1)[0]


def _save(env: Env, **data: str) -> Any:
    return env.post("sfsync.sync_pull_settings", data)


def _checked_delete(section: str) -> list[str]:
    return re.findall(r'<input checked[^>]*name="pulled_delete"[^>]*value="(\w+)"', section)


def _delete_choice(env: Env, tenant: str = "acme") -> str:
    with env.app.app_context():
        choice = pulled_delete_of(tenant)
        env.app.extensions["sfsync"].db.session.remove()
    return choice


def _interval(env: Env) -> int | None:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        row = tenant_settings.settings_for(state.db.session, state.models, "acme")
        value = row.pull_interval if row is not None else None
        state.db.session.remove()
    return value


def _pull_jobs(env: Env) -> int:
    with env.app.app_context():
        queue = env.app.extensions["sfsync"].jobs.queue
        return sum(1 for job in queue.jobs if job.func_name == PULL_JOB)


def _forget_queued_pulls(env: Env) -> None:
    """An empty queue and no pull marker: the next enqueue shows in the queue."""
    with env.app.app_context():
        jobs = env.app.extensions["sfsync"].jobs
        jobs.queue.empty()
        jobs.redis.delete(PULL_MARKER.format(tenant="acme"))


# -- A record deleted in Salesforce ------------------------------------------------------------

def test_the_delete_choice_is_shown_saved_and_checked(env: Env) -> None:
    section = _section(env)
    assert "A record deleted in Salesforce" in section
    for label in PULLED_DELETES.values():
        assert label in section
    assert _checked_delete(section) == ["flag"]  # the default, before any choice

    assert _save(env, pulled_delete="delete").status_code == 302
    assert _delete_choice(env) == "delete"
    assert _checked_delete(_section(env)) == ["delete"]

    # A value that is not a choice: the message beside the radios, nothing saved.
    response = _save(env, pulled_delete="purge", pull_interval="300")
    assert response.status_code == 400
    section = response.get_data(as_text=True).split('id="sfsync-pull-settings"', 1)[1]
    error = section.split('id="pulled_delete-error"', 1)[1].split("</p>", 1)[0]
    assert "Choose what happens here when a record is deleted in Salesforce." in error
    assert 'aria-describedby="pulled_delete-error"' in section
    assert _delete_choice(env) == "delete" and _interval(env) is None

    # A form posted without the radios (a script) keeps the saved choice.
    assert _save(env, pull_interval="300").status_code == 302
    assert _delete_choice(env) == "delete" and _interval(env) == 300
    assert _save(env, pulled_delete="flag").status_code == 302
    assert _delete_choice(env) == "flag"


# -- an interval of 0 ------------------------------------------------------------------------

def test_an_interval_of_0_pulls_only_when_asked_though_the_default_is_60(
    make_env: Any,
) -> None:
    env: Env = make_env(SFSYNC_PULL_INTERVAL=60)
    section = _section(env)
    assert "or 0: only when you press Pull now" in section
    assert "Leave it blank for the default (every 60 seconds)" in section

    assert _save(env, pull_interval="0").status_code == 302
    assert _interval(env) == 0
    assert 'value="0"' in _section(env)
    card = _card(env)
    assert "Only when asked" in card
    assert not re.search(r'class="sfsync-muted sfsync-pull-every"\s*>', card)  # hidden
    pull = env.status()["pull"]
    assert (pull["interval"], pull["custom_interval"], pull["next_pull_at"]) == (0, 0, None)

    # Other numbers under 10 are still refused, with the words that say 0 is allowed.
    response = _save(env, pull_interval="5")
    assert response.status_code == 400
    error = response.get_data(as_text=True).split('id="pull_interval-error"', 1)[1]
    assert "0 to pull only when you press Pull now" in error.split("</p>", 1)[0]
    assert _interval(env) == 0

    # Blank: the default again, and the Overview says when.
    assert _save(env, pull_interval="").status_code == 302
    assert env.status()["pull"]["interval"] == 60
    assert "(every 60 seconds)" in _card(env)


def test_a_new_connection_pulls_first_unless_the_tenants_interval_is_0(
    make_env: Any,
) -> None:
    env: Env = make_env(SFSYNC_PULL_INTERVAL=60)
    assert _save(env, pull_interval="0").status_code == 302
    _forget_queued_pulls(env)
    connect(env.client, env.org)  # connecting again: as after a "Reconnect needed"
    assert _pull_jobs(env) == 0

    # Following the default (60 seconds) again: connecting starts the first pull.
    assert _save(env, pull_interval="").status_code == 302
    _forget_queued_pulls(env)
    connect(env.client, env.org)
    assert _pull_jobs(env) == 1


# -- the Accounts note --------------------------------------------------------------------------

def test_without_a_company_adapter_accounts_are_only_mirrored(make_env: Any) -> None:
    env: Env = make_env(NO_COMPANIES=True)
    section = _section(env)
    assert "For now Accounts are only mirrored, as companies: no contact is created" in section
    assert "matched to your companies" not in section


# -- the schedule's note on the Overview -------------------------------------------------------

def test_the_overview_says_why_the_next_pull_is_later(make_env: Any) -> None:
    env: Env = make_env(SFSYNC_PULL_INTERVAL=60, SFSYNC_PULL_STRETCH_MAX=900)
    env.save_settings()
    assert env.status()["pull"]["schedule_note"] is None
    assert 'class="sfsync-schedule-note" hidden' in _card(env)

    env.org.faults.set_daily_limit(10_000)
    env.org.usage.reset(7650)  # others used 85% of the 9,000 calls we leave the org under
    env.workers.start()
    assert env.post("sfsync.sync_pull_now").status_code == 302
    note = wait_for(lambda: env.status()["pull"]["schedule_note"], 60, "the stretched schedule")
    assert note.startswith("API budget 85% used: pulling every ")
    card = _card(env)
    shown = card.split('class="sfsync-schedule-note"', 1)[1].split("</span>", 1)[0]
    assert not shown.startswith(" hidden") and note in shown
    # The schedule's own row is not an object: the card and the JSON list the three only.
    assert "(schedule)" not in card
    assert [o["sobject"] for o in env.status()["pull"]["objects"]] == [
        "Lead", "Contact", "Account"]

    # Pulls only when asked from now on: no schedule, so no note about it.
    assert _save(env, pull_interval="0").status_code == 302
    assert env.status()["pull"]["schedule_note"] is None
    assert 'class="sfsync-schedule-note" hidden' in _card(env)


# -- the contact panel's words for the pull's history (pure: no server) -----------------------

def _entry(status: str, action: str | None, detail: str | None, sobject: str = "Lead",
           sf_id: str = "00Q000000000001EAA") -> Any:
    """A history row's fields, as the panel reads them (never stored)."""
    return SimpleNamespace(status=status, action=action, detail=detail, sobject=sobject,
                           sf_id=sf_id)


def test_the_panel_says_what_the_pull_did_and_what_salesforce_did_to_the_record() -> None:
    converted = _entry("pulled", "converted", "now Contact 003000000000001AAA")
    assert history_text(converted) == (
        "Converted in Salesforce: Lead 00Q000000000001EAA is now Contact 003000000000001AAA")
    assert history_text(_entry("pulled", "update", "Pulled: title")) == "Pulled: title"
    assert history_text(_entry("pulled", "deleted", "Deleted in Salesforce")) == (
        "Deleted in Salesforce")
    assert history_text(_entry("skipped", None, "Skipped: no email address")) == (
        "Skipped: no email address")
    assert history_text(_entry("pushed", "update", None)) == "Pushed (update Lead)"
    assert history_text(_entry("deleted", "delete", None, sobject="")) == "Deleted (delete)"

    linked = ContactState("in_salesforce", "In Salesforce", "In step since its last push.",
                          sobject="Contact", sf_id="003000000000001AAA")
    # The company that follows a conversion is a later entry: the conversion still tells.
    company = _entry("pulled", "update", "Pulled: company")
    told = with_history(linked, [company, converted, _entry("pushed", "create", None)])
    assert told.reason == ("Linked to Contact 003000000000001AAA (converted in Salesforce "
                           "from Lead 00Q000000000001EAA).")
    # The link's last push went to the Lead it was, and the panel can say so.
    push = _entry("pushed", "create", None)
    assert last_pushed_record([company, converted, push], ("Contact", "003000000000001AAA")) == (
        "Lead", "00Q000000000001EAA")
    assert last_pushed_record([push], ("Lead", "00Q000000000001EAA")) is None
    # Pushed since: in step by that push, as the state said.
    assert with_history(linked, [_entry("pushed", "update", None), converted]) == linked
    # Another state is left as it is.
    pending = ContactState("pending", "Pending", "Queued.", sobject="Contact", sf_id="003")
    assert with_history(pending, [converted]) == pending
