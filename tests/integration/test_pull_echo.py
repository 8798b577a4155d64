"""No echo at size: push, pull, push, pull of 10,000 contacts settles with no write on either
side beyond the first push and the edits made (a real worker pushes; pulls run as the pull
job does; the org counts every write it answers)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from .conftest import Env
from .pulling import links, people, pull

N = 10_000
EDITS = 100
WRITES = ("POST", "PATCH", "PUT", "DELETE")


def _host_digest(env: Env) -> str:
    table = env.models.Contact.__table__
    with env.app.app_context():
        rows = env.models.db.session.execute(sa.select(table).order_by(table.c.id)).all()
        env.models.db.session.remove()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def _writes(env: Env) -> list[str]:
    """Requests that change the org (a Composite of GETs is a read)."""
    return [f"{e.method} {e.path}" for e in env.org.request_log.entries()
            if e.method in WRITES and not e.path.endswith("/composite")]


def _sync_now(env: Env) -> int:
    env.sync_now()
    return int(env.wait_idle(timeout=900)["run"]["pushed"])


def test_push_pull_push_of_ten_thousand_settles_with_no_extra_writes(env: Env) -> None:
    ids = env.add_contacts(people(N))
    env.save_settings()
    env.workers.start()
    assert _sync_now(env) == N  # the one real push (Bulk API 2.0 at this size)
    linked = links(env)
    assert len(linked) == N

    # Edits in Salesforce reach the host; nothing else moves on either side.
    org = env.org.org
    edited = ids[::N // EDITS][:EDITS]
    for k, contact_id in enumerate(edited):
        org.update("Lead", linked[str(contact_id)][1], {"Title": f"Edited {k}"}, org.admin.id)
    counts = pull(env)
    assert counts["Lead"]["updated"] == EDITS and counts["Lead"]["created"] == 0
    settled = _host_digest(env)

    for _ in range(2):  # push, pull, push, pull
        env.org.request_log.clear()
        assert _sync_now(env) == 0
        assert _writes(env) == []
        again = pull(env)
        assert sum(c["created"] + c["updated"] + c["deleted"] for c in again.values()) == 0
        assert _writes(env) == []
        assert _host_digest(env) == settled
    assert len(env.records("Lead")) == N  # no second record for anyone
