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

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

from flask_sfsync.salesforce import bulk, writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache, default_cache
from flask_sfsync.salesforce.errors import PermanentFailure, SalesforceFailure
from flask_sfsync.salesforce.owners import OwnerDirectory, default_directory

from .accounts import AccountResolution, resolve_accounts
from .links import Link, LinkStore
from .mapping import HostContact
from .matching import Candidate, MatchedBy, find_matches
from .plan import Action, Draft, OrgSchema, Plan, PlannedWrite, draft, finalize, select
from .results import Outcome, OutcomeStatus, PushReport
from .rows import Row
from .settings import PushAs, PushSettings

__all__ = ["OutcomeSink", "push"]

T = TypeVar("T")

OutcomeSink = Callable[[Sequence[Outcome]], None]


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
    calls_before = api.meter.calls
    report = PushReport()

    def emit(outcomes: Sequence[Outcome]) -> None:
        report.outcomes.extend(outcomes)
        if on_outcomes is not None and outcomes:
            on_outcomes(outcomes)

    try:
        plan = _plan(api, list(contacts), settings, link_store, describe, owners, report)
        emit([Outcome(s.host_id, OutcomeStatus.SKIPPED, skip_reason=s.reason) for s in plan.skips])
        # The write that failed for these was their Account's creation.
        emit([
            Outcome(host_id, OutcomeStatus.FAILED, sobject="Account", action=Action.CREATE,
                    error=error)
            for host_id, _, error in plan.failures
        ])
        stale: list[PlannedWrite] = []
        for (sobject, action), group in plan.groups().items():
            for chunk in _execute(api, sobject, action, group, settings):
                stale.extend(w for o, w in chunk if _link_is_stale(o))
                done = [(o, w) for o, w in chunk if not _link_is_stale(o)]
                _record(done, link_store, report, emit)
        # Records deleted in Salesforce since they were linked: the contact gets a new one.
        for (sobject, action), group in _relinked(stale, settings).items():
            for chunk in _execute(api, sobject, action, group, settings):
                _record(chunk, link_store, report, emit)
    except SalesforceFailure as exc:
        if isinstance(exc, PermanentFailure):  # a failure of ours (a query), not of a record
            raise
        # Paused (budget, daily limit), reconnect needed, or retries ran out: what was done
        # is stored; the rest waits for the next push.
        report.stopped = exc
    finally:
        report.api_calls = api.meter.calls - calls_before
    return report


def _record(
    chunk: Sequence[tuple[Outcome, PlannedWrite]],
    link_store: LinkStore,
    report: PushReport,
    emit: Callable[[Sequence[Outcome]], None],
) -> None:
    links = [
        Link(o.host_id, w.sobject, o.sf_id, w.fingerprint)
        for o, w in chunk
        if o.status is OutcomeStatus.PUSHED and o.sf_id
    ]
    link_store.save_links(links)
    report.links.extend(links)
    emit([o for o, _ in chunk])


# What an update by Id of a record that is gone answers.
_GONE = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"})


def _link_is_stale(outcome: Outcome) -> bool:
    return (
        outcome.matched_by is MatchedBy.LINK
        and outcome.error is not None
        and outcome.error.status_code in _GONE
    )


def _relinked(
    stale: Sequence[PlannedWrite], settings: PushSettings
) -> dict[tuple[str, Action], list[PlannedWrite]]:
    groups: dict[tuple[str, Action], list[PlannedWrite]] = {}
    for w in stale:
        fields = {k: v for k, v in w.fields.items() if k != "Id"}
        action = Action.UPSERT if settings.external_id_field in fields else Action.CREATE
        again = PlannedWrite(w.host_id, w.sobject, action, Row(fields), w.fingerprint)
        groups.setdefault((w.sobject, action), []).append(again)
    return groups


