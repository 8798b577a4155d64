"""RQ workers that run every job inside the Flask application's context, and sweep.

Jobs take ids, never ORM objects, and use ``current_app``/``db.session`` freely: the worker pushes
an app context around each job (in the forked work horse for :class:`FlaskWorker`, in the
worker's own process for :class:`FlaskSimpleWorker`). Workers must run in the main thread
(RQ installs signal handlers), which ``flask sfsync worker`` does.

When the application pushes contacts (``SFSync(contact_adapter=...)``), the worker also runs
:func:`~.sweep.sweep` every ``SFSYNC_SWEEP_INTERVAL`` seconds, between jobs and while idle
(RQ checks for maintenance on each dequeue timeout): every deployment that has a worker has
the sweep, with nothing more to start.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.worker import BaseWorker

from ..state import get_state
from .sweep import sweep

__all__ = ["FlaskSimpleWorker", "FlaskWorker", "make_worker"]

log = logging.getLogger(__name__)


class _AppWorkerMixin:
    """Wraps RQ's ``perform_job`` (which also runs success/failure handling) in an app context,
    and runs the sweep as a maintenance task."""

    flask_app: Flask
    _parent_pid: int = 0
    #: 0: no sweep (the application does not push); else seconds between sweeps.
    _sweep_every: float = 0.0
    _last_sweep: float = 0.0

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        with self.flask_app.app_context():
            if os.getpid() != self._parent_pid:
                # A forked horse must not reuse the parent's pooled database sockets.
                get_state(self.flask_app).db.engine.dispose(close=False)
            result: bool = super().perform_job(*args, **kwargs)  # type: ignore[misc]
            return result

    def _sweep_due(self) -> bool:
        return bool(self._sweep_every) and (
            time.monotonic() - self._last_sweep >= self._sweep_every
        )

    @property
    def dequeue_timeout(self) -> int:
        base: int = super().dequeue_timeout  # type: ignore[misc]
        return max(1, min(base, int(self._sweep_every))) if self._sweep_every else base

    @property
    def should_run_maintenance_tasks(self) -> bool:
        rq_due: bool = super().should_run_maintenance_tasks  # type: ignore[misc]
        return self._sweep_due() or rq_due

    def run_maintenance_tasks(self) -> None:
        if self._sweep_due():
            self._last_sweep = time.monotonic()
            with self.flask_app.app_context():
                try:
                    sweep()
                except Exception:  # the worker must keep working whatever the sweep hit
                    log.exception("sweep failed")
                finally:
                    get_state(self.flask_app).db.session.remove()
        super().run_maintenance_tasks()  # type: ignore[misc]


class FlaskWorker(_AppWorkerMixin, Worker):
    """Forks a work horse per job (RQ's default), isolating jobs from each other."""


class FlaskSimpleWorker(_AppWorkerMixin, SimpleWorker):
    """Runs jobs in the worker process itself: for tests and single-process deployments."""


def make_worker(
    app: Flask,
    queue_names: Sequence[str] | None = None,
    *,
    simple: bool = False,
    connection: Redis | None = None,
) -> BaseWorker:
    """A worker bound to ``app`` listening on ``queue_names`` (default: ``SFSYNC_QUEUE_NAME``)."""
    state = get_state(app)
    # Not the application's client: a worker blocks on the queue for up to its dequeue
    # timeout, longer than the socket timeout that keeps a host's commit from hanging (RQ
    # raises the timeout of the connection it is given, which must not be the shared one).
    connection = connection or Redis.from_url(state.settings.redis_url)
    names = list(queue_names or [state.settings.queue_name])
    cls = FlaskSimpleWorker if simple else FlaskWorker
    worker: FlaskWorker | FlaskSimpleWorker = cls(
        [Queue(name, connection=connection) for name in names], connection=connection
    )
    worker.flask_app = app
    worker._parent_pid = os.getpid()
    if state.adapter is not None:
        worker._sweep_every = state.settings.sweep_interval
    return worker
