"""Planning a push page by page: what each page's contacts become.

:class:`PagePlanner` runs :mod:`.plan`'s steps (select, draft, finalize) around the lookups
they need, keeping what later pages can reuse: the org's describe, the matcher (which may
have read the org's whole email index on the first page), compiled mappings, and the
Accounts already found or created.

A Contact push's Accounts are looked up and created for many pages at once: drafts whose
company has no known Account wait until enough new names have gathered (or the push
ends: :meth:`PagePlanner.flush`), so paging does not multiply those calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote as urlquote

from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache, default_cache

from ..links import LinkStore
from ..mapping.mapper import Mapper
from ..owners import OwnerDirectory, default_directory
from ..records import HostContact
from .accounts import AccountResolution, resolve_accounts
from .matching import Candidate, Match, Matcher
from .plan import Draft, OrgSchema, Plan, draft, finalize, select
from .settings import PushAs, PushSettings

__all__ = ["ACCOUNTS_PATH", "ACCOUNT_NAMES", "AWAITING_MAX", "PagePlanner"]

# Contact push: new company names gathered before their Accounts are looked up and created
# (a query per 1,000 names, a create call per 200), or contacts waiting for them at most.
ACCOUNT_NAMES = 1000
AWAITING_MAX = 20_000
# Every Account, oldest first (one page: up to 2,000).
ACCOUNTS_PATH = "query?q=" + urlquote("SELECT Id, Name FROM Account ORDER BY Id", safe="")


class PagePlanner:
    def __init__(
        self,
        api: SalesforceApi,
        settings: PushSettings,
        link_store: LinkStore,
        *,
        describe: DescribeCache = default_cache,
        owners: OwnerDirectory = default_directory,
        expected: int = 0,
    ) -> None:
        self.api = api
        self.settings = settings
        self.link_store = link_store
        self.describe = describe
        self.owners = owners
        self.expected = expected
        self.accounts_created = 0
        self._schema: OrgSchema | None = None
        self._matcher: Matcher | None = None
        self._mappers: dict[str, Mapper] = {}
        self._accounts = AccountResolution()
        self._all_accounts_known = False  # the org's Accounts were read whole
        # Contact push: drafts waiting for their (new) company's Account, and those names.
        self._awaiting: list[Draft] = []
        self._awaiting_names: set[str] = set()

    @property
    def waiting(self) -> bool:
        """Drafts wait for their Accounts (:meth:`flush` plans them)."""
        return bool(self._awaiting)

    def flush(self) -> Plan:
        """The plan of every waiting draft (their Accounts resolved now)."""
        return self._finalize(self._with_accounts([], flush=True))

    def forget_waiting(self) -> None:
        """The push stopped: waiting drafts are planned again by the next push."""
        self._awaiting, self._awaiting_names = [], set()

    def plan(self, contacts: list[HostContact]) -> Plan:
        """A page's plan (``contacts`` is emptied); drafts waiting for Accounts are not
        in it yet."""
        settings = self.settings
        eligible, skips = select(contacts, settings)
        contacts.clear()
        if not eligible:
            return Plan(skips=skips)
        links = self.link_store.links_for([str(c["id"]) for c in eligible])
        unlinked = len(eligible) - len(links)
        first_pages = self._first_lookup(unlinked) if self._schema is None else None
        schema = self._org_schema()
        matcher = self._matcher_for(schema)
        matches: dict[str, Match] = {}
        if unlinked and not matcher.finds_nothing:
            candidates = [
                Candidate(
                    str(c["id"]),
                    settings.external_id(str(c["id"])),
                    (c.get("email") or "").strip() or None,
                )
                for c in eligible
                if str(c["id"]) not in links
            ]
            matches = matcher.find(candidates, first_pages=first_pages)
            del candidates
        drafts, unchanged = draft(eligible, settings, schema, links, matches,
                                  mappers=self._mappers)
        del eligible, links, matches
        plan = self._finalize(self._with_accounts(drafts))
        plan.skips = skips + unchanged
        return plan

    def _finalize(self, drafts: list[Draft]) -> Plan:
        if not drafts:
            return Plan()
        owner_ids = self.owners.resolve(self.api, (d.owner_email for d in drafts))
        return finalize(
            drafts,
            self.settings,
            self._org_schema(),
            owner_ids=owner_ids,
            account_ids=self._accounts.ids,
            account_errors=self._accounts.errors,
        )

    def _with_accounts(self, drafts: list[Draft], *, flush: bool = False) -> list[Draft]:
        """The drafts whose Account is known, now or (a Contact push) once enough new
        company names have gathered: Accounts are looked up and created together, one query
        per 1,000 names and one call per 200 new ones, however the contacts are paged."""
        if self.settings.push_as is not PushAs.CONTACT:
            return drafts
        known = self._accounts
        ready: list[Draft] = []
        for d in drafts:
            key = d.company.lower() if d.company else None
            if key is None or key in known.ids or key in known.errors:
                ready.append(d)
            else:
                self._awaiting.append(d)
                self._awaiting_names.add(key)
        if self._awaiting and (
            flush
            or len(self._awaiting_names) >= ACCOUNT_NAMES
            or len(self._awaiting) >= AWAITING_MAX
        ):
            waiting, self._awaiting, self._awaiting_names = self._awaiting, [], set()
            self._resolve_accounts(waiting)
            ready.extend(waiting)
        return ready

    def _first_lookup(self, unlinked: int) -> list[Any] | None:
        """The org's describes and, when matching will start by reading the org's email
        index, that index's first pages, in one Composite call instead of two.

        The index query names our external ID field before the describe says whether the
        org has it; when it has not, that query's answer is dropped and matching asks again
        (a second call, only then). Returns the index pages usable by the matcher.
        """
        sobjects = ("Lead", "Contact")
        describes = self.describe.missing(self.api, sobjects)
        ext = self.settings.external_id_field
        guess = Matcher(self.api, contact_ext_field=ext, lead_ext_field=ext,
                        expected=self.expected, sobjects=self.settings.match_objects)
        if not describes or not unlinked or not guess.will_scan(unlinked):
            return None
        # A large Contact push also reads the org's Accounts: when they fit in one page,
        # every company's Account is then known or to be created, with no lookup at all.
        accounts = [ACCOUNTS_PATH] if self.settings.push_as is PushAs.CONTACT else []
        answers = self.api.get_each(
            [f"sobjects/{s}/describe" for s in describes] + accounts + guess.scan_paths()
        )
        for sobject, (status, body) in zip(describes, answers, strict=False):
            if status >= 300:  # e.g. Lead hidden from this user: describe it the usual way
                return None
            self.describe.put(self.api, sobject, body)
        answers = answers[len(describes) :]
        if accounts:
            self._absorb_accounts(*answers[0])
            answers = answers[1:]
        scans = answers
        schema = self._org_schema()
        if any(status >= 300 for status, _ in scans) or (
            schema.ext_field("Contact"), schema.ext_field("Lead")
        ) != (ext, ext):
            return None
        return [body for _, body in scans]

    def _absorb_accounts(self, status: int, body: Any) -> None:
        """The org's Accounts, when one page held them all (the oldest of a name wins,
        as :func:`~.accounts.resolve_accounts` picks)."""
        if status >= 300 or not isinstance(body, dict) or not body.get("done", False):
            return
        for record in body.get("records") or ():
            self._accounts.ids.setdefault(str(record["Name"]).strip().lower(), str(record["Id"]))
        self._all_accounts_known = True

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
                sobjects=self.settings.match_objects,
            )
        return self._matcher

    def _resolve_accounts(self, drafts: Sequence[Draft]) -> None:
        """Accounts of these drafts' companies; names already resolved cost nothing."""
        known = self._accounts
        owner_ids = self.owners.resolve(self.api, (d.owner_email for d in drafts))
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
            found = resolve_accounts(self.api, names, owner_ids=account_owners,
                                     look_up=not self._all_accounts_known)
            known.ids.update(found.ids)
            known.errors.update(found.errors)
            known.created |= found.created
            self.accounts_created += len(found.created)
