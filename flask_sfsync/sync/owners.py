"""Record owners: the host owner's email -> the ACTIVE Salesforce User with that email.

A contact whose owner has no active user keeps Salesforce's default owner (the connected
user), so no OwnerId is sent. Lookups are cached per (org, connected user): the API's
:attr:`~flask_sfsync.salesforce.api.SalesforceApi.cache_key`, since which users one may see
depends on who asks; misses are cached too. All emails of a push are resolved with one query
per chunk of emails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from flask_sfsync.salesforce.api import CacheKey, SalesforceApi
from flask_sfsync.salesforce.soql import format_soql, in_chunks

__all__ = ["OwnerDirectory", "default_directory"]


class OwnerDirectory:
    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        # (cache key, lower-cased email) -> (when looked up, active user id or None)
        self._cache: dict[tuple[CacheKey, str], tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def owner_id(self, api: SalesforceApi, email: str | None) -> str | None:
        if not email:
            return None
        return self.resolve(api, [email]).get(email.strip().lower())

    def resolve(self, api: SalesforceApi, emails: Iterable[str | None]) -> dict[str, str | None]:
        """Lower-cased email -> active user id (None: no active user has it)."""
        wanted = {e.strip().lower() for e in emails if e and e.strip()}
        found: dict[str, str | None] = {}
        missing: list[str] = []
        now = self.clock()
        with self._lock:
            for email in wanted:
                entry = self._cache.get((api.cache_key, email))
                if entry is not None and now - entry[0] <= self.ttl:
                    found[email] = entry[1]
                else:
                    missing.append(email)
        for chunk in in_chunks(sorted(missing)):
            users = api.query(format_soql(
                "SELECT Id, Email FROM User WHERE IsActive = true AND Email IN {} "
                "ORDER BY CreatedDate",
                list(chunk),
            ))
            fetched: dict[str, str | None] = dict.fromkeys(chunk)
            for user in users:
                email = str(user.get("Email") or "").lower()
                if fetched.get(email) is None:  # several users with one email: the oldest
                    fetched[email] = str(user["Id"])
            with self._lock:
                for email, user_id in fetched.items():
                    self._cache[(api.cache_key, email)] = (now, user_id)
            found.update(fetched)
        return found


default_directory = OwnerDirectory()
