"""The push sync core: plain dicts and dataclasses in and out, no Flask.

The Flask layer calls :func:`push` with a :class:`~flask_sfsync.salesforce.api.SalesforceApi`,
the host contacts (:class:`HostContact` dicts), the connection's :class:`PushSettings` and
its :class:`LinkStore`; it gets a :class:`PushReport` back (and each chunk's outcomes as they
happen through ``on_outcomes``). A full sync feeds its pages to a :class:`PushStream`
instead, so that memory stays flat and a large push is still one Bulk job.
"""

from .links import Link, LinkStore, MemoryLinkStore
from .mapping import HostContact
from .matching import MatchedBy
from .plan import Action, SkipReason
from .push import OutcomeSink, push
from .results import Outcome, OutcomeStatus, PushReport
from .settings import PushAs, PushSettings
from .stream import PushStream

__all__ = [
    "Action",
    "HostContact",
    "Link",
    "LinkStore",
    "MatchedBy",
    "MemoryLinkStore",
    "Outcome",
    "OutcomeSink",
    "OutcomeStatus",
    "PushAs",
    "PushReport",
    "PushSettings",
    "PushStream",
    "SkipReason",
    "push",
]
