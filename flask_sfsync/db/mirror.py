"""The pull's tables: the mirror of pulled records, the watermark per object, and the links the
pull moves (conversions, merges, deletes). Every statement is scoped to one tenant."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

import sqlalchemy as sa

from ..host import SessionLike
from .bulk_insert import chunks
from .models import MirrorRecordMixin, Models, PullStateMixin, SyncLinkMixin

__all__ = [
    "PULLED_OBJECTS",
    "SCHEDULE_ROW",
    "MirrorRef",
    "duplicates_of",
    "links_by_sf_id",
    "links_of",
    "live_contact_emails",
    "mirror_by_host",
    "mirror_rows",
    "pending_changes",
    "pull_states",
    "read_pull_states",
    "schedule_note",
    "set_schedule_note",
    "set_show_in_host",
]

#: What the pull reads, in the order it applies them: a Contact is known before a Lead with
#: its email (the Contact wins), an Account before its Contacts.
PULLED_OBJECTS: tuple[str, ...] = ("Account", "Contact", "Lead")


def pull_states(session: SessionLike, models: Models, tenant_id: str) -> dict[str, PullStateMixin]:
    """The tenant's state of every pulled object (rows made on first use)."""
    model = models.PullState
    found = {
        row.sobject: row
        for row in session.scalars(sa.select(model).where(model.tenant_id == tenant_id))
    }
    for sobject in PULLED_OBJECTS:
        if sobject not in found:
            row = cast(Any, model)(
                tenant_id=tenant_id, sobject=sobject, show_in_host=False, created=0, updated=0,
                deleted=0, skipped=0, failed=0,
            )
            session.add(row)
            found[sobject] = row
    return found


def _rows_in(
    session: SessionLike, model: Any, tenant_id: str, column: Any, values: Collection[str]
) -> Iterator[Any]:
    """The tenant's rows of ``model`` whose ``column`` is among ``values`` (chunked: SQLite's
    bound-parameter limit)."""
    for chunk in chunks(sorted(set(values))):
        query = sa.select(model).where(model.tenant_id == tenant_id, column.in_(chunk))
        yield from session.scalars(query)


def mirror_rows(
    session: SessionLike, models: Models, tenant_id: str, sf_ids: Collection[str]
) -> dict[str, MirrorRecordMixin]:
    model = models.MirrorRecord
    return {row.sf_id: row for row in _rows_in(session, model, tenant_id, model.sf_id, sf_ids)}


def links_by_sf_id(
    session: SessionLike, models: Models, tenant_id: str, sf_ids: Collection[str]
) -> dict[str, list[SyncLinkMixin]]:
    """Salesforce id -> the links to it (several host contacts may share one record)."""
    model = models.SyncLink
    out: dict[str, list[SyncLinkMixin]] = {}
    for link in _rows_in(session, model, tenant_id, model.sf_id, sf_ids):
        out.setdefault(link.sf_id, []).append(link)
    return out


def links_of(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Collection[str]
) -> dict[str, SyncLinkMixin]:
    model = models.SyncLink
    return {link.host_id: link
            for link in _rows_in(session, model, tenant_id, model.host_id, host_ids)}


def pending_changes(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Collection[str]
) -> dict[str, datetime]:
    """host id -> when its newest change not yet pushed was made (its outbox row)."""
    t = models.OutboxEntry
    out: dict[str, datetime] = {}
    for chunk in chunks(sorted(set(host_ids))):
        query = (
            sa.select(t.host_id, sa.func.max(t.created_at))
            .where(t.tenant_id == tenant_id, t.host_id.in_(chunk))
            .group_by(t.host_id)
        )
        for host_id, when in session.execute(query):
            out[str(host_id)] = when
    return out


def live_contact_emails(
    session: SessionLike, models: Models, tenant_id: str, emails: Collection[str]
) -> set[str]:
    """Which of these (lower-cased) emails a live Salesforce Contact in the mirror has."""
    model = models.MirrorRecord
    found: set[str] = set()
    for chunk in chunks(sorted({e for e in emails if e})):
        query = sa.select(model.email).where(
            model.tenant_id == tenant_id, model.sobject == "Contact",
            model.is_deleted.is_(False), model.email.in_(chunk),
        )
        found.update(str(e) for e in session.scalars(query))
    return found