def _plan(
    api: SalesforceApi,
    contacts: list[HostContact],
    settings: PushSettings,
    link_store: LinkStore,
    describe: DescribeCache,
    owners: OwnerDirectory,
    report: PushReport,
) -> Plan:
    eligible, skips = select(contacts, settings)
    contacts.clear()  # ``eligible`` holds the ones still needed
    if not eligible:
        return Plan(skips=skips)
    links = link_store.links_for([str(c["id"]) for c in eligible])
    describe.prefetch(api, ("Lead", "Contact"))
    schema = OrgSchema(
        describe.get(api, "Lead"), describe.get(api, "Contact"), settings.external_id_field
    )
    unlinked = [
        Candidate(
            str(c["id"]),
            settings.external_id(str(c["id"])),
            (c.get("email") or "").strip() or None,
        )
        for c in eligible
        if str(c["id"]) not in links
    ]
    matches = find_matches(
        api,
        unlinked,
        contact_ext_field=schema.ext_field("Contact"),
        lead_ext_field=schema.ext_field("Lead"),
    )
    del unlinked
    # Each host dict is freed once drafted: for 100,000 contacts they are tens of MB.
    drafts, unchanged = draft(_consume(eligible), settings, schema, links, matches)
    owner_ids = owners.resolve(api, (d.owner_email for d in drafts))
    accounts = _accounts(api, drafts, settings, owner_ids)
    report.accounts_created = len(accounts.created)
    plan = finalize(
        _consume(drafts),
        settings,
        schema,
        owner_ids=owner_ids,
        account_ids=accounts.ids,
        account_errors=accounts.errors,
    )
    plan.skips = skips + unchanged
    return plan


def _consume(items: list[T]) -> Iterator[T]:
    """Hand items over one by one, emptying the list, so each is freed once it is used."""
    items.reverse()
    while items:
        yield items.pop()


def _accounts(
    api: SalesforceApi,
    drafts: Sequence[Draft],
    settings: PushSettings,
    owner_ids: dict[str, str | None],
) -> AccountResolution:
    if settings.push_as is not PushAs.CONTACT:
        return AccountResolution()
    account_owners: dict[str, str] = {}
    for d in drafts:
        owner = owner_ids.get(d.owner_email.strip().lower()) if d.owner_email else None
        if d.company and owner:
            account_owners.setdefault(d.company.lower(), owner)
    return resolve_accounts(api, (d.company for d in drafts), owner_ids=account_owners)


def _execute(
    api: SalesforceApi,
    sobject: str,
    action: Action,
    group: Sequence[PlannedWrite],
    settings: PushSettings,
) -> Iterator[list[tuple[Outcome, PlannedWrite]]]:
    """Outcomes chunk by chunk (200 per Collections call; a Bulk job's in one go)."""
    by_host = {w.host_id: w for w in group}
    writes = [writers.RecordWrite(w.host_id, w.fields) for w in group]
    ext_field = settings.external_id_field
    if len(group) > settings.bulk_threshold:
        results = bulk.write(
            api, sobject, action.value, writes, ext_field=ext_field if action is Action.UPSERT
            else None,
        )
    elif action is Action.UPSERT:
        results = writers.upsert(api, sobject, ext_field, writes)
    elif action is Action.UPDATE:
        results = writers.update(api, sobject, writes)
    else:
        results = writers.create(api, sobject, writes)
    chunk: list[tuple[Outcome, PlannedWrite]] = []
    for result in results:
        planned = by_host[result.key]
        chunk.append((_outcome(result, planned), planned))
        if len(chunk) == writers.COLLECTION_MAX:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _outcome(result: writers.WriteResult, planned: PlannedWrite) -> Outcome:
    failed = result.error is not None
    return Outcome(
        planned.host_id,
        OutcomeStatus.FAILED if failed else OutcomeStatus.PUSHED,
        sobject=planned.sobject,
        action=planned.action,
        sf_id=planned.target_id if failed else result.id,
        created=result.created,
        matched_by=planned.matched_by,
        error=result.error,
    )
