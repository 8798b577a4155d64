"""The one factory of ``Salesforce`` objects for a connection, and how it refreshes.

Salesforce gives no ``expires_in``, so the only sign of an expired access token is a 401
``INVALID_SESSION_ID``. :class:`~.api.SalesforceApi` (the one place with a retry loop) then
calls :meth:`SalesforceClient.refresh` once, with the ``Salesforce`` object that failed:
under a lock, a new access token is fetched and stored through :class:`TokenStore` (the
refresh response has no refresh token: the old one stays), and the next :attr:`~.sf` is a
NEW ``Salesforce`` object (its headers are fixed at construction). Calls of other threads
that failed with the same stale object find it replaced and do not refresh again.
``invalid_grant`` on refresh means the refresh token is dead (revoked, expired by policy,
user deactivated): the store marks the connection "reconnect needed" and
:class:`~.errors.ReconnectNeeded` is raised, so callers stop instead of retrying forever.

Usage::

    client = SalesforceClient(tokens, oauth_settings, store, api_version="60.0")
    api = SalesforceApi(client, cache_key=(org_id, user_id))
    result = api.call(lambda sf: sf.query("SELECT Id FROM Contact LIMIT 1"))
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, NoReturn, Protocol

import requests
from simple_salesforce.api import Salesforce

from .errors import OAuthFlowError, ReconnectNeeded
from .oauth import OAuthSettings, refresh_access_token

__all__ = ["ConnectionTokens", "SalesforceClient", "TokenStore"]


class TokenStore(Protocol):
    """Where a client writes what it learns about its connection (the extension: the database)."""

    def save_refreshed(self, access_token: str, instance_url: str) -> None:
        """A refresh gave a new access token; the refresh token is unchanged."""

    def mark_reconnect_needed(self, error: str) -> None:
        """The refresh token was refused; ``error`` is Salesforce's description (no token)."""


@dataclass(frozen=True)
class ConnectionTokens:
    login_url: str
    instance_url: str
    access_token: str
    refresh_token: str | None

    def __repr__(self) -> str:
        return f"ConnectionTokens(login_url={self.login_url!r}, instance_url={self.instance_url!r})"


class _TimeoutSession(requests.Session):
    """simple-salesforce has no timeout argument; every call gets ours unless it brings one."""

    def __init__(self, timeout: float, verify: str | bool) -> None:
        super().__init__()
        self._timeout = timeout
        self.verify = verify

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        # Per request, or requests lets REQUESTS_CA_BUNDLE override session.verify (#3829).
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)


class SalesforceClient:
    def __init__(
        self,
        tokens: ConnectionTokens,
        oauth: OAuthSettings,
        store: TokenStore,
        *,
        api_version: str = "60.0",
    ) -> None:
        self._tokens = tokens
        self._oauth = oauth
        self._store = store
        self._api_version = api_version
        self._http = _TimeoutSession(oauth.timeout, oauth.verify)
        self._sf: Salesforce | None = None
        self._lock = threading.Lock()

    @property
    def instance_url(self) -> str:
        return self._tokens.instance_url

    @property
    def api_version(self) -> str:
        return self._api_version

    @property
    def http(self) -> requests.Session:
        """The requests session (CA bundle, timeout) for calls outside simple-salesforce."""
        return self._http

    @property
    def sf(self) -> Salesforce:
        """The current ``Salesforce`` object; replaced after every refresh, so do not keep it."""
        with self._lock:
            if self._sf is None:
                self._sf = Salesforce(
                    instance_url=self._tokens.instance_url,
                    session_id=self._tokens.access_token,
                    session=self._http,
                    version=self._api_version,
                )
            return self._sf

    def refresh(self, stale: Salesforce | None = None) -> None:
        """Get a new access token. ``stale``: the object that failed (skip if already replaced).

        Raises :class:`~.errors.ReconnectNeeded` (after telling the store) when Salesforce
        refuses the refresh token, :class:`~.errors.TransientFailure` when it cannot be
        reached, :class:`~.errors.OAuthFlowError` for any other refusal."""
        with self._lock:
            if stale is not None and self._sf is not stale:
                return
            refresh_token = self._tokens.refresh_token
            if not refresh_token:
                self._give_up("no refresh token is stored")
            try:
                response = refresh_access_token(self._oauth, self._tokens.login_url, refresh_token)
            except OAuthFlowError as exc:
                if exc.error == "invalid_grant":
                    self._give_up(exc.description or exc.error)
                raise
            self._tokens = replace(
                self._tokens,
                access_token=response.access_token,
                instance_url=response.instance_url or self._tokens.instance_url,
            )
            self._sf = None
            self._store.save_refreshed(self._tokens.access_token, self._tokens.instance_url)

    def _give_up(self, error: str) -> NoReturn:
        self._store.mark_reconnect_needed(error)
        raise ReconnectNeeded(f"Salesforce refused the refresh token ({error}): connect again")

    def __repr__(self) -> str:
        return f"<SalesforceClient {self._tokens.instance_url} v{self._api_version}>"
