"""A local Salesforce org for development, tests and the demo.

``LocalOrg`` (from :mod:`flask_sfsync.emulator.handle`) runs one in-process;
``python -m flask_sfsync.emulator`` runs one in the foreground. See docs/emulator.rst.

Layers, each importing only those below it::

    handle.py, __main__.py   LocalOrg and the CLI: build and run the org
    hosts/                   servers, TLS, the instance pipeline, the login host, faults
    rest/   oauth/           the data APIs; OAuth and identity
    pages.py, requestlog.py  the login host's pages (templates/); the log of answered calls
    soql/   store/           the SOQL engine; the org's data, rules and persistence
    schema/                  objects, fields, record Ids, field values
    errors.py                SalesforceApiError, raised by every layer
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
