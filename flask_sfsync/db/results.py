"""Where a push's results go: the error log, per-contact history, run progress, signals.

:class:`OutcomeRecorder` is the sync core's ``on_outcomes`` sink. It writes with Core
statements in executemany form and commits after every chunk, so the progress bar moves and a
worker killed mid-push keeps everything it had already written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from .. import signals
from ..host import SessionLike
from ..sync import Action, Outcome, OutcomeStatus, SkipReason
from .bulk_insert import chunks, insert_many
from .models import Models, SyncRunMixin, table_of
from .types import utcnow

__all__ = ["OutcomeRecorder", "action_label"]

HISTORY_COLUMNS = (
    "tenant_id", "host_id", "run_id", "status", "action", "sobject", "sf_id", "detail",
    "created_at",
)


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
        models: Models,
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
        in_step = [o.host_id for o in pushed]
        for o in skipped:
            if o.skip_reason is SkipReason.UNCHANGED:
                # Its values are those Salesforce already has: a failure since is over.
                in_step.append(o.host_id)
                continue
            text = _SKIP_TEXT.get(o.skip_reason) if o.skip_reason else None
            history.append(self._history(o, "skipped", None, text, now))
        unchanged = len(in_step) - len(pushed)
        self._resolve(in_step, now)
        insert_many(
            self.session, table_of(self.models.SyncHistory), HISTORY_COLUMNS, history
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
                # A pull's entry is the pull's to resolve (its record applying), not a push's.
                model.action != "pull",
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
        t = table_of(self.models.SyncError)
        for chunk in chunks(list(host_ids)):
            self.session.execute(
                t.update()
                .where(
                    t.c.tenant_id == self.tenant_id,
                    t.c.resolved_at.is_(None),
                    t.c.host_id.in_(chunk),
                    t.c.action != "pull",
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
