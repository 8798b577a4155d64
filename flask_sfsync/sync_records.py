"""Where a push's results go: links, the error log, per-contact history, run progress.

:class:`DbLinkStore` backs the sync core's ``LinkStore`` protocol with ``sfsync_links``;
:class:`OutcomeRecorder` is the core's ``on_outcomes`` sink. Both write with Core statements
in executemany form (a 100,000-contact push writes its links in a few statements per chunk)
and the recorder commits after every chunk, so the progress bar moves and a worker killed
mid-push keeps everything it had already written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from . import signals
from .models import utcnow
from .sync.links import Link
from .sync.plan import Action, SkipReason
from .sync.results import Outcome, OutcomeStatus
from .sync_models import SessionLike, SyncModels, SyncRunMixin

__all__ = ["DbLinkStore", "OutcomeRecorder", "action_label"]

_CHUNK = 900  # bound parameters per IN list (old SQLite builds allow 999)

LINK_COLUMNS = ("tenant_id", "host_id", "sobject", "sf_id", "fingerprint", "last_pushed_at")
HISTORY_COLUMNS = (
    "tenant_id", "host_id", "run_id", "status", "action", "sobject", "sf_id", "detail",
    "created_at",
)


def insert_many(
    session: SessionLike, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) with one driver ``executemany``.

    SQLAlchemy's own executemany processes every parameter of every row in Python, which
    was most of the time a 100,000-contact push spent storing its links and history. Here
    the statement is compiled once, and only columns whose type converts values (dates on
    SQLite, our ``UTCDateTime``) are converted: a value repeated from the previous row (the
    chunk's timestamp) is converted once.
    """
    if not rows:
        return
    conn = session.connection()
    sql, order, processors = _prepared(table, tuple(columns), conn.dialect)
    if any(processors):
        rows = _converted(rows, processors)
    params: list[Any]
    if order is None:
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    elif order == list(range(len(columns))):
        params = rows if isinstance(rows, list) else list(rows)
    else:
        params = [tuple(row[i] for i in order) for row in rows]
    conn.exec_driver_sql(sql, params)


_Prepared = tuple[str, list[int] | None, list[Any]]  # converters: Callable | None
_PREPARED: dict[tuple[int, tuple[str, ...], str], tuple[sa.Table, _Prepared]] = {}


def _prepared(table: sa.Table, columns: tuple[str, ...], dialect: sa.Dialect) -> _Prepared:
    """The statement, the parameter order (None: named parameters) and each column's
    converter, once per table, columns and dialect (compiling costs more than 200 rows)."""
    key = (id(table), columns, dialect.name)
    cached = _PREPARED.get(key)
    if cached is not None and cached[0] is table:
        return cached[1]
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    order = (
        [columns.index(name) for name in compiled.positiontup or ()]
        if compiled.positional else None
    )
    prepared: _Prepared = (compiled.string, order, processors)
    _PREPARED[key] = (table, prepared)
    return prepared


def _converted(
    rows: Sequence[Sequence[Any]], processors: Sequence[Callable[[Any], Any] | None]
) -> list[tuple[Any, ...]]:
    out = [tuple(row) for row in rows]
    for i, convert in enumerate(processors):
        if convert is None:
            continue
        first = out[0][i]
        if all(row[i] is first for row in out):  # one timestamp for the whole chunk
            value = convert(first)
            out = [(*row[:i], value, *row[i + 1 :]) for row in out]
        else:
            out = [(*row[:i], convert(row[i]), *row[i + 1 :]) for row in out]
    return out




def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


class DbLinkStore:
    """``LinkStore`` over ``sfsync_links`` for one tenant.

    It remembers which host ids it found with or without a link (a push looks every contact
    up before it writes), so saving links after each chunk needs no query to tell inserts
    from updates. One store serves one push: nothing else writes this tenant's links then
    (the tenant's lock).
    """

    def __init__(self, session: SessionLike, models: SyncModels, tenant_id: str) -> None:
        self.session = session
        self.models = models
        self.tenant_id = tenant_id
        self.table: sa.Table = getattr(models.SyncLink, "__table__")  # noqa: B009
        #: Host ids that had a link when they were looked up (before this push wrote any).
        self.had_link: set[str] = set()
        self._exists: set[str] = set()  # a row is there (found, or inserted since)
        self._absent: set[str] = set()  # looked up, no row, none inserted since

    def links_for(self, host_ids: Sequence[str]) -> Mapping[str, Link]:
        t = self.table
        found: dict[str, Link] = {}
        for chunk in _chunks(list(host_ids)):
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
        for chunk in _chunks(list(host_ids)):
            self.session.execute(
                t.delete().where(t.c.tenant_id == self.tenant_id, t.c.host_id.in_(chunk))
            )
        for host_id in host_ids:
            self._exists.discard(host_id)
            self._absent.add(host_id)


def action_label(outcome: Outcome, linked: bool) -> str:
    """What was attempted, in the error log's words: create, update."""
    if outcome.action is Action.CREATE or outcome.created:
        return "create"
    if outcome.action is Action.UPDATE or linked or outcome.matched_by is not None:
        return "update"
    return "create"


_SKIP_TEXT = {
    SkipReason.NO_EMAIL: "Skipped: no email address (Require email is on)",
    SkipReason.STAGE_NOT_PUSHED: "Skipped: its stage is not in the stages to push",
    SkipReason.UNCHANGED: "Unchanged since the last push",
}


