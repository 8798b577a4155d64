"""The one place where the demo host plugs in flask-sfsync.

A real host needs exactly this much: create the extension, bind it to the app and the host's
database, and say which tenant the logged-in user belongs to (here: their team).
"""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from .extensions import db

#: app.config key: False runs the host without the integration (no Connected App configured).
ENABLED_KEY = "HOST_DEMO_SFSYNC_ENABLED"


def current_team_tenant() -> str | None:
    """The integration's tenant is the user's team: teammates share one Salesforce connection."""
    if not current_user.is_authenticated:
        return None
    return str(current_user.team_id)


def init_integration(app: Flask) -> bool:
    """Bind flask-sfsync when a Connected App is configured; return whether it was bound."""
    enabled = app.config.get(ENABLED_KEY)
    if enabled is None:
        enabled = bool(app.config.get("SFSYNC_CLIENT_ID"))
    if not enabled:
        app.logger.warning(
            "Salesforce integration off: set SFSYNC_CLIENT_ID, SFSYNC_CLIENT_SECRET and "
            "SFSYNC_ENCRYPTION_KEY (python -m host_demo.run does it for the local org)"
        )
        return False
    from flask_sfsync import SFSync

    sfsync = SFSync()
    sfsync.init_app(app, db=db)
    sfsync.tenant_loader(current_team_tenant)
    return True
