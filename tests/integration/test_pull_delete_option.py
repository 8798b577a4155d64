"""A record deleted in Salesforce: its host contact is flagged "Deleted in Salesforce" (the
default) or, with the tenant's ``pulled_delete`` setting "delete", deleted too, unless it
changed here since the delete or Salesforce still has another record of it. Pushes by a real
worker, pulls as the pull job runs them, the local org over HTTPS."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from flask_sfsync.services.pulled_delete import pulled_delete_of, save_pulled_delete

from .conftest import Env
from .pulling import links, pull, pushed


def _contact_ids(env: Env) -> set[int]:
    with env.app.app_context():
        m = env.models
        ids = set(m.db.session.scalars(sa.select(m.Contact.id).where(m.Contact.team == "acme")))
        m.db.session.remove()
        return ids


def _state(env: Env, contact: int) -> str:
    page = env.client.get(f"/contacts/{contact}").get_data(as_text=True)
    return page.split('data-sync-state="', 1)[1].split('"', 1)[0]


def _choose(env: Env, choice: str) -> None:
    with env.app.app_context():
        try:
            save_pulled_delete("acme", choice)
            assert pulled_delete_of("acme") == choice
        finally:
            env.models.db.session.remove()


def _outbox_ops(env: Env) -> list[tuple[str, str]]:
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        model = state.models.OutboxEntry
        rows = state.db.session.execute(sa.select(model.host_id, model.op)).all()
        state.db.session.remove()
        return [(str(h), str(op)) for h, op in rows]


def _delete_in_salesforce(env: Env, *contacts: int) -> None:
    org = env.org.org
    linked = links(env)
    for contact in contacts:
        org.delete(linked[str(contact)][1], org.admin.id)


def test_flag_is_the_default_and_keeps_the_contact(env: Env) -> None:
    ids = pushed(env, 2)
    pull(env)
    with env.app.app_context():
        assert pulled_delete_of("acme") == "flag"
    _delete_in_salesforce(env, ids[0])
    assert pull(env)["Lead"]["deleted"] == 1
    assert _contact_ids(env) == set(ids)
    assert _state(env, ids[0]) == "deleted_in_salesforce"
    assert str(ids[0]) not in links(env)
    with env.app.app_context(), pytest.raises(ValueError):
        save_pulled_delete("acme", "purge")


def test_delete_deletes_the_contact_unless_it_changed_here_or_salesforce_still_has_it(
    env: Env,
) -> None:
    gone, edited, twin = pushed(env, 3)
    org = env.org.org
    # A second record for ``twin`` stays live in Salesforce.
    duplicate = org.create("Lead", {"LastName": "Lovelace2", "Company": "Analytical Engines",
                                    "Email": "ada2@example.com"}, org.admin.id,
                           allow_duplicates=True)
    pull(env)
    assert _state(env, twin) == "duplicate_in_salesforce"
    env.save_settings(sync_mode="auto")
    env.wait_idle()
    env.workers.stop_all()  # the host's edit below waits in the outbox
    _choose(env, "delete")

    _delete_in_salesforce(env, gone, edited, twin)
    env.edit(edited, title="Changed here after the delete")
    counts: dict[str, Any] = pull(env)
    assert counts["Lead"]["deleted"] == 3

    assert _contact_ids(env) == {edited, twin}
    # Deleted by a Core statement: nothing queued to push back, no Delete for Salesforce.
    assert all(host != str(gone) for host, _ in _outbox_ops(env))
    assert links(env) == {}
    kept = env.page("sfsync.sync_history", host_id=str(edited))
    assert "kept here: it changed here after the delete" in kept
    assert f"Salesforce still has Lead {duplicate}" in env.page(
        "sfsync.sync_history", host_id=str(twin))
    gone_history = env.page("sfsync.sync_history", host_id=str(gone))
    assert "Deleted in Salesforce: deleted here too" in gone_history
    # The records Salesforce deleted stay deleted: the host did not push them back.
    assert {r["Id"] for r in env.records("Lead")} == {str(duplicate)}
