"""The one state of the extension per application: ``app.extensions["sfsync"]``.

:class:`SFSyncState` holds what every layer above the database needs (the host's
``SQLAlchemy``, the mapped models, the frozen settings, the token cipher, the contact and
company adapters and the job queue) and :func:`get_state` finds it. It sits below the
services and the job layer, so both can use it; the job queue is seen here only through the
:class:`JobQueue` protocol (the services ask for work to be enqueued without importing the
job layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from redis import Redis

from .config import Settings
from .db.crypto import TokenCipher
from .db.models import Models
from .host import CompanyAdapter, ContactAdapter
from .salesforce import DescribeStore, SpendLedger

__all__ = ["JobQueue", "SFSyncState", "TenantSource", "get_state"]


class TenantSource(Protocol):
    """Who the current tenant is, and whether its user may manage the integration
    (:class:`~flask_sfsync.SFSync`'s loaders)."""

    def current_tenant(self) -> str | None:
        """The current request's tenant (None: nobody logged in)."""
        ...

    def may_manage(self, tenant_id: str) -> bool:
        """Whether the current user may manage the tenant's integration."""
        ...


class JobQueue(Protocol):
    """What the services need from the job layer (:class:`flask_sfsync.jobs.queue.Jobs`)."""

    @property
    def redis(self) -> Redis:
        """The application's one Redis client."""
        ...

    def enqueue_drain(self, tenant_id: str) -> bool:
        """Ask a worker to push the tenant's pending work (never raises; False: Redis down)."""
        ...

    def enqueue_drain_at(self, tenant_id: str, when: datetime) -> bool:
        """The same at ``when`` (a paused connection resuming)."""
        ...

    def enqueue_field_setup(self, tenant_id: str) -> bool:
        """Ask a worker to create our custom fields in the tenant's org."""
        ...

    def enqueue_pull(
        self, tenant_id: str, *, full: bool = False, delay: float = 0.0,
        retry: list[str] | None = None, replace: bool = False,
    ) -> bool:
        """Ask a worker to pull the tenant's Salesforce changes (in ``delay`` seconds);
        ``retry``: only these records, read again; ``replace``: this pull is the tenant's
        schedule from now on."""
        ...

    def stop_pull_schedule(self, tenant_id: str) -> None:
        """No periodic pull of the tenant from now on."""
        ...

    def spend_ledger(self, tenant_id: str) -> SpendLedger:
        """Where the tenant's API calls are counted, shared by every worker."""
        ...

    def describe_store(self) -> DescribeStore:
        """Where describes are shared by every worker process."""
        ...


@dataclass
class SFSyncState:
    """What one application knows about the extension."""

    #: The ``SFSync`` object: its tenant and permission loaders.
    extension: TenantSource
    db: SQLAlchemy
    models: Models
    settings: Settings
    cipher: TokenCipher
    jobs: JobQueue
    #: The host's contact model (None: connect only, no push).
    adapter: ContactAdapter | None = None
    #: The host's company model (None: the pull leaves the host's companies alone).
    companies: CompanyAdapter | None = None

    @property
    def blueprint_name(self) -> str:
        return self.settings.blueprint_name

    def contact_adapter(self) -> ContactAdapter:
        """The adapter; for code that only runs when the push is on."""
        if self.adapter is None:
            raise RuntimeError("the push sync needs SFSync(contact_adapter=...)")
        return self.adapter

    def __repr__(self) -> str:
        return f"<SFSyncState blueprint={self.blueprint_name!r}>"


def get_state(app: Flask | None = None) -> SFSyncState:
    app = app or current_app
    try:
        state: SFSyncState = app.extensions["sfsync"]
    except KeyError:
        raise RuntimeError("SFSync is not initialised on this application: call init_app") from None
    return state
