"""The sync core: plain dicts and dataclasses in and out, no Flask, SQLAlchemy or Redis.

What both directions share is here: the records the host exchanges (:mod:`.records`:
:class:`HostContact`), the links between host and Salesforce records (:mod:`.links`), our
custom fields (:mod:`.custom_fields`), record owners (:mod:`.owners`) and the field mapping
(:mod:`.mapping`). The engines are :mod:`.push` and :mod:`.pull`.

The Flask layer calls :func:`push` with a :class:`~flask_sfsync.salesforce.api.SalesforceApi`,
the host contacts (:class:`HostContact` dicts), the connection's :class:`PushSettings` and
its :class:`LinkStore`; it gets a :class:`PushReport` back (and each chunk's outcomes as they
happen through ``on_outcomes``). A full sync feeds its pages to a :class:`PushStream`
instead, so that memory stays flat and a large push is still one Bulk job.

``flask_sfsync.sync.push`` the attribute is the function :func:`push` (re-exported here as
before); the package of the same name is imported with ``from flask_sfsync.sync.push import
...`` or ``from flask_sfsync.sync.push.<module> import ...``.
"""

from .custom_fields import (
    EXTERNAL_ID_FIELD,
    FIELD_SPECS,
    NO_PERMISSION_CODES,
    FieldSetup,
    FieldSpec,
    FieldState,
    FieldStatus,
    ensure_fields,
    field_states,
    specs_for,
)
from .links import Link, LinkStore, MemoryLinkStore
from .owners import OwnerDirectory, default_directory
from .push import (
    Action,
    MatchedBy,
    Outcome,
    OutcomeSink,
    OutcomeStatus,
    PushAs,
    PushReport,
    PushSettings,
    PushStream,
    SkipReason,
    push,
)
from .records import HostContact

__all__ = [
    "EXTERNAL_ID_FIELD",
    "FIELD_SPECS",
    "NO_PERMISSION_CODES",
    "Action",
    "FieldSetup",
    "FieldSpec",
    "FieldState",
    "FieldStatus",
    "HostContact",
    "Link",
    "LinkStore",
    "MatchedBy",
    "MemoryLinkStore",
    "Outcome",
    "OutcomeSink",
    "OutcomeStatus",
    "OwnerDirectory",
    "PushAs",
    "PushReport",
    "PushSettings",
    "PushStream",
    "SkipReason",
    "default_directory",
    "ensure_fields",
    "field_states",
    "push",
    "specs_for",
]
