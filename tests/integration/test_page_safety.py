"""The push pages as an attacker probes them: redirects, concurrent Sync Now, odd ids, huge
forms (issue 9, point 7)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from flask_sfsync.db.models import RunKind, RunStatus
from flask_sfsync.services.actions import start_full_sync
from flask_sfsync.testing import csrf_token_from

from .conftest import Env


@pytest.mark.parametrize("target", ["//evil.example/x", "/\t/evil.example", "/\\evil.example"])
def test_sync_now_never_redirects_off_the_site(env: Env, target: str) -> None:
    env.save_settings()
    response = env.post("sfsync.sync_now", {"next": target})
    assert response.status_code == 302
    assert response.location.endswith("/integrations/salesforce/sync")


def test_fifty_sync_now_at_once_start_one_full_sync(env: Env) -> None:
    env.add_contacts([{"first_name": "Ada", "last_name": "Lovelace", "email": "a@example.com"}])
    env.save_settings()
    started: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    def click() -> None:
        try:
            with env.app.app_context():
                barrier.wait()
                started.append(start_full_sync("acme")[1])
                env.models.db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert started.count(True) == 1
    with env.app.app_context():
        run = env.app.extensions["sfsync"].models.SyncRun
        active = env.models.db.session.scalar(
            sa.select(sa.func.count()).select_from(run).where(
                run.kind == RunKind.FULL.value, run.status == RunStatus.QUEUED.value
            )
        )
    assert active == 1


@pytest.mark.parametrize("bad", ["x'", "1.5", "0x1", "99999999999999999999", "1_0", " 1"])
def test_odd_contact_ids_are_404(env: Env, bad: str) -> None:
    env.add_contacts([{"first_name": "Ada", "last_name": "Lovelace", "email": "a@example.com"}])
    response = env.client.get(f"/integrations/salesforce/contacts/{bad}/history")
    assert response.status_code == 404


def _token(env: Env) -> str:
    return csrf_token_from(env.client.get("/integrations/salesforce/settings").get_data(
        as_text=True))


def test_an_odd_error_log_id_is_404(env: Env) -> None:
    huge = "/integrations/salesforce/errors/99999999999999999999/retry"
    assert env.client.post(huge, data={"csrf_token": _token(env)}).status_code == 404


def test_thousands_of_stage_values_are_refused(env: Env) -> None:
    page = env.client.get("/integrations/salesforce/settings").get_data(as_text=True)
    data: dict[str, Any] = {
        "push_as": "Lead", "sync_mode": "manual", "delete_behaviour": "leave",
        "filter_stages": "1", "stages": ["New"] * 5000, "csrf_token": csrf_token_from(page),
    }
    response = env.client.post("/integrations/salesforce/settings", data=data)
    assert response.status_code == 413
