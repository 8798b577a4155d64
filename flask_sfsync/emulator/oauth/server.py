"""OAuth 2.0 endpoints as Salesforce serves them: the router, token and revoke.

The same :class:`OAuthService` answers on the login host and, as a My Domain instance does, on
the instance host. Its parts live in their own modules:

    browser.py      authorize, login form, Allow/Deny page, the connected app
    tokens.py       access and refresh tokens, authorization codes (TokenStore)
    identity.py     identity URL, userinfo, OpenID discovery
    http.py         OAuthError and response helpers

``POST /services/oauth2/token`` takes ``authorization_code`` (PKCE S256 checked when the
authorize call sent a challenge) and ``refresh_token``, with the client's credentials in the body
or HTTP Basic. Responses carry access_token, refresh_token (code grant only, and only with the
``refresh_token``/``offline_access`` scope), instance_url, id, issued_at, signature, token_type
and scope, and no ``expires_in``; errors are 400 ``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from werkzeug import Request, Response

from flask_sfsync.emulator.oauth.browser import (
    CONSENT_PATH,
    DEFAULT_SCOPE,
    KNOWN_SCOPES,
    BrowserFlow,
    ConnectedApp,
)
from flask_sfsync.emulator.oauth.http import OAuthError, oauth_json, text_response
from flask_sfsync.emulator.oauth.identity import Identity, discovery
from flask_sfsync.emulator.oauth.tokens import CODE_LIFETIME, TokenStore
from flask_sfsync.emulator.pages.sessions import Sessions
from flask_sfsync.emulator.requestlog import LogEntry, RequestLog

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org

__all__ = [
    "CODE_LIFETIME",
    "DEFAULT_SCOPE",
    "ConnectedApp",
    "OAuthError",
    "OAuthService",
    "TokenStore",
]

_log = logging.getLogger(__name__)


def _pkce_ok(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge.rstrip("="))


class OAuthService:
    """Serves the OAuth and identity endpoints; the same object answers on both hosts."""

    PATHS = ("/services/oauth2/", "/id/", "/login", CONSENT_PATH, "/secur/logout.jsp",
             "/.well-known/openid-configuration")

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
        sessions: Sessions | None = None,
    ) -> None:
        self.org = org
        self.app = app
        self.tokens = tokens
        self.login_url = login_url
        self.instance_url = instance_url
        self.sandbox = sandbox
        self.oauth_log = oauth_log if oauth_log is not None else RequestLog()
        self.browser = BrowserFlow(org, app, tokens, sandbox=sandbox, sessions=sessions)
        self.identity = Identity(org, tokens, login_url, instance_url)

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
                return self.browser.authorize(request)
            if path == "/login" and request.method == "POST":
                return self.browser.login(request)
            if path == CONSENT_PATH:
                return self.browser.consent(request)
            if path == "/secur/logout.jsp":
                return self.browser.logout(request)
            if path == "/services/oauth2/token":
                return self._token(request)
            if path == "/services/oauth2/revoke":
                return self._revoke(request)
            if path == "/services/oauth2/userinfo":
                return self.identity.userinfo(request)
            if path.startswith("/id/"):
                return self.identity.identity(request, path)
            if path == "/.well-known/openid-configuration":
                return oauth_json(discovery(self.login_url, sorted(KNOWN_SCOPES)))
        except OAuthError as exc:
            return exc.response()
        except Exception:
            _log.exception("unexpected error in %s %s", request.method, request.path)
            return oauth_json({"error": "server_error", "error_description": "internal error"},
                              500)
        return text_response("Not Found", 404)

    # --- token -------------------------------------------------------------------------------
    @staticmethod
    def _client(request: Request) -> tuple[str, str]:
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "invalid client credentials") from None
            client_id, _, secret = raw.partition(":")
            # RFC 6749 2.3.1: Basic credentials are form-urlencoded before base64.
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
            return oauth_json(self._code_grant(request, client_id))
        return oauth_json(self._refresh_grant(request, client_id))

    def _code_grant(self, request: Request, client_id: str) -> dict[str, Any]:
        code = request.form.get("code", "")
        grant = self.tokens.take_code(code) if code else None
        if grant is None or grant.client_id != client_id:
            raise OAuthError("invalid_grant", "invalid authorization code")
        if self.tokens.code_expired(grant):
            raise OAuthError("invalid_grant", "expired authorization code")
        if request.form.get("redirect_uri", "") != grant.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        if grant.challenge is not None:
            # Salesforce's documentation names invalid_request for a mismatch; what it
            # answers (and what clients see) is invalid_grant "invalid code verifier".
            verifier = request.form.get("code_verifier", "")
            if not verifier or not _pkce_ok(verifier, grant.challenge):
                raise OAuthError("invalid_grant", "invalid code verifier")
        self._active_user(grant.user_id)
        return self.token_response(grant.user_id, grant.scope, client_id)

    def _active_user(self, user_id: str) -> None:
        user = self.org.user(user_id)
        if user is None or not user.is_active:
            raise OAuthError("invalid_grant", "inactive user")

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
        self._active_user(user_id)
        return self._token_body(access, user_id, scope, issued)

    def _token_body(self, access: str, user_id: str, scope: str, issued: float) -> dict[str, Any]:
        identity = self.identity_url(user_id)
        issued_at = str(int(issued * 1000))
        # Salesforce signs id + issued_at with the consumer secret (HMAC-SHA256, base64).
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
        return self.identity.url(user_id)

    # --- revoke ------------------------------------------------------------------------------
    def _revoke(self, request: Request) -> Response:
        token = request.values.get("token", "")
        if not token:
            raise OAuthError("invalid_token", "the token was invalid")
        if not self.tokens.revoke(token):
            raise OAuthError("unsupported_token_type", "this token type is not supported")
        return Response(b"", status=200, content_type="application/json;charset=UTF-8")
