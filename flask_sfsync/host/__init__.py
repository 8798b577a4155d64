"""The host contract: how the extension reads the host's contacts and knows its tenants.

:class:`ContactAdapter` describes the host's Contact model (and writes what a pull brings,
with :class:`CompanyAdapter` for its companies); the tenant and permission loaders
(registered on :class:`~flask_sfsync.SFSync`) say who the current tenant is and who may
manage its integration.
"""

from .adapters import HOST_CONTACT_KEYS, ContactAdapter, SessionLike
from .tenancy import (
    PermissionLoader,
    TenantLoader,
    default_permission_loader,
    default_tenant_loader,
)
from .writes import CompanyAdapter

__all__ = [
    "HOST_CONTACT_KEYS",
    "CompanyAdapter",
    "ContactAdapter",
    "PermissionLoader",
    "SessionLike",
    "TenantLoader",
    "default_permission_loader",
    "default_tenant_loader",
]
