"""The ``SFSync`` extension object.

Flask style (as Flask-SQLAlchemy's ``extension.py``): ``SFSync(app, db=db)`` or
``sfsync.init_app(app, db=db)`` in a factory. Per-application state lives in
``app.extensions["sfsync"]`` (:class:`~flask_sfsync.state.SFSyncState`); the extension object
never keeps an app, so one ``SFSync`` serves several applications with different configurations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from .cli import sfsync_cli
from .config import ConfigurationError, read_settings
from .db import tracking
from .db.crypto import TokenCipher
from .db.models import DeleteBehaviour, Models, SalesforceConnectionMixin, models_for
from .host import (
    CompanyAdapter,
    ContactAdapter,
    PermissionLoader,
    TenantLoader,
    default_permission_loader,
    default_tenant_loader,
)
from .jobs.queue import Jobs
from .jobs.wiring import connect_signals
from .salesforce import ReconnectNeeded, SalesforceApi, SalesforceClient
from .services import actions, connections, fields, host_merge, status
from .services.context import default_lead_source
from .state import SFSyncState, get_state
from .sync import PushAs
from .web import create_blueprint, template_globals

__all__ = ["SFSync"]

F = TypeVar("F", bound=TenantLoader | PermissionLoader)


class SFSync:
    """Salesforce integration for a Flask application.

    :param app: initialise this application now (else call :meth:`init_app` later).
    :param db: the host's Flask-SQLAlchemy object; our tables are mapped on its ``db.Model``.
    :param contact_adapter: a :class:`~flask_sfsync.ContactAdapter` describing the host's
        Contact model: turns the push sync on (see ``docs/sync.rst``).
    :param company_adapter: a :class:`~flask_sfsync.host.CompanyAdapter` describing the host's
        Company model: the pull then matches, renames and creates host companies from
        Accounts and attaches pulled contacts to them (see ``docs/pull.rst``); without it the
        pull leaves companies alone. Needs ``contact_adapter``.
    """

    def __init__(
        self,
        app: Flask | None = None,
        db: SQLAlchemy | None = None,
        contact_adapter: ContactAdapter | None = None,
        company_adapter: CompanyAdapter | None = None,
    ) -> None:
        self.db = db
        self.contact_adapter = contact_adapter
        self.company_adapter = company_adapter
        self._tenant_loader: TenantLoader = default_tenant_loader
        self._permission_loader: PermissionLoader = default_permission_loader
        if app is not None:
            self.init_app(app, db=db)

    def init_app(
        self,
        app: Flask,
        db: SQLAlchemy | None = None,
        contact_adapter: ContactAdapter | None = None,
        company_adapter: CompanyAdapter | None = None,
    ) -> None:
        """Bind the extension to ``app`` (factory style: ``sfsync = SFSync()`` at import,
        ``sfsync.init_app(app, db=db, contact_adapter=...)`` in ``create_app``).

        Reads the ``SFSYNC_*`` configuration once (:class:`~flask_sfsync.config.Settings`;
        :class:`~flask_sfsync.ConfigurationError` names a missing or wrong key), maps the
        extension's tables on ``db.Model``, registers the blueprint at ``SFSYNC_URL_PREFIX``
        and the ``flask sfsync`` commands. With a ``contact_adapter`` the push is on: the
        adapter is checked against the app, the host's contact changes are tracked, and the
        sync pages and template globals are added. With a ``company_adapter`` too, the pull
        writes the host's companies (checked against the contact model). ``db`` and the
        adapters default to those given to the constructor.
        """
        if "sfsync" in app.extensions:
            raise RuntimeError("SFSync is already initialised on this application")
        db = db or self.db
        if db is None:
            raise RuntimeError(
                "SFSync needs the host's Flask-SQLAlchemy object: SFSync(app, db=db)"
            )
        settings = read_settings(app)
        adapter = contact_adapter or self.contact_adapter
        if adapter is not None:
            _check_adapter(app, adapter)
        companies = company_adapter or self.company_adapter
        if companies is not None:
            _check_companies(adapter, companies)
        state = SFSyncState(
            extension=self,
            db=db,
            models=models_for(db),
            settings=settings,
            cipher=TokenCipher(settings.encryption_key, settings.encryption_old_keys),
            jobs=Jobs(settings),
            adapter=adapter,
            companies=companies,
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
        """The current request's tenant, from the tenant loader (None: nobody logged in)."""
        tenant = self._tenant_loader()
        return None if tenant is None else str(tenant)

    def may_manage(self, tenant_id: str) -> bool:
        """Whether the current user may manage the tenant's integration (permission loader)."""
        return bool(self._permission_loader(tenant_id))

    # -- helpers for hosts and jobs (need an app context) --------------------------------------

    @property
    def models(self) -> Models:
        """The mapped classes of the current app (``get_state().models``)."""
        return get_state().models

    def connection_for(self, tenant_id: str) -> SalesforceConnectionMixin | None:
        """The tenant's ``SalesforceConnection`` row (status, org, user; tokens encrypted),
        or None when it never connected."""
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

    # -- what the pages do, for code (tests, provisioning); need an app context ---------------

    def save_settings(
        self,
        tenant_id: str,
        *,
        push_as: str = PushAs.LEAD.value,
        lead_source: str | None = None,
        stages: Sequence[str] | None = None,
        require_email: bool = True,
        auto_sync: bool = False,
        delete_behaviour: str = DeleteBehaviour.LEAVE.value,
        type_change: str = "keep",
    ) -> bool:
        """Save the tenant's push settings as the settings page does (nothing is pushed before
        they are saved). ``push_as``: ``"Lead"`` or ``"Contact"``; ``lead_source``: the Lead
        Source of new records (None: the app's name, as the page offers); ``stages``: the host
        stages to push (None: every stage); ``delete_behaviour``: ``"leave"`` or ``"delete"``;
        ``type_change``: when ``push_as`` changes, ``"keep"`` goes on updating the records
        already pushed as the other object, ``"new"`` starts records of the new one.
        Switching Auto Sync on starts a full sync; returns whether one started.
        Raises :class:`ValueError` for a value the page would refuse."""
        return actions.save_settings(
            tenant_id,
            actions.SettingsChoice(
                push_as=PushAs(push_as),
                lead_source=lead_source if lead_source is not None else default_lead_source(),
                stages=list(stages) if stages is not None else None,
                require_email=require_email,
                auto_sync=auto_sync,
                delete_behaviour=DeleteBehaviour(delete_behaviour),
                type_change=type_change,
            ),
        )

    def sync_now(self, tenant_id: str) -> bool:
        """Queue a full push of the tenant's contacts (Sync Now). False when one is already
        queued or running (it covers this request). Raises :class:`ReconnectNeeded` when
        Salesforce is not connected and :class:`RuntimeError` before the settings are saved."""
        conn = connections.connection_for(tenant_id)
        if conn is None or not conn.is_connected:
            raise ReconnectNeeded("Salesforce is not connected for this tenant")
        if not actions.settings_saved(tenant_id):
            raise RuntimeError("save the tenant's sync settings first (SFSync.save_settings)")
        return actions.start_full_sync(tenant_id)[1]

    def retry(self, tenant_id: str, entry_ids: Sequence[int] | None = None) -> int:
        """Push the contacts of these open error-log entries again (None: all); how many."""
        return actions.retry_errors(tenant_id, entry_ids)

    def set_up_fields(self, tenant_id: str) -> dict[str, Any]:
        """Create our custom fields in the tenant's org now ("Set up fields")."""
        return fields.set_up_fields(tenant_id)

    def status(self, tenant_id: str) -> dict[str, Any]:
        """The tenant's push status, as the sync page polls it (``status.json``)."""
        return status.sync_status(tenant_id)

    def contacts_merged(
        self, tenant_id: str, survivor_id: Any, merged_ids: Iterable[Any]
    ) -> host_merge.MergeResult:
        """Tell the sync that the host merged ``merged_ids`` into ``survivor_id``: call it in
        the transaction that merges, after deleting the merged contacts, then commit.

        The survivor keeps one link (a Contact over a Lead, then its own, then the most
        recently pushed) and its merged values are pushed there; the merged contacts' other
        links are dropped (their records stay in Salesforce, never written again), their
        waiting changes go, and pulled records that named them name the survivor. Nothing is
        merged or deleted in Salesforce. Not committed here: the host's commit makes the merge
        and this one transaction. Returns what was kept and dropped
        (:class:`~flask_sfsync.services.host_merge.MergeResult`). Raises :class:`LookupError`
        when the survivor is not a contact of the tenant or a contact named is another
        tenant's (nothing changes), :class:`ValueError` when a merged contact still exists or
        the survivor is among them."""
        return host_merge.merge_contacts(
            str(tenant_id), str(survivor_id), [str(h) for h in merged_ids]
        )


def _check_companies(adapter: ContactAdapter | None, companies: CompanyAdapter) -> None:
    """Fail at start-up when the company adapter cannot work with the contact adapter."""
    if adapter is None:
        raise ConfigurationError(
            f"{companies!r}: company_adapter= needs contact_adapter= (the pull attaches "
            f"contacts to companies)"
        )
    problem = companies.contact_problem(adapter.model)
    if problem:
        raise ConfigurationError(f"{companies!r}: {problem}")


def _check_adapter(app: Flask, adapter: ContactAdapter) -> None:
    """Fail at start-up, naming the fix, when the adapter does not fit the app. A contact page
    route registered after ``init_app`` (factories often do) is checked at the first request."""
    problems = adapter.problems(app)
    if problems:
        raise ConfigurationError(f"{adapter!r}: " + "; ".join(problems))
    if adapter.url_endpoint is None or adapter.url_endpoint in app.view_functions:
        return
    checked = False

    def check_endpoint() -> None:
        nonlocal checked
        if checked:
            return
        problem = adapter.endpoint_problem(app)
        if problem:  # every request until it is fixed: the pages would fail on it anyway
            raise ConfigurationError(f"{adapter!r}: {problem}")
        checked = True

    app.before_request(check_endpoint)
