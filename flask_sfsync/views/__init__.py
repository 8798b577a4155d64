"""The blueprint: Integrations page, connect flow, disconnect and reconnect.

Built per application by :func:`create_blueprint` (as Flask-Security does), because its name and
URL prefix come from that application's config. Templates live in ``templates/sfsync/`` and
extend ``SFSYNC_BASE_TEMPLATE``; a host overrides one by shipping its own ``sfsync/<page>.html``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from .. import csrf
from . import guard, integrations, oauth_flow


def create_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(
        name,
        import_name,
        template_folder="templates",
        static_folder="static/sfsync",
        static_url_path="/static",
    )
    # Who first: an anonymous POST goes to the login page rather than a CSRF error.
    bp.before_request(guard.load_tenant)
    bp.before_request(csrf.protect)
    bp.context_processor(_template_globals)
    integrations.register(bp)
    oauth_flow.register(bp)
    return bp


def _template_globals() -> dict[str, Any]:
    return {
        "sfsync_base_template": current_app.config["SFSYNC_BASE_TEMPLATE"],
        "sfsync_csrf_token": csrf.token,
        "sfsync_csrf_field": csrf.field_name,
        "sfsync_render_flashes": current_app.config["SFSYNC_RENDER_FLASHES"],
    }