class OutcomeRecorder:
    """The push's ``on_outcomes`` sink for one run."""

    def __init__(
        self,
        session: SessionLike,
        models: SyncModels,
        run: SyncRunMixin,
        linked: set[str],
    ) -> None:
        self.session = session
        self.models = models
        self.run = run
        self.tenant_id = run.tenant_id
        self.run_id = run.id
        self.linked = linked  # host ids that had a link before this push
        self._open_errors = self._has_open_errors()
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]

    def __call__(self, outcomes: Sequence[Outcome]) -> None:
        history: list[tuple[Any, ...]] = []
        pushed = [o for o in outcomes if o.status is OutcomeStatus.PUSHED]
        failed = [o for o in outcomes if o.status is OutcomeStatus.FAILED]
        skipped = [o for o in outcomes if o.status is OutcomeStatus.SKIPPED]
        now = utcnow()
        tenant, run_id, linked = self.tenant_id, self.run_id, self.linked
        history.extend(
            (tenant, o.host_id, run_id, "pushed", action_label(o, o.host_id in linked),
             o.sobject, o.sf_id, None, now)
            for o in pushed
        )
        for o in failed:
            action = self._action(o)
            detail = f"{o.error.status_code}: {o.error.message}" if o.error else None
            history.append(self._history(o, "failed", action, detail, now))
            self._log_error(o, action, now)
            self._open_errors = True
        unchanged = 0
        for o in skipped:
            if o.skip_reason is SkipReason.UNCHANGED:
                unchanged += 1
                continue
            text = _SKIP_TEXT.get(o.skip_reason) if o.skip_reason else None
            history.append(self._history(o, "skipped", None, text, now))
        self._resolve([o.host_id for o in pushed], now)
        insert_many(
            self.session, getattr(self.models.SyncHistory, "__table__"),  # noqa: B009
            HISTORY_COLUMNS, history,
        )
        run = self.run
        run.done += len(outcomes)
        run.pushed += len(pushed)
        run.failed += len(failed)
        run.skipped += len(skipped) - unchanged
        run.unchanged += unchanged
        self.session.commit()
        self._signal(pushed, failed)

    def _action(self, outcome: Outcome) -> str:
        return action_label(outcome, outcome.host_id in self.linked)

    def _history(
        self, o: Outcome, status: str, action: str | None, detail: str | None, now: Any
    ) -> tuple[Any, ...]:
        return (self.tenant_id, o.host_id, self.run_id, status, action, o.sobject, o.sf_id,
                detail, now)

    def _log_error(self, o: Outcome, action: str, now: Any) -> None:
        """One open entry per contact: a new failure updates it rather than piling up."""
        model = self.models.SyncError
        error = o.error
        code = error.status_code if error else "UNKNOWN_EXCEPTION"
        message = error.message if error else "Salesforce reported a failure without a reason"
        entry = self.session.scalar(
            sa.select(model).where(
                model.tenant_id == self.tenant_id,
                model.host_id == o.host_id,
                model.resolved_at.is_(None),
            )
        )
        if entry is None:
            entry = cast(Any, model)(
                tenant_id=self.tenant_id, host_id=o.host_id, created_at=now, attempts=0
            )
            self.session.add(entry)
        entry.run_id = self.run_id
        entry.action = action
        entry.sobject = o.sobject or "Lead"
        entry.sf_id = o.sf_id
        entry.error_code = code[:80]
        entry.message = message
        entry.fields = ", ".join(error.fields)[:255] if error and error.fields else None
        entry.duplicate_id = error.duplicate_ids[0] if error and error.duplicate_ids else None
        entry.attempts = (entry.attempts or 0) + 1
        entry.last_seen_at = now

    def _has_open_errors(self) -> bool:
        model = self.models.SyncError
        found = self.session.scalar(
            sa.select(model.id)
            .where(model.tenant_id == self.tenant_id, model.resolved_at.is_(None))
            .limit(1)
        )
        return found is not None

    def _resolve(self, host_ids: Sequence[str], now: Any) -> None:
        """A successful push resolves the contact's open error-log entries."""
        if not host_ids or not self._open_errors:
            return
        t: sa.Table = getattr(self.models.SyncError, "__table__")  # noqa: B009
        for chunk in _chunks(list(host_ids)):
            self.session.execute(
                t.update()
                .where(
                    t.c.tenant_id == self.tenant_id,
                    t.c.resolved_at.is_(None),
                    t.c.host_id.in_(chunk),
                )
                .values(resolved_at=now)
            )

    def _signal(self, pushed: Sequence[Outcome], failed: Sequence[Outcome]) -> None:
        if signals.record_pushed.receivers:
            for o in pushed:
                signals.record_pushed.send(
                    self.app, tenant_id=self.tenant_id, sobject=o.sobject, record_id=o.sf_id,
                    local_id=o.host_id, created=o.created,
                )
        if signals.record_failed.receivers:
            for o in failed:
                signals.record_failed.send(
                    self.app, tenant_id=self.tenant_id, sobject=o.sobject, local_id=o.host_id,
                    error_code=o.error.status_code if o.error else None,
                    message=o.error.message if o.error else None,
                )
