"""The sync core's ``LinkStore`` over ``sfsync_links``: which Salesforce record a contact is."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from ..host import SessionLike
from ..sync import Link
from .bulk_insert import chunks, insert_many
from .models import Models, table_of
from .types import utcnow

__all__ = [
    "DbLinkStore",
    "HeldLink",
    "drop_links",
    "forget_links_not_of",
    "give_link",
    "held_links",
    "link_contact",
    "linked_counts",
    "linked_to",
]

LINK_COLUMNS = ("tenant_id", "host_id", "sobject", "sf_id", "fingerprint", "last_pushed_at")


class DbLinkStore:
    """``LinkStore`` over ``sfsync_links`` for one tenant.

    It remembers which host ids it found with or without a link (a push looks every contact
    up before it writes), so saving links after each chunk needs no query to tell inserts
    from updates. One store serves one push: nothing else writes this tenant's links then
    (the tenant's lock).
    """

    def __init__(self, session: SessionLike, models: Models, tenant_id: str) -> None:
        self.session = session
        self.models = models
        self.tenant_id = tenant_id
        self.table = table_of(models.SyncLink)
        #: Host ids that had a link when they were looked up (before this push wrote any).
        self.had_link: set[str] = set()
        self._exists: set[str] = set()  # a row is there (found, or inserted since)
        self._absent: set[str] = set()  # looked up, no row, none inserted since

    def links_for(self, host_ids: Sequence[str]) -> Mapping[str, Link]:
        t = self.table
        found: dict[str, Link] = {}
        for chunk in chunks(list(host_ids)):
            rows = self.session.execute(
                sa.select(t.c.host_id, t.c.sobject, t.c.sf_id, t.c.fingerprint).where(
                    t.c.tenant_id == self.tenant_id, t.c.host_id.in_(chunk)
                )
            )
            for host_id, sobject, sf_id, print_ in rows:
                found[host_id] = Link(host_id, sobject, sf_id, print_)
        for host_id in host_ids:
            if host_id in found:
                if host_id not in self._exists:
                    self.had_link.add(host_id)
                self._exists.add(host_id)
                self._absent.discard(host_id)
            elif host_id not in self._exists:
                self._absent.add(host_id)
        return found

    def save_links(self, links: Sequence[Link]) -> None:
        if not links:
            return
        t = self.table
        unknown = [
            k.host_id for k in links if k.host_id not in self._exists and k.host_id not in
            self._absent
        ]
        if unknown:
            self.links_for(unknown)
        now = utcnow()
        updates = [
            {"b_host": k.host_id, "sobject": k.sobject, "sf_id": k.sf_id,
             "fingerprint": k.fingerprint, "last_pushed_at": now}
            for k in links if k.host_id in self._exists
        ]
        inserts = [
            (self.tenant_id, k.host_id, k.sobject, k.sf_id, k.fingerprint, now)
            for k in links if k.host_id not in self._exists
        ]
        if updates:
            self.session.execute(
                t.update()
                .where(t.c.tenant_id == self.tenant_id, t.c.host_id == sa.bindparam("b_host"))
                .values(
                    sobject=sa.bindparam("sobject"),
                    sf_id=sa.bindparam("sf_id"),
                    fingerprint=sa.bindparam("fingerprint"),
                    last_pushed_at=sa.bindparam("last_pushed_at"),
                ),
                updates,
            )
        if inserts:
            insert_many(self.session, t, LINK_COLUMNS, inserts)
            for k in links:
                self._exists.add(k.host_id)
                self._absent.discard(k.host_id)

    def forget(self, host_ids: Sequence[str]) -> None:
        t = self.table
        for chunk in chunks(list(host_ids)):
            self.session.execute(
                t.delete().where(t.c.tenant_id == self.tenant_id, t.c.host_id.in_(chunk))
            )
        for host_id in host_ids:
            self._exists.discard(host_id)
            self._absent.add(host_id)


def linked_counts(session: SessionLike, models: Models, tenant_id: str) -> dict[str, int]:
    """How many of the tenant's contacts are linked, per Salesforce object."""
    link = models.SyncLink
    rows = session.execute(
        sa.select(link.sobject, sa.func.count()).where(link.tenant_id == tenant_id)
        .group_by(link.sobject)
    )
    return {str(sobject): int(count) for sobject, count in rows}


def forget_links_not_of(
    session: SessionLike, models: Models, tenant_id: str, sobject: str
) -> int:
    """Drop the tenant's links to records of another object than ``sobject`` (their records
    stay in Salesforce; the next push matches or creates ``sobject`` records). How many."""
    link = models.SyncLink
    result = session.execute(
        sa.delete(link).where(link.tenant_id == tenant_id, link.sobject != sobject)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def linked_to(
    session: SessionLike, models: Models, tenant_id: str, sf_ids: Sequence[str]
) -> dict[str, list[Link]]:
    """The tenant's links to these Salesforce records, by record id (a record may be the
    record of several contacts: a duplicate linked to it, see :func:`link_contact`)."""
    t = table_of(models.SyncLink)
    found: dict[str, list[Link]] = {}
    for chunk in chunks(list(dict.fromkeys(sf_ids))):
        rows = session.execute(
            sa.select(t.c.host_id, t.c.sobject, t.c.sf_id, t.c.fingerprint)
            .where(t.c.tenant_id == tenant_id, t.c.sf_id.in_(chunk))
            .order_by(t.c.id)
        )
        for host_id, sobject, sf_id, print_ in rows:
            found.setdefault(sf_id, []).append(Link(host_id, sobject, sf_id, print_))
    return found


def link_contact(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    host_id: str,
    sobject: str,
    sf_id: str,
    fingerprint: str | None,
) -> None:
    """Point the contact at this Salesforce record (its link replaced if it had one): a
    person chose the record, e.g. the existing record a duplicate rule matched. Its later
    pushes update that record. ``fingerprint``: what the contact's values push as now (None:
    its next push writes them)."""
    model = models.SyncLink
    link = session.scalar(
        sa.select(model).where(model.tenant_id == tenant_id, model.host_id == host_id)
    )
    if link is None:
        session.execute(sa.insert(table_of(model)).values(
            tenant_id=tenant_id, host_id=host_id, sobject=sobject, sf_id=sf_id,
            fingerprint=fingerprint, last_pushed_at=None,
        ))
        return
    link.sobject, link.sf_id, link.fingerprint = sobject, sf_id, fingerprint


class HeldLink(NamedTuple):
    """A contact's link as a host merge weighs it: which record, and when it was last pushed."""

    host_id: str
    sobject: str
    sf_id: str
    last_pushed_at: datetime | None


def held_links(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Collection[str]
) -> dict[str, HeldLink]:
    """host id -> its link, for those of ``host_ids`` the tenant has linked."""
    t = table_of(models.SyncLink)
    found: dict[str, HeldLink] = {}
    for chunk in chunks(sorted(set(host_ids))):
        rows = session.execute(
            sa.select(t.c.host_id, t.c.sobject, t.c.sf_id, t.c.last_pushed_at)
            .where(t.c.tenant_id == tenant_id, t.c.host_id.in_(chunk))
        )
        for host_id, sobject, sf_id, pushed_at in rows:
            found[str(host_id)] = HeldLink(str(host_id), str(sobject), str(sf_id), pushed_at)
    return found


def drop_links(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Collection[str]
) -> int:
    """Forget these contacts' links (their records stay in Salesforce as they are, and no
    push goes to them any more); how many."""
    t = table_of(models.SyncLink)
    dropped = 0
    for chunk in chunks(sorted(set(host_ids))):
        result = session.execute(
            t.delete().where(t.c.tenant_id == tenant_id, t.c.host_id.in_(chunk))
        )
        dropped += int(getattr(result, "rowcount", 0) or 0)
    return dropped


def give_link(
    session: SessionLike, models: Models, tenant_id: str, owner_id: str, to_id: str
) -> bool:
    """The link of ``owner_id`` becomes ``to_id``'s (``owner_id == to_id``: it stays), with
    its fingerprint forgotten, so the next push writes ``to_id``'s values to the record even
    when they hash as the old owner's did. ``agreed`` stays: the values the record and the
    host last agreed on are still the record's, so a pull sees ``to_id``'s differences as
    host changes (kept, pushed) rather than taking the record's values over them. ``to_id``
    must have no link of its own (drop it first: one link per contact). False: no link."""
    t = table_of(models.SyncLink)
    result = session.execute(
        t.update()
        .where(t.c.tenant_id == tenant_id, t.c.host_id == owner_id)
        .values(host_id=to_id, fingerprint=None)
    )
    return bool(getattr(result, "rowcount", 0))
