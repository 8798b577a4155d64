"""What the pull's tests share: contacts pushed by a real worker, a pull as the pull job
runs it (``pull_locked`` under the app context), and the links as they are."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from flask_sfsync.services.pull import pull_locked

from .conftest import Env


def people(n: int) -> list[dict[str, object]]:
    return [
        {"first_name": "Ada", "last_name": f"Lovelace{i}", "email": f"ada{i}@example.com",
         "title": "Engineer", "stage": "New", "company": "Analytical Engines"}
        for i in range(n)
    ]


def pushed(env: Env, n: int) -> list[int]:
    """``n`` contacts pushed as Leads by Sync Now (a worker process); their ids."""
    ids = env.add_contacts(people(n))
    env.save_settings()
    env.workers.start()
    env.sync_now()
    assert env.wait_idle()["run"]["pushed"] == n
    return ids


def pull(env: Env, **kwargs: Any) -> dict[str, dict[str, int]]:
    with env.app.app_context():
        try:
            return pull_locked("acme", **kwargs)
        finally:
            env.models.db.session.remove()


def links(env: Env) -> dict[str, tuple[str, str]]:
    """host id -> (object, Salesforce id)."""
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        rows = state.db.session.execute(sa.select(
            state.models.SyncLink.host_id, state.models.SyncLink.sobject,
            state.models.SyncLink.sf_id)).all()
        return {h: (o, s) for h, o, s in rows}
