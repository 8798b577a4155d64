"""The pull's host companies: Accounts become host companies, pulled contacts join theirs.

Used by :mod:`flask_sfsync.services.pull` when the host gave a
:class:`~flask_sfsync.host.CompanyAdapter` (``SFSync(company_adapter=...)``); without one the
pull leaves companies alone. Every lookup and write goes through that adapter, filtered on
the tenant: another tenant's company is never matched, renamed or attached.

Which host company an Account is: its mirror row's ``host_id`` (the push finds Accounts by
name and records that nowhere, so the pull keeps it there; mirror rows are tenant-scoped).

* An Account that is a host company renames it when Salesforce renamed it and the host still
  has the name the mirror had (compare-and-set on the name read: a host rename, before or
  during the pull, wins and stays). The contacts of a renamed company keep their push
  fingerprint in step, so the rename is not pushed back.
* An Account that is none yet is matched by its Website's domain, then by its name (trimmed,
  case-insensitive); with "Show Salesforce Accounts" on, one that matches nothing creates a
  host company (its name, its website's domain). A first match renames nothing.
* A contact's company is a two-way field compared by name
  (:func:`~flask_sfsync.sync.pull.merge.merge_company`): a Contact's is its Account's host
  company (else the Account's name), a Lead's its Company text. When Salesforce moved it, the
  contact joins the Account's company (matched or created as above, whatever the setting:
  the contact is in the host, its company comes with it), or for a Lead the host company of
  that name, else the one of its email's domain, else a new one. When the host moved it, the
  host keeps it.
* A Lead whose host contact has no company, and that names none itself, joins the host
  company whose domain is its email's (as Apollo does); public mail domains
  (:data:`~flask_sfsync.sync.pull.domains.PUBLIC_MAIL_DOMAINS`) never match.
* A converted Lead's contact joins the company of ``ConvertedAccountId`` by the same rule;
  when that Account is no host company yet, it becomes the contact's company.

The contact's company is written with the rest of the pulled values, in one Core UPDATE
(``ContactAdapter.update_pulled(..., extra={contact_attribute: id})``): nothing is queued to
be pushed back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from ..db import mirror
from ..db.models import MirrorRecordMixin, SyncLinkMixin
from ..host import CompanyAdapter
from ..sync import HostContact
from ..sync.pull import PulledRecord, same
from ..sync.pull.domains import company_domain, is_public, website_domain
from ..sync.pull.merge import COMPANY_FIELD, CompanyMerge, merge_company
from .context import SyncContext

__all__ = [
    "AccountCounts",
    "Attach",
    "CompanyStep",
    "Converted",
    "PullCompanies",
    "carried_company",
    "with_company",
]

#: What the push would compare for a contact on its link (``_Pull._fingerprint``).
Fingerprint = Callable[[HostContact, SyncLinkMixin], "str | None"]
#: A converted Lead and its links as they moved, each with the Lead's agreed values.
Converted = tuple[PulledRecord, Sequence[tuple[SyncLinkMixin, Mapping[str, Any] | None]]]


@dataclass
class AccountCounts:
    """What a page of Accounts did to the host's companies."""

    created: int = 0
    renamed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Attach:
    """The company a contact joins: ``company_id`` (None with ``create``: a new one; None
    without: no company at all), named ``name``."""

    company_id: str | None
    name: str | None
    #: (name, domain) of a host company to create first.
    create: tuple[str, str | None] | None = None
    #: An Account mirror row that is this company from now on.
    account: MirrorRecordMixin | None = None


@dataclass(frozen=True)
class CompanyStep:
    """One record's company after the three-way merge: its agreed values, and what to attach
    (None: the contact's company stays)."""

    agreed: dict[str, Any]
    attach: Attach | None


