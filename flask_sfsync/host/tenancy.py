"""The host contract for who the current tenant is and who may manage its integration.

Defaults: the tenant is the logged-in Flask-Login user's id; any logged-in user may manage
their tenant's integration. Hosts with teams register their own loaders on the extension.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "PermissionLoader",
    "TenantLoader",
    "default_permission_loader",
    "default_tenant_loader",
]

TenantLoader = Callable[[], "str | None"]
PermissionLoader = Callable[[str], bool]


def default_tenant_loader() -> str | None:
    try:
        from flask_login import current_user
    except ImportError:  # pragma: no cover - hosts without Flask-Login register a loader
        return None
    if not current_user or not current_user.is_authenticated:
        return None
    return str(current_user.get_id())


def default_permission_loader(tenant_id: str) -> bool:
    # The tenant loader already said who is logged in and which tenant is theirs.
    return True
