"""Push sync benchmark: the local org over HTTPS, a real Redis, one real worker process.

    python -m benchmarks.push_bench                  # the issue's sizes (10,000 and 100,000)
    python -m benchmarks.push_bench --small 2000 --large 20000 --naive 1000 --edits 50

Rows (printed as one table, all measured in this run):

* a naive loop: one simple-salesforce ``Lead.create`` per record (what a quick integration does);
* the initial push of ``--small`` contacts (sObject Collections) and of ``--large`` contacts
  (Bulk API 2.0): API calls and wall time from Sync Now to the run's end;
* Auto Sync latency: commit of one edited contact -> the record changed in the org, p50/p99;
* a burst: 1,000 edits of 100 contacts within about one second -> API calls;
* the worker's peak memory (RSS) during the large push.

Targets (issue 4): <= 1 call per 190 records with Collections; <= 10 calls for 100,000 with
Bulk; >= 10x faster than the naive loop; latency p50 <= 300 ms, p99 <= 1 s; the burst <= 10
calls; peak memory <= 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_sfsync.emulator.handle import LocalOrg  # noqa: E402
from flask_sfsync.redis_server import RedisServer  # noqa: E402
from flask_sfsync.testing import config_for, connect, csrf_token_from  # noqa: E402
from tests.integration.hostapp import CONFIG_ENV, create_app  # noqa: E402


class Host:
    """The host app, one logged-in client per tenant."""

    def __init__(self, config: dict[str, Any], org: LocalOrg) -> None:
        self.app = create_app(config, create=True)
        self.models = self.app.extensions["test_models"]
        self.org = org
        self.clients = {}
        for user_id, team in ((1, "acme"), (2, "globex")):
            client = self.app.test_client()
            client.get(f"/test-login/{user_id}")
            connect(client, org)
            self.clients[team] = client

    def post(self, team: str, path: str, data: dict[str, Any]) -> None:
        client = self.clients[team]
        page = client.get("/integrations/salesforce/settings").get_data(as_text=True)
        response = client.post(path, data={**data, "csrf_token": csrf_token_from(page)})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]

    def status(self, team: str) -> dict[str, Any]:
        data: dict[str, Any] = self.clients[team].get(
            "/integrations/salesforce/sync/status.json"
        ).get_json()
        return data

    def settings(self, team: str, mode: str) -> None:
        self.post(team, "/integrations/salesforce/settings", {
            "push_as": "Lead", "lead_source": "Web", "require_email": "1",
            "sync_mode": mode, "delete_behaviour": "leave",
        })

    def add_contacts(self, team: str, n: int) -> None:
        contact, company = self.models.Contact, self.models.Company
        with self.app.app_context():
            session = self.models.db.session
            company_id = session.execute(
                sa.insert(company).values(team=team, name=f"{team} Inc").returning(company.id)
            ).scalar_one()
            for start in range(0, n, 10_000):
                session.execute(sa.insert(contact), [
                    {"team": team, "first_name": "Bench", "last_name": f"Mark{i}",
                     "email": f"{team}.{i}@bench.example", "title": "v0", "stage": "New",
                     "company_id": company_id}
                    for i in range(start, min(n, start + 10_000))
                ])
            session.commit()

    def wait_idle(self, team: str, timeout: float = 3600) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(team)
            if not status["syncing"] and status["run"]:
                return status
            time.sleep(0.05)
        raise TimeoutError(f"the push of {team} did not finish")


class PeakRss(threading.Thread):
    """Samples a process's RSS every 20 ms (and its work horses', when it forks them; not
    RQ's scheduler process, whose pages are the worker's own, shared at fork)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            try:
                horses = [
                    p for p in self.process.children()
                    if "scheduler" not in " ".join(p.cmdline()).lower()
                ]
                rss = [p.memory_info().rss for p in (self.process, *horses)]
                self.peak = max(self.peak, max(rss))
            except psutil.Error:
                pass


def naive_loop(org: LocalOrg, n: int) -> tuple[int, float]:
    sf = org.salesforce()
    started = time.perf_counter()
    for i in range(n):
        sf.Lead.create(
            {"LastName": f"Naive{i}", "Company": "Naive", "Email": f"n{i}@naive.example"}
        )
    return n, time.perf_counter() - started


def initial_push(host: Host, team: str, n: int, worker_pid: int) -> dict[str, Any]:
    host.add_contacts(team, n)
    host.settings(team, "manual")
    calls_before = len(host.org.request_log)
    meter = PeakRss(worker_pid)
    meter.start()
    started = time.perf_counter()
    host.post(team, "/integrations/salesforce/sync", {})
    status = host.wait_idle(team)
    wall = time.perf_counter() - started
    meter.stop.set()
    meter.join()
    run = status["run"]
    assert run["pushed"] == n, run
    return {"calls": len(host.org.request_log) - calls_before, "wall": wall,
            "peak_mb": meter.peak / 1e6}


def _contact_ids(host: Host, team: str, n: int) -> list[int]:
    contact = host.models.Contact
    with host.app.app_context():
        return list(host.models.db.session.scalars(
            sa.select(contact.id).where(contact.team == team).order_by(contact.id).limit(n)
        ))


