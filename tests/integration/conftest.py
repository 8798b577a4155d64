"""End-to-end fixtures: the local org over sockets, a real Redis, real worker processes.

``env`` gives a test everything: the host app (``env.app``, its models in ``env.models``), a
logged-in test client connected to the local org through the real OAuth flow
(``env.client``), the org (``env.org``), and ``env.workers`` to start worker processes (each
``python -m tests.integration.worker``, in its own process group so ``kill -9`` takes its
work horse too).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.testing import IsolatedClient, config_for, connect, csrf_token_from

from .hostapp import CONFIG_ENV, create_app

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], Any], timeout: float = 90.0, what: str = "") -> Any:
    """Poll until ``predicate()`` is truthy; fail after ``timeout`` seconds (not a timing
    assertion: a generous bound on work that must eventually happen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or predicate}")
        time.sleep(0.1)


class Workers:
    def __init__(self, config: dict[str, Any], log_dir: Path) -> None:
        self.config = config
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *, simple: bool = False) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env[CONFIG_ENV] = json.dumps(self.config)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        args = [sys.executable, "-m", "tests.integration.worker"] + (["--simple"] if simple else [])
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.killed = False  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        """Kill the worker and its work horse at once, as a machine crash would."""
        proc.killed = True  # type: ignore[attr-defined]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


class Env:
    def __init__(self, app: Flask, org: LocalOrg, workers: Workers) -> None:
        self.app = app
        self.org = org
        self.workers = workers
        self.models = app.extensions["test_models"]
        # Each request in its own app context, also under pytest-flask (the browser tests).
        app.test_client_class = IsolatedClient
        self.client: FlaskClient = app.test_client()

    # -- the host ---------------------------------------------------------------------------
    def add_contacts(self, rows: list[dict[str, Any]], team: str = "acme") -> list[int]:
        m = self.models
        with self.app.app_context():
            companies: dict[str, Any] = {}
            contacts = []
            for row in rows:
                row = dict(row)
                name = row.pop("company", None)
                if name and name not in companies:
                    companies[name] = m.Company(team=team, name=name)
                contact = m.Contact(team=team, company=companies.get(name) if name else None, **row)
                contacts.append(contact)
            m.db.session.add_all(contacts)
            m.db.session.commit()
            return [c.id for c in contacts]

    def edit(self, contact_id: int, **values: Any) -> None:
        with self.app.app_context():
            contact = self.models.db.session.get(self.models.Contact, contact_id)
            for key, value in values.items():
                setattr(contact, key, value)
            self.models.db.session.commit()

    # -- our pages ----------------------------------------------------------------------------
    def page(self, endpoint: str, **values: Any) -> str:
        with self.app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **values)
        response = self.client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response.get_data(as_text=True)

    def post(self, endpoint: str, data: dict[str, Any] | None = None, **values: Any) -> Any:
        with self.app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **values)
            page = url_for("sfsync.sync_settings")
        token = csrf_token_from(self.client.get(page).get_data(as_text=True))
        return self.client.post(url, data={**(data or {}), "csrf_token": token})

    def save_settings(self, **overrides: Any) -> Any:
        data: dict[str, Any] = {
            "push_as": "Lead", "lead_source": "Web", "require_email": "1",
            "sync_mode": "manual", "delete_behaviour": "leave",
        }
        data.update(overrides)
        data = {k: v for k, v in data.items() if v is not None}
        response = self.post("sfsync.sync_settings", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def status(self) -> dict[str, Any]:
        response = self.client.get("/integrations/salesforce/sync/status.json")
        assert response.status_code == 200
        data: dict[str, Any] = response.get_json()
        return data

    def sync_now(self) -> None:
        response = self.post("sfsync.sync_now")
        assert response.status_code == 302

    def wait_idle(self, timeout: float = 120.0) -> dict[str, Any]:
        """Until no sync is active and nothing waits in the outbox."""
        def idle() -> dict[str, Any] | None:
            dead = [p for p in self.workers.procs if p.poll() is not None and not p.killed]
            if dead:
                raise AssertionError("a worker died:\n" + self.workers.logs()[-6000:])
            status = self.status()
            if status["syncing"] or self.outbox_size():
                return None
            return status

        try:
            return wait_for(idle, timeout, "the sync to finish")  # type: ignore[no-any-return]
        except AssertionError:
            print(self.workers.logs()[-6000:])
            raise

    def outbox_size(self) -> int:
        with self.app.app_context():
            import sqlalchemy as sa

            state = self.app.extensions["sfsync"]
            return int(
                state.db.session.scalar(
                    sa.select(sa.func.count()).select_from(state.models.OutboxEntry)
                ) or 0
            )

    # -- the org ------------------------------------------------------------------------------
    def records(self, sobject: str = "Lead") -> list[dict[str, Any]]:
        with self.org.org.lock:
            return [dict(r) for r in self.org.org.scan(sobject, False)]


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="empty") as local:
        yield local


@pytest.fixture
def app_config(tmp_path: Path, org: LocalOrg, redis_url: str) -> dict[str, Any]:
    db_url = os.environ.get("SFSYNC_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'host.db'}"
    return {
        **config_for(org),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SFSYNC_REDIS_URL": redis_url,
        "SFSYNC_QUEUE_NAME": f"sfsync-test-{os.getpid()}",
        "SFSYNC_LOCK_TIMEOUT": 4,
        "SFSYNC_SWEEP_INTERVAL": 1,
        "SFSYNC_SWEEP_AGE": 2,
        # Pulls when a test asks (the pull's own tests schedule theirs).
        "SFSYNC_PULL_INTERVAL": 0,
        "SFSYNC_RETRY_BASE_DELAY": 0.02,
        "SFSYNC_RETRY_MAX_DELAY": 0.2,
        "SFSYNC_RETRY_ATTEMPTS": 8,
        "SFSYNC_TRANSIENT_PAUSE": 2,
        "SFSYNC_COALESCE_SECONDS": 0.05,
        "SFSYNC_RECORD_URL": "{login_url}/records/{sobject}/{id}",
    }


@pytest.fixture
def make_env(app_config: dict[str, Any], org: LocalOrg, tmp_path: Path) -> Iterator[Any]:
    made: list[Env] = []

    def factory(**config: Any) -> Env:
        full = {**app_config, **config}
        app = create_app(full, create=True)
        env = Env(app, org, Workers(full, tmp_path))
        assert env.client.get("/test-login/1").status_code == 200
        connect(env.client, org)
        made.append(env)
        return env

    yield factory
    for env in made:
        env.workers.stop_all()
        with env.app.app_context():
            env.models.db.session.remove()
            env.models.db.drop_all()
            env.models.db.engine.dispose()


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    return make_env()
