"""Who connected: the identity service at the token response's ``id`` URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from .errors import OAuthFlowError, TransientFailure

__all__ = ["Identity", "fetch_identity"]


@dataclass(frozen=True)
class Identity:
    org_id: str
    user_id: str
    username: str
    email: str | None
    display_name: str | None


def fetch_identity(
    id_url: str, access_token: str, *, verify: str | bool = True, timeout: float = 30.0
) -> Identity:
    try:
        response = requests.get(
            id_url,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            verify=verify,
            timeout=timeout,
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientFailure(
            f"identity service unreachable ({type(exc).__name__})"
        ) from None
    if response.status_code >= 500:
        raise TransientFailure(
            f"identity service answered HTTP {response.status_code}", status=response.status_code
        )
    if response.status_code != 200:
        raise OAuthFlowError(
            "identity_refused", f"identity service answered HTTP {response.status_code}"
        )
    return _parse(response.json())


def _parse(data: dict[str, Any]) -> Identity:
    try:
        return Identity(
            org_id=str(data["organization_id"]),
            user_id=str(data["user_id"]),
            username=str(data["username"]),
            email=data.get("email"),
            display_name=data.get("display_name"),
        )
    except (KeyError, TypeError):
        raise OAuthFlowError(
            "invalid_response", "identity response without the user's ids"
        ) from None
