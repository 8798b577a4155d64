"""Response helpers shared by the OAuth, identity and browser-flow modules."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug import Response

__all__ = ["OAuthError", "callback_url", "oauth_json", "redirect", "text_response"]


class OAuthError(Exception):
    """A token-endpoint error: 400 {"error", "error_description"}."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        return oauth_json({"error": self.error, "error_description": self.description},
                          self.status)


def oauth_json(body: Any, status: int = 200) -> Response:
    """JSON as Salesforce's OAuth endpoints send it: never cached (it carries tokens)."""
    response = Response(
        json.dumps(body, separators=(",", ":")), status=status,
        content_type="application/json;charset=UTF-8",
    )
    response.headers["Cache-Control"] = "no-cache,must-revalidate,max-age=0,no-store,private"
    return response


def text_response(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain;charset=UTF-8")


def redirect(url: str) -> Response:
    return Response(status=302, headers={"Location": url, "Cache-Control": "no-store"})


def callback_url(redirect_uri: str, params: dict[str, str | None]) -> str:
    """The callback with ``params`` added to any query the registered URL already has."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return f"{redirect_uri}{separator}{query}"
