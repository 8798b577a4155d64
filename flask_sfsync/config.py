"""Every ``SFSYNC_*`` configuration key, its default, the check for the required ones, and
:class:`Settings`: the configuration read once, at ``init_app``, into a frozen object.

``docs/configuration.rst`` documents each key; keep the two in step (a test compares them).
Nothing else in the package reads ``app.config["SFSYNC_..."]``: it asks
``get_state().settings`` (so a key is parsed and checked in one place, and a typo in a key's
name is a type error, not a ``KeyError`` in a worker at 3 a.m.).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final
from urllib.parse import urlsplit

from flask import Flask

#: Keys without a usable default: ``init_app`` raises :class:`ConfigurationError` naming them.
REQUIRED_KEYS: Final = ("SFSYNC_CLIENT_ID", "SFSYNC_CLIENT_SECRET", "SFSYNC_ENCRYPTION_KEY")

#: The push sync's keys (see ``docs/sync.rst``).
SYNC_DEFAULTS: Final[Mapping[str, Any]] = {
    # LeadSource of new records; None: the Flask app's name.
    "SFSYNC_APP_NAME": None,
    # Share of the org's daily API limit our pushes may spend (the rest is the org's).
    "SFSYNC_API_BUDGET_SHARE": 0.5,
    # Above this many records in one push, Bulk API 2.0 instead of sObject Collections.
    "SFSYNC_BULK_THRESHOLD": 2000,
    # Contacts read and pushed together by a full sync (its resume point is per page).
    "SFSYNC_PUSH_PAGE_SIZE": 100_000,
    # Outbox rows taken per Auto Sync round.
    "SFSYNC_DRAIN_BATCH": 5000,
    # While edits keep coming, the next round waits this long (doubling, at most 4x).
    "SFSYNC_COALESCE_SECONDS": 0.25,
    # Seconds a connection's lock outlives a dead worker.
    "SFSYNC_LOCK_TIMEOUT": 60,
    "SFSYNC_PUSH_JOB_TIMEOUT": 6 * 3600,
    # The sweep: how often the worker runs it, and how old a change must be to be re-enqueued.
    "SFSYNC_SWEEP_INTERVAL": 30,
    "SFSYNC_SWEEP_AGE": 20,
    # Transient failures: attempts and backoff per call, then a pause of the connection.
    "SFSYNC_RETRY_ATTEMPTS": 6,
    "SFSYNC_RETRY_BASE_DELAY": 0.5,
    "SFSYNC_RETRY_MAX_DELAY": 30.0,
    "SFSYNC_TRANSIENT_PAUSE": 60,
    # REQUEST_LIMIT_EXCEEDED (the org's daily limit): look again after this many seconds.
    "SFSYNC_LIMIT_PAUSE": 900,
    # Create our custom fields in an org as soon as it is connected.
    "SFSYNC_SETUP_FIELDS_ON_CONNECT": True,
    # Link to a record in Salesforce from the error log; None: "{instance_url}/{id}".
    "SFSYNC_RECORD_URL": None,
    # The pull: seconds between two pulls of a tenant (each tenant may choose its own), and
    # how far before its watermark a pull reads again (changes become queryable after their
    # SystemModstamp; tap-salesforce reads 10 s back).
    "SFSYNC_PULL_INTERVAL": 60,
    "SFSYNC_PULL_LOOKBACK": 10.0,
    # The longest a tenant's pull interval is stretched to as the API budget runs out
    # (seconds; from half the budget used on, reached at 95%; a longer interval stays).
    "SFSYNC_PULL_STRETCH_MAX": 900,
    # A first pull or a resync of more records than this reads them with one Bulk API 2.0
    # query job (about 4 calls) instead of REST pages of 2,000 (one call each); 0: never.
    "SFSYNC_PULL_BULK_THRESHOLD": 10000,
}

#: Defaults applied with ``app.config.setdefault``; the host's own values always win.
DEFAULTS: Final[Mapping[str, Any]] = {
    # The Connected App (Salesforce Setup > App Manager) and the key that encrypts tokens at rest.
    "SFSYNC_CLIENT_ID": None,
    "SFSYNC_CLIENT_SECRET": None,
    "SFSYNC_ENCRYPTION_KEY": None,
    # Earlier keys still accepted for decryption, so a key can be rotated without reconnecting.
    "SFSYNC_ENCRYPTION_OLD_KEYS": (),
    # Where Salesforce's OAuth endpoints live per environment.
    "SFSYNC_LOGIN_URL_PRODUCTION": "https://login.salesforce.com",
    "SFSYNC_LOGIN_URL_SANDBOX": "https://test.salesforce.com",
    # Lets an http:// login URL through (the local org on 127.0.0.1); never in production.
    "SFSYNC_ALLOW_HTTP_LOGIN_HOSTS": False,
    # requests' ``verify=``: a CA bundle path (the local org's CA) or None for the system store.
    "SFSYNC_CA_BUNDLE": None,
    "SFSYNC_API_VERSION": "60.0",
    "SFSYNC_OAUTH_SCOPE": "api id refresh_token",
    # OAuth ``prompt``: None lets Salesforce skip pages a person already passed; "login consent"
    # makes every Connect show Salesforce's login and Allow pages again.
    "SFSYNC_OAUTH_PROMPT": None,
    # Seconds to wait for Salesforce on every HTTP call made by the extension.
    "SFSYNC_HTTP_TIMEOUT": 30.0,
    # None: ``url_for(<blueprint>.callback, _external=True)``; set it when behind a proxy.
    "SFSYNC_CALLBACK_URL": None,
    # The blueprint and its pages.
    "SFSYNC_BLUEPRINT_NAME": "sfsync",
    "SFSYNC_URL_PREFIX": "/integrations",
    "SFSYNC_BASE_TEMPLATE": "base.html",
    # Our pages show flashed messages unless the host's base template already did; False: never.
    "SFSYNC_RENDER_FLASHES": True,
    # RQ.
    "SFSYNC_REDIS_URL": "redis://localhost:6379/0",
    "SFSYNC_QUEUE_NAME": "sfsync",
    **SYNC_DEFAULTS,
}


class ConfigurationError(RuntimeError):
    """The application's ``SFSYNC_*`` configuration cannot work; the message names the key."""


