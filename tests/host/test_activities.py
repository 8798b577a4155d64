"""Activities on a contact: log, validate, tick off, edit, delete, and the team's list."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from host_demo.extensions import db
from host_demo.models import Activity

from .conftest import World, post


def only_activity(app: Flask, contact_id: int) -> Activity:
    with app.app_context():
        rows = db.session.scalars(select(Activity).where(Activity.contact_id == contact_id)).all()
        assert len(rows) == 1
        db.session.expunge(rows[0])
        return rows[0]


def test_log_a_task(app: Flask, client: FlaskClient, world: World) -> None:
    response = post(client, f"/activities/for/{world.contact_id}",
                    {"kind": "task", "subject": "Send the proposal", "body": "Two options",
                     "due_at": "2031-01-02T10:00"})
    assert response.location == f"/contacts/{world.contact_id}#activities"
    page = client.get(f"/contacts/{world.contact_id}").get_data(as_text=True)
    assert "Task logged." in page and "Send the proposal" in page
    task = only_activity(app, world.contact_id)
    assert (task.kind, task.done, task.owner_id, task.team_id) == ("task", False, world.user_id,
                                                                    world.team_id)
    assert task.due_at is not None and task.due_at.year == 2031


def test_a_logged_call_happened_now(app: Flask, client: FlaskClient, world: World) -> None:
    post(client, f"/activities/for/{world.contact_id}", {"kind": "call", "subject": "Intro call"})
    call = only_activity(app, world.contact_id)
    assert call.occurred_at is not None


def test_activity_validation_keeps_the_input(app: Flask, client: FlaskClient,
                                             world: World) -> None:
    response = post(client, f"/activities/for/{world.contact_id}",
                    {"kind": "meeting", "subject": "", "body": "Agenda: pricing",
                     "due_at": "not a date"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Subject is required." in page
    assert "Not a valid datetime value." in page
    assert "Agenda: pricing" in page and '<option selected value="meeting">' in page
    with app.app_context():
        assert db.session.scalars(select(Activity)
                                  .where(Activity.contact_id == world.contact_id)).all() == []


def test_unknown_kind_is_refused(client: FlaskClient, world: World) -> None:
    response = post(client, f"/activities/for/{world.contact_id}",
                    {"kind": "telepathy", "subject": "Hmm"})
    assert response.status_code == 400
    assert "Not a valid choice." in response.get_data(as_text=True)


def test_tick_off_edit_and_delete(app: Flask, client: FlaskClient, world: World) -> None:
    post(client, f"/activities/for/{world.contact_id}", {"kind": "task", "subject": "Call back"})
    task_id = only_activity(app, world.contact_id).id
    open_list = client.get("/activities/").get_data(as_text=True)
    assert "Call back" in open_list

    response = post(client, f"/activities/{task_id}/toggle", {"next": "/activities/"})
    assert response.location == "/activities/"
    assert only_activity(app, world.contact_id).done is True
    assert "Call back" not in client.get("/activities/").get_data(as_text=True)
    assert "Call back" in client.get("/activities/?view=done").get_data(as_text=True)

    response = post(client, f"/activities/{task_id}/edit",
                    {"kind": "task", "subject": "Call back on Monday", "done": "y"})
    assert response.location == f"/contacts/{world.contact_id}"
    assert only_activity(app, world.contact_id).subject == "Call back on Monday"

    post(client, f"/activities/{task_id}/delete")
    with app.app_context():
        assert db.session.get(Activity, task_id) is None


def test_toggle_never_redirects_off_site(app: Flask, client: FlaskClient, world: World) -> None:
    post(client, f"/activities/for/{world.contact_id}", {"kind": "task", "subject": "X"})
    task_id = only_activity(app, world.contact_id).id
    response = post(client, f"/activities/{task_id}/toggle", {"next": "//evil.example/"})
    assert response.location == "/activities/"


def test_list_filters_by_kind(client: FlaskClient, world: World) -> None:
    post(client, f"/activities/for/{world.contact_id}", {"kind": "call", "subject": "Ring ring"})
    post(client, f"/activities/for/{world.contact_id}",
         {"kind": "email", "subject": "You got mail"})
    page = client.get("/activities/?view=all&kind=email").get_data(as_text=True)
    assert "You got mail" in page and "Ring ring" not in page


def test_deleting_a_contact_deletes_its_activities(app: Flask, client: FlaskClient,
                                                   world: World) -> None:
    post(client, f"/activities/for/{world.contact_id}", {"kind": "note", "subject": "Likes tea"})
    task_id = only_activity(app, world.contact_id).id
    post(client, f"/contacts/{world.contact_id}/delete")
    with app.app_context():
        assert db.session.get(Activity, task_id) is None
