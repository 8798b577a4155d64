"""Fixtures for the browser tests: a headless Chromium driven by Playwright, and the apps
served by pytest-flask's ``live_server``.

``CHROMIUM`` is ``$SFSYNC_CHROMIUM`` (``./scripts/test.sh`` sets it to the Chromium it found
or installed), else ``/usr/bin/chromium`` (Debian's package).

pytest-flask's ``live_server`` runs the test's ``app`` in a child process (``multiprocessing``,
forked), on a free port (``--live-server-port`` or ``LIVESERVER_PORT`` fix one), and sets
``SERVER_NAME`` to ``<SERVER_NAME or localhost.localdomain>:<port>``. So each app here:

* sets ``SERVER_NAME = "localhost"`` (:func:`for_live_server`): the OAuth callback URL is
  built from it, and the browser must come back to the host it started on
  (``live_server.url()``), where its session cookie is;
* disposes of its engine's pooled connections before the fork (:func:`for_live_server`): a
  SQLite or PostgreSQL connection must not be shared by two processes;
* is function-scoped, which needs ``live_server_scope = function`` (setup.cfg): every test gets
  a fresh database, org and server.

The local org keeps running in the test process (threads): the served app reaches it over
HTTP like any other client, and the test reads the org directly.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, sync_playwright

from flask_sfsync import get_state

CHROMIUM = os.environ.get("SFSYNC_CHROMIUM") or "/usr/bin/chromium"
# The machine has no network: without these Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: What the apps here set, so that the browser comes back to the host it started on.
SERVER_NAME = "localhost"

if sys.version_info >= (3, 14) and sys.platform != "win32":  # pragma: no cover
    # pytest-flask 1.3 starts the server with multiprocessing's default start method, since
    # Python 3.14 "forkserver" on Linux, which cannot pickle its local function or the app:
    # use "fork", as pytest-flask itself does on macOS.
    import pytest_flask.live_server

    pytest_flask.live_server.multiprocessing = multiprocessing.get_context("fork")  # type: ignore[attr-defined]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Say what to fix, rather than pytest's ScopeMismatch, when the ini lacks the scope."""
    if "live_server" in getattr(item, "fixturenames", ()) and (
        item.config.getini("live_server_scope") != "function"
    ):
        pytest.fail(
            "the browser tests need pytest-flask's live_server per test: set "
            "live_server_scope = function in setup.cfg [tool:pytest] "
            "(or pass -o live_server_scope=function)",
            pytrace=False,
        )


def for_live_server(app: Flask) -> Flask:
    """Ready ``app`` for pytest-flask's ``live_server``: its ``SERVER_NAME``, and no pooled
    database connection left to cross the fork (the server's process opens its own)."""
    app.config["SERVER_NAME"] = SERVER_NAME
    with app.app_context():
        get_state(app).db.engine.dispose()
    return app


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
