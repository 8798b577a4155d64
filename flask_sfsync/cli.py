"""``flask sfsync ...``: status of connections, the RQ worker, the sweep, a pull, creating the
tables."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .db.models import extension_tables
from .jobs.lock import tenant_lock
from .jobs.sweep import sweep
from .jobs.worker import make_worker
from .migrations import SchemaMismatch, init_db
from .services.pull import pull_locked
from .state import get_state

__all__ = ["sfsync_cli"]

sfsync_cli = AppGroup("sfsync", help="Salesforce integration (flask-sfsync).")


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "never"


@sfsync_cli.command("status")
def status_command() -> None:
    """List the Salesforce connection of every tenant."""
    state = get_state()
    model = state.models.SalesforceConnection
    rows = state.db.session.scalars(select(model).order_by(model.tenant_id)).all()
    if not rows:
        click.echo("No Salesforce connections.")
        return
    header = ("TENANT", "STATUS", "ORG", "USER", "LAST SYNC")
    lines = [header] + [
        (c.tenant_id, c.status, c.org_id or "-", c.username or "-", _when(c.last_sync_at))
        for c in rows
    ]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for line in lines:
        click.echo(
            "  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        )


@sfsync_cli.command("worker")
@click.option(
    "--queue", "queues", multiple=True, help="Queue name (repeatable). Default: SFSYNC_QUEUE_NAME."
)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked horse.")
@click.option(
    "--with-scheduler/--without-scheduler",
    default=True,
    show_default=True,
    help="Also run RQ's scheduler (a paused sync resumes on time). Safe on every worker: RQ "
    "lets one scheduler per queue run at a time.",
)
def worker_command(
    queues: tuple[str, ...], burst: bool, simple: bool, with_scheduler: bool
) -> None:
    """Run an RQ worker: the one process to start beside the web app, as many as you like.

    Every job runs inside this application's context; the worker also runs RQ's scheduler
    (paused syncs resume on time) and, when the app pushes contacts, the sweep (lost enqueues,
    dead workers) every SFSYNC_SWEEP_INTERVAL seconds."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = make_worker(app, queues or None, simple=simple)
    names = ", ".join(q.name for q in worker.queues)
    click.echo(f"sfsync worker on {names} ({get_state(app).settings.redis_url})")
    worker.work(burst=burst, with_scheduler=with_scheduler)


@sfsync_cli.command("init-db")
@click.option(
    "--metadata",
    "use_metadata",
    is_flag=True,
    help="Create the tables from the models (create_all) instead of running the migrations.",
)
@with_appcontext
def init_db_command(use_metadata: bool) -> None:
    """Create the extension's tables (hosts that do not run our migrations via Flask-Migrate)."""
    state = get_state()
    engine = state.db.engine
    if use_metadata:
        state.db.metadata.create_all(engine, tables=extension_tables(state.db))
        click.echo("Created the flask-sfsync tables from the models.")
        return
    try:
        done = init_db(engine, state.db.metadata)
    except SchemaMismatch as exc:
        raise click.ClickException(str(exc)) from None
    if done == "stamped":
        click.echo(
            "The flask-sfsync tables were already there (db.create_all()) and match the models: "
            "marked as at the latest migration."
        )
    else:
        click.echo("flask-sfsync tables are at the latest migration.")


@sfsync_cli.command("sweep")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@with_appcontext
def sweep_command(every: float) -> None:
    """Enqueue pushes whose enqueue was lost (Redis down at commit, a worker killed)."""
    while True:
        woken = sweep()
        click.echo(f"sweep: {len(woken)} tenant(s) enqueued")
        if not every:
            return
        time.sleep(every)


@sfsync_cli.command("pull")
@click.argument("tenant_id")
@click.option("--full", is_flag=True, help="Read every record again, not only the changes.")
@click.option("--enqueue", is_flag=True, help="Leave it to a worker instead of pulling here.")
@with_appcontext
def pull_command(tenant_id: str, full: bool, enqueue: bool) -> None:
    """Pull a tenant's Salesforce changes now (under its lock, as a worker does)."""
    state = get_state()
    if enqueue:
        state.jobs.enqueue_pull(tenant_id, full=full)
        click.echo(f"pull of tenant {tenant_id} enqueued")
        return
    with tenant_lock(state.jobs.redis, tenant_id, state.settings.lock_timeout) as held:
        if not held:
            raise click.ClickException("another worker is syncing this tenant; try again")
        counts = pull_locked(tenant_id, full=full)
    for sobject, tally in counts.items():
        text = ", ".join(f"{value} {name}" for name, value in tally.items())
        click.echo(f"{sobject}: {text}")
