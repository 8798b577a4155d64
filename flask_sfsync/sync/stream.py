"""A push fed page by page: how a full sync pushes 100,000 contacts in bounded memory.

::

    stream = PushStream(api, settings, link_store, on_outcomes=sink, expected=total)
    for page in pages:
        stream.add(page)          # planned now; skips and failures reported now
        if stream.stopped: break
    report = stream.finish()      # what is still waiting is written

Each page is planned as :func:`~.push.push` plans (select, links, matches, draft, owners,
Accounts, finalize) and its writes are queued per (object, action). A group stays in memory
until it grows past ``settings.bulk_threshold``: then it goes to a Bulk API 2.0 spool (a CSV
file on disk that later pages append to), so however many pages a sync has, each group
costs one Bulk job. Groups that never grow that large go through sObject Collections at
:meth:`PushStream.finish`, several calls in flight at once. Creates without an external ID
cannot use Bulk (its results do not say which created row was which): they go through
Collections as soon as they pass the threshold.

What has not been written yet is :attr:`PushStream.pending`: a caller that keeps a resume
point (the full sync's cursor) moves it only when nothing is pending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask_sfsync.salesforce import bulk, writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache, default_cache
from flask_sfsync.salesforce.errors import PermanentFailure, RecordError, SalesforceFailure
from flask_sfsync.salesforce.owners import OwnerDirectory, default_directory

from .accounts import AccountResolution, resolve_accounts
from .links import Link, LinkStore
from .mapping import HostContact, Mapper
from .matching import Candidate, MatchedBy, Matcher
from .plan import Action, Draft, OrgSchema, Plan, PlannedWrite, draft, finalize, select
from .results import Outcome, OutcomeStatus, PushReport
from .settings import PushAs, PushSettings

__all__ = ["OutcomeSink", "PushStream"]

OutcomeSink = Callable[[Sequence[Outcome]], None]
Group = tuple[str, Action]

# Outcomes handed to the sink at once when reading a Bulk job's results (Collections: one
# call's 200). Each hand-over is a database commit in the Flask layer.
BULK_CHUNK = 2000


class PushStream:
    def __init__(
        self,
        api: SalesforceApi,
        settings: PushSettings,
        link_store: LinkStore,
        *,
        on_outcomes: OutcomeSink | None = None,
        describe: DescribeCache = default_cache,
        owners: OwnerDirectory = default_directory,
        expected: int = 0,
        keep_outcomes: bool = True,
    ) -> None:
        """``expected``: how many contacts the pages will bring in all (0: unknown), so the
        first page can decide how to match; ``keep_outcomes``: collect every outcome and link
        in the report (a caller with a sink that stores them does not need them twice)."""
        self.api = api
        self.settings = settings
        self.link_store = link_store
        self.on_outcomes = on_outcomes
        self.describe = describe
        self.owners = owners
        self.expected = expected
        self.keep_outcomes = keep_outcomes
        self.report = PushReport()
        self._calls_before = api.meter.calls
        self._schema: OrgSchema | None = None
        self._matcher: Matcher | None = None
        self._mappers: dict[str, Mapper] = {}
        self._accounts = AccountResolution()
        self._held: dict[Group, list[PlannedWrite]] = {}
        self._spools: dict[Group, _Spool] = {}
        self._stale: list[PlannedWrite] = []

    @property
    def stopped(self) -> SalesforceFailure | None:
        return self.report.stopped

    @property
    def pending(self) -> bool:
        """Writes planned but not written yet."""
        return any(self._held.values()) or bool(self._spools)

    # -- feeding ------------------------------------------------------------------------------

    def add(self, contacts: Iterable[HostContact]) -> None:
        if self.stopped is not None:
            return
        with self._guard():
            plan = self._plan(list(contacts))
            self._emit([
                Outcome(s.host_id, OutcomeStatus.SKIPPED, skip_reason=s.reason)
                for s in plan.skips
            ])
            # The write that failed for these was their Account's creation.
            self._emit([
                Outcome(host_id, OutcomeStatus.FAILED, sobject="Account", action=Action.CREATE,
                        error=error)
                for host_id, _, error in plan.failures
            ])
            for group, writes in plan.groups().items():
                self._queue(group, writes)

    def finish(self) -> PushReport:
        """Write everything still waiting; the report says what happened."""
        try:
            if self.stopped is None:
                with self._guard():
                    held, self._held = self._held, {}
                    for group, writes in held.items():
                        self._collections(group, writes)
                    spools, self._spools = self._spools, {}
                    for group, spool in spools.items():
                        self._run_spool(group, spool)
                    # Records deleted in Salesforce since they were linked: new ones.
                    stale, self._stale = self._stale, []
                    for group, writes in _relinked(stale, self.settings).items():
                        self._execute(group, writes)
        finally:
            self._discard()
            self.report.api_calls = self.api.meter.calls - self._calls_before
        return self.report

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except SalesforceFailure as exc:
            if isinstance(exc, PermanentFailure):
                # A failure of ours (a query while planning), not a record's: this page's
                # contacts have no outcome; what earlier pages queued is still to be written.
                raise
            # Paused (budget, daily limit), reconnect needed, or retries ran out: what was done
            # is stored; the rest waits for the next push.
            self.report.stopped = exc
            self._discard()

    def _discard(self) -> None:
        for spool in self._spools.values():
            spool.close()
        self._spools = {}
        self._held = {}

    # -- planning ---------------------------------------------------------------------------

    def _plan(self, contacts: list[HostContact]) -> Plan:
        settings = self.settings
        eligible, skips = select(contacts, settings)
        contacts.clear()
        if not eligible:
            return Plan(skips=skips)
        links = self.link_store.links_for([str(c["id"]) for c in eligible])
        schema = self._org_schema()
        unlinked = [
            Candidate(
                str(c["id"]),
                settings.external_id(str(c["id"])),
                (c.get("email") or "").strip() or None,
            )
            for c in eligible
            if str(c["id"]) not in links
        ]
        matches = self._matcher_for(schema).find(unlinked) if unlinked else {}
        del unlinked
        drafts, unchanged = draft(eligible, settings, schema, links, matches,
                                  mappers=self._mappers)
        del eligible, links, matches
        owner_ids = self.owners.resolve(self.api, (d.owner_email for d in drafts))
        accounts = self._resolve_accounts(drafts, owner_ids)
        plan = finalize(
            drafts,
            settings,
            schema,
            owner_ids=owner_ids,
            account_ids=accounts.ids,
            account_errors=accounts.errors,
        )
        plan.skips = skips + unchanged
        return plan

    def _org_schema(self) -> OrgSchema:
        if self._schema is None:
            self.describe.prefetch(self.api, ("Lead", "Contact"))
            self._schema = OrgSchema(
                self.describe.get(self.api, "Lead"),
                self.describe.get(self.api, "Contact"),
                self.settings.external_id_field,
            )
        return self._schema

    def _matcher_for(self, schema: OrgSchema) -> Matcher:
        if self._matcher is None:
            self._matcher = Matcher(
                self.api,
                contact_ext_field=schema.ext_field("Contact"),
                lead_ext_field=schema.ext_field("Lead"),
                expected=self.expected,
            )
        return self._matcher

    def _resolve_accounts(
        self, drafts: Sequence[Draft], owner_ids: dict[str, str | None]
    ) -> AccountResolution:
        """Accounts of this page's companies; names seen on earlier pages cost nothing."""
        known = self._accounts
        if self.settings.push_as is not PushAs.CONTACT:
            return known
        account_owners: dict[str, str] = {}
        names: list[str] = []
        for d in drafts:
            if not d.company:
                continue
            key = d.company.lower()
            if key in known.ids or key in known.errors:
                continue
            names.append(d.company)
            owner = owner_ids.get(d.owner_email.strip().lower()) if d.owner_email else None
            if owner:
                account_owners.setdefault(key, owner)
        if names:
            found = resolve_accounts(self.api, names, owner_ids=account_owners)
            known.ids.update(found.ids)
            known.errors.update(found.errors)
            known.created |= found.created
            self.report.accounts_created += len(found.created)
        return known

    # -- writing ------------------------------------------------------------------------------

    def _queue(self, group: Group, writes: list[PlannedWrite]) -> None:
        spool = self._spools.get(group)
        if spool is not None:
            spool.add(writes)
            return
        held = self._held.setdefault(group, [])
        held.extend(writes)
        if len(held) <= self.settings.bulk_threshold:
            return
        del self._held[group]
        if group[1] is Action.CREATE:
            self._collections(group, held)
        else:
            spool = _Spool(self.api, group, self.settings)
            self._spools[group] = spool
            spool.add(held)

    def _execute(self, group: Group, writes: list[PlannedWrite]) -> None:
        """Write ``writes`` now: Bulk above the threshold, else Collections."""
        if len(writes) > self.settings.bulk_threshold and group[1] is not Action.CREATE:
            spool = _Spool(self.api, group, self.settings)
            try:
                spool.add(writes)
                self._run_spool(group, spool, relink=False)
            finally:
                spool.close()
        else:
            self._collections(group, writes, relink=False)

    def _collections(
        self, group: Group, group_writes: list[PlannedWrite], *, relink: bool = True
    ) -> None:
        sobject, action = group
        by_host = {w.host_id: w for w in group_writes}
        writes = [writers.RecordWrite(w.host_id, w.fields) for w in group_writes]
        # Contacts of one Account written in parallel calls would wait on each other's lock
        # of that Account (UNABLE_TO_LOCK_ROW): one call at a time then.
        parallel = not any("AccountId" in w.fields for w in group_writes)
        concurrency = self.settings.write_concurrency if parallel else 1
        ext_field = self.settings.external_id_field
        results: Iterator[writers.WriteResult]
        if action is Action.UPSERT:
            results = writers.upsert(self.api, sobject, ext_field, writes,
                                     concurrency=concurrency)
        elif action is Action.UPDATE:
            results = writers.update(self.api, sobject, writes, concurrency=concurrency)
        else:
            results = writers.create(self.api, sobject, writes, concurrency=concurrency)
        del writes
        chunk: list[tuple[Outcome, PlannedWrite]] = []
        try:
            for result in results:
                planned = by_host[result.key]
                chunk.append((_outcome(result, planned), planned))
                if len(chunk) == writers.COLLECTION_MAX:
                    full, chunk = chunk, []
                    self._record(full, relink)
        finally:
            # Results already in hand are stored even when a later call stopped the push.
            if chunk:
                self._record(chunk, relink)

    def _run_spool(self, group: Group, spool: _Spool, *, relink: bool = True) -> None:
        try:
            self._read_spool(spool, relink)
        except PermanentFailure as exc:
            # The job itself was refused (not its records): each record without an outcome
            # gets the reason, and the other groups go on.
            error = exc.errors[0] if exc.errors else RecordError(exc.error_code, str(exc))
            self._emit([
                Outcome(w.host_id, OutcomeStatus.FAILED, sobject=w.sobject, action=w.action,
                        sf_id=w.target_id, matched_by=w.matched_by, error=error)
                for w in spool.remaining()
            ])
        finally:
            spool.close()

    def _read_spool(self, spool: _Spool, relink: bool) -> None:
        chunk: list[tuple[Outcome, PlannedWrite]] = []
        stale: list[PlannedWrite] = []
        try:
            for result in spool.run():
                planned = spool.planned(result.key)
                outcome = _outcome(result, planned)
                if relink and _link_is_stale(outcome):
                    stale.append(planned)
                    continue
                chunk.append((outcome, planned))
                if len(chunk) == BULK_CHUNK:
                    full, chunk = chunk, []
                    self._record(full, relink=False)
        finally:
            if chunk:
                self._record(chunk, relink=False)
        if stale:
            # Their values are needed again (the new records get them): from the job's CSV.
            self._stale.extend(spool.with_fields(stale))

    def _record(self, chunk: Sequence[tuple[Outcome, PlannedWrite]], relink: bool) -> None:
        if relink:
            self._stale.extend(w for o, w in chunk if _link_is_stale(o))
            chunk = [(o, w) for o, w in chunk if not _link_is_stale(o)]
        links = [
            Link(o.host_id, w.sobject, o.sf_id, w.fingerprint)
            for o, w in chunk
            if o.status is OutcomeStatus.PUSHED and o.sf_id
        ]
        self.link_store.save_links(links)
        if self.keep_outcomes:
            self.report.links.extend(links)
        self._emit([o for o, _ in chunk])

    def _emit(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        if self.keep_outcomes:
            self.report.outcomes.extend(outcomes)
        if self.on_outcomes is not None:
            self.on_outcomes(outcomes)


class _Spool:
    """A Bulk spool for one group, and what each record's outcome needs besides its fields
    (kept compact: the fields themselves are on disk)."""

    def __init__(self, api: SalesforceApi, group: Group, settings: PushSettings) -> None:
        self.sobject, self.action = group
        ext = settings.external_id_field if self.action is Action.UPSERT else None
        self.spool = bulk.BulkSpool(api, self.sobject, self.action.value, ext_field=ext)
        self.key_field = self.spool.key_field
        # host id -> (fingerprint, target id, matched by)
        self._meta: dict[str, tuple[str, str | None, MatchedBy | None]] = {}

    def add(self, writes: Sequence[PlannedWrite]) -> None:
        meta = self._meta
        records: list[writers.RecordWrite] = []
        for w in writes:
            meta[w.host_id] = (w.fingerprint, w.target_id, w.matched_by)
            records.append(writers.RecordWrite(w.host_id, w.fields))
        self.spool.add(records)

    def run(self) -> Iterator[writers.WriteResult]:
        return self.spool.run()

    def planned(self, host_id: str) -> PlannedWrite:
        """The planned write of a result (without its fields); forgotten once asked for."""
        fingerprint, target_id, matched_by = self._meta.pop(host_id)
        return PlannedWrite(host_id, self.sobject, self.action, _NO_FIELDS, fingerprint,
                            target_id, matched_by)

    def remaining(self) -> list[PlannedWrite]:
        """The writes that got no result (yet)."""
        return [self.planned(host_id) for host_id in list(self._meta)]

    def with_fields(self, writes: Sequence[PlannedWrite]) -> list[PlannedWrite]:
        """Updates by Id (stale links) again, with the fields they were sent with."""
        values = {str(w.target_id): w for w in writes}
        rows = self.spool.rows(set(values))
        return [
            PlannedWrite(w.host_id, w.sobject, w.action, rows.get(value, {}), w.fingerprint,
                         w.target_id, w.matched_by)
            for value, w in values.items()
        ]

    def close(self) -> None:
        self.spool.close()


_NO_FIELDS: dict[str, Any] = {}


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
) -> dict[Group, list[PlannedWrite]]:
    groups: dict[Group, list[PlannedWrite]] = {}
    for w in stale:
        fields = {k: v for k, v in w.fields.items() if k != "Id"}
        action = Action.UPSERT if settings.external_id_field in fields else Action.CREATE
        again = PlannedWrite(w.host_id, w.sobject, action, fields, w.fingerprint)
        groups.setdefault((w.sobject, action), []).append(again)
    return groups


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
