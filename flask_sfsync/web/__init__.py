"""The blueprint: Integrations page, connect flow, disconnect and reconnect.

Built per application by :func:`create_blueprint` (as Flask-Security does), because its name and
URL prefix come from that application's config. Templates live in ``templates/sfsync/`` and
extend ``SFSYNC_BASE_TEMPLATE``; a host overrides one by shipping its own ``sfsync/<page>.html``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, get_flashed_messages
from flask.globals import request_ctx

from ..state import get_state
from . import csrf, guard, integrations, oauth_flow, panel, safety, sync, tabs

__all__ = ["create_blueprint", "template_globals"]


def create_blueprint(name: str, import_name: str, *, push_pages: bool = False) -> Blueprint:
    """The blueprint; ``push_pages`` adds the push sync's pages (a contact adapter is set)."""
    bp = Blueprint(
        name,
        import_name,
        template_folder="templates",
        static_folder="static/sfsync",
        static_url_path="/static",
    )
    # Who first: an anonymous POST goes to the login page rather than a CSRF error.
    bp.before_request(safety.limit_request)
    bp.before_request(guard.load_tenant)
    bp.before_request(csrf.protect)
    bp.after_request(safety.deny_framing)
    bp.context_processor(_template_globals)
    integrations.register(bp)
    oauth_flow.register(bp)
    if push_pages:
        sync.register(bp)
    return bp


def template_globals() -> dict[str, Any]:
    """Globals of the host's own templates when the push is on: the contact page's panel
    (``sfsync/_contact_panel.html``) and the push status."""
    return {
        "sfsync_push_status": panel.current_status,
        "sfsync_contact_sync": panel.contact_sync_panel,
        "sfsync_contact_states": panel.states_of_contacts,
    }


def _template_globals() -> dict[str, Any]:
    return {
        "sfsync_base_template": get_state().settings.base_template,
        "sfsync_csrf_token": csrf.token,
        "sfsync_csrf_field": csrf.field_name,
        "sfsync_flashes": _flashes_to_show,
        "sfsync_tabs": tabs.tabs,
    }


def _flashes_to_show() -> list[tuple[str, str]]:
    """Flashed messages for our layout, unless the host's base template already showed them.

    Flask keeps the messages it handed out on the request context; when the host's base template
    rendered them before our content block, they are there already and we show nothing, so no
    message appears twice.
    """
    if not get_state().settings.render_flashes:
        return []
    if getattr(request_ctx, "flashes", None) is not None:
        return []
    messages: list[tuple[str, str]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
    return messages
