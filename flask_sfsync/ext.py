"""The ``SFSync`` extension object.

Flask style (as Flask-SQLAlchemy's ``extension.py``): ``SFSync(app, db=db)`` or
``sfsync.init_app(app, db=db)`` in a factory. Per-application state lives in
``app.extensions["sfsync"]`` (:class:`SFSyncState`); the extension object never keeps an app, so
one ``SFSync`` serves several applications with different configurations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

from . import config as _config
from .crypto import TokenCipher
from .models import Models, SalesforceConnectionMixin, models_for
from .tenancy import (
    PermissionLoader,
    TenantLoader,
    default_permission_loader,
    default_tenant_loader,
)

if TYPE_CHECKING:
    from .adapters import ContactAdapter
    from .salesforce.client import SalesforceClient

F = TypeVar("F", bound=Any)


@dataclass
class SFSyncState:
    """What one application knows about the extension: ``app.extensions["sfsync"]``."""

    extension: SFSync
    db: SQLAlchemy
    models: Models
    cipher: TokenCipher
    blueprint_name: str

    def __repr__(self) -> str:
        return f"<SFSyncState blueprint={self.blueprint_name!r}>"


class SFSync:
    """Salesforce integration for a Flask application.

    :param app: initialise this application now (else call :meth:`init_app` later).
    :param db: the host's Flask-SQLAlchemy object; our tables are mapped on its ``db.Model``.
    :param contact_adapter: a :class:`~flask_sfsync.adapters.ContactAdapter` describing the
        host's Contact model: turns the push sync on (see ``docs/sync.rst``).
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
        _config.apply_defaults(app)
        _config.check_config(app.config)
        cfg = app.config
        app.extensions["sfsync"] = SFSyncState(
            extension=self,
            db=db,
            models=models_for(db),
            cipher=TokenCipher(cfg["SFSYNC_ENCRYPTION_KEY"], cfg["SFSYNC_ENCRYPTION_OLD_KEYS"]),
            blueprint_name=cfg["SFSYNC_BLUEPRINT_NAME"],
        )
        # Imported here: the views import this module for SFSyncState.
        from .cli import sfsync_cli
        from .views import create_blueprint

        adapter = contact_adapter or self.contact_adapter
        app.register_blueprint(
            create_blueprint(
                cfg["SFSYNC_BLUEPRINT_NAME"], import_name=__name__, push_pages=adapter is not None
            ),
            url_prefix=cfg["SFSYNC_URL_PREFIX"],
        )
        if "sfsync" not in app.cli.commands:
            app.cli.add_command(sfsync_cli)
        # The sync's tables are always mapped, so the metadata matches our migrations.
        from .sync_models import sync_models_for

        sync_models_for(db)
        if adapter is not None:
            from .sync_service import init_push

            init_push(app, adapter)

    # -- host contract -------------------------------------------------------------------------

    def tenant_loader(self, fn: F) -> F:
        """Decorator: ``fn() -> str | None``, the current tenant's id (None: not logged in)."""
        self._tenant_loader = fn
        return fn

    def permission_loader(self, fn: F) -> F:
        """Decorator: ``fn(tenant_id) -> bool``, may the current user manage this integration?"""
        self._permission_loader = fn
        return fn

    def current_tenant(self) -> str | None:
        tenant = self._tenant_loader()
        return None if tenant is None else str(tenant)

    def may_manage(self, tenant_id: str) -> bool:
        return bool(self._permission_loader(tenant_id))

    # -- helpers for hosts and jobs (need an app context) --------------------------------------

    @property
    def models(self) -> Models:
        """The mapped classes of the current app (``current_app.extensions["sfsync"].models``)."""
        return get_state().models

    def connection_for(self, tenant_id: str) -> SalesforceConnectionMixin | None:
        from .connections import connection_for

        return connection_for(tenant_id)

    def client_for(self, tenant_id: str) -> SalesforceClient:
        """A refreshing API client for the tenant's org; ``ReconnectNeeded`` when unusable."""
        from .connections import client_for

        return client_for(tenant_id)


def get_state(app: Flask | None = None) -> SFSyncState:
    app = app or current_app
    try:
        state: SFSyncState = app.extensions["sfsync"]
    except KeyError:
        raise RuntimeError("SFSync is not initialised on this application: call init_app") from None
    return state
