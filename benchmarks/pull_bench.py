"""Pull sync benchmark: real processes, one table.

    python benchmarks/pull_bench.py            # 100,000 contacts; latency at 60 s and 10 s
    python benchmarks/pull_bench.py --quick    # 2,000 contacts; latency at 10 s

What runs (nothing in-process but the host app and the client side of the measurements):

* a local org, ``python -m flask_sfsync.emulator --seed empty --port 0`` in its own process,
  over HTTPS; the N Contacts are created in it with one Bulk API 2.0 ingest job (a burst, as an
  import in Salesforce makes one), nothing pushed;
* a real Redis and one RQ worker process (``flask --app benchmarks/_support.py:create_app
  sfsync worker --with-scheduler``): every pull is the pull job in a work horse it forks,
  whose peak RSS (``VmHWM``) is measured;
* the host app (``benchmarks/_support.py``) on SQLite in this process, connected through the
  real OAuth pages; its settings go through its pages with a test client. "Show Salesforce
  Contacts" is on, so the first pull creates a host contact per record.

API calls are counted exactly from the org's request log (cleared before each phase); the
benchmark's own calls use API version 59.0 and are left out (flask-sfsync uses 60.0). A pull's
wall time is its job's, from RQ's ``started_at`` to ``ended_at`` in the work horse.

The naive approach is a plain REST query of every Contact (``SELECT ... FROM Contact``,
following ``nextRecordsUrl``), what an integration without a watermark does on each poll: it
costs the same on an idle poll, on 100 changes and on a first pull (and it still has to
compare every row to find the changes: its wall time here is only the reading).

Latency: with the tenant's pull schedule set (the settings form), edits are made in the org at
random moments (REST PATCH of one record's Title) and the host's row is watched; the time from
the edit's answer to the host row holding it.

Targets (the pull issue): first pull worker peak RSS <= 150 MB; incremental pull of 100 changes
<= 3 API calls and (full run) <= 1 s; idle poll 1 API call; latency p50 and p95 <= the
interval + 2 s; the echo run - a Sync Now push of every contact the pull created, then a pull
again - writes nothing to Salesforce and changes no host row.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from _support import (
    POLL_PATH,
    Host,
    OrgProcess,
    PeakMemory,
    WorkerProcess,
    check_count,
    create_app,
    deadline,
    kind_of,
    ours,
    percentile,
    render,
    say,
    wait_until,
)
from flask import Flask
from rq.job import Job

from flask_sfsync.jobs.tasks import pull_job
from flask_sfsync.redis_server import RedisServer

TEAM = "bench"
TEAMS = {TEAM: 1}
CHANGES = 100
INCREMENTAL_CALLS = 3
INCREMENTAL_SECONDS = 1.0
MEMORY_MB = 150.0
LATENCY_SLACK = 2.0  # seconds over the interval
LOOKBACK = 10.0  # SFSYNC_PULL_LOOKBACK's default
ASKED_MARGIN = 2.0  # flask_sfsync.sync.pull.reader.ASKED_MARGIN
NAIVE_SOQL = "SELECT Id, SystemModstamp, FirstName, LastName, Email, Phone, Title FROM Contact"
SETTINGS_PAGE = "/integrations/salesforce/settings"


@dataclass
class Plan:
    n: int
    intervals: tuple[int, ...]  # latency schedules, seconds
    edits: int  # per schedule
    rounds: int  # intervals the edits are spread over
    timeout: float


@dataclass
class PullRun:
    calls: int
    wall: float
    counts: dict[str, dict[str, int]]
    kinds: Counter[str]
    peak_mb: float = 0.0


@dataclass
class Results:
    seed_seconds: float = 0.0
    first: PullRun | None = None
    incremental: PullRun | None = None
    idle: PullRun | None = None
    echo_pull: PullRun | None = None
    echo_push_writes: int = -1
    echo_pushed: int = -1
    echo_host_changed: int = -1
    naive: dict[str, tuple[int, float]] = field(default_factory=dict)  # calls, seconds
    latencies: dict[int, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- the org, through its APIs ----------------------------------------------------------------


class OrgApi:
    """The benchmark's own calls to the org (API version 59.0: left out of every count)."""

    def __init__(self, org: OrgProcess) -> None:
        self.org = org
        self.http = org.api_session()
        self.base = f"{org.instance_url}{POLL_PATH}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        reply = self.http.request(method, self.base + path, timeout=600, **kwargs)
        if not reply.ok:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text[:500]}")
        return reply

    def bulk_insert(self, sobject: str, rows: list[dict[str, Any]]) -> None:
        """One Bulk API 2.0 ingest job, waited for."""
        job = self.call("POST", "jobs/ingest", json={
            "object": sobject, "operation": "insert", "contentType": "CSV",
            "lineEnding": "LF",
        }).json()
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        self.call("PUT", f"jobs/ingest/{job['id']}/batches", data=out.getvalue().encode(),
                  headers={"Content-Type": "text/csv"})
        self.call("PATCH", f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})

        def done() -> dict[str, Any] | None:
            info: dict[str, Any] = self.call("GET", f"jobs/ingest/{job['id']}").json()
            if info["state"] in ("Failed", "Aborted"):
                raise RuntimeError(f"the seeding job ended {info['state']}: {info}")
            return info if info["state"] == "JobComplete" else None

        info = wait_until(done, 1800, "the seeding ingest job", 0.5)
        if info.get("numberRecordsFailed"):
            raise RuntimeError(f"seeding: {info['numberRecordsFailed']} records failed")

    def ids(self, sobject: str) -> list[str]:
        found: list[str] = []
        body = self.call("GET", "query", params={"q": f"SELECT Id FROM {sobject}"}).json()
        while True:
            found.extend(r["Id"] for r in body["records"])
            if body.get("done", True):
                return found
            reply = self.http.get(self.org.instance_url + body["nextRecordsUrl"], timeout=600)
            reply.raise_for_status()
            body = reply.json()

    def set_titles(self, sobject: str, titles: dict[str, str]) -> None:
        """sObject Collections PATCH, 200 records per call."""
        items = list(titles.items())
        for start in range(0, len(items), 200):
            self.call("PATCH", "composite/sobjects", json={"allOrNone": True, "records": [
                {"attributes": {"type": sobject}, "id": sf_id, "Title": title}
                for sf_id, title in items[start:start + 200]
            ]})

    def naive_read(self) -> tuple[int, float]:
        """Every Contact by plain REST query pages, following nextRecordsUrl: (calls, s)."""
        started = time.perf_counter()
        calls = 1
        body = self.call("GET", "query", params={"q": NAIVE_SOQL}).json()
        while not body.get("done", True):
            reply = self.http.get(self.org.instance_url + body["nextRecordsUrl"], timeout=600)
            reply.raise_for_status()
            body = reply.json()
            calls += 1
        return calls, time.perf_counter() - started


