"""OAuth 2.0 web server flow, token, revoke, identity and userinfo, as Salesforce serves them.

Browser side: ``GET /services/oauth2/authorize`` checks the client and callback, then shows the
login form (``POST /login``), then the Allow/Deny page
(``/setup/secur/RemoteAccessAuthorizationPage.apexp``), then redirects to the callback with
``code`` and ``state``. A login is remembered by a ``sid`` cookie and an approval per user and
app, as Salesforce does (``prompt=login`` / ``prompt=consent`` force the pages again).

Server side: ``POST /services/oauth2/token`` (authorization_code with PKCE S256, refresh_token;
client credentials in the body or HTTP Basic), ``/services/oauth2/revoke``,
``/services/oauth2/userinfo`` and the identity URL ``/id/{orgId}/{userId}``. Token responses
carry no ``expires_in``; errors are 400 ``{"error", "error_description"}`` in Salesforce's words.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from werkzeug import Request, Response

from flask_sfsync.emulator.pages import render
from flask_sfsync.emulator.requestlog import LogEntry, RequestLog

if TYPE_CHECKING:
    from flask_sfsync.emulator.store import Org

__all__ = [
    "CODE_LIFETIME",
    "DEFAULT_SCOPE",
    "ConnectedApp",
    "OAuthError",
    "OAuthService",
    "TokenStore",
]

CODE_LIFETIME = 600.0  # seconds an authorization code can be exchanged
DEFAULT_SCOPE = "api refresh_token id"
KNOWN_SCOPES = frozenset({
    "api", "refresh_token", "offline_access", "id", "profile", "email", "address", "phone",
    "openid", "full", "web", "chatter_api", "custom_permissions", "visualforce", "content",
    "lightning", "wave_api",
})
_PENDING_LIFETIME = 1800.0
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
CONSENT_PATH = "/setup/secur/RemoteAccessAuthorizationPage.apexp"


class OAuthError(Exception):
    """A token-endpoint error: 400 {"error", "error_description"}."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        return _json({"error": self.error, "error_description": self.description}, self.status)


def _json(body: Any, status: int = 200) -> Response:
    response = Response(
        json.dumps(body, separators=(",", ":")), status=status,
        content_type="application/json;charset=UTF-8",
    )
    response.headers["Cache-Control"] = "no-cache,must-revalidate,max-age=0,no-store,private"
    return response


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain;charset=UTF-8")


def _is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = host in _LOOPBACK_HOSTS or host.startswith("127.")
    return parts.scheme in ("http", "https") and loopback


@dataclass
class ConnectedApp:
    """The one connected app of the local org."""

    client_id: str
    client_secret: str
    callback_urls: list[str] | None = None  # None: any loopback http(s) URL
    name: str = "flask-sfsync"

    def callback_allowed(self, uri: str) -> bool:
        if self.callback_urls is None:
            return _is_loopback_url(uri)
        return uri in self.callback_urls


# --- tokens --------------------------------------------------------------------------------
@dataclass
class _Access:
    user_id: str
    issued_at: float
    refresh: str | None
    scope: str


@dataclass
class _Refresh:
    user_id: str
    client_id: str
    scope: str


@dataclass
class _Code:
    user_id: str
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    expires_at: float


