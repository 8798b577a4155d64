"""``python -m host_demo.run``: the whole demo on one machine, stopped by one Ctrl-C.

It starts Redis, the local Salesforce org (seeded with demo data and saved in ``.demo/``), an RQ
worker and the demo host at http://127.0.0.1:5000, wires the host to the org (Connected App id and
secret, the org's CA bundle, its login URL), seeds the host's database on the first run, prints the
logins, and on Ctrl-C or SIGTERM stops everything in order: host, worker, org (it saves its data),
Redis. Secrets made on the first run stay in ``.demo/secrets.json`` so that sessions, stored tokens
and the org's Connected App survive a restart.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from flask_sfsync.redis_server import RedisServer

from .config import parse_env_value
from .processes import ManagedProcess, ProcessError, port_is_free, run_step, wait_for_port

ORG_START_TIMEOUT = 60.0
HOST_START_TIMEOUT = 60.0
SECRET_NAMES = ("secret_key", "encryption_key", "org_client_id", "org_client_secret")
#: What the demo host calls itself (its pages' title) when ``SFSYNC_APP_NAME`` is not set.
DEMO_NAME = "Relay CRM"
# The org reads its Connected App's credentials from these (flask_sfsync.emulator.__main__):
# never from its command line, which every user of the machine can read.
ORG_CLIENT_ID_ENV = "SFSYNC_EMULATOR_CLIENT_ID"
ORG_CLIENT_SECRET_ENV = "SFSYNC_EMULATOR_CLIENT_SECRET"


class Stop(Exception):
    """Raised by the signal handler so that start-up and waiting unwind through ``finally``."""


def load_secrets(state_dir: Path) -> dict[str, str]:
    """Read ``secrets.json`` (0600), adding any secret it does not have yet."""
    path = state_dir / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in SECRET_NAMES if not stored.get(name)]
    if missing:
        for name in missing:
            # Connected App consumer keys start with "3MVG9"; the rest are opaque secrets.
            prefix = "3MVG9" if name == "org_client_id" else ""
            stored[name] = prefix + secrets.token_urlsafe(32)
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle, indent=2)
    return stored


def setup_env(base: Mapping[str, str], redis_url: str, stored: Mapping[str, str],
              database_url: str) -> dict[str, str]:
    """The environment of the set-up steps (``init-db``, ``seed``), which run while the org
    starts: the database, and the integration on (so ``flask sfsync`` exists) with the
    Connected App's id and secret, which are ours before the org is up (it reads them from us).
    """
    env = dict(base)
    env.update(
        SECRET_KEY=stored["secret_key"],
        DATABASE_URL=database_url,
        SFSYNC_CLIENT_ID=stored["org_client_id"],
        SFSYNC_CLIENT_SECRET=stored["org_client_secret"],
        SFSYNC_REDIS_URL=redis_url,
        SFSYNC_ENCRYPTION_KEY=stored["encryption_key"],
        PYTHONUNBUFFERED="1",
    )
    # Children import host_demo from the working tree even when it is not installed.
    here = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, base.get("PYTHONPATH", "")) if p)
    return env


def host_env(base: Mapping[str, str], org: Mapping[str, Any], redis_url: str,
             stored: Mapping[str, str], database_url: str) -> dict[str, str]:
    """The environment of the host and the worker: how they reach the org, Redis and the DB."""
    env = setup_env(base, redis_url, stored, database_url)
    env.update(
        SFSYNC_CLIENT_ID=str(org["client_id"]),
        SFSYNC_CLIENT_SECRET=str(org["client_secret"]),
        SFSYNC_CA_BUNDLE=str(org["ca_bundle"]),
        SFSYNC_LOGIN_URL_PRODUCTION=str(org["login_url"]),
        SFSYNC_LOGIN_URL_SANDBOX=str(org["login_url"]),
        # The local org's login host is plain HTTP on 127.0.0.1; never set this in production.
        SFSYNC_ALLOW_HTTP_LOGIN_HOSTS="true",
        # Error-log links open the local org's own record pages.
        SFSYNC_RECORD_URL=str(org["login_url"]) + "/records/{sobject}/{id}",
    )
    return env


def display_name(environ: Mapping[str, str]) -> str:
    """The host's name for people: ``SFSYNC_APP_NAME`` as the host reads it, else "Relay CRM"."""
    raw = environ.get("SFSYNC_APP_NAME", "")
    value = parse_env_value(raw) if raw.strip() else None
    name = str(value).strip() if value is not None else ""
    return name or DEMO_NAME


def org_command(state_dir: Path, stored: Mapping[str, str], base_env: Mapping[str, str]
                ) -> tuple[list[str], dict[str, str]]:
    """The local org's command line and environment: the Connected App's credentials travel in
    the environment (readable by this user only), its name (the host's) on the command line."""
    args = [
        sys.executable, "-m", "flask_sfsync.emulator", "--seed", "demo", "--port", "0",
        "--data", str(state_dir / "org.pickle"), "--app-name", display_name(base_env),
    ]
    env = dict(base_env)
    env[ORG_CLIENT_ID_ENV] = stored["org_client_id"]
    env[ORG_CLIENT_SECRET_ENV] = stored["org_client_secret"]
    return args, env