def _sf_ids(host: Host, team: str) -> dict[int, str]:
    link = host.app.extensions["sfsync_push"].models.SyncLink
    with host.app.app_context():
        rows = host.models.db.session.execute(
            sa.select(link.host_id, link.sf_id).where(link.tenant_id == team)
        )
        return {int(h): s for h, s in rows}


def _edit(host: Host, contact_id: int, title: str) -> None:
    with host.app.app_context():
        session = host.models.db.session
        session.get(host.models.Contact, contact_id).title = title
        session.commit()


def _title(org: LocalOrg, sf_id: str) -> Any:
    with org.org.lock:
        found = org.org.get_record(sf_id)
    return found[1].get("Title") if found else None


def auto_latency(host: Host, team: str, edits: int) -> tuple[float, float]:
    host.settings(team, "auto")  # starts a full sync (everything unchanged)
    host.wait_idle(team)
    ids = _contact_ids(host, team, edits)
    sf_ids = _sf_ids(host, team)
    latencies = []
    for n, contact_id in enumerate(ids):
        title = f"latency {n}"
        started = time.perf_counter()
        _edit(host, contact_id, title)
        while _title(host.org, sf_ids[contact_id]) != title:
            time.sleep(0.001)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99


def burst(host: Host, team: str) -> tuple[int, float]:
    ids = _contact_ids(host, team, 100)
    sf_ids = _sf_ids(host, team)
    time.sleep(1.0)
    calls_before = len(host.org.request_log)
    started = time.perf_counter()
    with host.app.app_context():
        session = host.models.db.session
        for n in range(1000):
            contact_id = ids[n % 100]
            session.get(host.models.Contact, contact_id).title = f"burst {n}"
            session.commit()
    burst_time = time.perf_counter() - started
    final = {ids[n % 100]: f"burst {n}" for n in range(1000)}
    deadline = time.monotonic() + 120
    while any(_title(host.org, sf_ids[c]) != t for c, t in final.items()):
        if time.monotonic() > deadline:
            raise TimeoutError("the burst did not arrive")
        time.sleep(0.05)
    host.wait_idle(team)
    return len(host.org.request_log) - calls_before, burst_time


def start_worker(config: dict[str, Any], log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env[CONFIG_ENV] = json.dumps(config)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.worker", "--simple"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfsync-push-bench-"))
    with RedisServer() as redis, LocalOrg(seed="empty", daily_api_limit=10_000_000) as org:
        org.request_log.clear()
        config = {
            **config_for(org),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'host.db'}",
            "SFSYNC_REDIS_URL": redis.url,
            "SFSYNC_BULK_THRESHOLD": max(2000, args.small),  # small: Collections; large: Bulk
            "SFSYNC_COALESCE_SECONDS": 0.25,
        }
        host = Host(config, org)
        worker = start_worker(config, work / "worker.log")
        try:
            deadline = time.monotonic() + 60
            while not all(
                "data-state=" in c.get("/integrations/salesforce/settings").get_data(as_text=True)
                for c in host.clients.values()
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError("the custom fields were not set up")
                time.sleep(0.1)
            results = run(host, org, args, worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    print_table(results, args)


def run(host: Host, org: LocalOrg, args: argparse.Namespace, worker_pid: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    results["naive"] = naive_loop(org, args.naive)
    results["small"] = initial_push(host, "acme", args.small, worker_pid)
    results["large"] = initial_push(host, "globex", args.large, worker_pid)
    results["latency"] = auto_latency(host, "acme", args.edits)
    results["burst"] = burst(host, "acme")
    return results


def print_table(r: dict[str, Any], args: argparse.Namespace) -> None:
    naive_n, naive_wall = r["naive"]
    naive_rate = naive_n / naive_wall
    rows = [("measure", "result", "target", "ok")]

    def add(name: str, value: str, target: str, ok: bool) -> None:
        rows.append((name, value, target, "yes" if ok else "NO"))

    add(f"naive loop: {naive_n:,} creates", f"{naive_n:,} calls, {naive_wall:.1f} s "
        f"({naive_rate:,.0f} rec/s)", "(baseline)", True)
    for key, n, limit in (("small", args.small, None), ("large", args.large, 10)):
        res = r[key]
        rate = n / res["wall"]
        how = "Collections" if key == "small" else "Bulk API 2.0"
        target = f"<= {n // 190 + 1} calls" if limit is None else f"<= {limit} calls"
        calls_ok = res["calls"] <= (n // 190 + 1 if limit is None else limit)
        add(f"initial push {n:,} ({how})", f"{res['calls']} calls, {res['wall']:.1f} s "
            f"({rate:,.0f} rec/s)", target, calls_ok)
        add(f"  speed vs naive ({n:,})", f"{rate / naive_rate:.1f}x", ">= 10x",
            rate / naive_rate >= 10)
    add("worker peak RSS during large push", f"{r['large']['peak_mb']:.0f} MB", "<= 200 MB",
        r["large"]["peak_mb"] <= 200)
    p50, p99 = r["latency"]
    add(f"Auto Sync latency ({args.edits} edits)", f"p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms", "p50 <= 300 ms, p99 <= 1 s", p50 <= 0.3 and p99 <= 1.0)
    calls, seconds = r["burst"]
    add("1,000 edits of 100 contacts", f"{calls} calls (edits took {seconds:.2f} s)",
        "<= 10 calls", calls <= 10)
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
