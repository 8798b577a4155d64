"""Which login host a tenant's org uses: Production, Sandbox, or its own My Domain.

A custom domain is typed by a person, so it is validated strictly: it must end up as an
``https://<name>.my.salesforce.com`` style host, which also makes it impossible to send users (or
our client secret) to a host that is not Salesforce's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlsplit

from .errors import InvalidDomain, UnknownEnvironment

__all__ = [
    "ENVIRONMENT_KINDS",
    "Environment",
    "EnvironmentKind",
    "normalize_my_domain",
    "resolve_environment",
]

EnvironmentKind = Literal["production", "sandbox", "custom"]
ENVIRONMENT_KINDS: Final[tuple[EnvironmentKind, ...]] = ("production", "sandbox", "custom")

# My Domain names: a letter first, letters/digits/single hyphens, at most 40 characters; "--"
# separates the sandbox name (a letter first, at most 10 more characters).
_NAME = r"[a-z](?:[a-z0-9]|-(?!-)){0,39}(?<!-)"
_SANDBOX = r"--[a-z][a-z0-9]{0,9}"
# Partitioned domains for non-production org types (Salesforce Help: "My Domain URL Formats").
_PARTITIONS = ("sandbox", "develop", "scratch", "demo", "patch", "trailblaze", "free")
_HOST_RE: Final = re.compile(
    rf"^(?P<name>{_NAME})(?P<sandbox>{_SANDBOX})?"
    rf"\.(?:(?P<partition>{'|'.join(_PARTITIONS)})\.)?my\.salesforce\.com$"
)
_BARE_RE: Final = re.compile(rf"^(?P<name>{_NAME})(?P<sandbox>{_SANDBOX})?$")


@dataclass(frozen=True)
class Environment:
    kind: EnvironmentKind
    #: Where /services/oauth2/{authorize,token,revoke} live, without a trailing slash.
    login_url: str


def resolve_environment(
    kind: str, domain: str | None, *, production_url: str, sandbox_url: str
) -> Environment:
    if kind == "production":
        return Environment("production", production_url.rstrip("/"))
    if kind == "sandbox":
        return Environment("sandbox", sandbox_url.rstrip("/"))
    if kind == "custom":
        return Environment("custom", normalize_my_domain(domain or ""))
    raise UnknownEnvironment(kind)


def normalize_my_domain(text: str) -> str:
    """``"acme"`` -> ``"https://acme.my.salesforce.com"``; raises :class:`InvalidDomain`."""
    raw = text.strip()
    candidate = raw.lower()
    if "://" in candidate:
        parts = urlsplit(candidate)
        # Only a bare origin: a path, query, port or credentials would be a different target.
        if parts.scheme != "https" or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise InvalidDomain(raw)
        candidate = parts.netloc
    candidate = candidate.rstrip("/")
    bare = _BARE_RE.match(candidate)
    if bare:
        partition = ".sandbox" if bare.group("sandbox") else ""
        return f"https://{candidate}{partition}.my.salesforce.com"
    if _HOST_RE.match(candidate):
        return f"https://{candidate}"
    raise InvalidDomain(raw)
