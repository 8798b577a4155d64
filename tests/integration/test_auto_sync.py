"""Auto Sync: change tracking in the host's transaction, drains after commit, deletes."""

from __future__ import annotations

import sqlalchemy as sa

from flask_sfsync.db.tracking import queue_contacts
from flask_sfsync.signals import contacts_changed

from .conftest import Env, wait_for


def _contact(i: int, **extra: object) -> dict[str, object]:
    return {"first_name": "Alan", "last_name": f"Turing{i}", "email": f"alan{i}@example.com",
            "company": "Bletchley", **extra}


def _lead(env: Env, email: str) -> dict[str, object] | None:
    return next((r for r in env.records("Lead") if r["Email"] == email), None)


def test_enabling_auto_sync_pushes_everything_then_each_change(env: Env) -> None:
    [first, second] = env.add_contacts([_contact(1), _contact(2)])
    env.workers.start(simple=True)
    env.save_settings(sync_mode="auto")
    status = env.wait_idle()
    assert status["auto_sync"] and status["run"]["kind"] == "full"
    assert len(env.records("Lead")) == 2
    env.edit(first, title="Cryptanalyst", phone="+44 1908 640404")
    wait_for(lambda: (lead := _lead(env, "alan1@example.com")) and lead["Title"] == "Cryptanalyst")
    # A new contact, and a company renamed: its contacts' Leads follow.
    [third] = env.add_contacts([_contact(3)])
    wait_for(lambda: _lead(env, "alan3@example.com"))
    with env.app.app_context():
        for company in env.models.db.session.scalars(sa.select(env.models.Company)):
            company.name = "GCHQ"
        env.models.db.session.commit()
    wait_for(lambda: all(r["Company"] == "GCHQ" for r in env.records("Lead")))
    assert len(env.records("Lead")) == 3
    # The per-contact history on our page.
    history = env.page("sfsync.sync_history", host_id=str(first))
    assert history.count('data-status="pushed"') >= 2
    assert second and third


def test_rolled_back_changes_are_not_pushed_and_savepoints_keep_the_rest(env: Env) -> None:
    [kept, undone] = env.add_contacts([_contact(1), _contact(2)])
    env.save_settings(sync_mode="auto")
    with env.app.app_context():
        db, contact = env.models.db, env.models.Contact
        db.session.get(contact, kept).title = "Kept"
        with db.session.begin_nested():
            db.session.get(contact, undone).title = "Savepoint kept"
        try:
            with db.session.begin_nested():
                db.session.get(contact, undone).phone = "000"
                db.session.flush()
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        db.session.commit()
        db.session.get(contact, kept).title = "Never committed"
        db.session.flush()
        db.session.rollback()
    env.workers.start()
    env.wait_idle()
    leads = {r["Email"]: r for r in env.records("Lead")}
    assert leads["alan1@example.com"]["Title"] == "Kept"
    assert leads["alan2@example.com"]["Title"] == "Savepoint kept"
    assert leads["alan2@example.com"].get("Phone") is None


def test_deleted_contacts_follow_the_delete_setting(env: Env) -> None:
    [gone, left] = env.add_contacts([_contact(1), _contact(2)])
    env.workers.start()
    env.save_settings(sync_mode="auto", delete_behaviour="delete")
    env.wait_idle()
    with env.app.app_context():
        db = env.models.db
        db.session.delete(db.session.get(env.models.Contact, gone))
        db.session.commit()
    wait_for(lambda: _lead(env, "alan1@example.com") is None)
    env.save_settings(sync_mode="auto", delete_behaviour="leave")
    with env.app.app_context():
        db = env.models.db
        db.session.delete(db.session.get(env.models.Contact, left))
        db.session.commit()
    env.wait_idle()
    assert _lead(env, "alan2@example.com") is not None


def test_changes_outside_the_orm_are_queued_by_the_documented_calls(env: Env) -> None:
    [one, two] = env.add_contacts([_contact(1), _contact(2)])
    env.workers.start()
    env.save_settings(sync_mode="manual")
    env.sync_now()
    env.wait_idle()
    with env.app.app_context():
        db, contact = env.models.db, env.models.Contact
        db.session.execute(sa.update(contact).where(contact.id == one).values(title="Bulk"))
        queue_contacts("acme", [one])
        db.session.execute(sa.update(contact).where(contact.id == two).values(title="Signal"))
        contacts_changed.send(env.app, tenant_id="acme", ids=[two])
        db.session.commit()
    wait_for(lambda: {r["Title"] for r in env.records("Lead")} == {"Bulk", "Signal"})


def test_each_auto_sync_edit_costs_one_api_call_in_a_forking_worker(env: Env) -> None:
    """Every drain runs in a new work horse; the describe is shared through Redis, so an edit
    costs the write that carries it and nothing more."""
    [contact] = env.add_contacts([_contact(1)])
    env.workers.start()  # RQ's forking worker: a new process per job
    env.save_settings(sync_mode="auto")
    env.wait_idle()
    for n, title in enumerate(["Mathematician", "Cryptanalyst", "Philosopher"]):
        env.org.request_log.clear()
        env.edit(contact, title=title)
        wait_for(lambda t=title: (lead := _lead(env, "alan1@example.com")) and lead["Title"] == t)
        env.wait_idle()
        calls = [(e.method, e.path) for e in env.org.request_log]
        assert len(calls) == 1, (n, calls)
        assert calls[0][0] == "PATCH" and calls[0][1].endswith("/composite/sobjects")
