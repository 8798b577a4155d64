"""A push fed page by page: how a full sync pushes 100,000 contacts in bounded memory.

::

    stream = PushStream(api, settings, link_store, on_outcomes=sink, expected=total)
    for page in pages:
        stream.add(page)          # planned now; skips and failures reported now
        if stream.stopped: break
    report = stream.finish()      # what is still waiting is written

or, for one page of contacts, :func:`push` (a stream fed once).

Each page is planned by a :class:`~.pages.PagePlanner` (select, links, matches, draft,
owners, Accounts, finalize) and its writes are queued per (object, action). A group stays in
memory until it grows past ``settings.bulk_threshold``: then it goes to a Bulk API 2.0 spool
(a :class:`~.spools.GroupSpool`: a CSV file on disk that later pages append to), so however
many pages a sync has, each group costs one Bulk job. Groups that never grow that large go
through sObject Collections at :meth:`PushStream.finish`, several calls in flight at once.
Creates without an external ID cannot use Bulk (its results do not say which created row was
which): they go through Collections as soon as they pass the threshold.

A push that can never reach the threshold (``expected`` contacts in all, at most the
threshold) does not wait: each page's calls go into a :class:`~.pipeline.Pipeline` as soon
as the page is planned, and Salesforce saves them while the next page is read and planned.

Contacts named in ``allow_duplicates`` (a person's "Push anyway" from the error log) are
written at once, in Collections calls of their own that acknowledge Salesforce's duplicate
rule alert (:data:`~flask_sfsync.salesforce.writers.ALLOW_SAVE`: the header holds for a whole
call, and Bulk API has no such header); everything else goes its usual way.

What has not been written yet is :attr:`PushStream.pending`: a caller that keeps a resume
point (the full sync's cursor) moves it only when nothing is pending.

Links (and the fingerprint of what was sent) are saved through the
:class:`~flask_sfsync.sync.links.LinkStore` after every written chunk, and ``on_outcomes``
gets each chunk's outcomes (skips first), so a crash or a pause loses nothing already
written: a later push skips what is unchanged and the external ID makes re-sent creates
idempotent.

A push that cannot go on — ``ConnectionPaused`` (our budget or the org's daily limit, with
``resume_at``), ``ReconnectNeeded``, ``SessionExpired`` that no refresh cured, or a
``TransientFailure`` whose retries ran out (all from :mod:`flask_sfsync.salesforce.errors`) —
stops early with that exception in ``report.stopped``; what was done before is in the store
and the sink, and the contacts without an outcome are for the next push. A
``PermanentFailure`` of a whole call (not of a record: a bug of ours) is raised.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager

from flask_sfsync.salesforce import writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache, default_cache
from flask_sfsync.salesforce.errors import PermanentFailure, RecordError, SalesforceFailure

from ..links import Link, LinkStore
from ..owners import OwnerDirectory, default_directory
from ..records import HostContact
from .matching import MatchedBy
from .pages import PagePlanner
from .pipeline import Pipeline
from .plan import Action, Group, Plan, PlannedWrite, by_account, relinked
from .results import (
    GONE_CODES,
    Outcome,
    OutcomeSink,
    OutcomeStatus,
    PushReport,
    link_is_stale,
    outcome_of,
)
from .settings import PushSettings
from .spools import NO_FIELDS, GroupSpool

__all__ = ["PushStream", "push"]

# Outcomes handed to the sink at once when reading a Bulk job's results (Collections: one
# call's 200). Each hand-over is a database commit in the Flask layer.
BULK_CHUNK = 2000
# Outcomes of Collections updates and upserts stored at once, at most: five calls' worth
# when results come faster than they are stored (a lost chunk is re-sent, idempotently);
# whenever the stream would wait for Salesforce anyway, what it has is stored.
COLLECTIONS_CHUNK = 1000


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
        allow_duplicates: Collection[str] = (),
    ) -> None:
        """``expected``: how many contacts the pages will bring in all (0: unknown), so the
        first page can decide how to match; ``keep_outcomes``: collect every outcome and link
        in the report (a caller with a sink that stores them does not need them twice);
        ``allow_duplicates``: host ids to write past a duplicate rule's alert."""
        self.api = api
        self.settings = settings
        self.link_store = link_store
        self.on_outcomes = on_outcomes
        self.describe = describe
        self.owners = owners
        self.expected = expected
        self.keep_outcomes = keep_outcomes
        self.allow_duplicates = frozenset(allow_duplicates)
        self.report = PushReport()
        self._calls_before = api.meter.calls
        self.planner = PagePlanner(api, settings, link_store, describe=describe,
                                   owners=owners, expected=expected)
        self._held: dict[Group, list[PlannedWrite]] = {}
        self._spools: dict[Group, GroupSpool] = {}
        self._stale: list[PlannedWrite] = []
        # A push that can never reach the Bulk threshold writes each page as it is planned.
        self._eager = 0 < expected <= settings.bulk_threshold
        self._pipeline: Pipeline[list[PlannedWrite]] | None = None
        self._done: list[tuple[Outcome, PlannedWrite]] = []  # results not stored yet

    @property
    def stopped(self) -> SalesforceFailure | None:
        return self.report.stopped

    @property
    def pending(self) -> bool:
        """Writes planned but not written (or not stored) yet."""
        return (
            any(self._held.values()) or bool(self._spools) or bool(self._done)
            or self.planner.waiting
            or (self._pipeline is not None and len(self._pipeline) > 0)
        )

    # -- feeding ------------------------------------------------------------------------------

    def add(self, contacts: Iterable[HostContact]) -> None:
        if self.stopped is not None:
            return
        with self._guard():
            self._take(self.planner.plan(list(contacts)))
            if self._pipeline is not None:
                self._pipeline.collect()

    def _take(self, plan: Plan) -> None:
        self._emit([
            Outcome(s.host_id, OutcomeStatus.SKIPPED, skip_reason=s.reason) for s in plan.skips
        ])
        # The write that failed for these was their Account's creation.
        self._emit([
            Outcome(host_id, OutcomeStatus.FAILED, sobject="Account", action=Action.CREATE,
                    error=error)
            for host_id, _, error in plan.failures
        ])
        for group, writes in plan.groups().items():
            if self.allow_duplicates:
                writes = self._write_allowed(group, writes)
            if writes:
                self._queue(group, writes)

    def _write_allowed(self, group: Group, writes: list[PlannedWrite]) -> list[PlannedWrite]:
        """Write those of ``writes`` a person pushes anyway (past a duplicate alert) now, in
        calls of their own; the others are returned."""
        allowed = [w for w in writes if w.host_id in self.allow_duplicates]
        if not allowed:
            return writes
        self._collections(group, allowed, allow_duplicates=True)
        return [w for w in writes if w.host_id not in self.allow_duplicates]

    def finish(self) -> PushReport:
        """Write everything still waiting; the report says what happened."""
        try:
            if self.stopped is None:
                with self._guard():
                    if self.planner.waiting:
                        self._take(self.planner.flush())
                    if self._pipeline is not None:
                        self._pipeline.drain()
                    self._store_done()
                    held, self._held = self._held, {}
                    for group, writes in held.items():
                        self._collections(group, writes)
                    spools, self._spools = self._spools, {}
                    for group, spool in spools.items():
                        self._run_spool(group, spool)
                    # Records deleted in Salesforce since they were linked: new ones.
                    stale, self._stale = self._stale, []
                    for group, writes in relinked(stale, self.settings).items():
                        self._execute(group, writes)
        finally:
            self.close()
            self.report.accounts_created = self.planner.accounts_created
            self.report.api_calls = self.api.meter.calls - self._calls_before
        return self.report

    def close(self) -> None:
        """Let go of threads and files (after :meth:`finish`, or instead of it when the
        caller gives up); what was not written stays unwritten."""
        self._discard()

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
            self._store_done()
            self._discard()

    def _discard(self) -> None:
        for spool in self._spools.values():
            spool.close()
        self._spools = {}
        self._held = {}
        self.planner.forget_waiting()
        if self._pipeline is not None:
            self._pipeline.close()
            self._pipeline = None

    # -- writing ------------------------------------------------------------------------------

    def _queue(self, group: Group, writes: list[PlannedWrite]) -> None:
        if self._eager:
            self._submit(group, by_account(writes))
            return
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
            spool = GroupSpool(self.api, group, self.settings)
            self._spools[group] = spool
            spool.add(held)

    def _submit(self, group: Group, writes: list[PlannedWrite]) -> None:
        """Into the pipeline: written while the next page is planned."""
        if self._pipeline is None:
            self._pipeline = Pipeline(
                self.api, self.settings.write_concurrency, self._on_results,
                on_wait=self._store_done,
            )
        sobject, action = group
        if action is Action.UPSERT:
            call = writers.upsert_call(sobject, self.settings.external_id_field)
        elif action is Action.UPDATE:
            call = writers.update_call(sobject)
        else:
            call = writers.create_call(sobject)
        size = writers.COLLECTION_MAX
        for start in range(0, len(writes), size):
            chunk = writes[start : start + size]
            self._pipeline.submit(call, chunk, chunk)

    def _on_results(
        self, results: list[writers.WriteResult], chunk: list[PlannedWrite]
    ) -> None:
        by_host = {w.host_id: w for w in chunk}
        for result in results:
            planned = by_host[result.key]
            self._done.append((outcome_of(result, planned), planned))
        # Creates are stored call by call: a lost result there would mean a second record.
        if chunk[0].action is Action.CREATE or len(self._done) >= COLLECTIONS_CHUNK:
            self._store_done()

    def _store_done(self) -> None:
        done, self._done = self._done, []
        if done:
            self._record(done, relink=True)

    def _execute(self, group: Group, writes: list[PlannedWrite]) -> None:
        """Write ``writes`` now: Bulk above the threshold, else Collections."""
        if len(writes) > self.settings.bulk_threshold and group[1] is not Action.CREATE:
            spool = GroupSpool(self.api, group, self.settings)
            try:
                spool.add(writes)
                self._run_spool(group, spool, relink=False)
            finally:
                spool.close()
        else:
            self._collections(group, writes, relink=False)

    def _collections(
        self,
        group: Group,
        group_writes: list[PlannedWrite],
        *,
        relink: bool = True,
        allow_duplicates: bool = False,
    ) -> None:
        sobject, action = group
        by_host = {w.host_id: w for w in group_writes}
        writes = by_account(group_writes)
        concurrency = self.settings.write_concurrency
        ext_field = self.settings.external_id_field
        allow = allow_duplicates
        results: Iterator[writers.WriteResult]
        if action is Action.UPSERT:
            results = writers.upsert(self.api, sobject, ext_field, writes,
                                     concurrency=concurrency, allow_duplicates=allow)
        elif action is Action.UPDATE:
            results = writers.update(self.api, sobject, writes, concurrency=concurrency,
                                     allow_duplicates=allow)
        else:
            results = writers.create(self.api, sobject, writes, concurrency=concurrency,
                                     allow_duplicates=allow)
        del writes
        record_every = writers.COLLECTION_MAX  # call by call: the progress moves with them
        chunk: list[tuple[Outcome, PlannedWrite]] = []
        try:
            for result in results:
                planned = by_host[result.key]
                chunk.append((outcome_of(result, planned), planned))
                if len(chunk) >= record_every:
                    full, chunk = chunk, []
                    self._record(full, relink)
        finally:
            # Results already in hand are stored even when a later call stopped the push.
            if chunk:
                self._record(chunk, relink)

    def _run_spool(self, group: Group, spool: GroupSpool, *, relink: bool = True) -> None:
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

    def _read_spool(self, spool: GroupSpool, relink: bool) -> None:
        """Results as they are read, stored ``BULK_CHUNK`` at a time (no per-record planned
        write is rebuilt: a 100,000-record job's results are mostly plain successes)."""
        outcomes: list[Outcome] = []
        links: list[Link] = []
        stale: list[PlannedWrite] = []
        sobject, action = spool.sobject, spool.action
        pushed, failed = OutcomeStatus.PUSHED, OutcomeStatus.FAILED
        try:
            for result in spool.run():
                host_id = result.key
                fingerprint, target_id, matched_by = spool.pop(host_id)
                error = result.error
                if error is None:
                    outcomes.append(Outcome(host_id, pushed, sobject, action, result.id,
                                            result.created, matched_by))
                    if result.id:
                        links.append(Link(host_id, sobject, result.id, fingerprint))
                elif (relink and matched_by is MatchedBy.LINK
                      and error.status_code in GONE_CODES):
                    stale.append(PlannedWrite(host_id, sobject, action, NO_FIELDS, fingerprint,
                                              target_id, matched_by))
                else:
                    outcomes.append(Outcome(host_id, failed, sobject, action, target_id,
                                            result.created, matched_by, error=error))
                if len(outcomes) >= BULK_CHUNK:
                    done, outcomes, saved, links = outcomes, [], links, []
                    self._store(done, saved)
        finally:
            if outcomes:
                self._store(outcomes, links)
        if stale:
            # Their values are needed again (the new records get them): from the job's CSV.
            self._stale.extend(spool.with_fields(stale))

    def _record(self, chunk: Sequence[tuple[Outcome, PlannedWrite]], relink: bool) -> None:
        if relink:
            self._stale.extend(w for o, w in chunk if link_is_stale(o))
            chunk = [(o, w) for o, w in chunk if not link_is_stale(o)]
        links = [
            Link(o.host_id, w.sobject, o.sf_id, w.fingerprint)
            for o, w in chunk
            if o.status is OutcomeStatus.PUSHED and o.sf_id
        ]
        self._store([o for o, _ in chunk], links)

    def _store(self, outcomes: Sequence[Outcome], links: Sequence[Link]) -> None:
        """Links first, then the outcomes (the sink commits both)."""
        self.link_store.save_links(links)
        if self.keep_outcomes:
            self.report.links.extend(links)
        self._emit(outcomes)

    def _emit(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        if self.keep_outcomes:
            self.report.outcomes.extend(outcomes)
        if self.on_outcomes is not None:
            self.on_outcomes(outcomes)


def push(
    api: SalesforceApi,
    contacts: Iterable[HostContact],
    settings: PushSettings,
    link_store: LinkStore,
    *,
    on_outcomes: OutcomeSink | None = None,
    describe: DescribeCache = default_cache,
    owners: OwnerDirectory = default_directory,
    allow_duplicates: Collection[str] = (),
) -> PushReport:
    """One page of contacts, pushed at once (a :class:`PushStream` fed once)::

        report = push(api, contacts, settings, link_store, on_outcomes=sink)
    """
    contacts = list(contacts)
    stream = PushStream(
        api, settings, link_store, on_outcomes=on_outcomes, describe=describe, owners=owners,
        expected=len(contacts), allow_duplicates=allow_duplicates,
    )
    stream.add(contacts)
    return stream.finish()
