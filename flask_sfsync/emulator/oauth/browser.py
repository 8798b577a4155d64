"""The browser half of the web server flow: authorize, login form, Allow/Deny, callback.

``GET /services/oauth2/authorize`` checks the client and callback URL (an unknown client or a
callback that is not registered shows an error page and never redirects, as Salesforce does),
then shows the login form (``POST /login``), then the Allow/Deny page (``CONSENT_PATH``), then
redirects to the callback with ``code`` and ``state``, or ``error=access_denied`` on Deny.
A login is remembered by a ``sid`` cookie (the record pages' session too: :class:`Sessions`)
and an approval per user and app, as Salesforce does
(``prompt=login`` / ``prompt=consent`` force the pages again, ``prompt=none`` never shows one).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from werkzeug import Request, Response

from flask_sfsync.emulator.oauth.http import callback_url, redirect
from flask_sfsync.emulator.oauth.tokens import TokenStore
from flask_sfsync.emulator.pages.render import render
from flask_sfsync.emulator.pages.sessions import Sessions

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org
    from flask_sfsync.emulator.store.users import User

__all__ = [
    "APP_NAME_MAX_LENGTH",
    "CONSENT_PATH",
    "DEFAULT_APP_NAME",
    "DEFAULT_SCOPE",
    "KNOWN_SCOPES",
    "BrowserFlow",
    "ConnectedApp",
    "check_app_name",
]

DEFAULT_APP_NAME = "flask-sfsync"
APP_NAME_MAX_LENGTH = 255  # a Connected App Name's limit in Setup
CONSENT_PATH = "/setup/secur/RemoteAccessAuthorizationPage.apexp"
DEFAULT_SCOPE = "api refresh_token id"
KNOWN_SCOPES = frozenset({
    "api", "refresh_token", "offline_access", "id", "profile", "email", "address", "phone",
    "openid", "full", "web", "chatter_api", "custom_permissions", "visualforce", "content",
    "lightning", "wave_api",
})
_PENDING_LIFETIME = 1800.0  # seconds a started login may take before it must start again
_LOGIN_ERROR = (
    "Please check your username and password. If you still can't log in, "
    "contact your Salesforce administrator."
)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_SCOPE_TEXT = {
    "api": "Manage user data via APIs (api)",
    "refresh_token": "Perform requests at any time (refresh_token, offline_access)",
    "offline_access": "Perform requests at any time (refresh_token, offline_access)",
    "id": "Access the identity URL service (id, profile, email, address, phone)",
    "full": "Full access (full)",
}


def _is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = host in _LOOPBACK_HOSTS or host.startswith("127.")
    return parts.scheme in ("http", "https") and loopback


def check_app_name(name: object) -> str:
    """``name`` as a connected app's name: text of 1 to 255 characters, not only spaces, no
    control characters; else ValueError."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("app name: a non-empty string is required")
    if len(name) > APP_NAME_MAX_LENGTH:
        raise ValueError(f"app name: at most {APP_NAME_MAX_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValueError("app name: no control characters")
    return name


@dataclass
class ConnectedApp:
    """The one connected app of the local org; ``name`` is what its Allow/Deny page shows."""

    client_id: str
    client_secret: str
    callback_urls: list[str] | None = None  # None: any loopback http(s) URL
    name: str = DEFAULT_APP_NAME

    def __post_init__(self) -> None:
        check_app_name(self.name)

    def rename(self, name: object) -> None:
        self.name = check_app_name(name)

    def callback_allowed(self, uri: str) -> bool:
        if self.callback_urls is None:
            return _is_loopback_url(uri)
        return uri in self.callback_urls


@dataclass
class _Pending:
    client_id: str
    redirect_uri: str
    state: str | None
    scope: str
    challenge: str | None
    prompt: set[str]
    created: float = field(default_factory=time.time)


class BrowserFlow:
    """The pages a user's browser goes through; ends in a redirect carrying a code."""

    def __init__(self, org: Org, app: ConnectedApp, tokens: TokenStore, *, sandbox: bool,
                 sessions: Sessions | None = None) -> None:
        self.org = org
        self.app = app
        self.tokens = tokens
        self.sandbox = sandbox
        self._pending: dict[str, _Pending] = {}
        self.sessions = sessions if sessions is not None else Sessions()
        self._approvals: set[tuple[str, str]] = set()  # (user id, client id)
        self._lock = threading.Lock()

    def _session_user(self, request: Request) -> User | None:
        session = self.sessions.get(request)
        user = self.org.user(session.user_id) if session else None
        return user if user is not None and user.is_active else None

    def authorize(self, request: Request) -> Response:
        params = request.values
        client_id = params.get("client_id", "")
        if client_id != self.app.client_id:
            return self.error_page("invalid_client_id", "client identifier invalid")
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not self.app.callback_allowed(redirect_uri):
            return self.error_page(
                "redirect_uri_mismatch", "redirect_uri must match configuration"
            )
        state = params.get("state")

        def fail(error: str, description: str) -> Response:
            return redirect(callback_url(
                redirect_uri, {"error": error, "error_description": description, "state": state}))

        if params.get("response_type") != "code":
            return fail("unsupported_response_type", "response type not supported")
        method = params.get("code_challenge_method")
        challenge = params.get("code_challenge") or None
        if method and method != "S256":
            return fail("invalid_request", "invalid code_challenge_method")
        requested = params.get("scope", "").split()
        if any(s not in KNOWN_SCOPES for s in requested):
            return fail("invalid_scope", "the requested scope is not allowed")
        pending = _Pending(
            client_id, redirect_uri, state, " ".join(requested) or DEFAULT_SCOPE, challenge,
            set(params.get("prompt", "").split()),
        )
        user = self._session_user(request)
        if "none" in pending.prompt and user is None:
            return fail("login_required", "user is not logged in")
        rid = self._remember(pending)
        if user is None or "login" in pending.prompt:
            return self._login_page(rid)
        return self._after_login(rid, pending, user)

    def _remember(self, pending: _Pending) -> str:
        rid = secrets.token_urlsafe(24)
        now = time.time()
        with self._lock:
            for key in [k for k, p in self._pending.items() if now - p.created > _PENDING_LIFETIME]:
                del self._pending[key]
            self._pending[rid] = pending
        return rid

    def _login_page(self, rid: str, error: str | None = None, username: str = "") -> Response:
        return render(
            "login.html", status=200, action="/login", hidden={"rid": rid}, error=error,
            username=username, hint="This org is a sandbox." if self.sandbox else None,
        )

    def login(self, request: Request) -> Response:
        rid = request.form.get("rid", "")
        pending = self._pending.get(rid)
        if pending is None:
            return self.error_page("invalid_request", "the login request has expired")
        username = request.form.get("username", "")
        user = self.org.authenticate(username, request.form.get("password", ""))
        if user is None or not user.is_active:
            return self._login_page(rid, _LOGIN_ERROR, username)
        sid = self.sessions.start(user.id)
        response = self._after_login(rid, pending, user)
        self.sessions.set_cookie(response, sid)
        return response

    def _after_login(self, rid: str, pending: _Pending, user: User) -> Response:
        approved = (user.id, pending.client_id) in self._approvals
        if approved and "consent" not in pending.prompt:
            return self._grant(rid, pending, user.id)
        if "none" in pending.prompt:
            return redirect(callback_url(pending.redirect_uri, {
                "error": "consent_required", "error_description": "user has not approved",
                "state": pending.state}))
        return redirect(f"{CONSENT_PATH}?{urlencode({'rid': rid})}")

    def consent(self, request: Request) -> Response:
        rid = request.values.get("rid", "")
        pending = self._pending.get(rid)
        user = self._session_user(request)
        if pending is None or user is None:
            return self.error_page("invalid_request", "the authorization request has expired")
        if request.method != "POST":
            scopes = sorted({_SCOPE_TEXT.get(s, s) for s in pending.scope.split()})
            return render(
                "consent.html", action=CONSENT_PATH, rid=rid, app_name=self.app.name,
                scopes=scopes, username=user.username,
            )
        if request.form.get("decision") != "allow":
            with self._lock:
                self._pending.pop(rid, None)
            return redirect(callback_url(pending.redirect_uri, {
                "error": "access_denied",
                "error_description": "end-user denied authorization",
                "state": pending.state,
            }))
        with self._lock:
            self._approvals.add((user.id, pending.client_id))
        return self._grant(rid, pending, user.id)

    def _grant(self, rid: str, pending: _Pending, user_id: str) -> Response:
        with self._lock:
            self._pending.pop(rid, None)
        code = self.tokens.new_code(
            user_id, pending.client_id, pending.redirect_uri, pending.scope, pending.challenge
        )
        return redirect(callback_url(pending.redirect_uri, {"code": code, "state": pending.state}))

    def logout(self, request: Request) -> Response:
        self.sessions.end(request)
        response = redirect("/")
        self.sessions.clear_cookie(response)
        return response

    def error_page(self, error: str, description: str) -> Response:
        return render("oauth_error.html", status=400, error=error, description=description)