class PullCompanies:
    """The host-company half of one pull (one per :class:`~flask_sfsync.services.pull._Pull`).

    Per page of Contacts or Leads, :meth:`prepare` reads what the page's records need (their
    Accounts' mirror rows, the companies matching their names and domains) in a few queries;
    :meth:`step` then decides per record, :meth:`resolve` creates a company when one is due.
    """

    def __init__(self, ctx: SyncContext, companies: CompanyAdapter,
                 fingerprint: Fingerprint) -> None:
        self.session = ctx.session
        self.models = ctx.models
        self.tenant_id = ctx.tenant_id
        self.companies = companies
        self.contacts = ctx.adapter
        self.attribute = companies.contact_attribute
        self.placeholder = ctx.push.lead_company_placeholder
        self._fingerprint = fingerprint
        self._accounts: dict[str, MirrorRecordMixin] = {}
        self._names: dict[str, str] = {}  # company id -> its name in the host
        self._by_name: dict[str, str] = {}  # lower-cased name -> company id
        self._by_domain: dict[str, str] = {}  # domain -> company id

    # -- Accounts -----------------------------------------------------------------------------

    def accounts(self, fresh: Sequence[PulledRecord], rows: Mapping[str, MirrorRecordMixin],
                 *, show: bool) -> tuple[dict[str, str], AccountCounts]:
        """Apply a page of Accounts (``rows``: their mirror rows before this page); Account
        id -> the host company it is, to keep on its mirror row."""
        counts = AccountCounts()
        live = [r for r in fresh if not r.is_deleted]
        known = {r.id: rows[r.id].host_id for r in live if r.id in rows and rows[r.id].host_id}
        self._names = self.companies.names_of(self.session, self.tenant_id,
                                              {str(h) for h in known.values()})
        hosts: dict[str, str] = {}
        unmatched: list[PulledRecord] = []
        renamed: list[tuple[str, str, str]] = []
        for r in live:
            company_id = known.get(r.id)
            if company_id is None or company_id not in self._names:
                unmatched.append(r)  # never matched, or its company is gone from the host
                continue
            hosts[r.id] = company_id
            change = self._rename(company_id, rows[r.id], r)
            if change is None:
                counts.skipped += 1
            else:
                renamed.append(change)
                counts.renamed += 1
        self._lookup([r.company_name for r in unmatched],
                     [_account_domain(r.values) for r in unmatched])
        for r in unmatched:
            company_id = self._match(r.company_name, _account_domain(r.values))
            if company_id is None and show and r.company_name:
                company_id = self._create(r.company_name, _account_domain(r.values))
                counts.created += 1
            if company_id is None:
                counts.skipped += 1
            else:
                hosts[r.id] = company_id
        self._keep_fingerprints(renamed)
        return hosts, counts

    def _rename(self, company_id: str, row: MirrorRecordMixin,
                r: PulledRecord) -> tuple[str, str, str] | None:
        """Rename the host company when only Salesforce moved its name: (id, old, new)."""
        new, host = r.company_name, self._names[company_id]
        was = _text((row.values or {}).get("Name"))
        if new is None or was is None or same(new, was) or same(new, host):
            return None  # Salesforce did not rename it (or to the host's name already)
        if not _same_name(host, was):
            return None  # the host renamed it since: its name wins
        if not self.companies.rename(self.session, self.tenant_id, company_id, host, new):
            return None  # renamed in the host while we read: the host's name wins
        self._names[company_id] = new
        return company_id, host, new

    def _keep_fingerprints(self, renamed: Sequence[tuple[str, str, str]]) -> None:
        """A renamed company changes what its contacts push (a Lead's Company): where a link's
        fingerprint was that of the old name, it becomes that of the new one (the name came
        from Salesforce), unless the contact has a change waiting anyway."""
        if not renamed:
            return
        members = self.companies.contacts_of(self.session, self.tenant_id, self.contacts.model,
                                             [company_id for company_id, _, _ in renamed])
        host_ids = sorted({h for ids in members.values() for h in ids})
        links = mirror.links_of(self.session, self.models, self.tenant_id, host_ids)
        waiting = mirror.pending_changes(self.session, self.models, self.tenant_id, host_ids)
        contacts = {c["id"]: c for c in self.contacts.load_sync(self.session, self.tenant_id,
                                                                host_ids)}
        for company_id, old, new in renamed:
            for host_id in members.get(company_id, []):
                link, contact = links.get(host_id), contacts.get(host_id)
                if link is None or contact is None or link.fingerprint is None or (
                        host_id in waiting):
                    continue
                before = self._fingerprint(with_company(contact, old), link)
                if link.fingerprint == before:
                    link.fingerprint = self._fingerprint(with_company(contact, new), link)

    # -- Contacts and Leads -------------------------------------------------------------------

    def prepare(self, records: Sequence[PulledRecord]) -> None:
        """Read what :meth:`step` needs for this page's records."""
        account_ids = {a for r in records for a in (
            r.account_id if r.sobject == "Contact" else None, r.converted_account_id) if a}
        self._accounts = {
            sf_id: row for sf_id, row in mirror.mirror_rows(
                self.session, self.models, self.tenant_id, account_ids).items()
            if row.sobject == "Account"
        }
        self._names = self.companies.names_of(
            self.session, self.tenant_id,
            {str(row.host_id) for row in self._accounts.values() if row.host_id})
        loose = [row for row in self._accounts.values() if row.host_id not in self._names]
        names = [r.company_name for r in records if r.sobject == "Lead"]
        names += [_text((row.values or {}).get("Name")) for row in loose]
        domains = [company_domain(r.email) for r in records if r.sobject == "Lead"]
        domains += [_account_domain(row.values or {}) for row in loose]
        self._lookup(names, domains)

    def step(self, r: PulledRecord, contact: Mapping[str, Any], agreed: Mapping[str, Any] | None,
             waiting: datetime | None) -> CompanyStep | None:
        """The company of a linked (or new: ``contact`` empty) record; None when its
        Salesforce side was not read (a Contact's Account the pull cannot see)."""
        theirs = self._theirs(r)
        if theirs is _UNKNOWN:
            return None
        ours = _text(contact.get("company"))
        merge = merge_company(
            r.sobject, theirs, ours, agreed, sf_modified=r.last_modified, host_modified=waiting,
            placeholder=self.placeholder if r.sobject == "Lead" else None,
        )
        if merge.take:
            attach: Attach | None = self._target(r, merge)
        elif r.sobject == "Lead" and ours is None and merge.name is None:
            attach = self._by_email(r)  # nothing on either side: the email's domain says
        else:
            attach = None
        return CompanyStep(merge.agreed, _needed(attach, ours))

    def resolve(self, attach: Attach) -> str | None:
        """The id of the company to attach, created now when it is new."""
        company_id = attach.company_id
        if attach.create is not None:
            name, domain = attach.create
            company_id = self._by_name.get(name.lower()) or self._create(name, domain)
        if attach.account is not None and company_id is not None:
            attach.account.host_id = company_id
        return company_id

    def extra(self, company_id: str | None) -> dict[str, Any]:
        """``update_pulled``'s ``extra=`` that attaches a contact to ``company_id``."""
        return {self.attribute: None if company_id is None else self.companies.key(company_id)}

    def _theirs(self, r: PulledRecord) -> Any:
        """Salesforce's company name for ``r`` (None: none; :data:`_UNKNOWN`: not read)."""
        if r.sobject == "Lead":
            return r.company_name
        if r.sobject != "Contact":
            return _UNKNOWN
        if r.account_id is None:
            return None
        row = self._accounts.get(r.account_id)
        if row is None or row.is_deleted:
            return _UNKNOWN  # an Account the pull cannot see (sharing) or not pulled
        if row.host_id in self._names:
            return self._names[str(row.host_id)]
        return self._account_name(row.values or {})

    def _account_name(self, values: Mapping[str, Any]) -> str | None:
        """An Account's name; the push's placeholder is none: a Lead pushed without a company
        as "[not provided]" and converted made an Account of that name."""
        name = _text(values.get("Name"))
        return None if name is not None and _same_name(name, self.placeholder) else name

    def _target(self, r: PulledRecord, merge: CompanyMerge) -> Attach:
        if merge.name is None:
            return Attach(None, None)  # Salesforce took the company away
        if r.sobject == "Contact" and r.account_id is not None:
            return self._account_company(self._accounts[r.account_id])
        found = self._by_name.get(merge.name.lower())
        if found is None:
            domain = company_domain(r.email)
            found = self._by_domain.get(domain) if domain else None
        if found is not None:
            return Attach(found, self._names.get(found, merge.name))
        return Attach(None, merge.name, create=(merge.name, company_domain(r.email)))

    def _account_company(self, row: MirrorRecordMixin) -> Attach:
        """The host company an Account's mirror row is, matched or to be created."""
        if row.host_id in self._names:
            return Attach(str(row.host_id), self._names[str(row.host_id)])
        values = row.values or {}
        name, domain = self._account_name(values), _account_domain(values)
        found = self._match(name, domain)
        if found is not None:
            return Attach(found, self._names.get(found, name), account=row)
        return Attach(None, name, create=(name, domain) if name else None, account=row)

    def _by_email(self, r: PulledRecord) -> Attach | None:
        domain = company_domain(r.email)
        found = self._by_domain.get(domain) if domain else None
        return None if found is None else Attach(found, self._names.get(found))

    # -- converted Leads ----------------------------------------------------------------------

    def converted(self, moves: Sequence[Converted]) -> list[tuple[PulledRecord, str]]:
        """The contacts of converted Leads (each Lead with its links, moved to the Contact,
        and the Lead's agreed values of each) join their ``ConvertedAccountId``'s company;
        the (Lead, host id) of each contact attached."""
        moves = [(r, moved) for r, moved in moves if r.converted_account_id and moved]
        if not moves:
            return []
        self.prepare([r for r, _ in moves])
        host_ids = sorted({link.host_id for _, moved in moves for link, _ in moved})
        contacts = {c["id"]: c for c in self.contacts.load_sync(self.session, self.tenant_id,
                                                                host_ids)}
        waiting = mirror.pending_changes(self.session, self.models, self.tenant_id, host_ids)
        own = self.companies.of_contacts(self.session, self.tenant_id, self.contacts.model,
                                         host_ids)
        self._names.update(self.companies.names_of(self.session, self.tenant_id,
                                                   set(own.values()) - set(self._names)))
        attached: list[tuple[PulledRecord, str]] = []
        for r, moved in moves:
            row = self._accounts.get(str(r.converted_account_id))
            if row is None:
                continue  # not pulled: the Contact's own pull brings its Account
            self._adopt(row, r, [own[link.host_id] for link, _ in moved if link.host_id in own])
            for link, was in moved:
                contact = contacts.get(link.host_id)
                if contact is not None and self._join(row, r, link, contact, was,
                                                      waiting.get(link.host_id)):
                    attached.append((r, link.host_id))
        return attached

    def _adopt(self, row: MirrorRecordMixin, r: PulledRecord, theirs: Sequence[str]) -> None:
        """An Account the conversion made from the Lead's Company (same name) and no host
        company yet: the Lead's contact's company is that Account from now on."""
        if row.host_id in self._names or not theirs:
            return
        name = _text((row.values or {}).get("Name"))
        if name is not None and _same_name(name, r.company_name):
            row.host_id = theirs[0]

    def _join(self, row: MirrorRecordMixin, r: PulledRecord, link: SyncLinkMixin,
              contact: HostContact, was: Mapping[str, Any] | None,
              waiting: datetime | None) -> bool:
        """One converted contact joins its Account's company when only Salesforce moved (the
        Lead's agreed Company is what the Account's name is compared with)."""
        base = carried_company("Lead", "Contact", was)
        theirs = self._names.get(str(row.host_id)) or self._account_name(row.values or {})
        ours = _text(contact.get("company"))
        merge = merge_company("Contact", theirs, ours, base, sf_modified=r.last_modified,
                              host_modified=waiting)
        link.agreed = {**(link.agreed or {}), **merge.agreed}
        attach = _needed(self._account_company(row), ours) if merge.take else None
        if attach is None:
            return False
        company_id = self.resolve(attach)
        return self.contacts.update_pulled(self.session, self.tenant_id, link.host_id, {},
                                           extra=self.extra(company_id))

    # -- lookups ------------------------------------------------------------------------------

    def _lookup(self, names: Iterable[str | None], domains: Iterable[str | None]) -> None:
        """The tenant's companies of these names and domains, into the page's caches."""
        wanted_names = {n for n in names if n}
        wanted_domains = {d for d in domains if d}
        self._by_name = self.companies.find_by_names(self.session, self.tenant_id, wanted_names)
        # A host may keep "www.acme.com" for acme.com: both are asked for.
        hits = self.companies.find_by_domains(
            self.session, self.tenant_id,
            wanted_domains | {f"www.{d}" for d in wanted_domains})
        self._by_domain = {}
        for domain in sorted(hits, key=len):  # the bare form wins over "www."
            self._by_domain.setdefault(domain.removeprefix("www."), hits[domain])
        found = set(self._by_name.values()) | set(self._by_domain.values())
        self._names.update(self.companies.names_of(self.session, self.tenant_id,
                                                   found - set(self._names)))

    def _match(self, name: str | None, domain: str | None) -> str | None:
        """A looked-up company by domain, then by name."""
        if domain and domain in self._by_domain:
            return self._by_domain[domain]
        return self._by_name.get(name.lower()) if name else None

    def _create(self, name: str, domain: str | None) -> str:
        company_id = self.companies.create(self.session, self.tenant_id, name, domain)
        self._by_name[name.lower()] = company_id
        if domain:
            self._by_domain.setdefault(domain, company_id)
        self._names[company_id] = name
        return company_id


