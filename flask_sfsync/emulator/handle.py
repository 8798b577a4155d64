"""``LocalOrg``: a running local Salesforce org (both hosts on threads), and its control API.

::

    with LocalOrg(seed="demo") as org:
        sf = Salesforce(instance_url=org.instance_url, session_id=org.issue_token()["access_token"],
                        session=session_trusting(org.ca_bundle))
        org.faults.fail_next(1, "/composite/sobjects", kind="503")
        assert org.request_log.count(method="PATCH") == 1

The control API on the login host (``/_emulator/...``, JSON) offers the same switches to other
processes, e.g. tests of a host app that runs the org with ``python -m flask_sfsync.emulator``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from simple_salesforce.api import Salesforce

from flask_sfsync.emulator.hosts import tls
from flask_sfsync.emulator.hosts.faults import Faults
from flask_sfsync.emulator.hosts.instance import ApiUsage, InstanceApp
from flask_sfsync.emulator.hosts.login import LoginApp
from flask_sfsync.emulator.hosts.server import EmulatorServer
from flask_sfsync.emulator.oauth.browser import DEFAULT_APP_NAME, check_app_name
from flask_sfsync.emulator.oauth.server import DEFAULT_SCOPE, ConnectedApp, OAuthService, TokenStore
from flask_sfsync.emulator.pages import PagesApp, Sessions
from flask_sfsync.emulator.requestlog import RequestLog
from flask_sfsync.emulator.schema.organization import DEFAULT_ORG_NAME, check_org_name
from flask_sfsync.emulator.store.acting import ActingUser
from flask_sfsync.emulator.store.convert import LeadConvert, LeadConvertResult
from flask_sfsync.emulator.store.merge import MergeResult
from flask_sfsync.emulator.store.org import Org
from flask_sfsync.emulator.store.seed import DEFAULT_ORG_NAMES, seed
from flask_sfsync.emulator.store.validation import Condition, Predicate, ValidationRule

__all__ = ["DEFAULT_APP_NAME", "DEFAULT_DAILY_API_LIMIT", "DEFAULT_TOKEN_LIFETIME", "LocalOrg"]

DEFAULT_TOKEN_LIFETIME = 7200  # Salesforce's default session timeout: two hours
DEFAULT_DAILY_API_LIMIT = 100_000
_LOGIN_RESET_PATHS = ("/services/oauth2/token", "/services/oauth2/revoke",
                      "/services/oauth2/userinfo", "/id/")


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _placeholder(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _absolute(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute against the current directory (``..`` folded, links kept), so
    that what the org reports stays right for a process with another working directory."""
    return Path(os.path.abspath(path))


def _new_org(name: str, org_name: str | None) -> Org:
    org = Org()
    seed(org, name)  # raises ValueError for an unknown seed name
    if org_name is not None:
        org.company.name = org_name  # its name from the start: no rename to stamp
    return org


