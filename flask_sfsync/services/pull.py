"""Pulling a tenant's Salesforce changes into the host, under its lock.

Per object (Account, Contact, Lead: a Contact is known before a Lead with its email), the pull
reads what changed since the watermark (:mod:`flask_sfsync.sync.pull.reader`: the first page of
all three in one Composite call, so an idle poll is one API call), and applies each page in
ONE database transaction with the watermark that covers it: a worker killed mid-pull resumes
from the last committed page, and what it reads twice is skipped by the mirror's
(Id, SystemModstamp).

Per record:

* deleted by a merge (``MasterRecordId``): its links move to the master;
* deleted: its links go and the host contact shows "Deleted in Salesforce" (its mirror row
  keeps the contact); undeleted: linked again;
* a converted Lead: its links move to ``ConvertedContactId``, so pushes go to the Contact;
* linked: the three-way merge (:mod:`flask_sfsync.sync.pull.merge`) decides per field, the
  host is written by compare-and-set, and when the host had nothing waiting to be pushed the
  link's fingerprint becomes that of the new values (the values came from Salesforce: pushing
  them back would be an echo);
* not linked: our external ID, else the email finds the host contact (a Contact wins over a
  Lead; a second record for a linked contact is a potential duplicate, never merged); with
  "Show Salesforce records" on, a record that matches nothing creates a host contact.

With a company adapter (``SFSync(company_adapter=...)``), Accounts become host companies and
each contact's company is merged too, in the same write (:mod:`.pull_companies`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .. import signals
from ..db import errorlog, mirror, runs
from ..db.errorlog import record_history
from ..db.models import MirrorRecordMixin, PullStateMixin, RunKind, SyncLinkMixin, SyncRunMixin
from ..db.types import utcnow
from ..salesforce import ConnectionPaused
from ..sync import EXTERNAL_ID_FIELD, HostContact, Link
from ..sync.pull import (
    TWO_WAY,
    Coverage,
    DeletedWindow,
    ObjectSpec,
    Page,
    PulledRecord,
    ReplicationWindowLost,
    Watermark,
    count_since,
    merge_fields,
    poll,
    pulled,
    read_bulk,
    read_since,
    spec_for,
    use_bulk,
)
from ..sync.pull.reader import PAGE_SIZE, asked_at, read_ids, start_of
from ..sync.push.plan import OrgSchema, draft
from . import pulled_delete
from .context import SyncContext, open_context
from .failures import sobject_of_id
from .pull_companies import (
    CompanyStep,
    Converted,
    PullCompanies,
    carried_company,
    with_company,
)

__all__ = ["PullCounts", "pull_locked"]

log = logging.getLogger(__name__)

# The host refused a pulled value (too long, a required field empty): the error log's code.
HOST_REFUSED = "HOST_REFUSED_VALUE"


@dataclass
class PullCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted,
                "skipped": self.skipped, "failed": self.failed}

    def plus(self, other: PullCounts) -> PullCounts:
        return PullCounts(*(a + b for a, b in zip(
            self.as_dict().values(), other.as_dict().values(), strict=True)))


@dataclass
class _Page:
    """What one page's records need from the database, read once."""

    rows: dict[str, MirrorRecordMixin]
    links: dict[str, list[SyncLinkMixin]]
    history: list[dict[str, Any]] = field(default_factory=list)
    pulled: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: Records whose values the host refused (their error-log entries stay open).
    refused: set[str] = field(default_factory=set)


def pull_locked(
    tenant_id: str, *, full: bool = False, retry: Sequence[str] | None = None
) -> dict[str, dict[str, int]]:
    """Pull the tenant's changes (``full``: every record again; ``retry``: only these
    records, read by Id and applied again); the counts per object."""
    ctx = open_context(tenant_id)
    try:
        return _Pull(ctx, full=full, retry=retry).run()
    finally:
        ctx.close()


