"""The local org's OAuth grants: access tokens, refresh tokens and authorization codes.

Access tokens expire ``lifetime`` seconds after issue (Salesforce's session timeout; its token
responses carry no ``expires_in``, so clients learn it from a 401 INVALID_SESSION_ID). Refresh
tokens last until revoked; revoking one revokes the access tokens issued from it. Codes are
single-use and expire after ``CODE_LIFETIME`` (Salesforce: 15 minutes; issue 2 asks for 10).
``clock`` is the store's time source, so tests move time instead of sleeping.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["CODE_LIFETIME", "Code", "TokenStore"]

CODE_LIFETIME = 600.0  # seconds an authorization code can be exchanged


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
class Code:
    """An authorization code's grant, checked when the code is exchanged."""

    user_id: str
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    expires_at: float


class TokenStore:
    """Access tokens (expire after ``lifetime`` seconds), refresh tokens (until revoked), codes."""

    def __init__(
        self, org_id: str, lifetime: float, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.org_id = org_id
        self.lifetime = lifetime
        self.clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._codes: dict[str, Code] = {}

    def _new_access(self) -> str:
        # Salesforce access tokens are the 15-character org Id, "!", then an opaque part.
        return f"{self.org_id[:15]}!{secrets.token_urlsafe(72)}"

    def issue(
        self, user_id: str, client_id: str, scope: str, *, with_refresh: bool
    ) -> tuple[str, str | None, float]:
        refresh = f"5Aep861{secrets.token_urlsafe(64)}" if with_refresh else None
        access = self._new_access()
        now = self.clock()
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
            now = self.clock()
            self._access[access] = _Access(grant.user_id, now, refresh, grant.scope)
            return access, grant.user_id, grant.scope, now

    def user_for_access_token(self, token: str) -> str | None:
        grant = self._access.get(token)  # dict reads are atomic: no lock on the hot path
        if grant is None:
            return None
        if self.clock() - grant.issued_at >= self.lifetime:
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

    # --- codes -------------------------------------------------------------------------------
    def new_code(self, user_id: str, client_id: str, redirect_uri: str, scope: str,
                 challenge: str | None) -> str:
        code = f"aPrx{secrets.token_urlsafe(48)}"
        with self._lock:
            self._codes[code] = Code(
                user_id, client_id, redirect_uri, scope, challenge, self.clock() + CODE_LIFETIME
            )
        return code

    def take_code(self, code: str) -> Code | None:
        """Codes are single-use: taking one removes it, valid or not."""
        with self._lock:
            return self._codes.pop(code, None)

    def code_expired(self, grant: Code) -> bool:
        return self.clock() > grant.expires_at

    def expire_codes(self) -> None:
        """Make every outstanding code expired (tests of the 10-minute limit)."""
        with self._lock:
            for grant in self._codes.values():
                grant.expires_at = float("-inf")

    # --- persistence: refresh tokens last until revoked, so they survive a restart (--data) ---
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
