"""Pull sync benchmark: a real local org over HTTPS, a SQLite host, one table.

    python benchmarks/pull_bench.py            # 100,000 contacts
    python benchmarks/pull_bench.py --quick    # 2,000 contacts (smoke run, well under 60 s)

What runs: a local org (:class:`flask_sfsync.emulator.LocalOrg`, its hosts on threads of this
process: the N Contacts are seeded through its ``Org`` API, nothing pushed), a private Redis,
and the benchmark host (``benchmarks/_support.py:create_app``) on SQLite, connected with real
tokens (:func:`flask_sfsync.testing.connect_tenant`). Pulls run as the pull job runs them:
:func:`flask_sfsync.services.pull.pull_locked` in an app context, in this process; "Show
Salesforce records" is on for Contacts, so the first pull creates a host contact per record.

API calls are counted exactly with the org's own counter (``org.api_usage``, what
``Sforce-Limit-Info`` reports). Wall times include the org answering, in the same interpreter.
Peak memory: ``VmHWM`` of this process (Linux), reset through ``/proc/self/clear_refs`` just
before the first pull; the org's data lives in this process too, so the growth over the RSS
before the pull is given beside it.

The naive approach is a plain REST query of every Contact (``SELECT ... FROM Contact``,
following ``nextRecordsUrl``), what an integration without a watermark does on each poll: it
costs the same on an idle poll, on 100 changes and on a first pull (and it still has to
compare every row to find the changes: its wall time here is only the reading).

Targets: incremental pull of 100 changes <= 3 API calls and (full run) <= 1 s; idle poll 1 API
call; the echo run - a Sync Now push of every contact the pull created, then a pull again -
writes nothing to Salesforce and changes no host row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests
import sqlalchemy as sa
from _support import create_app
from flask import Flask

from flask_sfsync import SFSync
from flask_sfsync.db import mirror
from flask_sfsync.emulator import LocalOrg
from flask_sfsync.redis_server import RedisServer
from flask_sfsync.services.pull import pull_locked
from flask_sfsync.testing import config_for, connect_tenant, run_jobs, wait_idle

TEAM = "bench"
CHANGES = 100
INCREMENTAL_CALLS = 3
INCREMENTAL_SECONDS = 1.0
NAIVE_SOQL = "SELECT Id, SystemModstamp, FirstName, LastName, Email, Phone, Title FROM Contact"
T = TypeVar("T")


# -- measuring --------------------------------------------------------------------------------


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


@dataclass
class Step:
    calls: int
    wall: float
    value: Any = None


def measured(org: LocalOrg, work: Callable[[], T]) -> Step:
    before = org.org.api_usage
    started = time.perf_counter()
    value = work()
    wall = time.perf_counter() - started
    return Step(org.org.api_usage - before, wall, value)


@dataclass
class Results:
    n: int
    seed_seconds: float = 0.0
    first: Step | None = None
    first_created: int = 0
    rss_before_mb: float = 0.0
    peak_mb: float = 0.0
    peak_reset: bool = False
    incremental: Step | None = None
    incremental_updated: int = 0
    idle: Step | None = None
    idle_applied: int = 0
    echo_push_calls: int = 0
    echo_push_writes: int = 0
    echo_pushed: int = -1
    echo_pull: Step | None = None
    echo_host_changed: int = -1
    naive_first: Step | None = None
    naive_incremental: Step | None = None
    naive_idle: Step | None = None
    notes: list[str] = field(default_factory=list)


# -- the parts --------------------------------------------------------------------------------


def seed(org: LocalOrg, n: int) -> list[str]:
    """``n`` Contacts stamped over the two hours before now, 1 ms apart (existing data is
    older than the pull's lookback window), through the org's own ``Org.create``."""
    store = org.org
    admin = store.admin.id
    real, at = store.clock, [store.clock() - dt.timedelta(hours=2)]

    def clock() -> dt.datetime:
        at[0] += dt.timedelta(milliseconds=1)
        return at[0]

    store.clock = clock
    try:
        return _create(store, admin, n)
    finally:
        store.clock = real


def _create(store: Any, admin: str, n: int) -> list[str]:
    return [
        store.create("Contact", {
            "FirstName": f"Ada{i}", "LastName": f"Bench{i}", "Email": f"ada.{i}@bench.example",
            "Phone": f"+1 555 {i:07d}", "Title": "Engineer",
        }, admin, allow_duplicates=True, system_mode=True)
        for i in range(n)
    ]


def show_contacts_in_host(app: Flask) -> None:
    with app.app_context():
        state = app.extensions["sfsync"]
        session = state.db.session
        mirror.pull_states(session, state.models, TEAM)
        session.execute(sa.update(state.models.PullState).where(
            state.models.PullState.tenant_id == TEAM,
            state.models.PullState.sobject == "Contact").values(show_in_host=True))
        session.commit()
        session.remove()


def pull(app: Flask, *, full: bool = False) -> dict[str, dict[str, int]]:
    with app.app_context():
        try:
            return pull_locked(TEAM, full=full)
        finally:
            app.extensions["sfsync"].db.session.remove()


def host_digest(app: Flask) -> tuple[int, str]:
    """(contacts, a digest of every row): equal digests, no host row changed."""
    models = app.extensions["bench_models"]
    table = models.Contact.__table__
    digest = hashlib.sha256()
    with app.app_context():
        session = models.db.session
        rows = session.execute(sa.select(table).order_by(table.c.id)).all()
        session.remove()
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return len(rows), digest.hexdigest()


def naive_read(org: LocalOrg, http: requests.Session) -> Step:
    """Every Contact by plain REST query pages, following nextRecordsUrl."""

    def read() -> int:
        url = f"{org.instance_url}/services/data/v60.0/query"
        reply = http.get(url, params={"q": NAIVE_SOQL}, timeout=300)
        reply.raise_for_status()
        body = reply.json()
        count = len(body["records"])
        while not body.get("done", True):
            reply = http.get(org.instance_url + body["nextRecordsUrl"], timeout=300)
            reply.raise_for_status()
            body = reply.json()
            count += len(body["records"])
        return count

    return measured(org, read)


def writes_in(org: LocalOrg) -> int:
    """Calls that write: anything but GET and the read-only Composite of GETs."""
    return sum(1 for e in org.request_log.entries()
               if e.method != "GET" and not e.path.endswith("/composite"))


# -- the run ----------------------------------------------------------------------------------


def run(n: int, work: Path) -> Results:
    r = Results(n)
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer())
        org = stack.enter_context(LocalOrg(seed="empty", daily_api_limit=100_000_000))
        config: dict[str, Any] = {
            **config_for(org, redis.url),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'host.db'}",
            "SFSYNC_QUEUE_NAME": f"sfsync-pull-bench-{os.getpid()}",
            "SFSYNC_PULL_INTERVAL": 0,  # pulls when the benchmark runs one
        }
        app = create_app(config, create=True)
        stack.callback(lambda: _dispose(app))
        connect_tenant(app, org, TEAM)
        run_jobs(app)  # the field set-up the connection queued
        say(f"seeding {n:,} Contacts in the org (its Org API, no push)")
        started = time.perf_counter()
        ids = seed(org, n)
        r.seed_seconds = time.perf_counter() - started
        show_contacts_in_host(app)
        # The push settings in place before the pull (the echo push below uses them).
        sfsync: SFSync = app.extensions["sfsync"].extension  # the SFSync object
        with app.app_context():
            sfsync.save_settings(TEAM, push_as="Contact", lead_source="Bench")
        http = org.requests_session()
        http.headers["Authorization"] = f"Bearer {org.issue_token()['access_token']}"

        say("naive: read every Contact (first read)")
        r.naive_first = naive_read(org, http)
        say(f"first pull of {n:,} (full=True)")
        r.rss_before_mb = _status_kb("VmRSS") / 1024
        r.peak_reset = reset_peak()
        r.first = measured(org, lambda: pull(app, full=True))
        r.peak_mb = _status_kb("VmHWM") / 1024
        r.first_created = r.first.value["Contact"]["created"]

        say(f"incremental: {CHANGES} records changed in the org")
        store = org.org
        step = max(1, n // CHANGES)
        for k, sf_id in enumerate(ids[::step][:CHANGES]):
            store.update("Contact", sf_id, {"Title": f"Changed {k}"}, store.admin.id)
        r.naive_incremental = naive_read(org, http)
        org.request_log.clear()
        r.incremental = measured(org, lambda: pull(app))
        r.notes.append("incremental pull calls: " + ", ".join(
            f"{e.method} {e.path.rsplit('/', 1)[-1]}" for e in org.request_log.entries()))
        r.incremental_updated = r.incremental.value["Contact"]["updated"]

        say("idle poll: no changes")
        r.naive_idle = naive_read(org, http)
        org.request_log.clear()
        r.idle = measured(org, lambda: pull(app))
        r.notes.append("idle poll calls: " + ", ".join(
            f"{e.method} {e.path.rsplit('/', 1)[-1]}" for e in org.request_log.entries()))
        r.idle_applied = sum(c["created"] + c["updated"] + c["deleted"]
                             for c in r.idle.value.values())

        say("echo: Sync Now of every contact the pull created, then a pull again")
        before = host_digest(app)
        org.request_log.clear()
        usage = store.api_usage
        with app.app_context():
            sfsync.sync_now(TEAM)
            status = wait_idle(app, TEAM, timeout=1800, run=True)
        r.echo_push_calls = store.api_usage - usage
        r.echo_push_writes = writes_in(org)
        run_ = status.get("run") or {}
        r.echo_pushed = int(run_.get("pushed") or 0)
        org.request_log.clear()
        r.echo_pull = measured(org, lambda: pull(app))
        r.echo_pull.value = (r.echo_pull.value, writes_in(org))
        after = host_digest(app)
        r.echo_host_changed = 0 if after == before else abs(after[0] - before[0]) or 1
        r.notes.append(f"echo push run: {run_}")
    return r


def _dispose(app: Flask) -> None:
    with app.app_context():
        app.extensions["bench_models"].db.engine.dispose()


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# -- the table --------------------------------------------------------------------------------

Row = tuple[str, str, str, str, str, bool]


def _ratio(naive: float, ours: float, what: str) -> str:
    if not ours:
        return f"inf {what}" if naive else "-"
    return f"{naive / ours:,.1f}x {what}"


def table(r: Results, quick: bool) -> list[Row]:
    assert r.first and r.incremental and r.idle and r.echo_pull
    assert r.naive_first and r.naive_incremental and r.naive_idle
    n = r.n
    rows: list[Row] = [
        (f"first pull of {n:,}: API calls", f"{r.first.calls:,}", f"{r.naive_first.calls:,}",
         _ratio(r.naive_first.calls, r.first.calls, "fewer"), "-", True),
        (f"first pull of {n:,}: wall time", f"{r.first.wall:.2f} s",
         f"{r.naive_first.wall:.2f} s (read only)", "-", "-", True),
        (f"first pull of {n:,}: records/s", f"{n / r.first.wall:,.0f}",
         f"{n / r.naive_first.wall:,.0f} (read only)", "-", "-", True),
        (f"first pull of {n:,}: host contacts created", f"{r.first_created:,}", "-", "-",
         f"= {n:,}", r.first_created == n),
        ("first pull: peak RSS (VmHWM, process with the org)", f"{r.peak_mb:,.0f} MB",
         "-", "-", "-", True),
        (f"first pull: RSS growth over {r.rss_before_mb:,.0f} MB before",
         f"{r.peak_mb - r.rss_before_mb:,.0f} MB", "-", "-", "-", True),
        (f"incremental, {CHANGES} changes: API calls", f"{r.incremental.calls}",
         f"{r.naive_incremental.calls:,}",
         _ratio(r.naive_incremental.calls, r.incremental.calls, "fewer"),
         f"<= {INCREMENTAL_CALLS}", r.incremental.calls <= INCREMENTAL_CALLS),
        (f"incremental, {CHANGES} changes: wall time", f"{r.incremental.wall:.2f} s",
         f"{r.naive_incremental.wall:.2f} s (read only)",
         _ratio(r.naive_incremental.wall, r.incremental.wall, "faster"),
         "-" if quick else f"<= {INCREMENTAL_SECONDS:.0f} s",
         quick or r.incremental.wall <= INCREMENTAL_SECONDS),
        (f"incremental, {CHANGES} changes: host contacts updated", f"{r.incremental_updated}",
         "-", "-", f"= {CHANGES}", r.incremental_updated == CHANGES),
        ("idle poll: API calls", f"{r.idle.calls}", f"{r.naive_idle.calls:,}",
         _ratio(r.naive_idle.calls, r.idle.calls, "fewer"), "1", r.idle.calls == 1),
        ("idle poll: wall time", f"{r.idle.wall:.2f} s", f"{r.naive_idle.wall:.2f} s",
         _ratio(r.naive_idle.wall, r.idle.wall, "faster"), "-", True),
        ("idle poll: host changes applied", f"{r.idle_applied}", "-", "-", "0",
         r.idle_applied == 0),
        (f"echo: Sync Now of {n:,} pulled contacts: writes to Salesforce",
         f"{r.echo_push_writes} ({r.echo_pushed} pushed, {r.echo_push_calls} calls)", "-",
         "-", "0", r.echo_push_writes == 0 and r.echo_pushed == 0),
        ("echo: pull again: writes to Salesforce", f"{r.echo_pull.value[1]}", "-", "-", "0",
         r.echo_pull.value[1] == 0),
        ("echo: host rows changed (push + pull)", f"{r.echo_host_changed}", "-", "-", "0",
         r.echo_host_changed == 0),
    ]
    return rows


def render(rows: list[Row]) -> str:
    header = ("what", "ours", "naive", "ratio", "target", "ok")
    cells = [header] + [(*row[:5], "yes" if row[5] else "NO") for row in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for k, line in enumerate(cells):
        lines.append(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="flask-sfsync pull benchmark")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 contacts")
    parser.add_argument("-n", type=int, default=None, help="contacts (default 100,000)")
    args = parser.parse_args(argv)
    n = args.n or (2_000 if args.quick else 100_000)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sfsync-pull-bench-") as tmp:
        results = run(n, Path(tmp))
    rows = table(results, args.quick)
    print(render(rows))
    print()
    first = results.first
    assert first is not None
    print(f"{os.cpu_count()} CPUs; seeding {n:,} in the org took {results.seed_seconds:.1f} s; "
          f"first pull counts {first.value}; peak memory: VmHWM"
          f"{'' if results.peak_reset else ' (not reset: since the process started)'}; "
          f"whole run {time.perf_counter() - started:.1f} s")
    for note in results.notes:
        print(note)
    return 0 if all(row[5] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