class _Pull:
    def __init__(self, ctx: SyncContext, *, full: bool,
                 retry: Sequence[str] | None = None) -> None:
        self.ctx = ctx
        self.full = full
        self.retry = sorted(set(retry or ()))
        self.session = ctx.session
        self.models = ctx.models
        self.tenant_id = ctx.tenant_id
        self.adapter = ctx.adapter
        self.lookback = dt.timedelta(seconds=ctx.settings.pull_lookback)
        self.prefix = f"{ctx.tenant_id}-"
        self._schema: OrgSchema | None = None
        self._companies = None if ctx.companies is None else PullCompanies(
            ctx, ctx.companies, self._fingerprint)
        self._run: SyncRunMixin | None = None
        self._read = 0
        self._totals = PullCounts()
        self._open_errors = False
        #: Host contacts whose Lead link this pull moved to a Contact by email.
        self._relinked: set[str] = set()

    def run(self) -> dict[str, dict[str, int]]:
        states = mirror.pull_states(self.session, self.models, self.tenant_id)
        kind = RunKind.FULL if self.full else RunKind.RETRY if self.retry else RunKind.AUTO
        if kind != RunKind.AUTO:
            # A scheduled pull (every minute) is a run in History only when it changed
            # something (see :meth:`_end`); Pull now and Retry are runs from the start.
            self._run = runs.new_pull_run(self.session, self.models, self.tenant_id, kind)
        self._open_errors = errorlog.has_open_pull_entries(self.session, self.models,
                                                           self.tenant_id)
        self.session.commit()
        signals.send(signals.pull_started, tenant_id=self.tenant_id, full=self.full)
        try:
            counts = self._retried(states) if self.retry else self._objects(states)
        except ConnectionPaused as exc:
            paused = str(exc)
            self._end(lambda run: runs.pause(run, paused))
            raise
        except Exception as exc:
            stopped = f"The pull stopped: {exc}"[:1000]
            self._end(lambda run: runs.stop(run, stopped))
            raise
        if self._run is None and any(c["created"] + c["updated"] + c["deleted"]
                                     for c in counts.values()):
            self._run = runs.new_pull_run(self.session, self.models, self.tenant_id,
                                          RunKind.AUTO)
            runs.record_pull_progress(self._run, self._read, self._totals.as_dict())
        self._end(runs.finish)
        signals.send(signals.pull_finished, tenant_id=self.tenant_id, counts=counts)
        return counts

    def _end(self, how: Callable[[SyncRunMixin], None]) -> None:
        """The run's end, in its own transaction (what failed was rolled back)."""
        self.session.rollback()
        if self._run is not None:
            how(self._run)
            self.session.commit()

    def _objects(self, states: Mapping[str, PullStateMixin]) -> dict[str, dict[str, int]]:
        specs = [self._spec(o) for o in mirror.PULLED_OBJECTS]
        starts = {o: self._start(states[o]) for o in mirror.PULLED_OBJECTS}
        firsts = poll(self.ctx.api, specs, starts,
                      deleted_windows=self._deleted_windows(states))
        counts: dict[str, dict[str, int]] = {}
        for spec, polled in zip(specs, firsts, strict=True):
            first: Page | None = polled
            state = states[spec.sobject]
            tally = PullCounts()
            lost = polled.deleted if isinstance(polled.deleted, ReplicationWindowLost) else None
            if lost is not None:
                # Deletions in the window can no longer be told: read every record again.
                log.warning("pull of tenant %s: %s; a full resync of %s follows",
                            self.tenant_id, lost, spec.sobject)
                state.message = (f"{utcnow():%Y-%m-%d %H:%M} UTC: {lost.message} Every "
                                 f"{spec.sobject} was read again (a full resync) so that no "
                                 "deletion is missed.")
            whole = self.full or lost is not None or starts[spec.sobject] is None
            start = None if whole else starts[spec.sobject]
            if whole and lost is not None:
                first = None  # the poll's page was from the old start
            seen: set[str] | None = set() if (self.full or lost is not None) else None
            self._read_object(state, spec, start, first, tally, seen,
                              force=self.full or lost is not None)
            if seen is not None:
                self._gone(state, mirror.live_sf_ids(self.session, self.models,
                                                     self.tenant_id, spec.sobject) - seen,
                           tally, "no longer in Salesforce")
            if isinstance(polled.deleted, DeletedWindow):
                window = polled.deleted
                if window.ids:
                    self._gone(state, set(window.ids) & mirror.live_sf_ids(
                        self.session, self.models, self.tenant_id, spec.sobject),
                        tally, "deleted in Salesforce")
                state.deletes_checked_until = window.latest_covered
            elif (whole and state.deletes_checked_until is None) or lost is not None:
                # Everything live was just read: deletions are known up to that read.
                state.deletes_checked_until = asked_at(self.ctx.api) or utcnow()
            state.last_pull_at = utcnow()
            for name, value in tally.as_dict().items():
                setattr(state, name, value)
            counts[spec.sobject] = tally.as_dict()
            self._totals = self._totals.plus(tally)
            self.session.commit()
        return counts


    def _start(self, state: PullStateMixin) -> dt.datetime | None:
        """Where the object's read begins: None (every record) for a full pull and the
        first one; else where the last read stopped proving (see :class:`Coverage`)."""
        if self.full:
            return None
        if state.covered_until is not None:
            return state.covered_until
        return start_of(_mark(state), self.lookback)

    def _deleted_windows(
        self, states: Mapping[str, PullStateMixin]
    ) -> dict[str, tuple[dt.datetime, dt.datetime]]:
        """getDeleted windows, carried by the poll's Composite call: from where the last
        check got to, up to now (Salesforce covers up to its last whole minute)."""
        now = max(utcnow(), self.ctx.api.meter.server_time or utcnow())
        if self.full:
            return {}
        return {o: (state.deletes_checked_until, now) for o, state in states.items()
                if o in mirror.PULLED_OBJECTS and state.deletes_checked_until is not None}

    def _read_object(self, state: PullStateMixin, spec: ObjectSpec, start: dt.datetime | None,
                     first: Page | None, tally: PullCounts, seen: set[str] | None, *,
                     force: bool) -> None:
        coverage = Coverage(self.lookback)
        for page in self._pages(spec, start, first):
            records = [pulled(spec.sobject, raw) for raw in page.records]
            if seen is not None:
                seen.update(r.id for r in records)
            self._read += len(records)
            self._apply(state, records, tally, covered=coverage.add(page), force=force)

    def _pages(self, spec: ObjectSpec, start: dt.datetime | None,
               first: Page | None) -> Iterator[Page]:
        """REST pages, or one Bulk API 2.0 job for a large first pull or resync."""
        threshold = self.ctx.settings.pull_bulk_threshold
        if start is None and threshold > 0 and (first is None or len(first.records) >= PAGE_SIZE):
            count = count_since(self.ctx.api, spec, None)
            if self._run is not None:
                self._run.total += count
            if use_bulk(count, threshold):
                return read_bulk(self.ctx.api, spec, None, expected=count)
        return read_since(self.ctx.api, spec, start, first=first)

    def _retried(self, states: Mapping[str, PullStateMixin]) -> dict[str, dict[str, int]]:
        """The error log's Retry: these records read by Id, applied whatever their stamp."""
        counts: dict[str, dict[str, int]] = {}
        for sobject in mirror.PULLED_OBJECTS:
            ids = [i for i in self.retry if sobject_of_id(i, "") == sobject]
            if not ids:
                continue
            spec = self._spec(sobject)
            tally = PullCounts()
            for chunk in range(0, len(ids), 200):
                raw = read_ids(self.ctx.api, spec, ids[chunk:chunk + 200])
                records = [pulled(sobject, r) for r in raw]
                self._read += len(records)
                self._apply(states[sobject], records, tally, covered=None, force=True)
            counts[sobject] = tally.as_dict()
            self._totals = self._totals.plus(tally)
        return counts

    def _gone(self, state: PullStateMixin, ids: set[str], tally: PullCounts,
              why: str) -> None:
        """Records the mirror holds as live that Salesforce no longer returns (a full resync)
        or says it deleted (getDeleted): applied as deletes."""
        if not ids:
            return
        log.info("pull of tenant %s: %d %s records %s", self.tenant_id, len(ids),
                 state.sobject, why)
        rows = mirror.mirror_rows(self.session, self.models, self.tenant_id, sorted(ids))
        records = [pulled(state.sobject, {
            **row.values, "Id": row.sf_id, "IsDeleted": True,
            "SystemModstamp": row.system_modstamp.isoformat(), "Email": row.email,
        }) for row in rows.values()]
        for chunk in range(0, len(records), PAGE_SIZE):
            self._apply(state, records[chunk:chunk + PAGE_SIZE], tally, covered=None,
                        force=True)

    def _spec(self, sobject: str) -> ObjectSpec:
        info = self.ctx.describe.get(self.ctx.api, sobject)
        extra = (EXTERNAL_ID_FIELD,) if sobject != "Account" else ()
        return spec_for(sobject, info.names, extra)

    # -- one page, one transaction ------------------------------------------------------------

    def _apply(self, state: PullStateMixin, records: Sequence[PulledRecord],
               tally: PullCounts, *, covered: dt.datetime | None, force: bool) -> None:
        """One page in one transaction: its records, the watermark, where the next read
        starts (``covered``) and the run's progress. ``force``: apply every record, even
        one whose (Id, SystemModstamp) was applied before (a setting may have changed what
        it does; a Retry)."""
        page = _Page({}, {})
        if records:
            page.rows = mirror.mirror_rows(self.session, self.models, self.tenant_id,
                                           [r.id for r in records])
            self._records_of(state, records, page, tally, force=force)
            last = max(r.watermark for r in records)
            mark = _mark(state)
            if mark is None or last > mark:
                state.watermark_stamp, state.watermark_id = last.stamp, last.id
        if covered is not None:
            state.covered_until = covered
        if self._run is not None:
            runs.record_pull_progress(self._run, self._read,
                                      self._totals.plus(tally).as_dict(), sobject=state.sobject)
        self.session.commit()
        self._signal(page.pulled)

    def _records_of(self, state: PullStateMixin, records: Sequence[PulledRecord],
                    page: _Page, tally: PullCounts, *, force: bool) -> None:
        rows = page.rows
        fresh = [r for r in records if force or r.id not in rows
                 or rows[r.id].system_modstamp != r.stamp]
        hosts: dict[str, str] = {}
        if fresh and state.sobject == "Account" and self._companies is not None:
            hosts, made = self._companies.accounts(fresh, rows, show=state.show_in_host)
            tally.created += made.created
            tally.updated += made.renamed
            tally.skipped += made.skipped
        if fresh and state.sobject != "Account":
            targets = {r.id for r in fresh} | {t for r in fresh for t in (
                r.master_record_id, r.converted_contact_id) if t}
            page.links = mirror.links_by_sf_id(self.session, self.models, self.tenant_id,
                                               targets)
            self._records(state, fresh, page, tally)
            record_history(self.session, self.models, page.history)
        for r in fresh:
            row = self._mirror(rows, r)
            if r.id in hosts:
                row.host_id = hosts[r.id]  # the host company this Account is
        if self._open_errors and fresh:
            # What applied now resolves the error-log entries an earlier pull left for it.
            errorlog.resolve_pull_entries(self.session, self.models, self.tenant_id,
                                          [r.id for r in fresh if r.id not in page.refused],
                                          utcnow())

    def _records(self, state: PullStateMixin, fresh: Sequence[PulledRecord], page: _Page,
                 tally: PullCounts) -> None:
        live = [r for r in fresh if not r.is_deleted and not r.is_converted]
        converted: list[Converted] = []
        for r in fresh:
            if r.merged:
                self._move(page, r, r.sobject, cast(str, r.master_record_id), "merged")
                tally.deleted += 1
            elif r.is_deleted:
                self._unlink(page, r)
                tally.deleted += 1
            elif r.is_converted and r.converted_contact_id:
                converted.append((r, [(link, link.agreed)
                                      for link in page.links.get(r.id, [])]))
                self._move(page, r, "Contact", r.converted_contact_id, "converted")
                tally.updated += 1
        if self._companies is not None:
            for r, host_id in self._companies.converted(converted):
                page.history.append(self._history(host_id, r, "update", "Pulled: company"))
        self._live(state, live, page, tally)

    def _move(self, page: _Page, r: PulledRecord, sobject: str, target: str, what: str) -> None:
        moving = page.links.pop(r.id, [])
        for link in moving:
            link.sobject, link.sf_id, link.fingerprint, link.agreed = sobject, target, None, None
            page.links.setdefault(target, []).append(link)
            page.history.append(self._history(link.host_id, r, what, f"now {sobject} {target}"))
            page.pulled.append((r.sobject, r.id, link.host_id, what))
        if not moving:
            # Contacts are read before Leads: a converted Lead's contact was linked to the new
            # Contact by its email earlier in this pull. Its history still says it was a
            # conversion (once: a later change of the Lead, such as a merge of its Contact,
            # is not one).
            for link in page.links.get(target, []):
                if link.host_id in self._relinked:
                    page.history.append(self._history(link.host_id, r, what,
                                                      f"now {sobject} {target}"))

    def _unlink(self, page: _Page, r: PulledRecord) -> None:
        for link in page.links.pop(r.id, []):
            # The mirror row keeps the contact: it shows "Deleted in Salesforce".
            self._mirror(page.rows, r).host_id = link.host_id
            self.session.delete(link)
            page.history.append(self._history(link.host_id, r, "deleted",
                                              "Deleted in Salesforce"))
            page.pulled.append((r.sobject, r.id, link.host_id, "deleted"))
            # The tenant's setting: flag the contact (as above), or delete it from the host.
            pulled_delete.apply_deleted(self.session, self.models, self.adapter, self.tenant_id,
                                        link.host_id, setting=self.ctx.row.pulled_delete,
                                        record=(r.sobject, r.id), deleted_at=r.stamp)

    # -- live records -------------------------------------------------------------------------

    def _live(self, state: PullStateMixin, live: Sequence[PulledRecord], page: _Page,
              tally: PullCounts) -> None:
        if not live:
            return
        linked = {r.id: page.links[r.id][0].host_id for r in live if page.links.get(r.id)}
        unlinked = [r for r in live if r.id not in linked]
        found = self._find(unlinked, page)
        host_ids = set(linked.values()) | {h for h in found.values() if h}
        contacts = {c["id"]: c for c in self.adapter.load_sync(
            self.session, self.tenant_id, sorted(host_ids))}
        host_links = mirror.links_of(self.session, self.models, self.tenant_id, host_ids)
        waiting = mirror.pending_changes(self.session, self.models, self.tenant_id, host_ids)
        contact_emails = mirror.live_contact_emails(
            self.session, self.models, self.tenant_id,
            [r.email for r in unlinked if r.sobject == "Lead" and r.email])
        if self._companies is not None:
            self._companies.prepare(live)
        for r in live:
            host_id = linked.get(r.id) or found.get(r.id)
            if host_id is not None and host_id not in contacts:
                host_id = None  # gone from the host since
            if host_id is None:
                if r.sobject == "Lead" and r.email in contact_emails:
                    tally.skipped += 1  # a Contact with this email wins
                elif state.show_in_host:
                    self._create(r, page, tally)
                else:
                    tally.skipped += 1
                continue
            link = host_links.get(host_id)
            if link is None or (link.sf_id != r.id and link.sobject == "Lead"
                                and r.sobject == "Contact"):
                link = self._link(link, host_id, r, page)
            if link.sf_id != r.id:
                self._mirror(page.rows, r).host_id = host_id
                tally.skipped += 1  # a second record for this contact: a potential duplicate
                continue
            self._mirror(page.rows, r).host_id = host_id
            self._update(link, contacts[host_id], r, waiting.get(host_id), page, tally)

    def _find(self, unlinked: Sequence[PulledRecord], page: _Page) -> dict[str, str | None]:
        """Salesforce id -> the host contact an unlinked record is (external ID, then email,
        then a mirror row that named one before it was deleted)."""
        out: dict[str, str | None] = {}
        for r in unlinked:
            ext = str(r.values.get(EXTERNAL_ID_FIELD) or "")
            row = page.rows.get(r.id)
            if ext.startswith(self.prefix):
                out[r.id] = ext[len(self.prefix):]
            elif row is not None and row.host_id:
                out[r.id] = row.host_id  # undeleted, or a duplicate seen before
        emails = {r.email for r in unlinked if r.id not in out and r.email}
        by_email = self.adapter.find_by_emails(self.session, self.tenant_id, emails) if (
            emails) else {}
        for r in unlinked:
            if r.id not in out and r.email and by_email.get(r.email):
                out[r.id] = by_email[r.email][0]
        return out

    def _link(self, link: SyncLinkMixin | None, host_id: str, r: PulledRecord,
              page: _Page) -> SyncLinkMixin:
        carried = None
        if link is None:
            link = cast(Any, self.models.SyncLink)(tenant_id=self.tenant_id, host_id=host_id)
            self.session.add(link)
        else:
            self._relinked.add(host_id)  # a Lead's link now on a Contact with its email
            if self._companies is not None:
                carried = carried_company(link.sobject, r.sobject, link.agreed)
        link.sobject, link.sf_id, link.fingerprint, link.agreed = r.sobject, r.id, None, carried
        page.links.setdefault(r.id, []).append(link)
        page.history.append(self._history(host_id, r, "linked", "Matched by email"))
        page.pulled.append((r.sobject, r.id, host_id, "linked"))
        return link

    def _update(self, link: SyncLinkMixin, contact: HostContact, r: PulledRecord,
                waiting: dt.datetime | None, page: _Page, tally: PullCounts) -> None:
        merge = merge_fields(
            r.sobject, r.values, cast(Mapping[str, Any], contact), link.agreed,
            sf_modified=r.last_modified, host_modified=waiting,
            writable=self.adapter.writable_keys,
        )
        link.agreed = merge.agreed
        company = self._company_step(r, contact, link.agreed, waiting)
        if company is not None:
            link.agreed = {**merge.agreed, **company.agreed}
        attach = company.attach if company is not None else None
        if not merge.to_host and attach is None:
            tally.skipped += 1
            return
        problems = self.adapter.value_problems(merge.to_host)
        if problems:
            self._refused(page, r, link.host_id, problems, tally)
            return
        host = cast(Mapping[str, Any], contact)
        changes = {k: (host.get(k), v) for k, v in merge.to_host.items()}
        after = cast(HostContact, {**contact, **merge.to_host})
        extra: dict[str, Any] = {}
        if attach is not None and self._companies is not None:
            extra = self._companies.extra(self._companies.resolve(attach))
            after = with_company(after, attach.name)
        before = self._fingerprint(contact, link)
        if not self.adapter.update_pulled(self.session, self.tenant_id, link.host_id, changes,
                                          extra=extra):
            tally.skipped += 1  # the host changed it meanwhile: its newer value stays
            return
        if waiting is None and link.fingerprint in (None, before):
            link.fingerprint = self._fingerprint(after, link)
        tally.updated += 1
        fields = ", ".join(sorted([*merge.to_host, *(["company"] if extra else [])]))
        page.history.append(self._history(link.host_id, r, "update", f"Pulled: {fields}"))
        page.pulled.append((r.sobject, r.id, link.host_id, "updated"))

    def _create(self, r: PulledRecord, page: _Page, tally: PullCounts) -> None:
        values = {key: r.values.get(name) for key, name in TWO_WAY[r.sobject].items()
                  if name in r.values and key in self.adapter.writable_keys}
        problems = self.adapter.value_problems(values)
        if problems:
            self._refused(page, r, None, problems, tally)
            return
        company = self._company_step(r, {}, None, None)
        extra: dict[str, Any] = {}
        if company is not None and company.attach is not None and self._companies is not None:
            extra = self._companies.extra(self._companies.resolve(company.attach))
        with self.session.no_autoflush:
            # One INSERT of the host's table: the links and mirror rows made so far need no
            # flush for it (they go in one batch with the page's commit, not one per record).
            host_id = self.adapter.create_pulled(self.session, self.tenant_id, values,
                                                 extra=extra)
        contact = cast(HostContact, {"id": host_id, **{k: v for k, v in values.items()
                                                       if v is not None}})
        if extra and company is not None and company.attach is not None:
            contact = with_company(contact, company.attach.name)
        agreed = {name: r.values.get(name) for name in TWO_WAY[r.sobject].values()
                  if name in r.values}
        link = cast(Any, self.models.SyncLink)(
            tenant_id=self.tenant_id, host_id=host_id, sobject=r.sobject, sf_id=r.id,
            agreed={**agreed, **(company.agreed if company is not None else {})},
        )
        link.fingerprint = self._fingerprint(contact, link)
        self.session.add(link)
        self._mirror(page.rows, r).host_id = host_id
        tally.created += 1
        page.history.append(self._history(host_id, r, "create", "Created from Salesforce"))
        page.pulled.append((r.sobject, r.id, host_id, "created"))

    def _refused(self, page: _Page, r: PulledRecord, host_id: str | None,
                 problems: Mapping[str, str], tally: PullCounts) -> None:
        """The record's open error-log entry (one per record: a pull that meets the same
        value again updates it), with what the host refused."""
        page.refused.add(r.id)
        errorlog.record_pull_failure(
            self.session, self.models, self.tenant_id, host_id=host_id or "",
            sobject=r.sobject, sf_id=r.id, code=HOST_REFUSED,
            message="; ".join(problems.values()), fields=", ".join(sorted(problems)),
            run_id=None if self._run is None else self._run.id,
        )
        tally.failed += 1

    # -- helpers ------------------------------------------------------------------------------

    def _company_step(self, r: PulledRecord, contact: Mapping[str, Any],
                      agreed: Mapping[str, Any] | None,
                      waiting: dt.datetime | None) -> CompanyStep | None:
        """The record's company (None: no company adapter, or its side was not read)."""
        if self._companies is None:
            return None
        return self._companies.step(r, contact, agreed, waiting)

    def _fingerprint(self, contact: HostContact, link: SyncLinkMixin) -> str | None:
        """What the push would compare for ``contact``: equal means nothing to send."""
        if self._schema is None:
            push = self.ctx.push
            self._schema = OrgSchema(self.ctx.describe.get(self.ctx.api, "Lead"),
                                     self.ctx.describe.get(self.ctx.api, "Contact"),
                                     push.external_id_field)
        host_id = str(contact["id"])
        drafts, _ = draft([contact], self.ctx.push, self._schema,
                          {host_id: Link(host_id, link.sobject, link.sf_id, None)}, {})
        return drafts[0].fingerprint if drafts else None

    def _mirror(self, rows: dict[str, MirrorRecordMixin], r: PulledRecord) -> MirrorRecordMixin:
        row = rows.get(r.id)
        if row is None:
            row = cast(Any, self.models.MirrorRecord)(tenant_id=self.tenant_id, sf_id=r.id)
            self.session.add(row)
            rows[r.id] = row
        row.sobject = r.sobject
        row.email = r.email
        row.values = dict(r.values)
        row.system_modstamp = r.stamp
        row.last_modified_at = r.last_modified
        row.last_modified_by = r.last_modified_by
        row.owner_id = r.owner_id
        row.account_id = r.account_id
        row.is_deleted = r.is_deleted
        row.is_converted = r.is_converted
        row.converted_contact_id = r.converted_contact_id
        row.converted_account_id = r.converted_account_id
        row.master_record_id = r.master_record_id
        row.pulled_at = utcnow()
        return row

    def _history(self, host_id: str, r: PulledRecord, action: str, detail: str) -> dict[str, Any]:
        return {"tenant_id": self.tenant_id, "host_id": host_id,
                "run_id": None if self._run is None else self._run.id,
                "status": "pulled", "action": action[:10], "sobject": r.sobject,
                "sf_id": r.id, "detail": detail}

    def _signal(self, pulled_: Sequence[tuple[str, str, str, str]]) -> None:
        if signals.record_pulled.receivers:
            for sobject, sf_id, host_id, action in pulled_:
                signals.send(signals.record_pulled, tenant_id=self.tenant_id, sobject=sobject,
                             record_id=sf_id, local_id=host_id, action=action)


def _mark(state: PullStateMixin) -> Watermark | None:
    if state.watermark_stamp is None:
        return None
    return Watermark(state.watermark_stamp, state.watermark_id or "")