def seed_rows(n: int) -> list[dict[str, Any]]:
    return [{"FirstName": f"Ada{i}", "LastName": f"Bench{i}",
             "Email": f"ada.{i}@bench.example", "Phone": f"+1 555 {i:07d}",
             "Title": "Engineer"} for i in range(n)]


# -- the host ---------------------------------------------------------------------------------


def save_pull_settings(host: Host, interval: int | None) -> None:
    """The settings page's "Pull from Salesforce" form: Contacts shown, the schedule."""
    host.post(TEAM, "/integrations/salesforce/pull-settings", {
        "show_contact": "y", "pull_interval": "" if interval is None else str(interval),
    })


def pull(host: Host, org: OrgProcess, worker: WorkerProcess, *, full: bool = False,
         meter: bool = False, timeout: float = 3600) -> PullRun:
    """One pull job on the worker, waited for; its calls from the org's log."""
    org.clear_requests()
    state = host.app.extensions["sfsync"]
    peak = PeakMemory(worker.pid) if meter else None
    if peak is not None:
        peak.start()
    try:
        with host.app.app_context():
            job = state.jobs.enqueue(pull_job, TEAM, full, job_timeout=int(timeout))

        def finished() -> bool:
            if not worker.alive():
                raise RuntimeError("the worker died:\n" + worker.log_tail())
            status = job.get_status(refresh=True)
            if status == "failed":
                raise RuntimeError(f"the pull job failed: {job.latest_result()}")
            return status == "finished"

        wait_until(finished, timeout, "the pull job", 0.02)
    finally:
        if peak is not None:
            peak.stop()
    job = Job.fetch(job.id, connection=state.jobs.redis)
    result = job.return_value() or {}
    if not result.get("pulled"):
        raise RuntimeError(f"the pull did not run: {result}")
    assert job.started_at is not None and job.ended_at is not None
    entries = ours(org.request_log())
    return PullRun(len(entries), (job.ended_at - job.started_at).total_seconds(),
                   result["counts"], Counter(kind_of(e) for e in entries),
                   peak.horse_peak_mb()[0] if peak is not None else 0.0)