class TokenStore:
    """Access tokens (expire after ``lifetime`` seconds), refresh tokens (until revoked), codes."""

    def __init__(self, org_id: str, lifetime: float) -> None:
        self.org_id = org_id
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._codes: dict[str, _Code] = {}

    def _new_access(self) -> str:
        # Salesforce access tokens are the 15-character org Id, "!", then an opaque part.
        return f"{self.org_id[:15]}!{secrets.token_urlsafe(72)}"

    def issue(
        self, user_id: str, client_id: str, scope: str, *, with_refresh: bool
    ) -> tuple[str, str | None, float]:
        refresh = f"5Aep861{secrets.token_urlsafe(64)}" if with_refresh else None
        access = self._new_access()
        now = time.time()
        with self._lock:
            if refresh is not None:
                self._refresh[refresh] = _Refresh(user_id, client_id, scope)
            self._access[access] = _Access(user_id, now, refresh, scope)
        return access, refresh, now

    def refresh(self, refresh: str, client_id: str) -> tuple[str, str, str, float] | None:
        """(access token, user id, scope, issued at) for a live refresh token of this client."""
        with self._lock:
            grant = self._refresh.get(refresh)
            if grant is None or grant.client_id != client_id:
                return None
            access = self._new_access()
            now = time.time()
            self._access[access] = _Access(grant.user_id, now, refresh, grant.scope)
            return access, grant.user_id, grant.scope, now

    def user_for_access_token(self, token: str) -> str | None:
        grant = self._access.get(token)  # dict reads are atomic: no lock on the hot path
        if grant is None:
            return None
        if time.time() - grant.issued_at >= self.lifetime:
            with self._lock:
                self._access.pop(token, None)
            return None
        return grant.user_id

    def access_scope(self, token: str) -> str:
        grant = self._access.get(token)
        return grant.scope if grant else ""

    def revoke(self, token: str) -> bool:
        with self._lock:
            if self._access.pop(token, None) is not None:
                return True
            if self._refresh.pop(token, None) is None:
                return False
            # Revoking a refresh token revokes the access tokens issued from it.
            for key in [k for k, a in self._access.items() if a.refresh == token]:
                del self._access[key]
            return True

    def expire_all_access_tokens(self) -> None:
        with self._lock:
            self._access.clear()

    def revoke_user(self, user_id: str) -> None:
        with self._lock:
            self._access = {k: a for k, a in self._access.items() if a.user_id != user_id}
            self._refresh = {k: r for k, r in self._refresh.items() if r.user_id != user_id}

    # codes
    def new_code(self, user_id: str, client_id: str, redirect_uri: str, scope: str,
                 challenge: str | None) -> str:
        code = f"aPrx{secrets.token_urlsafe(48)}"
        with self._lock:
            self._codes[code] = _Code(
                user_id, client_id, redirect_uri, scope, challenge, time.time() + CODE_LIFETIME
            )
        return code

    def take_code(self, code: str) -> _Code | None:
        """Codes are single-use: taking one removes it, valid or not."""
        with self._lock:
            return self._codes.pop(code, None)

    def expire_codes(self) -> None:
        """Make every outstanding code expired (tests of the 10-minute limit)."""
        with self._lock:
            for grant in self._codes.values():
                grant.expires_at = 0.0

    # persistence: refresh tokens last until revoked, so they survive a restart with --data
    def export(self) -> dict[str, Any]:
        with self._lock:
            return {
                "refresh_tokens": {
                    token: {"user_id": r.user_id, "client_id": r.client_id, "scope": r.scope}
                    for token, r in self._refresh.items()
                }
            }

    def load(self, data: dict[str, Any]) -> None:
        with self._lock:
            for token, r in data.get("refresh_tokens", {}).items():
                self._refresh[token] = _Refresh(r["user_id"], r["client_id"], r["scope"])


# --- the browser flow ------------------------------------------------------------------------
@dataclass
class _Pending:
    client_id: str
    redirect_uri: str
    state: str | None
    scope: str
    challenge: str | None
    prompt: set[str]
    created: float = field(default_factory=time.time)


def _redirect(url: str) -> Response:
    return Response(status=302, headers={"Location": url, "Cache-Control": "no-store"})


