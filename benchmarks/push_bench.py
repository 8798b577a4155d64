"""Push sync benchmark (issue 4): real processes, one table.

    python benchmarks/push_bench.py            # 10,000 and 100,000 contacts, 200 latency edits
    python benchmarks/push_bench.py --quick    # 2,000 and 10,000 contacts, 50 edits (smoke run)

What runs (nothing in-process but the host app and the client side of the measurements):

* local orgs, each ``python -m flask_sfsync.emulator --seed empty --port 0`` in its own process,
  over HTTPS: one per tenant of the host (each team connects its own org, as customers do, so
  one push's records never change another's matching), and one for the naive loop;
* a real Redis (:class:`flask_sfsync.redis_server.RedisServer`);
* one RQ worker process, ``flask --app benchmarks/_support.py:create_app sfsync worker
  --with-scheduler``: it forks a work horse per job, whose peak RSS (``VmHWM``) is measured;
* the host app (``benchmarks/_support.py``) on SQLite in this process: the contacts are
  committed here, Sync Now and the settings go through its pages with a test client.

API calls are counted exactly from each org's request log (``/_emulator/requests``, cleared
before each phase). The benchmark's own reads of the org (checking values arrived) use API
version 59.0 and are left out of every count; flask-sfsync uses 60.0.

The naive loop is one simple-salesforce ``create`` per record of the same object with the same
fields, measured on the small size; figures for larger sizes are extrapolated from it linearly
and marked so.

Targets: <= 1 API call per 190 records with Collections; <= 10 calls for 100,000 with Bulk
API 2.0; >= 10x faster than the naive loop; Auto Sync latency p50 <= 300 ms, p99 <= 1 s;
1 API call per Auto Sync edit; 1,000 edits of 100 contacts in about a second cost <= 10 calls;
the worker's peak memory during the large push <= 200 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _support import (
    POLL_PATH,
    STAGES,
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
from simple_salesforce.api import Salesforce

from flask_sfsync.redis_server import RedisServer

COLLECTIONS_RECORDS_PER_CALL = 190
BULK_MAX_CALLS = 10
SPEEDUP = 10.0
P50_MS, P99_MS = 300.0, 1000.0
BURST_EDITS, BURST_CONTACTS, BURST_MAX_CALLS = 1000, 100, 10
# One edit, one write: the describe is shared by every job (not fetched again per drain).
CALLS_PER_EDIT = 1.0
MEMORY_MB = 200.0
TEAMS = {"small": 1, "large": 2}  # team -> user id
COMPANY_SIZE = 50  # contacts per company


def add_contacts(host: Host, team: str, n: int) -> None:
    """``n`` contacts in companies of 50, written with Core inserts (not tracked: the
    team has not saved its settings yet)."""
    contact, company = host.models.Contact.__table__, host.models.Company.__table__
    with host.app.app_context():
        session = host.models.db.session
        companies = -(-n // COMPANY_SIZE)
        session.execute(sa.insert(company), [
            {"team": team, "name": f"{team.title()} Company {k}"} for k in range(companies)
        ])
        first = session.scalar(
            sa.select(sa.func.min(company.c.id)).where(company.c.team == team)
        )
        for start in range(0, n, 10_000):
            session.execute(sa.insert(contact), [
                contact_row(team, i, first + i // COMPANY_SIZE)
                for i in range(start, min(n, start + 10_000))
            ])
        session.commit()



def contact_row(team: str, i: int, company_id: int) -> dict[str, Any]:
    return {
        "team": team, "first_name": f"Ada{i}", "last_name": f"Bench{i}",
        "email": f"{team}.{i}@bench.example", "phone": f"+1 555 {i:07d}",
        "title": "Engineer", "stage": STAGES[i % len(STAGES)], "company_id": company_id,
    }


def naive_fields(sobject: str, i: int) -> dict[str, Any]:
    """What a naive integration sends per record: the same fields ours maps."""
    fields: dict[str, Any] = {
        "FirstName": f"Ada{i}", "LastName": f"Bench{i}", "Email": f"naive.{i}@bench.example",
        "Phone": f"+1 555 {i:07d}", "Title": "Engineer",
    }
    if sobject == "Lead":
        fields.update(Company=f"Naive Company {i // COMPANY_SIZE}", LeadSource="Bench",
                      Status="Open - Not Contacted")
    return fields


# -- measurements -----------------------------------------------------------------------------


@dataclass
class PushResult:
    records: int
    calls: int
    wall: float
    kinds: Counter[str]
    org_seconds: float  # the org answering our requests (Bulk processing runs beside them)
    peak_mb: float = 0.0
    peak_pid: int | None = None


@dataclass
class Results:
    naive: tuple[int, int, float] = (0, 0, 0.0)  # records, calls, seconds
    small: PushResult | None = None
    large: PushResult | None = None
    latencies: list[float] = field(default_factory=list)  # commit -> seen by polling
    log_latencies: list[float] = field(default_factory=list)  # commit -> write answered
    latency_calls: Counter[str] = field(default_factory=Counter)
    burst_calls: int = 0
    burst_calls_after_idle: int = 0
    burst_edit_seconds: float = 0.0
    burst_seconds: float = 0.0
    burst_kinds: Counter[str] = field(default_factory=Counter)


def naive_loop(org: OrgProcess, sobject: str, n: int) -> tuple[int, int, float]:
    token = org.token()
    http = org.api_session()
    sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                    session=http, version="60.0")
    create = getattr(sf, sobject).create
    org.clear_requests()
    started = time.perf_counter()
    for i in range(n):
        create(naive_fields(sobject, i))
    wall = time.perf_counter() - started
    return n, len(org.request_log()), wall


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def initial_push(
    host: Host, team: str, org: OrgProcess, n: int, push_as: str, worker: WorkerProcess,
    *, timeout: float,
) -> PushResult:
    host.save_settings(team, auto=False, push_as=push_as)
    org.clear_requests()
    meter = PeakMemory(worker.pid)
    meter.start()
    try:
        started = time.time()
        host.sync_now(team)

        def finished() -> dict[str, Any] | None:
            if not worker.alive():
                raise RuntimeError("the worker died:\n" + worker.log_tail())
            status = host.status(team)
            run = status["run"]
            return status if run and run["status"] == "finished" and not status["syncing"] \
                else None

        status = wait_until(finished, timeout, f"the push of {n:,} contacts", interval=0.2)
    finally:
        meter.stop()
    run = status["run"]
    wall = _epoch(run["finished_at"]) - started
    entries = ours(org.request_log())
    if run["pushed"] != n or run["failed"]:
        raise RuntimeError(f"the push of {n:,} did not push them all: {run}")
    check_count(org, push_as, n)
    peak, pid = meter.horse_peak_mb()
    org_seconds = sum(float(e.get("duration", 0.0)) for e in entries)
    return PushResult(n, len(entries), wall, Counter(kind_of(e) for e in entries), org_seconds,
                      peak, pid)


def auto_sync_latency(
    host: Host, team: str, org: OrgProcess, edits: int, push_as: str, results: Results
) -> None:
    host.save_settings(team, auto=True, push_as=push_as)  # starts a full sync: all unchanged
    wait_until(lambda: host.idle(team), 600, "the full sync Auto Sync starts with", 0.2)
    ids = host.contact_ids(team, BURST_CONTACTS + edits)[BURST_CONTACTS:]
    links = host.links(team)
    http = org.api_session()
    org.clear_requests()
    commits: list[tuple[float, float]] = []
    for k, contact_id in enumerate(ids):
        sobject, sf_id = links[contact_id]
        title = f"latency {k}"
        url = f"{org.instance_url}{POLL_PATH}sobjects/{sobject}/{sf_id}"
        committed = time.time()
        host.edit_titles([(contact_id, title)])

        def arrived(url: str = url, title: str = title) -> bool:
            reply = http.get(url, params={"fields": "Title"}, timeout=30)
            return bool(reply.ok and reply.json().get("Title") == title)

        wait_until(arrived, 60, f"edit {k} to reach the org", interval=0.01)
        seen = time.time()
        results.latencies.append(seen - committed)
        commits.append((committed, seen))
        time.sleep(0.15)  # edits spaced out: each one meets an idle worker
    entries = ours(org.request_log())
    results.latency_calls = Counter(kind_of(e) for e in entries)
    writes = [e for e in entries if e["method"] in ("PATCH", "POST")]
    for committed, seen in commits:
        answered = [e["time"] + e.get("duration", 0.0) for e in writes
                    if committed <= e["time"] <= seen]
        if answered:
            results.log_latencies.append(max(answered) - committed)


def burst(host: Host, team: str, org: OrgProcess, results: Results) -> None:
    wait_until(lambda: host.idle(team), 120, "the worker to be idle", 0.1)
    ids = host.contact_ids(team, BURST_CONTACTS)
    links = host.links(team)
    http = org.api_session()
    edits = [(ids[n % BURST_CONTACTS], f"burst {n}") for n in range(BURST_EDITS)]
    final = {links[c][1]: t for c, t in edits}
    sobject = links[ids[0]][0]
    soql = (f"SELECT Id, Title FROM {sobject} WHERE Id IN "
            f"({', '.join(repr(s) for s in final)})")
    org.clear_requests()
    started = time.time()
    host.edit_titles(edits)
    results.burst_edit_seconds = time.time() - started

    def all_arrived() -> bool:
        reply = http.get(f"{org.instance_url}{POLL_PATH}query", params={"q": soql}, timeout=30)
        reply.raise_for_status()
        return all(r["Title"] == final[r["Id"][:18]] for r in reply.json()["records"])

    wait_until(all_arrived, 120, "the burst's last values to reach the org", interval=0.05)
    results.burst_seconds = time.time() - started
    entries = ours(org.request_log())
    results.burst_calls = len(entries)
    wait_until(lambda: host.idle(team), 120, "the worker to be idle after the burst", 0.1)
    entries = ours(org.request_log())
    results.burst_calls_after_idle = len(entries)
    results.burst_kinds = Counter(kind_of(e) for e in entries)


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Plan:
    small: int
    large: int
    edits: int
    push_as: str
    simple: bool
    timeout: float


def run(plan: Plan, work: Path) -> Results:
    results = Results()
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer())
        orgs: dict[str, OrgProcess] = {}
        for name in ("small", "large", "naive"):
            org = OrgProcess(work / f"org-{name}.log")
            stack.callback(org.stop)
            # Every org knows our Connected App (the same consumer key and secret).
            first = orgs.get("small")
            orgs[name] = org.start(
                client_id=first.client_id if first else None,
                client_secret=first.client_secret if first else None,
            )
        # One CA bundle for the app: the two tenants' orgs each made their own CA.
        bundle = work / "ca-bundle.pem"
        bundle.write_text("".join(Path(orgs[t].ca_bundle).read_text() for t in TEAMS))
        config: dict[str, Any] = {
            "SQLALCHEMY_DATABASE_URI": os.environ.get("SFSYNC_TEST_DATABASE_URL")
            or f"sqlite:///{work / 'host.db'}",
            "SFSYNC_CLIENT_ID": orgs["small"].client_id,
            "SFSYNC_CLIENT_SECRET": orgs["small"].client_secret,
            # "small" connects its org as Production, "large" its own as Sandbox.
            "SFSYNC_LOGIN_URL_PRODUCTION": orgs["small"].login_url,
            "SFSYNC_LOGIN_URL_SANDBOX": orgs["large"].login_url,
            "SFSYNC_ALLOW_HTTP_LOGIN_HOSTS": True,
            "SFSYNC_CA_BUNDLE": str(bundle),
            "SFSYNC_REDIS_URL": redis.url,
            "SFSYNC_QUEUE_NAME": "sfsync-bench",
            # The small push measures sObject Collections, the large one Bulk API 2.0.
            "SFSYNC_BULK_THRESHOLD": plan.small,
        }
        app = create_app(config, create=True)
        host = Host(app, TEAMS)
        host.add_users()
        worker = WorkerProcess(config, work / "worker.log", simple=plan.simple)
        stack.callback(worker.stop)
        host.login_and_connect("small", orgs["small"], "production")
        host.login_and_connect("large", orgs["large"], "sandbox")
        for team in TEAMS:
            wait_until(lambda team=team: host.fields_ready(team), 120,
                       f"our custom fields in {team}'s org", 0.2)
        say(f"orgs, Redis and the worker are up; adding {plan.small:,} + {plan.large:,} "
            "contacts to the host")
        add_contacts(host, "small", plan.small)
        add_contacts(host, "large", plan.large)

        say(f"naive loop: {plan.small:,} x {plan.push_as}.create")
        results.naive = naive_loop(orgs["naive"], plan.push_as, plan.small)
        say(f"initial push of {plan.small:,} (Collections)")
        results.small = initial_push(host, "small", orgs["small"], plan.small, plan.push_as,
                                     worker, timeout=plan.timeout)
        say(f"initial push of {plan.large:,} (Bulk API 2.0), measuring the worker's memory")
        results.large = initial_push(host, "large", orgs["large"], plan.large, plan.push_as,
                                     worker, timeout=plan.timeout)
        say(f"Auto Sync latency: {plan.edits} edits, one at a time")
        auto_sync_latency(host, "small", orgs["small"], plan.edits, plan.push_as, results)
        say(f"burst: {BURST_EDITS:,} edits of {BURST_CONTACTS} contacts")
        burst(host, "small", orgs["small"], results)
        with app.app_context():
            app.extensions["bench_models"].db.engine.dispose()
    return results


# -- the table --------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:,.1f}x" if b else "-"


def table(plan: Plan, r: Results) -> list[tuple[str, str, str, str, str, bool]]:
    assert r.small is not None and r.large is not None
    naive_n, naive_calls, naive_wall = r.naive
    rate = naive_n / naive_wall
    rows: list[tuple[str, str, str, str, str, bool]] = []
    small_target = plan.small // COLLECTIONS_RECORDS_PER_CALL
    rows.append((
        f"push {plan.small:,} contacts: API calls (Collections)", f"{r.small.calls:,}",
        f"{naive_calls:,}", f"{_ratio(naive_calls, r.small.calls)} fewer",
        f"<= {small_target} (1 per {COLLECTIONS_RECORDS_PER_CALL})",
        r.small.calls <= small_target,
    ))
    rows.append((
        f"push {plan.small:,} contacts: wall time", f"{r.small.wall:.1f} s",
        f"{naive_wall:.1f} s", f"{_ratio(naive_wall, r.small.wall)} faster",
        f">= {SPEEDUP:.0f}x faster", naive_wall / r.small.wall >= SPEEDUP,
    ))
    large_naive = plan.large / rate
    rows.append((
        f"push {plan.large:,} contacts: API calls (Bulk API 2.0)", f"{r.large.calls:,}",
        f"{plan.large:,} (extrapolated)", f"{_ratio(plan.large, r.large.calls)} fewer",
        f"<= {BULK_MAX_CALLS}", r.large.calls <= BULK_MAX_CALLS,
    ))
    rows.append((
        f"push {plan.large:,} contacts: wall time", f"{r.large.wall:.1f} s",
        f"{large_naive:.0f} s (extrapolated)", f"{_ratio(large_naive, r.large.wall)} faster",
        f">= {SPEEDUP:.0f}x faster", large_naive / r.large.wall >= SPEEDUP,
    ))
    rows.append((
        f"worker peak RSS, {plan.large:,} push", f"{r.large.peak_mb:.0f} MB", "-", "-",
        f"<= {MEMORY_MB:.0f} MB", r.large.peak_mb <= MEMORY_MB,
    ))
    p50, p99 = percentile(r.latencies, 50) * 1000, percentile(r.latencies, 99) * 1000
    rows.append((f"Auto Sync latency p50 ({len(r.latencies)} edits)", f"{p50:.0f} ms", "-", "-",
                 f"<= {P50_MS:.0f} ms", p50 <= P50_MS))
    rows.append((f"Auto Sync latency p99 ({len(r.latencies)} edits)", f"{p99:.0f} ms", "-", "-",
                 f"<= {P99_MS:.0f} ms", p99 <= P99_MS))
    per_edit = sum(r.latency_calls.values()) / max(1, len(r.latencies))
    rows.append((
        f"Auto Sync: API calls per edit ({len(r.latencies)} edits)", f"{per_edit:.2f}",
        "1 (one create/update each)", "-", f"<= {CALLS_PER_EDIT}", per_edit <= CALLS_PER_EDIT,
    ))
    rows.append((
        f"{BURST_EDITS:,} edits of {BURST_CONTACTS} contacts: API calls",
        f"{r.burst_calls}", f"{BURST_EDITS:,} (1 per edit)",
        f"{_ratio(BURST_EDITS, r.burst_calls)} fewer", f"<= {BURST_MAX_CALLS}",
        r.burst_calls <= BURST_MAX_CALLS,
    ))
    return rows


def notes(plan: Plan, r: Results) -> str:
    assert r.small is not None and r.large is not None

    def kinds(counter: Counter[str]) -> str:
        return ", ".join(f"{k} x{v}" for k, v in counter.most_common())

    load = os.getloadavg()
    p50 = percentile(r.log_latencies, 50) * 1000
    p99 = percentile(r.log_latencies, 99) * 1000
    per_edit = sum(r.latency_calls.values()) / max(1, len(r.latencies))
    worker = ("simple worker (jobs in the worker)" if plan.simple
              else "forking worker (a work horse per job)")
    runner = ("the worker, which ran the push itself" if plan.simple
              else "the work horse that ran the push")
    return "\n".join([
        f"Pushed as {plan.push_as}; {worker}; {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} at the end; naive: {r.naive[0]:,} records measured "
        f"({r.naive[0] / r.naive[2]:,.0f} records/s), larger sizes extrapolated from it.",
        f"push {plan.small:,}: {r.small.org_seconds:.2f} s of {r.small.wall:.2f} s spent by the "
        f"org answering; calls: {kinds(r.small.kinds)}",
        f"push {plan.large:,}: {r.large.org_seconds:.2f} s of {r.large.wall:.2f} s spent by the "
        f"org answering (its Bulk processing runs beside); calls: {kinds(r.large.kinds)}",
        f"peak RSS: process {r.large.peak_pid} ({runner}; VmHWM, shared pages included)",
        f"Auto Sync: commit -> the write that carried it answered (from the org's log): "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms; {per_edit:.2f} calls per edit "
        f"({kinds(r.latency_calls)})",
        f"burst: edits committed in {r.burst_edit_seconds:.2f} s, all {BURST_CONTACTS} last "
        f"values in the org after {r.burst_seconds:.2f} s; calls until then "
        f"{r.burst_calls}, after the worker went idle {r.burst_calls_after_idle} "
        f"({kinds(r.burst_kinds)})",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="flask-sfsync push benchmark (issue 4)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 and 10,000 contacts, 50 latency edits")
    parser.add_argument("--push-as", choices=("Lead", "Contact"), default="Lead",
                        help="what host contacts become (the naive loop creates the same)")
    parser.add_argument("--simple", action="store_true",
                        help="run jobs in the worker process instead of a forked horse")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="bound on the whole run (default 1200 quick, 3600 full)")
    args = parser.parse_args(argv)
    plan = Plan(
        small=2_000 if args.quick else 10_000,
        large=10_000 if args.quick else 100_000,
        edits=50 if args.quick else 200,
        push_as=args.push_as,
        simple=args.simple,
        timeout=600 if args.quick else 1800,
    )
    work = Path(tempfile.mkdtemp(prefix="sfsync-push-bench-"))
    say(f"work directory {work}")
    with deadline(args.timeout or (1200 if args.quick else 3600)):
        results = run(plan, work)  # on an error the work directory stays, with the logs
    rows = table(plan, results)
    print(render(rows))
    print()
    print(notes(plan, results))
    if not args.keep:
        _remove(work)
    return 0 if all(row[5] for row in rows) else 1


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