def duplicates_of(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    """host id -> its (object, id) in Salesforce when more than one live record names it:
    "Potential duplicate in Salesforce"."""
    model = models.MirrorRecord
    out: dict[str, list[tuple[str, str]]] = {}
    for chunk in chunks(sorted(set(host_ids))):
        query = sa.select(model.host_id, model.sobject, model.sf_id).where(
            model.tenant_id == tenant_id, model.host_id.in_(chunk),
            model.is_deleted.is_(False), model.is_converted.is_(False),
        ).order_by(model.host_id, model.sf_id)
        for host_id, sobject, sf_id in session.execute(query):
            out.setdefault(str(host_id), []).append((str(sobject), str(sf_id)))
    return {h: records for h, records in out.items() if len(records) > 1}


def read_pull_states(
    session: SessionLike, models: Models, tenant_id: str
) -> dict[str, PullStateMixin]:
    """The tenant's pull state rows that exist, by object; read only (a page or the status
    JSON must not insert: :func:`pull_states` makes the missing rows)."""
    model = models.PullState
    query = sa.select(model).where(model.tenant_id == tenant_id)
    return {row.sobject: row for row in session.scalars(query)}


def set_show_in_host(
    session: SessionLike, models: Models, tenant_id: str, sobject: str, on: bool
) -> None:
    """Turn "Show Salesforce <objects> in <app>" on or off for one object (not committed)."""
    if sobject not in PULLED_OBJECTS:
        raise ValueError(f"not a pulled object: {sobject!r}")
    pull_states(session, models, tenant_id)[sobject].show_in_host = on


class MirrorRef(NamedTuple):
    """A pulled record that names a host contact (for its sync state)."""

    sobject: str
    sf_id: str
    is_deleted: bool
    is_converted: bool


#: The objects whose mirror rows name a host contact (an Account's names a host company).
PERSON_OBJECTS = ("Lead", "Contact")


def mirror_by_host(
    session: SessionLike, models: Models, tenant_id: str, host_ids: Sequence[str]
) -> dict[str, list[MirrorRef]]:
    """host id -> every mirror row naming it (deleted and converted ones too), in one query
    per chunk of host ids: what "Deleted in Salesforce" and "Potential duplicate in
    Salesforce" are decided from."""
    model = models.MirrorRecord
    out: dict[str, list[MirrorRef]] = {}
    for chunk in chunks(sorted(set(host_ids))):
        query = sa.select(
            model.host_id, model.sobject, model.sf_id, model.is_deleted, model.is_converted
        ).where(
            model.tenant_id == tenant_id, model.host_id.in_(chunk),
            # An Account's row names a host *company* (whose id may equal a contact's).
            model.sobject.in_(PERSON_OBJECTS),
        ).order_by(
            model.host_id, model.sf_id
        )
        for host_id, sobject, sf_id, deleted, converted in session.execute(query):
            out.setdefault(str(host_id), []).append(
                MirrorRef(str(sobject), str(sf_id), bool(deleted), bool(converted))
            )
    return out


#: The pull-state row whose ``message`` says why the tenant's pulls are further apart than
#: its interval (the API budget runs low); not an object's state: no sObject's name has
#: parentheses.
SCHEDULE_ROW = "(schedule)"


def schedule_note(session: SessionLike, models: Models, tenant_id: str) -> str | None:
    """Why the tenant's next pull is later than its interval (None: it is not); read only."""
    row = session.get(models.PullState, (tenant_id, SCHEDULE_ROW))
    return row.message if row is not None else None


def set_schedule_note(
    session: SessionLike, models: Models, tenant_id: str, note: str | None
) -> None:
    """Record (or clear, ``None``) the schedule's note; not committed."""
    model = models.PullState
    row = session.get(model, (tenant_id, SCHEDULE_ROW))
    if row is None:
        if note is None:
            return
        row = cast(Any, model)(
            tenant_id=tenant_id, sobject=SCHEDULE_ROW, show_in_host=False, created=0,
            updated=0, deleted=0, skipped=0, failed=0,
        )
        session.add(row)
    row.message = note


def live_sf_ids(session: SessionLike, models: Models, tenant_id: str, sobject: str) -> set[str]:
    """The Salesforce ids of the tenant's mirror rows of ``sobject`` not known as deleted."""
    row = models.MirrorRecord
    return set(session.scalars(sa.select(row.sf_id).where(
        row.tenant_id == tenant_id, row.sobject == sobject, row.is_deleted.is_(False))))
