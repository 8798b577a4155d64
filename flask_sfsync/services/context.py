"""One :class:`SyncContext` per job: the tenant's settings, connection, API and caches.

A job (a drain, a field setup, next a pull) opens the context once and every step of it uses
the same API object (one budget, one retry policy, one refreshing client) and the same describe
cache, which is shared across jobs and worker processes through the job layer's store: an Auto
Sync edit costs the call that writes it, not a describe as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_sqlalchemy import SQLAlchemy

from ..config import Settings
from ..db import tenant_settings
from ..db.models import ConnectionStatus, Models, SalesforceConnectionMixin, SyncSettingsMixin
from ..host import CompanyAdapter, ContactAdapter, SessionLike
from ..salesforce import DescribeCache, ReconnectNeeded, SalesforceApi
from ..state import SFSyncState, get_state
from ..sync import OwnerDirectory, PushAs, PushSettings, default_directory
from .connections import api_for, connection_for

__all__ = ["SyncContext", "default_lead_source", "open_context", "push_settings_of"]


@dataclass
class SyncContext:
    tenant_id: str
    state: SFSyncState
    conn: SalesforceConnectionMixin
    row: SyncSettingsMixin
    api: SalesforceApi
    describe: DescribeCache
    owners: OwnerDirectory

    @property
    def db(self) -> SQLAlchemy:
        return self.state.db

    @property
    def session(self) -> SessionLike:
        return self.state.db.session

    @property
    def models(self) -> Models:
        return self.state.models

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def adapter(self) -> ContactAdapter:
        return self.state.contact_adapter()

    @property
    def companies(self) -> CompanyAdapter | None:
        """The host's companies (None: the host gave no company adapter)."""
        return self.state.companies

    @property
    def push(self) -> PushSettings:
        """The sync core's push settings, from the row as it is now."""
        return push_settings_of(self.state, self.row)

    def reload_row(self) -> SyncSettingsMixin:
        row = tenant_settings.settings_for(self.session, self.models, self.tenant_id)
        assert row is not None
        self.row = row
        return row

    def close(self) -> None:
        self.api.close()


def default_lead_source() -> str:
    """The host's name (``SFSYNC_APP_NAME``, else the Flask app's name), as azzapp does."""
    return str(get_state().settings.app_name or current_app.name)


def push_settings_of(state: SFSyncState, row: SyncSettingsMixin) -> PushSettings:
    adapter = state.contact_adapter()
    return PushSettings(
        push_as=PushAs(row.push_as),
        lead_source=(row.lead_source or "").strip() or None,
        stages=frozenset(row.stages) if row.stages else None,
        require_email=row.require_email,
        stage_map=adapter.stage_map,
        field_map=adapter.field_map,
        bulk_threshold=state.settings.bulk_threshold,
        # Tenant-scoped: two tenants pushing to one org never claim each other's records.
        external_id_prefix=f"{row.tenant_id}-",
        match_other_type=row.match_other_type,
    )


def open_context(tenant_id: str) -> SyncContext:
    """The context of a job for ``tenant_id``; :class:`ReconnectNeeded` when the connection
    cannot be used (not connected, no tokens)."""
    state = get_state()
    conn = connection_for(tenant_id)
    if conn is None or conn.status != ConnectionStatus.CONNECTED:
        raise ReconnectNeeded("Salesforce is not connected for this tenant")
    row = tenant_settings.settings_row(
        state.db.session, state.models, tenant_id, lead_source=default_lead_source()
    )
    return SyncContext(
        tenant_id=tenant_id,
        state=state,
        conn=conn,
        row=row,
        api=api_for(conn),
        describe=DescribeCache(store=state.jobs.describe_store()),
        owners=default_directory,
    )
