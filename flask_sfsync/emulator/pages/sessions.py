"""Who is signed in on the login host, and the CSRF token every form carries.

One ``sid`` cookie serves the OAuth login form and the record pages, as Salesforce's session
cookie does: signing in on either signs in on both. Each session has its own CSRF token
(synchronizer token); a form posted before signing in (the sign-in form itself) carries the
token of a ``csrftoken`` cookie instead (double submit). Tokens compare in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from werkzeug import Request, Response

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "SESSION_COOKIE", "Session", "Sessions"]

SESSION_COOKIE = "sid"
CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "csrf_token"
SESSION_LIFETIME = 2 * 3600.0  # Salesforce's default session timeout


@dataclass
class Session:
    user_id: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    started: float = field(default_factory=time.time)


class Sessions:
    """Signed-in browsers: ``sid`` cookie value -> session."""

    def __init__(self, lifetime: float = SESSION_LIFETIME) -> None:
        self.lifetime = lifetime
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, user_id: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            for key in [k for k, s in self._items.items() if now - s.started > self.lifetime]:
                del self._items[key]
            self._items[sid] = Session(user_id)
        return sid

    def get(self, request: Request) -> Session | None:
        session = self._items.get(request.cookies.get(SESSION_COOKIE, ""))
        if session is None or time.time() - session.started > self.lifetime:
            return None
        return session

    def end(self, request: Request) -> None:
        with self._lock:
            self._items.pop(request.cookies.get(SESSION_COOKIE, ""), None)

    @staticmethod
    def set_cookie(response: Response, sid: str) -> None:
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax", path="/")

    @staticmethod
    def clear_cookie(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")

    # --- CSRF ------------------------------------------------------------------------------
    def csrf_token(self, request: Request) -> tuple[str, bool]:
        """The token a page's forms carry, and whether it is a new cookie to set."""
        session = self.get(request)
        if session is not None:
            return session.csrf, False
        cookie = request.cookies.get(CSRF_COOKIE)
        if cookie:
            return cookie, False
        return secrets.token_urlsafe(32), True

    def csrf_ok(self, request: Request) -> bool:
        sent = request.form.get(CSRF_FIELD, "")
        session = self.get(request)
        expected = session.csrf if session is not None else request.cookies.get(CSRF_COOKIE, "")
        return bool(sent) and bool(expected) and hmac.compare_digest(sent, expected)

    @staticmethod
    def set_csrf_cookie(response: Response, token: str) -> None:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/")
