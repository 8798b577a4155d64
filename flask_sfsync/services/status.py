"""The push and pull status of a tenant as plain data: the Integrations page and its JSON
endpoint.

``run``/``last_full`` are push runs; the pull's runs are under ``pull`` (``pull.run``: the
active pull, else the last one; ``pull.running``), each in the words of its direction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..db import errorlog, mirror, runs, tenant_settings
from ..db.connections import connection_for
from ..db.models import Direction, RunKind, RunStatus, SyncRunMixin, SyncSettingsMixin
from ..host import SessionLike
from ..state import get_state

__all__ = [
    "PULL_KINDS",
    "PULL_SHOWN",
    "pull_run_dict",
    "pull_status",
    "pull_summary",
    "run_dict",
    "sync_status",
]

#: The pulled objects in the order the pages show them.
PULL_SHOWN: tuple[str, ...] = ("Lead", "Contact", "Account")
_PULL_COUNTS = runs.PULL_COUNTS
#: What each kind of pull run is, in a person's words.
PULL_KINDS = {
    RunKind.FULL.value: "Every record (Pull now)",
    RunKind.AUTO.value: "Changes since the last pull",
    RunKind.RETRY.value: "Records retried from the error log",
}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def run_dict(
    run: SyncRunMixin | None, paused_until: datetime | None = None
) -> dict[str, Any] | None:
    """The run as JSON; ``paused_until``: the connection's pause, shown on a paused run."""
    if run is None:
        return None
    done = min(run.done, run.total) if run.total else run.done
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "active": run.active,
        "total": run.total,
        "done": done,
        "percent": run.percent,
        "pushed": run.pushed,
        "skipped": run.skipped,
        "unchanged": run.unchanged,
        "failed": run.failed,
        "api_calls": run.api_calls,
        "message": run.message,
        "phase": run.phase if run.status == RunStatus.RUNNING else None,
        "summary": summary(run),
        "outcome": outcome(run),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "paused_until": _iso(paused_until) if run.status == RunStatus.PAUSED else None,
    }


def outcome(run: SyncRunMixin) -> str:
    """How a run ended, for its colour: "running" (not yet), "clean", "failures", "stopped"."""
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED):
        return "running"
    if run.status == RunStatus.STOPPED:
        return "stopped"
    return "failures" if run.failed else "clean"


def summary(run: SyncRunMixin) -> str:
    """One line a person reads, e.g. "Finished with 3 failures: 248 pushed, 2 unchanged,
    1 skipped, 3 failed." A queued or running run says what it is doing."""
    counts = (
        f"{run.pushed} pushed, {run.unchanged} unchanged, {run.skipped} skipped, "
        f"{run.failed} failed"
    )
    if run.status == RunStatus.QUEUED:
        return "Waiting for a worker to start it."
    if run.status == RunStatus.RUNNING:
        doing = {
            "reading": "Reading your contacts", "matching": "Matching them with Salesforce",
            "writing": "Writing to Salesforce", "recording": "Recording the results",
        }.get(run.phase or "", "Working")
        return f"{doing}: {min(run.done, run.total) if run.total else run.done} of {run.total}."
    return _ended(run, counts, "the sync could not go on")


def pull_run_dict(run: SyncRunMixin | None) -> dict[str, Any] | None:
    """A pull run as JSON: records read (``done`` of ``total``, 0: not known), the object
    being read (``phase``), the counts."""
    if run is None:
        return None
    return {
        "id": run.id,
        "kind": run.kind,
        "label": PULL_KINDS.get(run.kind, run.kind),
        "status": run.status,
        "active": run.active,
        "total": run.total,
        "done": run.done,
        "percent": run.percent if run.total else None,
        "counts": runs.pull_counts(run),
        "message": run.message,
        "phase": run.phase if run.status == RunStatus.RUNNING else None,
        "summary": pull_summary(run),
        "outcome": outcome(run),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
    }


def _records(n: int) -> str:
    return f"{n:,} record{'' if n == 1 else 's'}"


def pull_summary(run: SyncRunMixin) -> str:
    """One line on a pull run, e.g. "Reading Leads: 1,200 of 5,000 records." or "Finished: 3
    created, 2 updated, 0 deleted, 40 skipped, 0 failed."."""
    c = runs.pull_counts(run)
    counts = ", ".join(f"{c[name]:,} {name}" for name in _PULL_COUNTS)
    if run.status == RunStatus.QUEUED:
        return "Waiting for a worker to start it."
    if run.status == RunStatus.RUNNING:
        doing = f"Reading {run.phase}s" if run.phase else "Reading Salesforce"
        if run.total:
            return f"{doing}: {min(run.done, run.total):,} of {_records(run.total)}."
        return f"{doing}: {_records(run.done)} so far."
    return _ended(run, counts, "the pull could not go on")


