"""The sweep: enqueue pushes whose enqueue was lost, and resume what a dead worker left.

Work is in the database (outbox rows, sync runs), jobs are only reminders in Redis, so a
reminder can be lost without losing work: Redis down when the host committed, Redis restarted
without persistence, a worker killed mid-push. :func:`sweep` finds, for every tenant:

* outbox rows older than ``SFSYNC_SWEEP_AGE`` seconds;
* full syncs queued or running whose lock nobody holds (the worker died);
* connections whose pause has ended;

and enqueues a drain for each. Run it every ``SFSYNC_SWEEP_INTERVAL`` seconds: the worker
from :func:`make_sweeping_worker` does (``flask sfsync push-worker``), or ``flask sfsync
sweep --every 30`` beside any worker. Two sweeps at once only enqueue a drain twice, which the
per-tenant lock makes harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError

from . import outbox
from .sync_jobs import MARKER, enqueue_drain, lock_held, redis_for
from .sync_models import RunStatus
from .worker import FlaskSimpleWorker, FlaskWorker

__all__ = ["make_sweeping_worker", "register_cli", "sweep"]

log = logging.getLogger(__name__)


def sweep() -> list[str]:
    """Enqueue a drain for every tenant with forgotten work; returns those tenants."""
    state = current_app.extensions["sfsync_push"]
    session = state.db.session
    models = state.models
    now = datetime.now(UTC)
    older_than = now - timedelta(seconds=float(current_app.config["SFSYNC_SWEEP_AGE"]))
    tenants = set(outbox.tenants_waiting(session, models, older_than))
    run = models.SyncRun
    stale_runs = session.execute(
        sa.select(run.tenant_id, run.created_at).where(
            run.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value])
        )
    ).all()
    for tenant_id, created_at in stale_runs:
        created = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        if created < older_than:
            tenants.add(tenant_id)
    settings = models.PushSettings
    tenants.update(
        session.scalars(
            sa.select(settings.tenant_id).where(
                settings.paused_until.is_not(None), settings.paused_until <= now
            )
        )
    )
    woken: list[str] = []
    for tenant_id in sorted(tenants):
        try:
            if lock_held(tenant_id):
                continue  # a live worker is on it; it looks at the outbox again when done
            # A marker left by a job that never ran must not block this enqueue.
            redis_for().delete(MARKER.format(tenant=tenant_id))
        except RedisError as exc:
            log.warning("sweep: Redis unavailable: %s", exc)
            return woken
        if enqueue_drain(tenant_id):
            woken.append(tenant_id)
    if woken:
        log.info("sweep enqueued the pushes of %s", ", ".join(woken))
    return woken


class _SweepMixin:
    """Runs :func:`sweep` in the worker's own process every ``SFSYNC_SWEEP_INTERVAL`` seconds,
    between jobs and while idle (RQ checks for maintenance on each dequeue timeout)."""

    flask_app: Flask
    _last_sweep: float = 0.0
    #: Set from ``SFSYNC_SWEEP_INTERVAL`` by :func:`make_sweeping_worker`.
    _sweep_every: float = 30.0

    @property
    def dequeue_timeout(self) -> int:
        base: int = super().dequeue_timeout  # type: ignore[misc]
        return max(1, min(base, int(self._sweep_every)))

    @property
    def should_run_maintenance_tasks(self) -> bool:
        due = time.monotonic() - self._last_sweep >= self._sweep_every
        rq_due: bool = super().should_run_maintenance_tasks  # type: ignore[misc]
        return due or rq_due

    def run_maintenance_tasks(self) -> None:
        if time.monotonic() - self._last_sweep >= self._sweep_every:
            self._last_sweep = time.monotonic()
            with self.flask_app.app_context():
                try:
                    sweep()
                except Exception:  # the worker must keep working whatever the sweep hit
                    log.exception("sweep failed")
                finally:
                    current_app.extensions["sqlalchemy"].session.remove()
        super().run_maintenance_tasks()  # type: ignore[misc]


class SweepingWorker(_SweepMixin, FlaskWorker):
    pass


class SweepingSimpleWorker(_SweepMixin, FlaskSimpleWorker):
    pass


def make_sweeping_worker(
    app: Flask, queue_names: Sequence[str] | None = None, *, simple: bool = False
) -> Any:
    """:func:`flask_sfsync.worker.make_worker`'s worker, plus the periodic sweep."""
    from rq import Queue

    from .worker import make_worker

    plain = make_worker(app, queue_names, simple=simple)
    cls = SweepingSimpleWorker if simple else SweepingWorker
    worker = cls(
        [Queue(q.name, connection=plain.connection) for q in plain.queues],
        connection=plain.connection,
    )
    worker.flask_app = app
    worker._sweep_every = float(app.config["SFSYNC_SWEEP_INTERVAL"])
    worker._parent_pid = plain._parent_pid  # type: ignore[attr-defined]
    return worker


@click.command("sweep")
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


@click.command("push-worker")
@click.option("--queue", "queues", multiple=True, help="Queue name (repeatable).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process (no fork per job).")
@click.option("--with-scheduler", is_flag=True, help="Also run RQ's scheduler (paused pushes).")
@with_appcontext
def push_worker_command(
    queues: tuple[str, ...], burst: bool, simple: bool, with_scheduler: bool
) -> None:
    """An RQ worker that also runs the sweep every SFSYNC_SWEEP_INTERVAL seconds."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = make_sweeping_worker(app, queues or None, simple=simple)
    click.echo(f"sfsync push worker on {', '.join(q.name for q in worker.queues)}")
    worker.work(burst=burst, with_scheduler=with_scheduler)


def register_cli() -> None:
    """Add ``sweep`` and ``push-worker`` to the ``flask sfsync`` group (once per process)."""
    from .cli import sfsync_cli

    for command in (sweep_command, push_worker_command):
        if command.name not in sfsync_cli.commands:
            sfsync_cli.add_command(command)