_UNKNOWN: Any = object()


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value else None


def _same_name(a: str | None, b: str | None) -> bool:
    """Names as they match (trimmed, case-insensitive): "ACME " is the Account "Acme"."""
    return same(a.casefold() if a else a, b.casefold() if b else b)


def _account_domain(values: Mapping[str, Any]) -> str | None:
    """An Account's domain from its Website (a public mail domain names no company)."""
    domain = website_domain(_text(values.get("Website")))
    return None if is_public(domain) else domain


def _needed(attach: Attach | None, ours: str | None) -> Attach | None:
    """``attach`` unless the contact is there already (by name, as the push sees it)."""
    if attach is None or (attach.name is None and ours is None):
        return None
    if attach.name is not None and same(attach.name, ours):
        return None
    return attach


def carried_company(was: str, now: str, agreed: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The agreed values a link keeps when it moves from a ``was`` record to a ``now`` one
    (a Contact wins over a Lead, a converted Lead's Contact): the Lead's agreed Company is
    what the Contact's Account is compared with, so an Account made from it, named as the
    Lead said, is no news about the contact's company."""
    lead_key, key = COMPANY_FIELD["Lead"], COMPANY_FIELD["Contact"]
    if was != "Lead" or now != "Contact" or not agreed or lead_key not in agreed:
        return None
    return {key: agreed[lead_key]}


def with_company(contact: HostContact, name: str | None) -> HostContact:
    """``contact`` as it reads once attached to the company ``name`` (None: to none)."""
    out: dict[str, Any] = {k: v for k, v in contact.items() if k != "company"}
    if name is not None:
        out["company"] = name
    return cast(HostContact, out)

