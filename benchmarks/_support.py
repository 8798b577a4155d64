"""The real parts the push benchmark drives: a local org process, a host app, a worker process.

* :class:`OrgProcess` - ``python -m flask_sfsync.emulator`` in its own process (an org in the
  benchmark's process would share its interpreter lock and distort the figures), driven through
  its control API (``/_emulator/...``: tokens, the request log that counts API calls).
* :func:`create_app` - a tiny contacts host (teams, companies, contacts) with flask-sfsync's
  push sync; the worker process builds the same app from ``SFSYNC_BENCH_CONFIG``
  (``flask --app benchmarks/_support.py:create_app sfsync worker``).
* :class:`WorkerProcess` - that worker, stopped with its work horses whatever happens.
* :class:`PeakMemory` - the peak RSS (``VmHWM``) of the worker and of every work horse it forks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, Any

import requests
import sqlalchemy as sa
from flask import Flask, abort
from flask.testing import FlaskClient
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from flask_sfsync import SFSync
from flask_sfsync.db import outbox
from flask_sfsync.db.models import ACTIVE_RUN_STATUSES
from flask_sfsync.host import ContactAdapter
from flask_sfsync.jobs.keys import MARKER
from flask_sfsync.jobs.lock import lock_held
from flask_sfsync.testing import connect, csrf_token_from

__all__ = [
    "CONFIG_ENV",
    "STAGES",
    "OrgProcess",
    "PeakMemory",
    "WorkerProcess",
    "create_app",
    "descendants",
]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIG_ENV = "SFSYNC_BENCH_CONFIG"
POLL_VERSION = "59.0"  # the benchmarks' own reads; flask-sfsync's calls use 60.0
POLL_PATH = f"/services/data/v{POLL_VERSION}/"
STAGES = ("New", "Contacted", "Qualified", "Customer")
STAGE_MAP = {"New": "Open - Not Contacted", "Contacted": "Working - Contacted",
             "Qualified": "Working - Contacted"}
BASE_TEMPLATE = (
    "<!doctype html><html><head><title>{% block title %}{% endblock %}</title></head>"
    "<body>{% block content %}{% endblock %}</body></html>"
)


# -- the host ---------------------------------------------------------------------------------


class Models:
    def __init__(self, db: SQLAlchemy, user: Any, company: Any, contact: Any) -> None:
        self.db, self.User, self.Company, self.Contact = db, user, company, contact


def create_app(config: dict[str, Any] | None = None, *, create: bool = False) -> Flask:
    """The benchmark's host; ``config`` defaults to the JSON in ``SFSYNC_BENCH_CONFIG``."""
    if config is None:
        config = json.loads(os.environ[CONFIG_ENV])
    sqlite = str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")
    db = SQLAlchemy(engine_options={"connect_args": {"timeout": 60}} if sqlite else {})

    class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        team: Mapped[str] = mapped_column(sa.String(40))

    class Company(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "companies"
        id: Mapped[int] = mapped_column(primary_key=True)
        team: Mapped[str] = mapped_column(sa.String(40))
        name: Mapped[str] = mapped_column(sa.String(200))
        contacts: Mapped[list[Contact]] = relationship(back_populates="company")

    class Contact(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "contacts"
        id: Mapped[int] = mapped_column(primary_key=True)
        team: Mapped[str] = mapped_column(sa.String(40), index=True)
        first_name: Mapped[str | None] = mapped_column(sa.String(100))
        last_name: Mapped[str | None] = mapped_column(sa.String(100))
        email: Mapped[str | None] = mapped_column(sa.String(200))
        phone: Mapped[str | None] = mapped_column(sa.String(60))
        title: Mapped[str | None] = mapped_column(sa.String(200))
        stage: Mapped[str | None] = mapped_column(sa.String(40))
        company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
        company: Mapped[Company | None] = relationship(back_populates="contacts")

    app = Flask("bench_host")
    app.jinja_loader = DictLoader({"base.html": BASE_TEMPLATE})
    app.config.update(SECRET_KEY="bench-secret", SFSYNC_ENCRYPTION_KEY="bench encryption key",
                      SFSYNC_APP_NAME="Bench CRM")
    app.config.update(config)
    db.init_app(app)
    if sqlite:
        with app.app_context():
            sa.event.listen(db.engine, "connect", _sqlite_wal)
    login = LoginManager(app)
    login.user_loader(lambda uid: db.session.get(User, int(uid)))
    sfsync = SFSync(db=db)
    sfsync.tenant_loader(lambda: current_user.team if current_user.is_authenticated else None)
    sfsync.init_app(app, contact_adapter=ContactAdapter(
        Contact, tenant="team", fields={"company": "company.name"}, stages=STAGES,
        stage_map=STAGE_MAP,
        # As the adapter's docs advise: a page of 100,000 contacts reads companies in batches.
        load_options=[selectinload(Contact.company)],
    ))

    @app.route("/bench-login/<int:user_id>")
    def bench_login(user_id: int) -> str:
        login_user(db.session.get(User, user_id) or abort(404))
        return "ok"

    app.extensions["bench_models"] = Models(db, User, Company, Contact)
    if create:
        with app.app_context():
            db.drop_all()
            db.create_all()
    return app


def _sqlite_wal(dbapi_connection: Any, record: Any) -> None:
    # The benchmark and the worker write the same file.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# -- the host, as its users drive it ----------------------------------------------------------


class Host:
    """The host app in this process; one logged-in test client per team."""

    def __init__(self, app: Flask, teams: dict[str, int]) -> None:
        self.app = app
        self.teams = teams  # team -> the id of its user
        self.models = app.extensions["bench_models"]
        self.push = app.extensions["sfsync"]
        self.clients: dict[str, FlaskClient] = {}

    def add_users(self) -> None:
        with self.app.app_context():
            session = self.models.db.session
            users = [self.models.User(id=uid, team=team) for team, uid in self.teams.items()]
            session.add_all(users)
            session.commit()

    def login_and_connect(self, team: str, org: OrgProcess, environment: str) -> None:
        client = self.app.test_client()
        assert client.get(f"/bench-login/{self.teams[team]}").status_code == 200
        page = connect(client, org, environment=environment)
        assert page.status_code == 200, page.get_data(as_text=True)[:500]
        self.clients[team] = client

    def post(self, team: str, path: str, data: dict[str, Any]) -> None:
        client = self.clients[team]
        page = client.get("/integrations/salesforce/settings").get_data(as_text=True)
        response = client.post(path, data={**data, "csrf_token": csrf_token_from(page)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def save_settings(self, team: str, *, auto: bool, push_as: str) -> None:
        self.post(team, "/integrations/salesforce/settings", {
            "push_as": push_as, "lead_source": "Bench", "require_email": "1",
            "sync_mode": "auto" if auto else "manual", "delete_behaviour": "leave",
        })

    def sync_now(self, team: str) -> None:
        self.post(team, "/integrations/salesforce/sync", {})

    def status(self, team: str) -> dict[str, Any]:
        response = self.clients[team].get("/integrations/salesforce/sync/status.json")
        assert response.status_code == 200
        data: dict[str, Any] = response.get_json()
        return data

    def fields_ready(self, team: str) -> bool:
        with self.app.app_context():
            row = self.push.db.session.get(self.push.models.SyncSettings, team)
            return bool(row is not None and row.fields_checked_at is not None)

    def idle(self, team: str) -> bool:
        """No run active, nothing in the outbox, no drain queued or running."""
        with self.app.app_context():
            session, models = self.push.db.session, self.push.models
            run = models.SyncRun
            active = session.scalar(
                sa.select(sa.func.count()).select_from(run).where(
                    run.tenant_id == team,
                    run.status.in_([s.value for s in ACTIVE_RUN_STATUSES]),
                )
            )
            waiting = outbox.count(session, models, team)
            session.remove()
            redis = self.push.jobs.redis
            marker = redis.exists(MARKER.format(tenant=team))
            return not active and not waiting and not marker and not lock_held(redis, team)

    def contact_ids(self, team: str, n: int) -> list[int]:
        contact = self.models.Contact
        with self.app.app_context():
            return list(self.models.db.session.scalars(
                sa.select(contact.id).where(contact.team == team).order_by(contact.id).limit(n)
            ))

    def links(self, team: str) -> dict[int, tuple[str, str]]:
        """host id -> (sobject, Salesforce id)."""
        link = self.push.models.SyncLink
        with self.app.app_context():
            rows = self.push.db.session.execute(
                sa.select(link.host_id, link.sobject, link.sf_id).where(link.tenant_id == team)
            )
            return {int(h): (o, s) for h, o, s in rows}

    def edit_titles(self, edits: list[tuple[int, str]]) -> None:
        """One committed transaction per edit, as a host's request handlers would."""
        with self.app.app_context():
            session = self.models.db.session
            for contact_id, title in edits:
                session.get(self.models.Contact, contact_id).title = title
                session.commit()
            session.remove()



# -- the local org in its own process ---------------------------------------------------------


class OrgProcess:
    """``python -m flask_sfsync.emulator --seed empty --port 0`` and its control API."""

    def __init__(self, log_path: Path, *, daily_api_limit: int = 100_000_000) -> None:
        self.log_path = log_path
        self.daily_api_limit = daily_api_limit
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}
        self.http = requests.Session()
        # REQUESTS_CA_BUNDLE in the environment would override verify= (psf/requests#3829).
        self.http.trust_env = False

    def start(
        self, *, client_id: str | None = None, client_secret: str | None = None,
        timeout: float = 60.0,
    ) -> OrgProcess:
        args = [sys.executable, "-m", "flask_sfsync.emulator", "--seed", "empty", "--port", "0",
                "--daily-api-limit", str(self.daily_api_limit)]
        env = dict(os.environ)
        if client_id and client_secret:
            # By environment: a command line is visible to every user of the machine.
            env["SFSYNC_EMULATOR_CLIENT_ID"] = client_id
            env["SFSYNC_EMULATOR_CLIENT_SECRET"] = client_secret
        log: IO[bytes] = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            args, env=env,
            cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
        )
        log.close()
        first: list[str] = []
        reader = threading.Thread(
            target=lambda: first.append(self.proc.stdout.readline() if self.proc and
                                        self.proc.stdout else ""),
            daemon=True,
        )
        reader.start()
        reader.join(timeout)
        if not first or not first[0].strip():
            self.stop()
            raise RuntimeError(f"the local org did not start; see {self.log_path}")
        self.info = json.loads(first[0])
        # Nothing else is expected on stdout; drain it anyway so the org can never block.
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        self.http.verify = self.ca_bundle
        return self

    def _drain_stdout(self) -> None:
        if self.proc is not None and self.proc.stdout is not None:
            for _ in self.proc.stdout:
                pass

    def __getattr__(self, name: str) -> Any:
        # login_url, instance_url, ca_bundle, client_id, client_secret, username, password
        info = self.__dict__.get("info") or {}
        if name in info:
            return info[name]
        raise AttributeError(name)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(
            method, f"{self.login_url}/_emulator/{path}", json=body, timeout=120
        )
        response.raise_for_status()
        return response.json()

    def request_log(self) -> list[dict[str, Any]]:
        """Every API call the instance answered since the last :meth:`clear_requests`."""
        entries: list[dict[str, Any]] = self.control("GET", "requests")["requests"]
        return entries

    def clear_requests(self) -> None:
        self.control("DELETE", "requests")

    def token(self) -> dict[str, Any]:
        token: dict[str, Any] = self.control("POST", "token", {})
        return token

    def api_session(self) -> requests.Session:
        """A keep-alive HTTPS session with the admin's bearer token (for cheap reads)."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_bundle
        session.headers["Authorization"] = f"Bearer {self.token()['access_token']}"
        return session

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        stop_process(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def stop_process(proc: subprocess.Popen[Any], grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds (by pid: only our own processes)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


# -- the worker process -----------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc: psutil is not a dependency)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def vm_hwm_kb(pid: int) -> int | None:
    """The process's peak resident set size so far (kB), None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class WorkerProcess:
    """``flask --app benchmarks/_support.py:create_app sfsync worker --with-scheduler``."""

    def __init__(self, config: dict[str, Any], log_path: Path, *, simple: bool = False) -> None:
        env = dict(os.environ)
        env[CONFIG_ENV] = json.dumps(config)
        env["PYTHONUNBUFFERED"] = "1"
        args = [sys.executable, "-m", "flask", "--app", f"{HERE / '_support.py'}:create_app",
                "sfsync", "worker", "--with-scheduler"] + (["--simple"] if simple else [])
        log = log_path.open("wb")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.log_path = log_path
        #: Work horses seen (RQ forks one per job, in its own process group).
        self.seen: set[int] = set()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """Stop the worker and any horse it left running, whatever state they are in."""
        if self.proc.poll() is None:
            horses = descendants(self.proc.pid)
            # A horse may be in the middle of a long push: it must not outlive the benchmark.
            for pid in horses:
                _kill(pid, signal.SIGKILL)
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in descendants(self.proc.pid):
                    _kill(pid, signal.SIGKILL)
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


class PeakMemory(threading.Thread):
    """Samples ``VmHWM`` of a worker and of every process it forks while this runs.

    RQ's worker forks a work horse per job: the push runs there, so the horse's peak is the
    job's peak. ``VmHWM`` is the kernel's own high-water mark, so sampling only has to read it
    before the horse exits, not catch the peak moment.
    """

    def __init__(self, root_pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True, name="peak-memory")
        self.root_pid = root_pid
        self.interval = interval
        self.before = set(descendants(root_pid))  # RQ's scheduler, started with the worker
        self.peaks: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        watched = [self.root_pid]
        rounds = 0
        while not self.done.wait(self.interval):
            if rounds % 10 == 0:
                fresh = [p for p in descendants(self.root_pid) if p not in self.before]
                watched = [self.root_pid, *fresh]
            rounds += 1
            for pid in watched:
                kb = vm_hwm_kb(pid)
                if kb is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kb)

    def stop(self) -> None:
        self.done.set()
        self.join(10)

    def horse_peak_mb(self) -> tuple[float, int | None]:
        """(peak MB, pid) over the processes forked while measuring; the worker itself
        when it forked none (``--simple``: jobs run in the worker)."""
        horses = {p: kb for p, kb in self.peaks.items() if p != self.root_pid}
        if not horses:
            return self.peaks.get(self.root_pid, 0) / 1024, self.root_pid
        pid = max(horses, key=lambda p: horses[p])
        return horses[pid] / 1024, pid


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# -- measuring and printing ----------------------------------------------------------------


_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


def kind_of(entry: dict[str, Any]) -> str:
    """``PATCH composite/sobjects``, ``PUT jobs/ingest/{id}/batches``, ... of a logged call."""
    path = re.sub(r"^/services/data/v[\d.]+/", "", str(entry["path"]))
    parts = ["{id}" if _ID_RE.match(p) and any(c.isdigit() for c in p) else p
             for p in path.split("/")]
    return f"{entry['method']} {'/'.join(parts)}"


def ours(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if not str(e["path"]).startswith(POLL_PATH)]


def check_count(org: OrgProcess, sobject: str, n: int) -> None:
    http = org.api_session()
    reply = http.get(f"{org.instance_url}{POLL_PATH}query",
                     params={"q": f"SELECT COUNT() FROM {sobject}"}, timeout=60)
    reply.raise_for_status()
    if reply.json()["totalSize"] != n:
        raise RuntimeError(f"the org holds {reply.json()['totalSize']} {sobject}s, not {n}")


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """The whole run is bounded: SIGALRM raises in the main thread, cleanup follows."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"the benchmark ran longer than {seconds:.0f} s")

    def terminated(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    previous = signal.signal(signal.SIGALRM, expired)
    previous_term = signal.signal(signal.SIGTERM, terminated)
    signal.alarm(int(seconds))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        signal.signal(signal.SIGTERM, previous_term)


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def render(rows: list[tuple[str, str, str, str, str, bool]]) -> str:
    header = ("measure", "ours", "naive", "ratio", "target", "ok")
    cells = [header] + [(*row[:5], "yes" if row[5] else "NO") for row in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for n, line in enumerate(cells):
        lines.append(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