def _callback_url(redirect_uri: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return f"{redirect_uri}{separator}{query}"


def _pkce_ok(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge.rstrip("="))


class OAuthService:
    """Serves the OAuth and identity endpoints; the same object answers on both hosts."""

    def __init__(
        self,
        *,
        org: Org,
        app: ConnectedApp,
        tokens: TokenStore,
        login_url: str,
        instance_url: str,
        sandbox: bool = False,
        oauth_log: RequestLog | None = None,
    ) -> None:
        self.org = org
        self.app = app
        self.tokens = tokens
        self.login_url = login_url
        self.instance_url = instance_url
        self.sandbox = sandbox
        self.oauth_log = oauth_log if oauth_log is not None else RequestLog()
        self._pending: dict[str, _Pending] = {}
        self._sessions: dict[str, str] = {}  # sid cookie -> user id
        self._approvals: set[tuple[str, str]] = set()  # (user id, client id)
        self._lock = threading.Lock()

    PATHS = ("/services/oauth2/", "/id/", "/login", CONSENT_PATH, "/secur/logout.jsp",
             "/.well-known/openid-configuration")

    def handles(self, path: str) -> bool:
        return path.startswith(self.PATHS)

    def handle(self, request: Request) -> Response:
        started = time.time()
        response = self._route(request)
        if request.path.startswith("/services/oauth2/") and request.method == "POST":
            self.oauth_log.append(
                LogEntry(request.method, request.path, response.status_code, 0, started)
            )
        return response

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        try:
            if path == "/services/oauth2/authorize":
                return self._authorize(request)
            if path == "/login" and request.method == "POST":
                return self._login(request)
            if path == CONSENT_PATH:
                return self._consent(request)
            if path == "/secur/logout.jsp":
                return self._logout(request)
            if path == "/services/oauth2/token":
                return self._token(request)
            if path == "/services/oauth2/revoke":
                return self._revoke(request)
            if path == "/services/oauth2/userinfo":
                return self._userinfo(request)
            if path.startswith("/id/"):
                return self._identity(request, path)
            if path == "/.well-known/openid-configuration":
                return _json(self._discovery())
        except OAuthError as exc:
            return exc.response()
        except Exception:
            return _json({"error": "server_error", "error_description": "internal error"}, 500)
        return _text("Not Found", 404)

    # --- users -----------------------------------------------------------------------------
    def _user(self, user_id: str) -> Any | None:
        return next((u for u in self.org.users if u.id == user_id), None)

    def _session_user(self, request: Request) -> Any | None:
        user_id = self._sessions.get(request.cookies.get("sid", ""))
        user = self._user(user_id) if user_id else None
        return user if user is not None and user.is_active else None

    # --- authorize ---------------------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        params = request.values
        client_id = params.get("client_id", "")
        if client_id != self.app.client_id:
            return self._error_page("invalid_client_id", "client identifier invalid")
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not self.app.callback_allowed(redirect_uri):
            return self._error_page(
                "redirect_uri_mismatch", "redirect_uri must match configuration"
            )
        state = params.get("state")

        def fail(error: str, description: str) -> Response:
            return _redirect(
                _callback_url(
                    redirect_uri,
                    {"error": error, "error_description": description, "state": state},
                )
            )

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
            "login.html", status=200, action="/login", rid=rid, error=error, username=username,
            hint="This org is a sandbox." if self.sandbox else None,
        )

    def _login(self, request: Request) -> Response:
        rid = request.form.get("rid", "")
        pending = self._pending.get(rid)
        if pending is None:
            return self._error_page("invalid_request", "the login request has expired")
        username = request.form.get("username", "")
        user = self.org.authenticate(username, request.form.get("password", ""))
        if user is None or not user.is_active:
            return self._login_page(rid, _LOGIN_ERROR, username)
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = user.id
        response = self._after_login(rid, pending, user)
        response.set_cookie("sid", sid, httponly=True, samesite="Lax", path="/")
        return response

    def _after_login(self, rid: str, pending: _Pending, user: Any) -> Response:
        approved = (user.id, pending.client_id) in self._approvals
        if approved and "consent" not in pending.prompt:
            return self._grant(rid, pending, user.id)
        if "none" in pending.prompt:
            return _redirect(_callback_url(pending.redirect_uri, {
                "error": "consent_required", "error_description": "user has not approved",
                "state": pending.state}))
        return _redirect(f"{CONSENT_PATH}?{urlencode({'rid': rid})}")

    def _consent(self, request: Request) -> Response:
        rid = request.values.get("rid", "")
        pending = self._pending.get(rid)
        user = self._session_user(request)
        if pending is None or user is None:
            return self._error_page("invalid_request", "the authorization request has expired")
        if request.method != "POST":
            scopes = sorted({_SCOPE_TEXT.get(s, s) for s in pending.scope.split()})
            return render(
                "consent.html", action=CONSENT_PATH, rid=rid, app_name=self.app.name,
                scopes=scopes, username=user.username,
            )
        if request.form.get("decision") != "allow":
            with self._lock:
                self._pending.pop(rid, None)
            return _redirect(_callback_url(pending.redirect_uri, {
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
        params = {"code": code, "state": pending.state}
        return _redirect(_callback_url(pending.redirect_uri, params))

    def _logout(self, request: Request) -> Response:
        with self._lock:
            self._sessions.pop(request.cookies.get("sid", ""), None)
        response = _redirect("/")
        response.delete_cookie("sid", path="/")
        return response

    def _error_page(self, error: str, description: str) -> Response:
        return render("oauth_error.html", status=400, error=error, description=description)

    # --- token -------------------------------------------------------------------------------
    def _client(self, request: Request) -> tuple[str, str]:
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "invalid client credentials") from None
            client_id, _, secret = raw.partition(":")
            from urllib.parse import unquote_plus

            return unquote_plus(client_id), unquote_plus(secret)
        return request.form.get("client_id", ""), request.form.get("client_secret", "")

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            raise OAuthError("invalid_request", "must use HTTP POST")
        grant_type = request.form.get("grant_type", "")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        client_id, secret = self._client(request)
        if client_id != self.app.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(secret.encode(), self.app.client_secret.encode()):
            raise OAuthError("invalid_client", "invalid client credentials")
        if grant_type == "authorization_code":
            return _json(self._code_grant(request, client_id))
        return _json(self._refresh_grant(request, client_id))

    def _code_grant(self, request: Request, client_id: str) -> dict[str, Any]:
        code = request.form.get("code", "")
        grant = self.tokens.take_code(code) if code else None
        if grant is None or grant.client_id != client_id:
            raise OAuthError("invalid_grant", "invalid authorization code")
        if time.time() > grant.expires_at:
            raise OAuthError("invalid_grant", "expired authorization code")
        if request.form.get("redirect_uri", "") != grant.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        if grant.challenge is not None:
            verifier = request.form.get("code_verifier", "")
            if not verifier or not _pkce_ok(verifier, grant.challenge):
                raise OAuthError("invalid_grant", "invalid code verifier")
        user = self._user(grant.user_id)
        if user is None or not user.is_active:
            raise OAuthError("invalid_grant", "inactive user")
        return self.token_response(grant.user_id, grant.scope, client_id)

    def token_response(
        self, user_id: str, scope: str, client_id: str | None = None
    ) -> dict[str, Any]:
        """A code-grant response; a refresh token only when the scope allows one."""
        scopes = scope.split()
        with_refresh = "refresh_token" in scopes or "offline_access" in scopes
        access, refresh, issued = self.tokens.issue(
            user_id, client_id or self.app.client_id, scope, with_refresh=with_refresh
        )
        body = self._token_body(access, user_id, scope, issued)
        if refresh is not None:
            body["refresh_token"] = refresh
        return body

    def _refresh_grant(self, request: Request, client_id: str) -> dict[str, Any]:
        refreshed = self.tokens.refresh(request.form.get("refresh_token", ""), client_id)
        if refreshed is None:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        access, user_id, scope, issued = refreshed
        user = self._user(user_id)
        if user is None or not user.is_active:
            raise OAuthError("invalid_grant", "inactive user")
        return self._token_body(access, user_id, scope, issued)

    def _token_body(self, access: str, user_id: str, scope: str, issued: float) -> dict[str, Any]:
        identity = self.identity_url(user_id)
        issued_at = str(int(issued * 1000))
        signature = base64.b64encode(
            hmac.new(
                self.app.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
            ).digest()
        ).decode("ascii")
        return {
            "access_token": access,
            "signature": signature,
            "scope": scope,
            "instance_url": self.instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }

    def identity_url(self, user_id: str) -> str:
        return f"{self.login_url}/id/{self.org.org_id}/{user_id}"

    # --- revoke ------------------------------------------------------------------------------
    def _revoke(self, request: Request) -> Response:
        token = request.values.get("token", "")
        if not token:
            raise OAuthError("invalid_token", "the token was invalid")
        if not self.tokens.revoke(token):
            raise OAuthError("unsupported_token_type", "this token type is not supported")
        return Response(b"", status=200, content_type="application/json;charset=UTF-8")

    def _discovery(self) -> dict[str, Any]:
        """OpenID discovery, so clients can be configured with the login URL alone."""
        oauth = f"{self.login_url}/services/oauth2"
        return {
            "issuer": self.login_url,
            "authorization_endpoint": f"{oauth}/authorize",
            "token_endpoint": f"{oauth}/token",
            "revocation_endpoint": f"{oauth}/revoke",
            "userinfo_endpoint": f"{oauth}/userinfo",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": sorted(KNOWN_SCOPES),
            "subject_types_supported": ["public"],
            "claims_supported": ["sub", "preferred_username", "name", "email", "given_name",
                                 "family_name", "user_id", "organization_id"],
        }

    # --- identity ----------------------------------------------------------------------------
    def _bearer_user(self, request: Request) -> tuple[Any | None, Response | None]:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            token = request.values.get("oauth_token") or request.values.get("access_token") or ""
        token = token.strip()
        if not token:
            return None, _text("Missing_OAuth_Token", 403)
        user_id = self.tokens.user_for_access_token(token)
        user = self._user(user_id) if user_id else None
        if user is None:
            return None, _text("Bad_OAuth_Token", 403)
        return user, None

    def _identity(self, request: Request, path: str) -> Response:
        _, failure = self._bearer_user(request)
        if failure is not None:
            return failure
        parts = path.split("/")
        if len(parts) != 4 or parts[2][:15] != self.org.org_id[:15]:
            return _text("Bad_Id", 404)
        user = next((u for u in self.org.users if u.id[:15] == parts[3][:15]), None)
        if user is None:
            return _text("Bad_Id", 404)
        version = request.args.get("version")
        if version == "latest":
            version = "62.0"
        body = self._identity_body(user)
        if version:
            body = json.loads(json.dumps(body).replace("{version}", version))
        return _json(body)

    def _identity_body(self, user: Any) -> dict[str, Any]:
        org15 = self.org.org_id[:15]
        base = self.instance_url
        data = f"{base}/services/data/v{{version}}"
        return {
            "id": self.identity_url(user.id),
            "asserted_user": True,
            "user_id": user.id,
            "organization_id": self.org.org_id,
            "username": user.username,
            "nick_name": user.username.split("@")[0],
            "display_name": _display_name(user),
            "email": user.email,
            "email_verified": True,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "timezone": "America/Los_Angeles",
            "photos": {
                "picture": f"{base}/profilephoto/005/F",
                "thumbnail": f"{base}/profilephoto/005/T",
            },
            "addr_street": None, "addr_city": None, "addr_state": None, "addr_country": None,
            "addr_zip": None, "mobile_phone": None, "mobile_phone_verified": False,
            "is_lightning_login_user": False,
            "status": {"created_date": None, "body": None},
            "urls": {
                "enterprise": f"{base}/services/Soap/c/{{version}}/{org15}",
                "metadata": f"{base}/services/Soap/m/{{version}}/{org15}",
                "partner": f"{base}/services/Soap/u/{{version}}/{org15}",
                "rest": f"{data}/",
                "sobjects": f"{data}/sobjects/",
                "search": f"{data}/search/",
                "query": f"{data}/query/",
                "recent": f"{data}/recent/",
                "tooling_soap": f"{base}/services/Soap/T/{{version}}/{org15}",
                "tooling_rest": f"{data}/tooling/",
                "profile": f"{base}/{user.id}",
                "feeds": f"{data}/chatter/feeds",
                "groups": f"{data}/chatter/groups",
                "users": f"{data}/chatter/users",
                "feed_items": f"{data}/chatter/feed-items",
                "feed_elements": f"{data}/chatter/feed-elements",
                "custom_domain": base,
            },
            "active": bool(user.is_active),
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": -28800000,
            "last_modified_date": "2024-01-01T00:00:00Z",
            "is_app_installed": True,
        }

    def _userinfo(self, request: Request) -> Response:
        user, failure = self._bearer_user(request)
        if user is None:
            assert failure is not None
            return failure
        identity = self._identity_body(user)
        return _json({
            "sub": identity["id"],
            "user_id": user.id,
            "organization_id": self.org.org_id,
            "preferred_username": user.username,
            "nickname": identity["nick_name"],
            "name": identity["display_name"],
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "zoneinfo": identity["timezone"],
            "photos": identity["photos"],
            "profile": identity["urls"]["profile"],
            "picture": identity["photos"]["picture"],
            "address": {},
            "is_salesforce_integration_user": False,
            "urls": identity["urls"],
            "active": identity["active"],
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": -28800000,
            "updated_at": "2024-01-01T00:00:00Z",
            "is_app_installed": True,
        })


def _display_name(user: Any) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or str(user.username)
