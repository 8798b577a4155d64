"""Reading the error log and each contact's sync history (the pages' queries).

The error log is written by :class:`~flask_sfsync.db.results.OutcomeRecorder`; here are the
reads (open entries, by Salesforce error code; one tenant's entry by id; a contact's history
and link) and what a person's fix writes: entries resolved without a push (a contact linked to
an existing Salesforce record) and their history rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa

from ..host import SessionLike
from .models import Models, SyncErrorMixin, SyncHistoryMixin, SyncLinkMixin, table_of
from .types import utcnow

__all__ = [
    "PULL",
    "code_counts",
    "contact_history",
    "entries",
    "error_host_ids",
    "open_error_count",
    "open_error_of",
    "own_entry",
    "pull_entries",
    "pushed_in_run",
    "record_history",
    "resolve",
    "skipped_in_run",
    "wait_for_run",
]

#: ``SyncError.action`` of an entry the pull wrote.
PULL = "pull"


def open_error_count(session: SessionLike, models: Models, tenant_id: str) -> int:
    model = models.SyncError
    query = sa.select(sa.func.count()).select_from(model).where(
        model.tenant_id == tenant_id, model.resolved_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def code_counts(
    session: SessionLike, models: Models, tenant_id: str, *, include_resolved: bool = False
) -> dict[str, int]:
    """How many entries per Salesforce error code (open ones only unless ``include_resolved``):
    the error log's groups are made of these (a few codes, whatever the number of entries)."""
    model = models.SyncError
    query = sa.select(model.error_code, sa.func.count()).where(model.tenant_id == tenant_id)
    if not include_resolved:
        query = query.where(model.resolved_at.is_(None))
    rows = session.execute(query.group_by(model.error_code))
    return {str(code): int(count) for code, count in rows}


def entries(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    *,
    include_resolved: bool,
    limit: int,
    codes: Sequence[str] | None = None,
) -> list[SyncErrorMixin]:
    """The newest entries first (open ones only unless ``include_resolved``; of these
    Salesforce error codes only, when ``codes`` is given)."""
    model = models.SyncError
    query = sa.select(model).where(model.tenant_id == tenant_id)
    if not include_resolved:
        query = query.where(model.resolved_at.is_(None))
    if codes is not None:
        query = query.where(model.error_code.in_(list(codes)))
    query = query.order_by(model.last_seen_at.desc(), model.id.desc()).limit(limit)
    return list(session.scalars(query))


def own_entry(
    session: SessionLike, models: Models, tenant_id: str, entry_id: int
) -> SyncErrorMixin | None:
    """The entry, if it is this tenant's (another tenant's id finds nothing)."""
    entry = session.get(models.SyncError, entry_id)
    return entry if entry is not None and entry.tenant_id == tenant_id else None


def error_host_ids(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    entry_ids: Sequence[int] | None,
    *,
    codes: Sequence[str] | None = None,
) -> list[str]:
    """The contacts of these open push entries (None: of every open one; ``codes``: of those
    with these error codes only), sorted. The pull's entries are not a contact to push."""
    model = models.SyncError
    query = sa.select(model.host_id).where(
        model.tenant_id == tenant_id, model.resolved_at.is_(None), model.action != PULL
    )
    if entry_ids is not None:
        query = query.where(model.id.in_(list(entry_ids)))
    if codes is not None:
        query = query.where(model.error_code.in_(list(codes)))
    return sorted(set(session.scalars(query)))


def pull_entries(
    session: SessionLike,
    models: Models,
    tenant_id: str,
    entry_ids: Sequence[int] | None,
    *,
    codes: Sequence[str] | None = None,
) -> list[SyncErrorMixin]:
    """These open entries of the pull that name a Salesforce record (None: every open one;
    ``codes``: of these error codes only), oldest first."""
    model = models.SyncError
    query = sa.select(model).where(
        model.tenant_id == tenant_id, model.resolved_at.is_(None), model.action == PULL,
        model.sf_id.is_not(None),
    )
    if entry_ids is not None:
        query = query.where(model.id.in_(list(entry_ids)))
    if codes is not None:
        query = query.where(model.error_code.in_(list(codes)))
    return list(session.scalars(query.order_by(model.id)))


def wait_for_run(
    session: SessionLike, models: Models, tenant_id: str, entry_ids: Sequence[int], run_id: int
) -> None:
    """These entries wait for run ``run_id`` (a queued Retry): the log shows them queued
    while it is active."""
    if entry_ids:
        model = models.SyncError
        session.execute(sa.update(model).where(
            model.tenant_id == tenant_id, model.id.in_(list(entry_ids))).values(run_id=run_id))