def host_rows(app: Flask) -> list[tuple[Any, ...]]:
    models = app.extensions["bench_models"]
    table = models.Contact.__table__
    with app.app_context():
        session = models.db.session
        rows = [tuple(r) for r in session.execute(sa.select(table).order_by(table.c.id))]
        session.remove()
    return rows


def digest(rows: list[tuple[Any, ...]]) -> str:
    out = hashlib.sha256()
    for row in rows:
        out.update(repr(row).encode())
    return out.hexdigest()


def host_title(app: Flask, email: str) -> str | None:
    models = app.extensions["bench_models"]
    contact = models.Contact.__table__
    with app.app_context():
        session = models.db.session
        title = session.scalar(sa.select(contact.c.title).where(contact.c.email == email))
        session.remove()
    return title


def writes_in(entries: list[dict[str, Any]]) -> int:
    """Calls that write: anything but GET and the read-only Composite of GETs."""
    return sum(1 for e in entries
               if e["method"] != "GET" and not str(e["path"]).endswith("/composite"))


def latency(host: Host, api: OrgApi, ids: list[str], interval: int, plan: Plan,
            rng: random.Random) -> list[float]:
    """Edits at random moments over ``plan.rounds`` intervals of the schedule; each edit's
    time from its answer to the host row holding it."""
    save_pull_settings(host, interval)
    with host.app.app_context():
        host.app.extensions["sfsync"].jobs.enqueue_pull(TEAM)  # the schedule starts here
    span = interval * plan.rounds
    moments = sorted(rng.uniform(0, span) for _ in range(plan.edits))
    picked = rng.sample(range(len(ids)), plan.edits)
    started = time.monotonic()
    waiting: dict[str, tuple[str, float]] = {}  # email -> (title, edited at)
    seen: list[float] = []
    k = 0
    while k < len(moments) or waiting:
        now = time.monotonic()
        if k < len(moments) and now - started >= moments[k]:
            i = picked[k]
            title = f"Latency {interval}s {k}"
            api.call("PATCH", f"sobjects/Contact/{ids[i]}", json={"Title": title})
            waiting[f"ada.{i}@bench.example"] = (title, time.monotonic())
            k += 1
        for email, (title, edited) in list(waiting.items()):
            if host_title(host.app, email) == title:
                seen.append(time.monotonic() - edited)
                del waiting[email]
        if now - started > span + 10 * interval + 60:
            raise RuntimeError(f"edits never reached the host: {sorted(waiting)}")
        time.sleep(0.05)
    save_pull_settings(host, None)  # back to "pull only when asked" (the app's default 0)
    return seen


# -- the run ----------------------------------------------------------------------------------