def apply_defaults(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


def check_config(config: Mapping[str, Any]) -> None:
    """Fail at start-up, not at the first connect, with the name of what is wrong."""
    missing = [key for key in REQUIRED_KEYS if not config.get(key)]
    if missing:
        raise ConfigurationError(
            f"flask-sfsync needs {', '.join(missing)} in the application config "
            f"(see docs/configuration.rst)"
        )
    for key in ("SFSYNC_LOGIN_URL_PRODUCTION", "SFSYNC_LOGIN_URL_SANDBOX"):
        check_login_url(key, config[key], allow_http=bool(config["SFSYNC_ALLOW_HTTP_LOGIN_HOSTS"]))
    prefix = config["SFSYNC_URL_PREFIX"]
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise ConfigurationError(f"SFSYNC_URL_PREFIX must start with '/', got {prefix!r}")


def check_login_url(key: str, url: object, *, allow_http: bool) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.netloc or parts.scheme not in ("https", "http"):
        raise ConfigurationError(f"{key} must be an absolute https:// URL, got {url!r}")
    if parts.scheme == "http" and not allow_http:
        raise ConfigurationError(
            f"{key} is plain http ({url}); set SFSYNC_ALLOW_HTTP_LOGIN_HOSTS = True "
            f"only for the local development org"
        )


@dataclass(frozen=True)
class Settings:
    """The ``SFSYNC_*`` keys of one application, typed (key ``SFSYNC_X`` is field ``x``)."""

    client_id: str
    client_secret: str
    encryption_key: str
    encryption_old_keys: tuple[str, ...]
    login_url_production: str
    login_url_sandbox: str
    allow_http_login_hosts: bool
    ca_bundle: str | None
    api_version: str
    oauth_scope: str
    oauth_prompt: str | None
    http_timeout: float
    callback_url: str | None
    blueprint_name: str
    url_prefix: str
    base_template: str
    render_flashes: bool
    redis_url: str
    queue_name: str
    app_name: str | None
    api_budget_share: float
    bulk_threshold: int
    push_page_size: int
    drain_batch: int
    coalesce_seconds: float
    lock_timeout: float
    push_job_timeout: int
    sweep_interval: float
    sweep_age: float
    retry_attempts: int
    retry_base_delay: float
    retry_max_delay: float
    transient_pause: float
    limit_pause: float
    setup_fields_on_connect: bool
    record_url: str | None
    pull_interval: int
    pull_lookback: float
    pull_stretch_max: float
    pull_bulk_threshold: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Read (and coerce: ``"30"`` from an environment variable is 30) every key."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = config[key_of(item.name)]
            convert = _CONVERTERS.get(str(item.type))
            values[item.name] = raw if convert is None or raw is None else convert(raw)
        return cls(**values)

    @property
    def verify(self) -> str | bool:
        """requests' ``verify=``: the configured CA bundle, else the system's store."""
        return self.ca_bundle or True


def key_of(field_name: str) -> str:
    return f"SFSYNC_{field_name.upper()}"


_CONVERTERS: dict[str, Any] = {
    "float": float,
    "int": int,
    "bool": bool,
    "tuple[str, ...]": tuple,
}


def read_settings(app: Flask) -> Settings:
    """Apply the defaults, check the configuration, and read it once."""
    apply_defaults(app)
    check_config(app.config)
    return Settings.from_config(app.config)