def resolve(session: SessionLike, models: Models, tenant_id: str, entry_ids: Sequence[int]) -> int:
    """Mark these open entries of the tenant resolved now (fixed without a push); how many."""
    model = models.SyncError
    result = session.execute(
        sa.update(model)
        .where(model.tenant_id == tenant_id, model.resolved_at.is_(None),
               model.id.in_(list(entry_ids)))
        .values(resolved_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def pushed_in_run(
    session: SessionLike, models: Models, run_id: int | None, host_ids: Sequence[str]
) -> set[str]:
    """Those of ``host_ids`` that run ``run_id`` pushed."""
    if run_id is None or not host_ids:
        return set()
    history = models.SyncHistory
    return set(session.scalars(
        sa.select(history.host_id).where(
            history.run_id == run_id, history.status == "pushed",
            history.host_id.in_(list(host_ids)),
        )
    ))


def open_error_of(
    session: SessionLike, models: Models, tenant_id: str, host_id: str
) -> SyncErrorMixin | None:
    model = models.SyncError
    return session.scalar(
        sa.select(model).where(
            model.tenant_id == tenant_id, model.host_id == host_id, model.resolved_at.is_(None)
        ).limit(1)
    )


def contact_history(
    session: SessionLike, models: Models, tenant_id: str, host_id: str, limit: int
) -> tuple[list[SyncHistoryMixin], SyncLinkMixin | None]:
    """The contact's newest history entries and its link to a Salesforce record."""
    history = models.SyncHistory
    link_model = models.SyncLink
    found = list(
        session.scalars(
            sa.select(history)
            .where(history.tenant_id == tenant_id, history.host_id == host_id)
            .order_by(history.id.desc())
            .limit(limit)
        )
    )
    link = session.scalar(
        sa.select(link_model).where(
            link_model.tenant_id == tenant_id, link_model.host_id == host_id
        )
    )
    return found, link


def skipped_in_run(
    session: SessionLike, models: Models, run_id: int, limit: int
) -> list[SyncHistoryMixin]:
    history = models.SyncHistory
    return list(
        session.scalars(
            sa.select(history)
            .where(history.run_id == run_id, history.status == "skipped")
            .order_by(history.id)
            .limit(limit)
        )
    )


def record_history(session: SessionLike, models: Models, rows: Sequence[dict[str, Any]]) -> None:
    """History rows written outside a push's recorder (deletes); ``created_at`` is now."""
    if rows:
        now = utcnow()
        session.execute(
            sa.insert(table_of(models.SyncHistory)),
            [{"created_at": now, **row} for row in rows],
        )


def has_open_pull_entries(session: SessionLike, models: Models, tenant_id: str) -> bool:
    """Whether any pull failure of the tenant is open (a pull then resolves what applies)."""
    error = models.SyncError
    return session.scalar(sa.select(sa.exists().where(
        error.tenant_id == tenant_id, error.action == "pull", error.resolved_at.is_(None)
    ))) is True


def resolve_pull_entries(
    session: SessionLike, models: Models, tenant_id: str, sf_ids: Sequence[str], when: Any
) -> None:
    """The open pull entries of these records are resolved (they applied). Not committed."""
    t = table_of(models.SyncError)
    for start in range(0, len(sf_ids), 500):
        session.execute(t.update().where(
            t.c.tenant_id == tenant_id, t.c.action == "pull", t.c.resolved_at.is_(None),
            t.c.sf_id.in_(sf_ids[start:start + 500]),
        ).values(resolved_at=when))


def record_pull_failure(
    session: SessionLike, models: Models, tenant_id: str, *, host_id: str, sobject: str,
    sf_id: str, code: str, message: str, fields: str, run_id: int | None,
) -> SyncErrorMixin:
    """The record's one open pull entry, created or updated (attempts counted). Not
    committed."""
    error = models.SyncError
    now = utcnow()
    entry = session.scalar(sa.select(error).where(
        error.tenant_id == tenant_id, error.action == "pull", error.sf_id == sf_id,
        error.resolved_at.is_(None)))
    if entry is None:
        entry = cast(Any, error)(tenant_id=tenant_id, action="pull", sf_id=sf_id,
                                 created_at=now, attempts=0)
        session.add(entry)
    entry.host_id = host_id
    entry.sobject = sobject
    entry.error_code = code
    entry.message = message
    entry.fields = fields[:255]
    entry.run_id = run_id
    entry.attempts = (entry.attempts or 0) + 1
    entry.last_seen_at = now
    return entry
