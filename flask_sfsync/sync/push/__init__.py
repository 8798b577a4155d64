"""The push engine: host contacts -> Leads, or Contacts with their Accounts.

::

    report = push(api, contacts, settings, link_store, on_outcomes=sink)   # one page
    stream = PushStream(api, settings, link_store, on_outcomes=sink, expected=total)

* :mod:`.settings` — a connection's :class:`PushSettings`;
* :mod:`.matching` — the record a contact already has (external ID, then email);
* :mod:`.plan` — select, draft, finalize: pure functions from contacts to a plan of writes;
* :mod:`.accounts` — a Contact's Account, found by name or created;
* :mod:`.pages` — planning page by page, around the lookups;
* :mod:`.pipeline`, :mod:`.spools` — writing: Collections calls in flight while planning,
  Bulk API 2.0 spools for large groups;
* :mod:`.stream` — :class:`PushStream` and :func:`push`;
* :mod:`.results` — what a push reports.
"""

from .matching import MatchedBy
from .plan import Action, SkipReason
from .results import Outcome, OutcomeSink, OutcomeStatus, PushReport
from .settings import PushAs, PushSettings
from .stream import PushStream, push

__all__ = [
    "Action",
    "MatchedBy",
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
