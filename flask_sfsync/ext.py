"""The ``SFSync`` extension object.

Flask style (as Flask-SQLAlchemy's ``extension.py``): ``SFSync(app, db=db)`` or
``sfsync.init_app(app, db=db)`` in a factory. Per-application state lives in
``app.extensions["sfsync"]`` (:class:`~flask_sfsync.state.SFSyncState`); the extension object
never keeps an app, so one ``SFSync`` serves several applications with different configurations.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from .cli import sfsync_cli
from .config import read_settings
from .db import tracking
from .db.crypto import TokenCipher
from .db.models import Models, SalesforceConnectionMixin, models_for
from .host import (
    ContactAdapter,
    PermissionLoader,
    TenantLoader,
    default_permission_loader,
    default_tenant_loader,
)
from .jobs.queue import Jobs
from .jobs.wiring import connect_signals
from .salesforce import ReconnectNeeded, SalesforceApi, SalesforceClient
from .services import connections
from .state import SFSyncState, get_state
from .web import create_blueprint, template_globals

__all__ = ["SFSync"]

F = TypeVar("F", bound=TenantLoader | PermissionLoader)


class SFSync:
    """Salesforce integration for a Flask application.

    :param app: initialise this application now (else call :meth:`init_app` later).
    :param db: the host's Flask-SQLAlchemy object; our tables are mapped on its ``db.Model``.
    :param contact_adapter: a :class:`~flask_sfsync.ContactAdapter` describing the host's
        Contact model: turns the push sync on (see ``docs/sync.rst``).
    """

    def __init__(
        self,
        app: Flask | None = None,
        db: SQLAlchemy | None = None,
        contact_adapter: ContactAdapter | None = None,
    ) -> None:
        self.db = db
        self.contact_adapter = contact_adapter
        self._tenant_loader: TenantLoader = default_tenant_loader
        self._permission_loader: PermissionLoader = default_permission_loader
        if app is not None:
            self.init_app(app, db=db)

    def init_app(
        self,
        app: Flask,
        db: SQLAlchemy | None = None,
        contact_adapter: ContactAdapter | None = None,
    ) -> None:
        if "sfsync" in app.extensions:
            raise RuntimeError("SFSync is already initialised on this application")
        db = db or self.db
        if db is None:
            raise RuntimeError(
                "SFSync needs the host's Flask-SQLAlchemy object: SFSync(app, db=db)"
            )
        settings = read_settings(app)
        adapter = contact_adapter or self.contact_adapter
        state = SFSyncState(
            extension=self,
            db=db,
            models=models_for(db),
            settings=settings,
            cipher=TokenCipher(settings.encryption_key, settings.encryption_old_keys),
            jobs=Jobs(settings),
            adapter=adapter,
        )
        app.extensions["sfsync"] = state
        app.register_blueprint(
            create_blueprint(
                settings.blueprint_name, import_name=__name__, push_pages=adapter is not None
            ),
            url_prefix=settings.url_prefix,
        )
        if "sfsync" not in app.cli.commands:
            app.cli.add_command(sfsync_cli)
        connect_signals(app)
        if adapter is not None:
            tracking.track(app, db, state.models, adapter)
            app.jinja_env.globals.update(template_globals())

    # -- host contract -------------------------------------------------------------------------

    def tenant_loader(self, fn: F) -> F:
        """Decorator: ``fn() -> str | None``, the current tenant's id (None: not logged in)."""
        self._tenant_loader = fn  # type: ignore[assignment]
        return fn

    def permission_loader(self, fn: F) -> F:
        """Decorator: ``fn(tenant_id) -> bool``, may the current user manage this integration?"""
        self._permission_loader = fn  # type: ignore[assignment]
        return fn

    def current_tenant(self) -> str | None:
        tenant = self._tenant_loader()
        return None if tenant is None else str(tenant)

    def may_manage(self, tenant_id: str) -> bool:
        return bool(self._permission_loader(tenant_id))

    # -- helpers for hosts and jobs (need an app context) --------------------------------------

    @property
    def models(self) -> Models:
        """The mapped classes of the current app (``get_state().models``)."""
        return get_state().models

    def connection_for(self, tenant_id: str) -> SalesforceConnectionMixin | None:
        return connections.connection_for(tenant_id)

    def api_for(self, tenant_id: str) -> SalesforceApi:
        """The tenant's org to call: ``api_for(t).call(lambda sf: sf.query(...))`` refreshes an
        expired session once and retries transient failures; :class:`ReconnectNeeded` when the
        connection cannot be used. The sync's API budget does not count these calls."""
        conn = connections.connection_for(tenant_id)
        if conn is None:
            raise ReconnectNeeded("Salesforce is not connected for this tenant")
        return connections.api_for(conn, budget=False)

    def client_for(self, tenant_id: str) -> SalesforceClient:
        """The refreshing client under :meth:`api_for` (for a ``SalesforceApi`` of your own)."""
        return connections.client_for(tenant_id)
