"""A local Salesforce org for development, tests and the demo.

``LocalOrg`` (from :mod:`flask_sfsync.emulator.handle`) runs one in-process;
``python -m flask_sfsync.emulator`` runs one in the foreground. See docs/emulator.rst.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask_sfsync.emulator.handle import LocalOrg

__all__ = ["LocalOrg"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing one emulator module (store, soql ...) does not start the
    # import of the servers and the API layer.
    if name == "LocalOrg":
        from flask_sfsync.emulator.handle import LocalOrg

        return LocalOrg
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