def banner(host_url: str, org: Mapping[str, Any], redis_url: str, state_dir: Path) -> str:
    records = org.get("records_url") or f"{org['login_url']}/records/Contact"
    return "\n".join([
        "",
        "  Relay CRM demo is running",
        "",
        f"  Demo app          {host_url}",
        "                    sign in: demo@example.com / demo",
        "                    (another team: other@example.com / other)",
        f"  Salesforce org    {org['login_url']}   (the local org, for 'Connect')",
        f"                    user: {org['username']}   password: {org['password']}",
        f"                    records: {records}",
        f"  Redis             {redis_url}   (an RQ worker is running)",
        f"  Data and logs     {state_dir}/",
        "",
        "  Press Ctrl-C to stop everything.",
        "",
    ])


class Demo:
    def __init__(self, state_dir: Path, host: str, port: int) -> None:
        self.state_dir = state_dir.resolve()
        self.logs = self.state_dir / "logs"
        self.host, self.port = host, port
        self.redis: RedisServer | None = None
        self.children: list[ManagedProcess] = []

    def flask(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "host_demo", *args]

    def start(self) -> str:
        if not port_is_free(self.host, self.port):
            raise ProcessError(f"port {self.port} is in use: stop what runs there or use --port")
        stored = load_secrets(self.state_dir)
        self.redis = RedisServer().start()
        # The org starts (seeds its data, makes its certificates) while the database is set
        # up: neither needs the other, and each takes seconds.
        org_process = self.spawn_org(stored)
        database_url = os.environ.get("DATABASE_URL") or (
            f"sqlite:///{self.state_dir / 'host.sqlite3'}"
        )
        setup = setup_env(os.environ, self.redis.url, stored, database_url)
        run_step("flask sfsync init-db", self.flask("sfsync", "init-db"), setup,
                 self.logs / "setup.log")
        run_step("seeding", self.flask("seed", "--if-empty"), setup, self.logs / "setup.log")
        org = self.org_info(org_process)
        env = host_env(os.environ, org, self.redis.url, stored, database_url)
        self.spawn("worker", self.flask("sfsync", "worker", "--with-scheduler"), env)
        host = self.spawn("host", self.flask(
            "run", "--host", self.host, "--port", str(self.port), "--no-reload", "--no-debugger",
            "--with-threads",
        ), env)
        wait_for_port(self.host, self.port, HOST_START_TIMEOUT, host)
        self.write_pids()
        return banner(f"http://{self.host}:{self.port}", org, self.redis.url, self.state_dir)

    def start_org(self, stored: Mapping[str, str]) -> dict[str, Any]:
        """Start the local org and wait until it is up; what it says about itself."""
        return self.org_info(self.spawn_org(stored))

    def spawn_org(self, stored: Mapping[str, str]) -> ManagedProcess:
        args, env = org_command(self.state_dir, stored, os.environ)
        return self.spawn("Salesforce org", args, env, capture_stdout=True, log="org.log")

    @staticmethod
    def org_info(org: ManagedProcess) -> dict[str, Any]:
        """The org's first line: its URLs, CA bundle, Connected App and admin's login."""
        info: dict[str, Any] = json.loads(org.read_first_line(ORG_START_TIMEOUT))
        return info

    def spawn(self, name: str, args: list[str], env: Mapping[str, str],
              capture_stdout: bool = False, log: str | None = None) -> ManagedProcess:
        log_path = self.logs / (log or f"{name}.log")
        child = ManagedProcess(name, args, env, log_path, capture_stdout=capture_stdout)
        self.children.append(child)
        return child.start()

    def write_pids(self) -> None:
        pids = {child.name: child.pid for child in self.children}
        if self.redis is not None and self.redis._process is not None:
            pids["redis"] = self.redis._process.pid
        (self.state_dir / "pids.json").write_text(json.dumps(pids))

    def watch(self) -> None:
        """Until a signal: fail loudly if a child stops by itself."""
        while True:
            for child in self.children:
                child.check()
            time.sleep(0.5)

    def stop(self) -> None:
        # Reverse start order: the host first (no new work), the org last but one (it saves).
        for child in reversed(self.children):
            child.stop(timeout=30.0 if child.name == "Salesforce org" else 10.0)
        self.children.clear()
        if self.redis is not None:
            self.redis.close()
            self.redis = None
        (self.state_dir / "pids.json").unlink(missing_ok=True)


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m host_demo.run", description=__doc__)
    parser.add_argument("--port", type=int, default=5000, help="the demo app's port (5000)")
    parser.add_argument("--host", default="127.0.0.1", help="the demo app's address")
    parser.add_argument("--data-dir", type=Path, default=Path(".demo"),
                        help="where the databases, secrets and logs live (.demo)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    demo = Demo(args.data_dir, args.host, args.port)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    print("Starting Redis, the local Salesforce org, the worker and the demo app...", flush=True)
    try:
        print(demo.start(), flush=True)
        demo.watch()
    except Stop:
        print("\nStopping...", flush=True)
        return 0
    except ProcessError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        # A second Ctrl-C while stopping must not leave children behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        demo.stop()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
