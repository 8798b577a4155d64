"""RQ workers that run every job inside the Flask application's context.

Jobs take ids, never ORM objects, and use ``current_app``/``db.session`` freely: the worker pushes
an app context around each job (in the forked work horse for :class:`FlaskWorker`, in the
worker's own process for :class:`FlaskSimpleWorker`). Workers must run in the main thread
(RQ installs signal handlers), which ``flask sfsync worker`` does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.worker import BaseWorker

from .ext import get_state


class _AppContextMixin:
    """Wraps RQ's ``perform_job`` (which also runs success/failure handling) in an app context."""

    flask_app: Flask

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        with self.flask_app.app_context():
            if os.getpid() != self._parent_pid:
                # A forked horse must not reuse the parent's pooled database sockets.
                get_state(self.flask_app).db.engine.dispose(close=False)
            result: bool = super().perform_job(*args, **kwargs)  # type: ignore[misc]
            return result

    _parent_pid: int = 0


class FlaskWorker(_AppContextMixin, Worker):
    """Forks a work horse per job (RQ's default), isolating jobs from each other."""


class FlaskSimpleWorker(_AppContextMixin, SimpleWorker):
    """Runs jobs in the worker process itself: for tests and single-process deployments."""


def redis_connection(app: Flask) -> Redis:
    return Redis.from_url(app.config["SFSYNC_REDIS_URL"])


def make_worker(
    app: Flask,
    queue_names: Sequence[str] | None = None,
    *,
    simple: bool = False,
    connection: Redis | None = None,
) -> BaseWorker:
    """A worker bound to ``app`` listening on ``queue_names`` (default: ``SFSYNC_QUEUE_NAME``)."""
    connection = connection or redis_connection(app)
    names = list(queue_names or [app.config["SFSYNC_QUEUE_NAME"]])
    queues = [Queue(name, connection=connection) for name in names]
    cls = FlaskSimpleWorker if simple else FlaskWorker
    worker: FlaskWorker | FlaskSimpleWorker = cls(queues, connection=connection)
    worker.flask_app = app
    worker._parent_pid = os.getpid()
    return worker
