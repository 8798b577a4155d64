"""A worker process for the end-to-end tests: ``python -m tests.integration.worker [--simple]``.

It builds the same host app as the test (configuration from ``SFSYNC_TEST_APP_CONFIG``) and
runs flask-sfsync's RQ worker (it sweeps) with the scheduler, as a deployment would.
"""

from __future__ import annotations

import logging
import sys

from flask_sfsync.jobs.worker import make_worker

from .hostapp import create_app


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(message)s")
    app = create_app()
    worker = make_worker(app, simple="--simple" in argv)
    worker.work(with_scheduler=True)


if __name__ == "__main__":
    main(sys.argv[1:])
