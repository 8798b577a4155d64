"""Pushing host contacts to Salesforce: plan, write, report.

::

    report = push(api, contacts, settings, link_store, on_outcomes=sink)

``contacts`` are :class:`~.mapping.HostContact` dicts. Links (and the fingerprint of what was
sent) are saved through ``link_store`` after every written chunk, and ``on_outcomes`` gets
each chunk's outcomes (skips first), so a crash or a pause loses nothing already written: a
later push skips what is unchanged and the external ID makes re-sent creates idempotent.

A push that cannot go on — ``ConnectionPaused`` (our budget or the org's daily limit, with
``resume_at``), ``ReconnectNeeded``, ``SessionExpired`` that no refresh cured, or a
``TransientFailure`` whose retries ran out (all from :mod:`flask_sfsync.salesforce.errors`) —
returns early with that exception in ``report.stopped``; what was done before is in the store
and the sink, and the contacts without an outcome are for the next push. A
``PermanentFailure`` of a whole call (not of a record: a bug of ours) is raised.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache, default_cache
from flask_sfsync.salesforce.owners import OwnerDirectory, default_directory

from .links import LinkStore
from .mapping import HostContact
from .results import PushReport
from .settings import PushSettings
from .stream import OutcomeSink, PushStream

__all__ = ["OutcomeSink", "push"]


def push(
    api: SalesforceApi,
    contacts: Iterable[HostContact],
    settings: PushSettings,
    link_store: LinkStore,
    *,
    on_outcomes: OutcomeSink | None = None,
    describe: DescribeCache = default_cache,
    owners: OwnerDirectory = default_directory,
) -> PushReport:
    """One page, pushed at once (:class:`~.stream.PushStream` for many pages)."""
    contacts = list(contacts)
    stream = PushStream(
        api, settings, link_store, on_outcomes=on_outcomes, describe=describe, owners=owners,
        expected=len(contacts),
    )
    stream.add(contacts)
    return stream.finish()