def run(plan: Plan, work: Path) -> Results:
    r = Results()
    rng = random.Random(20261202)
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer())
        org = OrgProcess(work / "org.log")
        stack.callback(org.stop)
        org.start()
        config: dict[str, Any] = {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'host.db'}",
            "SFSYNC_CLIENT_ID": org.client_id,
            "SFSYNC_CLIENT_SECRET": org.client_secret,
            "SFSYNC_LOGIN_URL_PRODUCTION": org.login_url,
            "SFSYNC_ALLOW_HTTP_LOGIN_HOSTS": True,
            "SFSYNC_CA_BUNDLE": org.ca_bundle,
            "SFSYNC_REDIS_URL": redis.url,
            "SFSYNC_QUEUE_NAME": "sfsync-pull-bench",
            "SFSYNC_PULL_INTERVAL": 0,  # pulls when the benchmark asks, or on a set schedule
        }
        app = create_app(config, create=True)
        host = Host(app, TEAMS)
        host.add_users()
        worker = WorkerProcess(config, work / "worker.log")
        stack.callback(worker.stop)
        host.login_and_connect(TEAM, org, "production")
        wait_until(lambda: host.fields_ready(TEAM), 120, "our custom fields in the org", 0.2)
        save_pull_settings(host, None)
        # The push settings saved before anything is pulled, as the settings page asks on
        # connecting (the echo check below pushes with them).
        host.save_settings(TEAM, auto=False, push_as="Contact")
        api = OrgApi(org)

        say(f"seeding {plan.n:,} Contacts in the org (one Bulk API 2.0 ingest job)")
        started = time.perf_counter()
        api.bulk_insert("Contact", seed_rows(plan.n))
        r.seed_seconds = time.perf_counter() - started
        check_count(org, "Contact", plan.n)
        ids = api.ids("Contact")
        # The org's records exist before the first pull, as when a customer connects: a pull
        # asked within the lookback of a burst reads it again on the next poll (correctly:
        # it may not all have been visible), which is not what the rows below measure.
        time.sleep(LOOKBACK + ASKED_MARGIN + 1)

        say("naive: read every Contact")
        r.naive["first"] = api.naive_read()
        say(f"first pull of {plan.n:,}, measuring the work horse's memory")
        r.first = pull(host, org, worker, meter=True, timeout=plan.timeout)

        say(f"incremental: {CHANGES} records changed in the org")
        step = max(1, plan.n // CHANGES)
        api.set_titles("Contact", {sf_id: f"Changed {k}"
                                   for k, sf_id in enumerate(ids[::step][:CHANGES])})
        r.naive["incremental"] = api.naive_read()
        r.incremental = pull(host, org, worker)

        say("idle poll: no changes")
        r.naive["idle"] = api.naive_read()
        r.idle = pull(host, org, worker)

        for interval in plan.intervals:
            say(f"latency: {plan.edits} edits over {plan.rounds} pulls every {interval} s")
            r.latencies[interval] = latency(host, api, ids, interval, plan, rng)
        wait_until(lambda: host.idle(TEAM), 120, "the worker to be idle", 0.2)

        say("echo: Sync Now of every contact the pull created, then a pull again")
        before = host_rows(app)
        org.clear_requests()
        host.sync_now(TEAM)
        wait_until(lambda: host.idle(TEAM), plan.timeout, "the echo push", 0.2)
        r.echo_push_writes = writes_in(ours(org.request_log()))
        run_ = host.status(TEAM).get("run") or {}
        r.echo_pushed = int(run_.get("pushed") or 0)
        r.notes.append(f"echo push run: {run_}")
        r.echo_pull = pull(host, org, worker)
        after = host_rows(app)
        r.echo_host_changed = sum(1 for a, b in zip(before, after, strict=False) if a != b) + abs(
            len(after) - len(before))
        r.notes.append(f"host rows digest before/after the echo: {digest(before)[:12]} / "
                       f"{digest(after)[:12]}")
        with app.app_context():
            app.extensions["bench_models"].db.engine.dispose()
    return r


# -- the table --------------------------------------------------------------------------------

Row = tuple[str, str, str, str, str, bool]


def _ratio(naive: float, ours_: float, what: str) -> str:
    if not ours_:
        return f"inf {what}" if naive else "-"
    return f"{naive / ours_:,.1f}x {what}"


def _applied(run: PullRun) -> int:
    return sum(c["created"] + c["updated"] + c["deleted"] for c in run.counts.values())


def table(plan: Plan, r: Results, quick: bool) -> list[Row]:
    assert r.first and r.incremental and r.idle and r.echo_pull
    n = plan.n
    naive_calls, naive_wall = r.naive["first"]
    created = r.first.counts["Contact"]["created"]
    rows: list[Row] = [
        (f"first pull of {n:,}: API calls", f"{r.first.calls:,}", f"{naive_calls:,}",
         _ratio(naive_calls, r.first.calls, "fewer"), "-", True),
        (f"first pull of {n:,}: wall time", f"{r.first.wall:.2f} s",
         f"{naive_wall:.2f} s (read only)", "-", "-", True),
        (f"first pull of {n:,}: records/s", f"{n / r.first.wall:,.0f}",
         f"{n / naive_wall:,.0f} (read only)", "-", "-", True),
        (f"first pull of {n:,}: host contacts created", f"{created:,}", "-", "-", f"= {n:,}",
         created == n),
        (f"first pull of {n:,}: worker peak RSS", f"{r.first.peak_mb:,.0f} MB", "-", "-",
         f"<= {MEMORY_MB:.0f} MB", r.first.peak_mb <= MEMORY_MB),
    ]
    naive_calls, naive_wall = r.naive["incremental"]
    updated = r.incremental.counts["Contact"]["updated"]
    rows += [
        (f"incremental, {CHANGES} changes: API calls", f"{r.incremental.calls}",
         f"{naive_calls:,}", _ratio(naive_calls, r.incremental.calls, "fewer"),
         f"<= {INCREMENTAL_CALLS}", r.incremental.calls <= INCREMENTAL_CALLS),
        (f"incremental, {CHANGES} changes: wall time", f"{r.incremental.wall:.2f} s",
         f"{naive_wall:.2f} s (read only)", _ratio(naive_wall, r.incremental.wall, "faster"),
         "-" if quick else f"<= {INCREMENTAL_SECONDS:.0f} s",
         quick or r.incremental.wall <= INCREMENTAL_SECONDS),
        (f"incremental, {CHANGES} changes: host contacts updated", f"{updated}", "-", "-",
         f"= {CHANGES}", updated == CHANGES),
    ]
    naive_calls, naive_wall = r.naive["idle"]
    rows += [
        ("idle poll: API calls", f"{r.idle.calls}", f"{naive_calls:,}",
         _ratio(naive_calls, r.idle.calls, "fewer"), "1", r.idle.calls == 1),
        ("idle poll: wall time", f"{r.idle.wall:.2f} s", f"{naive_wall:.2f} s",
         _ratio(naive_wall, r.idle.wall, "faster"), "-", True),
        ("idle poll: host changes applied", f"{_applied(r.idle)}", "-", "-", "0",
         _applied(r.idle) == 0),
    ]
    for interval, seen in r.latencies.items():
        target = interval + LATENCY_SLACK
        for pct in (50, 95):
            value = percentile(seen, pct)
            rows.append((
                f"latency, pulls every {interval} s: p{pct} ({len(seen)} edits)",
                f"{value:.2f} s", "-", "-", f"<= {target:.0f} s",
                len(seen) == plan.edits and value <= target,
            ))
    rows += [
        (f"echo: Sync Now of {n:,} pulled contacts: writes to Salesforce",
         f"{r.echo_push_writes} ({r.echo_pushed} pushed)", "-", "-", "0",
         r.echo_push_writes == 0 and r.echo_pushed == 0),
        ("echo: pull again: writes to Salesforce", f"{writes_in_kinds(r.echo_pull)}", "-",
         "-", "0", writes_in_kinds(r.echo_pull) == 0),
        ("echo: host rows changed (push + pull)", f"{r.echo_host_changed}", "-", "-", "0",
         r.echo_host_changed == 0),
    ]
    return rows


def writes_in_kinds(run: PullRun) -> int:
    return sum(count for kind, count in run.kinds.items()
               if not kind.startswith("GET ") and kind != "POST composite")


def kinds(counter: Counter[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in counter.most_common()) or "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="flask-sfsync pull benchmark")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 contacts, latency at 10 s")
    parser.add_argument("-n", type=int, default=None, help="contacts (default 100,000)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args(argv)
    plan = Plan(
        n=args.n or (2_000 if args.quick else 100_000),
        intervals=(10,) if args.quick else (60, 10),
        edits=8 if args.quick else 20,
        rounds=2 if args.quick else 3,
        timeout=600 if args.quick else 3600,
    )
    work = Path(tempfile.mkdtemp(prefix="sfsync-pull-bench-"))
    say(f"work directory {work}")
    started = time.perf_counter()
    with deadline(1200 if args.quick else 5400):
        results = run(plan, work)  # on an error the work directory stays, with the logs
    rows = table(plan, results, args.quick)
    print(render(rows))
    print()
    assert results.first and results.incremental and results.idle
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; seeding "
          f"{plan.n:,} in the org took {results.seed_seconds:.1f} s; whole run "
          f"{time.perf_counter() - started:.0f} s")
    print(f"first pull: {results.first.counts}; calls: {kinds(results.first.kinds)}")
    print(f"incremental pull calls: {kinds(results.incremental.kinds)}")
    print(f"idle poll calls: {kinds(results.idle.kinds)}")
    for note in results.notes:
        print(note)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(row[5] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
