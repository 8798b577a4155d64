"""The identity URL (``/id/{orgId}/{userId}``), ``/services/oauth2/userinfo`` and OpenID discovery.

Both identity resources take the access token as ``Authorization: Bearer`` (or the older
``OAuth`` scheme) or as an ``oauth_token`` / ``access_token`` parameter; a missing or bad token
is a plain-text 403 (``Missing_OAuth_Token`` / ``Bad_OAuth_Token``) as on Salesforce, and an
unknown Id a 404 ``Bad_Id``. ``{version}`` in the identity URLs is filled from ``?version=``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug import Request, Response

from flask_sfsync.emulator.oauth.http import oauth_json, text_response
from flask_sfsync.emulator.oauth.tokens import TokenStore

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org
    from flask_sfsync.emulator.store.users import User

__all__ = ["Identity", "discovery"]

LATEST_IDENTITY_VERSION = "62.0"
_UTC_OFFSET_MS = -28800000  # America/Los_Angeles, every local user's time zone


def discovery(login_url: str, scopes: list[str]) -> dict[str, Any]:
    """OpenID discovery, so clients can be configured with the login URL alone."""
    oauth = f"{login_url}/services/oauth2"
    return {
        "issuer": login_url,
        "authorization_endpoint": f"{oauth}/authorize",
        "token_endpoint": f"{oauth}/token",
        "revocation_endpoint": f"{oauth}/revoke",
        "userinfo_endpoint": f"{oauth}/userinfo",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": scopes,
        "subject_types_supported": ["public"],
        "claims_supported": ["sub", "preferred_username", "name", "email", "given_name",
                             "family_name", "user_id", "organization_id"],
    }


def display_name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or str(user.username)


class Identity:
    """Answers the identity URL and userinfo for the tokens of one org."""

    def __init__(self, org: Org, tokens: TokenStore, login_url: str, instance_url: str) -> None:
        self.org = org
        self.tokens = tokens
        self.login_url = login_url
        self.instance_url = instance_url

    def url(self, user_id: str) -> str:
        return f"{self.login_url}/id/{self.org.org_id}/{user_id}"

    def _bearer_user(self, request: Request) -> tuple[User | None, Response | None]:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            token = request.values.get("oauth_token") or request.values.get("access_token") or ""
        token = token.strip()
        if not token:
            return None, text_response("Missing_OAuth_Token", 403)
        user_id = self.tokens.user_for_access_token(token)
        user = self.org.user(user_id) if user_id else None
        if user is None:
            return None, text_response("Bad_OAuth_Token", 403)
        return user, None

    def identity(self, request: Request, path: str) -> Response:
        _, failure = self._bearer_user(request)
        if failure is not None:
            return failure
        parts = path.split("/")
        if len(parts) != 4 or parts[2][:15] != self.org.org_id[:15]:
            return text_response("Bad_Id", 404)
        user = next((u for u in self.org.users if u.id[:15] == parts[3][:15]), None)
        if user is None:
            return text_response("Bad_Id", 404)
        version = request.args.get("version")
        if version == "latest":
            version = LATEST_IDENTITY_VERSION
        body = self.body(user)
        if version:
            body = json.loads(json.dumps(body).replace("{version}", version))
        return oauth_json(body)

    def body(self, user: User) -> dict[str, Any]:
        org15 = self.org.org_id[:15]
        base = self.instance_url
        data = f"{base}/services/data/v{{version}}"
        return {
            "id": self.url(user.id),
            "asserted_user": True,
            "user_id": user.id,
            "organization_id": self.org.org_id,
            "username": user.username,
            "nick_name": user.username.split("@")[0],
            "display_name": display_name(user),
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
            "utcOffset": _UTC_OFFSET_MS,
            "last_modified_date": "2024-01-01T00:00:00Z",
            "is_app_installed": True,
        }

    def userinfo(self, request: Request) -> Response:
        user, failure = self._bearer_user(request)
        if user is None:
            assert failure is not None
            return failure
        identity = self.body(user)
        return oauth_json({
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
            "utcOffset": _UTC_OFFSET_MS,
            "updated_at": "2024-01-01T00:00:00Z",
            "is_app_installed": True,
        })