def _ended(run: SyncRunMixin, counts: str, stopped: str) -> str:
    """A push's or a pull's summary once it is no longer queued or running."""
    if run.status == RunStatus.PAUSED:
        return f"Paused: {(run.message or 'it resumes by itself').rstrip('.')}. So far {counts}."
    if run.status == RunStatus.STOPPED:
        return f"Stopped: {(run.message or stopped).rstrip('.')}. So far {counts}."
    if run.failed:
        plural = "s" if run.failed != 1 else ""
        return f"Finished with {run.failed} failure{plural}: {counts}."
    return f"Finished: {counts}."


def sync_status(tenant_id: str) -> dict[str, Any]:
    """Everything the progress panel shows; polled while a sync runs."""
    state = get_state()
    session, models = state.db.session, state.models
    # Runs first: a run's end and the connection's last sync are committed together, but each
    # SELECT may see newer data than the one before (SQLite runs reads outside a snapshot),
    # so the connection read after a finished run always shows that run's last sync.
    running = runs.active_run(session, models, tenant_id)
    latest = runs.last_run(session, models, tenant_id)
    last_full = runs.last_run(session, models, tenant_id, RunKind.FULL)
    conn = connection_for(session, models, tenant_id)
    row = tenant_settings.settings_for(session, models, tenant_id)
    paused_until = tenant_settings.active_pause(row)
    return {
        "connection": conn.status if conn is not None else "none",
        "settings_saved": bool(row is not None and row.saved),
        "auto_sync": bool(row is not None and row.saved and row.auto_sync),
        "syncing": running is not None,
        "run": run_dict(running or latest, paused_until),
        "last_full": run_dict(last_full),
        "last_sync_at": _iso(conn.last_sync_at) if conn is not None else None,
        "paused_until": _iso(paused_until),
        "pause_reason": row.pause_reason if row is not None and paused_until else None,
        "open_errors": errorlog.open_error_count(session, models, tenant_id),
        "pull": _pull(session, tenant_id, row),
    }


def pull_status(tenant_id: str) -> dict[str, Any]:
    """The pull as plain data (also ``sync_status(...)["pull"]``): the interval the tenant's
    pulls use (``interval``, seconds; 0: only when asked), ``next_pull_at``, why that is later
    than the interval (``schedule_note``: the API budget runs low; None), and per object
    (``objects``, in :data:`PULL_SHOWN` order) its setting, last pull and that pull's counts."""
    state = get_state()
    row = tenant_settings.settings_for(state.db.session, state.models, tenant_id)
    return _pull(state.db.session, tenant_id, row)


def _pull(session: SessionLike, tenant_id: str, row: SyncSettingsMixin | None) -> dict[str, Any]:
    state = get_state()
    # The run first (as the push's): an object's counts are committed with the run's page.
    active = runs.active_run(session, state.models, tenant_id, None, Direction.PULL)
    run = active or runs.last_run(session, state.models, tenant_id, None, Direction.PULL)
    rows = mirror.read_pull_states(session, state.models, tenant_id)
    custom = row.pull_interval if row is not None else None
    # The tenant's own interval, 0 included (only when asked); None follows the default.
    interval = tenant_settings.pull_interval_of(row, state.settings.pull_interval)
    objects = []
    for sobject in PULL_SHOWN:
        found = rows.get(sobject)
        pulled_at = found.last_pull_at if found is not None else None
        objects.append({
            "sobject": sobject,
            "show_in_host": bool(found is not None and found.show_in_host),
            "last_pull_at": _iso(pulled_at),
            "counts": (
                {name: int(getattr(found, name) or 0) for name in _PULL_COUNTS}
                if found is not None and pulled_at is not None else None
            ),
            "message": found.message if found is not None else None,
            "progress": _progress(sobject, pulled_at, active),
        })
    return {
        "running": active is not None and active.status == RunStatus.RUNNING,
        "run": pull_run_dict(run),
        "interval": interval,
        "custom_interval": custom,
        "next_pull_at": (
            _iso(row.next_pull_at) if row is not None and interval > 0 else None
        ),
        # Why the next pull is later than the interval (the API budget runs low), or None.
        "schedule_note": (
            mirror.schedule_note(session, state.models, tenant_id) if interval > 0 else None
        ),
        "objects": objects,
    }


def _progress(
    sobject: str, pulled_at: datetime | None, active: SyncRunMixin | None
) -> str | None:
    """Where a running pull is with ``sobject``: "reading", "done" (pulled in this run),
    "waiting"; None when no pull runs."""
    if active is None or active.status != RunStatus.RUNNING:
        return None
    if active.phase == sobject:
        return "reading"
    started = active.started_at
    if pulled_at is not None and started is not None and _aware(pulled_at) >= _aware(started):
        return "done"
    return "waiting"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
