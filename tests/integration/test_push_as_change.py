"""Switching "push as": the page says what happens to records already pushed, and the tenant
chooses between updating them and starting records of the other type."""

from __future__ import annotations

from .conftest import Env


def _push(env: Env, **settings: str) -> None:
    env.save_settings(**settings)
    env.sync_now()
    env.wait_idle()


def test_keep_updates_the_contacts_already_pushed_and_new_starts_leads(env: Env) -> None:
    (ada,) = env.add_contacts([{"first_name": "Ada", "last_name": "Lovelace",
                                "email": "ada@example.com", "title": "Analyst",
                                "company": "Engines"}])
    env.workers.start(simple=True)
    _push(env, push_as="Contact")
    assert [c["Email"] for c in env.records("Contact")] == ["ada@example.com"]

    page = env.page("sfsync.sync_settings")
    assert "Already in Salesforce:" in page and "1 as Contacts" in page

    env.edit(ada, title="Programmer")
    _push(env, push_as="Lead", type_change="keep")
    assert env.records("Lead") == []
    assert [c["Title"] for c in env.records("Contact")] == ["Programmer"]

    _push(env, push_as="Contact")  # back, then the other choice
    env.edit(ada, title="Engineer")
    _push(env, push_as="Lead", type_change="new")
    # The Contact is no longer updated; a Lead is what the push tries to make now. The org's
    # duplicate rule refuses a Lead for a person who is a Contact: the error log says so.
    assert [c["Title"] for c in env.records("Contact")] == ["Programmer"]
    errors = env.page("sfsync.sync_errors")
    assert "Create Lead" in errors and 'data-code="DUPLICATES_DETECTED"' in errors
    assert "1 as" not in env.page("sfsync.sync_settings")  # no record is linked any more