class LocalOrg:
    """A local Salesforce org: login host (HTTP) + instance host (HTTPS) on threads.

    ``data_file`` is made absolute at once (so are ``ca_bundle`` and the paths in ``info()``);
    ``app_name`` is the connected app's name, shown on the OAuth Allow/Deny page; ``org_name``
    the org's (its Organization record's Name): None gives a new org its seed's name ("Local
    Org", "Example Inc." for the demo) and keeps a ``data_file``'s own.
    """

    def __init__(
        self,
        seed: str = "empty",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_file: str | Path | None = None,
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
        daily_api_limit: int = DEFAULT_DAILY_API_LIMIT,
        sandbox: bool = False,
        callback_urls: list[str] | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        app_name: str = DEFAULT_APP_NAME,
        org_name: str | None = None,
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        self.data_file = _absolute(data_file) if data_file is not None else None
        self._app_name = check_app_name(app_name)
        self._org_name = check_org_name(org_name) if org_name is not None else None
        self.token_lifetime = token_lifetime
        self.daily_api_limit = daily_api_limit
        self.sandbox = sandbox
        self.callback_urls = list(callback_urls) if callback_urls else None
        self._client_id = client_id
        self._client_secret = client_secret
        self.request_log = RequestLog()
        self.oauth_log = RequestLog()
        self._servers: list[EmulatorServer] = []
        self._temp_dir: Path | None = None
        self._started = False

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> LocalOrg:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalOrg:
        if self._started:
            return self
        saved = self._load_oauth_state()
        if self.data_file is not None and self.data_file.exists():
            self.org: Org = Org.load(self.data_file)
            self.org.set_company(name=self._org_name)  # a rename, as in Company Information
        else:
            self.org = _new_org(self.seed, self._org_name)
        self.org.daily_api_limit = self.daily_api_limit
        self.org.set_company(sandbox=self.sandbox)
        self.client_id = self._client_id or saved.get("client_id") or _new_client_id()
        self.client_secret = (
            self._client_secret or saved.get("client_secret") or secrets.token_hex(32).upper()
        )
        try:
            self.tls_files = tls.make_tls_files(self._tls_dir(), self.host)
            self.ca_bundle = str(_absolute(self.tls_files.ca_bundle))
            self.tokens = TokenStore(self.org.org_id, self.token_lifetime)
            self.tokens.load(saved)
            self.usage = ApiUsage(self.org)
            self._bind()
        except BaseException:
            self._remove_temp_dir()
            raise
        self._build_apps()
        for server in self._servers:
            server.start()
        self._started = True
        return self

    def _remove_temp_dir(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def _tls_dir(self) -> Path:
        if self.data_file is not None:
            return self.data_file.with_name(self.data_file.name + ".certs")
        self._temp_dir = Path(tempfile.mkdtemp(prefix="sfsync-local-org-"))
        return self._temp_dir

    def _bind(self) -> None:
        self.faults = Faults(
            expire_tokens=self._expire_tokens,
            set_daily_limit=lambda n: self.usage.set_limit(n),
            on_down=lambda: self._instance_server.drop_connections(),
        )
        faults = self.faults
        login = EmulatorServer(
            self.host, self.port, _placeholder,
            is_down=lambda: faults.is_down,
            resets_path=lambda path: path.startswith(_LOGIN_RESET_PATHS),
        )
        try:
            instance_port = login.port + 1 if self.port else 0
            self._instance_server = EmulatorServer(
                self.host, instance_port, _placeholder,
                tls=tls.server_context(self.tls_files), is_down=lambda: faults.is_down,
            )
        except BaseException:
            login.server_close()
            raise
        self._login_server = login
        self._servers = [login, self._instance_server]
        self.login_url = f"http://{_url_host(self.host)}:{login.port}"
        self.instance_url = f"https://{_url_host(self.host)}:{self._instance_server.port}"

    def _build_apps(self) -> None:
        self.connected_app = ConnectedApp(self.client_id, self.client_secret, self.callback_urls,
                                          self._app_name)
        self.sessions = Sessions()  # one sign-in for the OAuth login and the record pages
        self.oauth = OAuthService(
            org=self.org, app=self.connected_app, tokens=self.tokens, login_url=self.login_url,
            instance_url=self.instance_url, sandbox=self.sandbox, oauth_log=self.oauth_log,
            sessions=self.sessions,
        )
        self._instance_server.app = InstanceApp(
            org=self.org, oauth=self.oauth, faults=self.faults, request_log=self.request_log,
            usage=self.usage, instance_url=self.instance_url,
        )
        self._login_server.app = LoginApp(self, PagesApp(self.org, self.sessions))

    def stop(self) -> None:
        if not self._started:
            return
        for server in self._servers:
            server.stop()
        self._servers = []
        self._started = False
        if self.data_file is not None:
            self.save()
        self._remove_temp_dir()

    # --- persistence ---------------------------------------------------------------------------
    def _oauth_file(self) -> Path | None:
        if self.data_file is None:
            return None
        return self.data_file.with_name(self.data_file.name + ".oauth.json")

    def _load_oauth_state(self) -> dict[str, Any]:
        path = self._oauth_file()
        if path is None or not path.exists():
            return {}
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self) -> None:
        """Write the org (and the app's credentials and refresh tokens) to ``data_file``."""
        if self.data_file is None:
            raise ValueError("this org has no data_file")
        self.org.save(self.data_file)
        oauth_file = self._oauth_file()
        assert oauth_file is not None
        state = {"client_id": self.client_id, "client_secret": self.client_secret}
        state.update(self.tokens.export())
        oauth_file.write_text(json.dumps(state))
        oauth_file.chmod(0o600)

    # --- values for tests ----------------------------------------------------------------------
    @property
    def admin(self) -> Any:
        return self.org.users[0]

    @property
    def username(self) -> str:
        return str(self.admin.username)

    @property
    def password(self) -> str:
        return str(self.admin.password)

    @property
    def org_id(self) -> str:
        return str(self.org.org_id)

    @property
    def org_name(self) -> str:
        """The org's name (Organization.Name, Company Information); settable while running."""
        if self._started:
            return self.org.company.name
        return self._org_name or DEFAULT_ORG_NAMES.get(self.seed, DEFAULT_ORG_NAME)

    @org_name.setter
    def org_name(self, name: str) -> None:
        self._org_name = check_org_name(name)
        if self._started:
            self.org.set_company(name=self._org_name)

    @property
    def app_name(self) -> str:
        """The connected app's name (the Allow/Deny page shows it); settable while running."""
        return self._app_name

    @app_name.setter
    def app_name(self, name: str) -> None:
        self._app_name = check_app_name(name)
        if self._started:
            self.connected_app.rename(name)

    def user(self, who: Any = None) -> Any:
        """A user by username, Id or User object; None = the admin."""
        if who is None:
            return self.admin
        key = getattr(who, "id", who)
        for user in self.org.users:
            if key in (user.id, user.username) or (isinstance(key, str) and user.id[:15] == key):
                return user
        raise KeyError(f"no user {who!r}")

    def issue_token(self, user: Any = None, scope: str = DEFAULT_SCOPE) -> dict[str, Any]:
        """A token response as the code grant gives it, without the browser flow."""
        return self.oauth.token_response(self.user(user).id, scope)

    def requests_session(self) -> requests.Session:
        """A requests session that trusts this org's CA.

        ``trust_env`` is off because requests lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``
        from the environment override ``session.verify`` (psf/requests#3829).
        """
        session = requests.Session()
        session.verify = self.ca_bundle
        session.trust_env = False
        return session

    def salesforce(self, user: Any = None, version: str = "60.0") -> Salesforce:
        """A simple-salesforce client for ``user`` (default: the admin) on the instance."""
        token = self.issue_token(user)
        return Salesforce(
            instance_url=token["instance_url"], session_id=token["access_token"],
            session=self.requests_session(), version=version,
        )

    def expire_codes(self) -> None:
        """Make every outstanding authorization code expired (it would after 10 minutes)."""
        self.tokens.expire_codes()

    # --- people working in Salesforce, and other automation (issue 10) ------------------------
    def as_user(self, who: Any = None) -> ActingUser:
        """The org as one user (username, Id or User; None = the admin) reads and changes it."""
        return ActingUser(self.org, self.user(who).id)

    def convert_lead(self, lead_id: str, *, user: Any = None, **options: Any
                     ) -> LeadConvertResult:
        """Convert a lead as ``user``; ``options`` as :class:`LeadConvert` (converted_status,
        account_id, contact_id, create_opportunity, opportunity_name, owner_id,
        overwrite_lead_source)."""
        return self.org.convert_lead(LeadConvert(lead_id, **options), self.user(user).id)

    def merge(self, sobject: str, master_id: str, merged_ids: list[str], *,
              fields: dict[str, Any] | None = None, user: Any = None) -> MergeResult:
        """Merge up to two records into ``master_id`` as ``user``."""
        return self.org.merge(sobject, master_id, merged_ids, self.user(user).id, fields)

    def undelete(self, record_id: str, *, user: Any = None) -> None:
        self.org.undelete(record_id, self.user(user).id)

    def automation_update(self, sobject: str, record_id: str, fields: dict[str, Any], *,
                          stamp: str = "workflow") -> None:
        """A change made by a process: "workflow" stamps SystemModstamp only, "formula"
        nothing (see ``Org.automation_update``)."""
        self.org.automation_update(sobject, record_id, fields, stamp=stamp)

    def set_visibility_lag(self, seconds: float) -> None:
        """Queries see a committed change only ``seconds`` after its SystemModstamp."""
        self.org.visibility.set_lag(seconds)

    def set_profile(self, who: Any, profile_name: str) -> None:
        self.org.set_user_profile(self.user(who).id, profile_name)

    def add_profile(self, name: str, based_on: str = "Standard User") -> None:
        self.org.access.add_profile(name, based_on)

    def set_object_access(self, profile_name: str, sobject: str, **permissions: bool) -> None:
        """e.g. ``set_object_access("Standard User", "Lead", create=False, delete=False)``."""
        self.org.set_object_access(profile_name, sobject, **permissions)

    def set_field_access(self, profile_name: str, sobject: str, field_name: str,
                         level: str) -> None:
        """``level``: "edit", "read_only" or "hidden"."""
        self.org.set_field_access(profile_name, sobject, field_name, level)

    def set_user_active(self, who: Any, active: bool) -> None:
        self.org.set_user_active(self.user(who).id, active)

    def add_validation_rule(self, sobject: str, name: str,
                            condition: Condition | Predicate | dict[str, Any], message: str, *,
                            error_field: str | None = None) -> ValidationRule:
        """A rule whose error condition is ``condition``: a :class:`Condition`, its JSON
        (``{"field": "Email", "is": "blank"}``) or a Python predicate on the record."""
        if isinstance(condition, dict):
            condition = Condition(str(condition["field"]), str(condition["is"]),
                                  condition.get("value"))
        obj = self.org.object_def(sobject)
        return self.org.validation.add(
            obj, ValidationRule(obj.name, name, condition, message, error_field))

    def remove_validation_rule(self, sobject: str, name: str | None = None) -> int:
        return self.org.validation.remove(self.org.object_def(sobject).name, name)

    def set_field_required(self, sobject: str, field_name: str, required: bool = True) -> None:
        self.org.set_field_required(sobject, field_name, required)

    def _expire_tokens(self) -> None:
        self.tokens.expire_all_access_tokens()

    def info(self) -> dict[str, Any]:
        """The JSON the CLI prints first: everything a client needs to connect."""
        return {
            "login_url": self.login_url,
            "instance_url": self.instance_url,
            "ca_bundle": self.ca_bundle,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "app_name": self.app_name,
            "username": self.username,
            "password": self.password,
            "org_id": self.org_id,
            "org_name": self.org_name,
            "sandbox": self.sandbox,
            "seed": self.seed,
            "token_lifetime": self.token_lifetime,
            "daily_api_limit": self.org.daily_api_limit,
            "records_url": f"{self.login_url}/records/Contact",
            "control_url": f"{self.login_url}/_emulator",
            "data_file": str(self.data_file) if self.data_file else None,
            "users": [
                {"username": u.username, "password": u.password, "email": u.email,
                 "user_id": u.id, "active": u.is_active,
                 "profile": self.org.access.profile_of(u.id).name}
                for u in self.org.users
            ],
        }


def _new_client_id() -> str:
    # Consumer keys of connected apps start with "3MVG9".
    return "3MVG9" + secrets.token_urlsafe(60).replace("-", "A").replace("_", "z")
