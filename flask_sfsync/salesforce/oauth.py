"""Salesforce's OAuth 2.0 web server flow (with PKCE), refresh and revoke, over Authlib's client.

No Flask here: the caller keeps the :class:`AuthorizationRequest`'s state and code verifier
(the extension keeps them in the Flask session) and passes them back at the callback.
Salesforce endpoints: ``{login_url}/services/oauth2/{authorize,token,revoke}``. Token responses
carry no ``expires_in``; a refresh response carries no new refresh token.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from .errors import OAuthFlowError, TransientFailure

__all__ = [
    "AuthorizationRequest",
    "OAuthSettings",
    "TokenResponse",
    "endpoint",
    "exchange_code",
    "refresh_access_token",
    "revoke_token",
    "start_authorization",
]


@dataclass(frozen=True)
class OAuthSettings:
    """The Connected App and how to reach Salesforce; one per application config."""

    client_id: str
    client_secret: str
    redirect_uri: str | None = None
    scope: str = "api id refresh_token"
    #: OAuth ``prompt`` ("login", "consent", "select_account", space separated) or None.
    prompt: str | None = None
    #: requests' ``verify=``: a CA bundle path, or True for the system store.
    verify: str | bool = True
    timeout: float = 30.0

    def __repr__(self) -> str:
        return f"OAuthSettings(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r})"


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    code_verifier: str


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    instance_url: str
    #: The identity URL (``https://login.salesforce.com/id/<org id>/<user id>``).
    id_url: str
    refresh_token: str | None = None
    scope: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TokenResponse:
        try:
            return cls(
                access_token=str(data["access_token"]),
                instance_url=str(data["instance_url"]).rstrip("/"),
                id_url=str(data.get("id", "")),
                refresh_token=data.get("refresh_token"),
                scope=data.get("scope"),
            )
        except KeyError as exc:
            raise OAuthFlowError("invalid_response", f"token response without {exc}") from None

    def __repr__(self) -> str:
        return f"TokenResponse(instance_url={self.instance_url!r}, id_url={self.id_url!r})"


def endpoint(login_url: str, name: str) -> str:
    return f"{login_url.rstrip('/')}/services/oauth2/{name}"


def _session(settings: OAuthSettings, **kwargs: Any) -> OAuth2Session:
    session = OAuth2Session(
        settings.client_id,
        settings.client_secret,
        # Salesforce documents the secret in the POST body.
        token_endpoint_auth_method="client_secret_post",
        revocation_endpoint_auth_method="none",
        default_timeout=settings.timeout,
        **kwargs,
    )
    # Also passed on every call: requests lets REQUESTS_CA_BUNDLE override session.verify.
    session.verify = settings.verify
    return session


@contextmanager
def _talking_to_salesforce() -> Iterator[None]:
    """Turn transport failures and Authlib's errors into our tree, without echoing bodies:
    a network error, a 5xx or a body that is not JSON is a :class:`~.errors.TransientFailure`,
    Salesforce's own refusal an :class:`~.errors.OAuthFlowError`."""
    try:
        yield
    except OAuthError as exc:
        raise OAuthFlowError(str(exc.error), exc.description) from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        raise TransientFailure(f"Salesforce answered HTTP {status or '?'}", status=status) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientFailure(
            f"Salesforce could not be reached ({type(exc).__name__})"
        ) from None
    except ValueError as exc:  # a non-JSON body from a gateway or an error page
        raise TransientFailure(f"unexpected answer from Salesforce: {exc}") from None


def start_authorization(settings: OAuthSettings, login_url: str) -> AuthorizationRequest:
    """Build the authorize URL with a fresh state and a PKCE S256 challenge."""
    verifier = generate_token(64)  # 64 characters: within PKCE's 43..128
    extra = {"prompt": settings.prompt} if settings.prompt else {}
    with _session(
        settings,
        scope=settings.scope,
        redirect_uri=settings.redirect_uri,
        code_challenge_method="S256",
    ) as session:
        url, state = session.create_authorization_url(
            endpoint(login_url, "authorize"), code_verifier=verifier, **extra
        )
    return AuthorizationRequest(url=url, state=str(state), code_verifier=verifier)


def exchange_code(
    settings: OAuthSettings, login_url: str, code: str, code_verifier: str
) -> TokenResponse:
    """The callback's code for tokens; a reused code raises ``OAuthFlowError("invalid_grant")``."""
    with (
        _session(settings, redirect_uri=settings.redirect_uri) as session,
        _talking_to_salesforce(),
    ):
        token = session.fetch_token(
            endpoint(login_url, "token"),
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            verify=settings.verify,
        )
        return TokenResponse.from_json(token)


def refresh_access_token(
    settings: OAuthSettings, login_url: str, refresh_token: str
) -> TokenResponse:
    with _session(settings) as session, _talking_to_salesforce():
        token = session.refresh_token(
            endpoint(login_url, "token"), refresh_token=refresh_token, verify=settings.verify
        )
        return TokenResponse.from_json(token)


def revoke_token(settings: OAuthSettings, login_url: str, token: str) -> None:
    """Revoke at Salesforce; revoking a refresh token also revokes its access tokens.

    An already invalid token answers 400 ``unsupported_token_type``/``invalid_token``: for us
    that is the wanted end state, so only transport failures raise.
    """
    with _session(settings) as session, _talking_to_salesforce():
        response = session.revoke_token(
            endpoint(login_url, "revoke"), token=token, verify=settings.verify
        )
        if response.status_code >= 500:
            response.raise_for_status()
