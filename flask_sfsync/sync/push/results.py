"""What a push reports: one Outcome per host contact, and the totals; where outcomes go as
they happen (an :data:`OutcomeSink`)."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask_sfsync.salesforce.errors import RecordError, SalesforceFailure
from flask_sfsync.salesforce.writers import WriteResult

from ..links import Link
from .matching import MatchedBy
from .plan import Action, PlannedWrite, SkipReason

__all__ = [
    "GONE_CODES",
    "Outcome",
    "OutcomeSink",
    "OutcomeStatus",
    "PushReport",
    "link_is_stale",
    "outcome_of",
]

# What an update by Id of a record that is gone answers.
GONE_CODES = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"})


class OutcomeStatus(enum.Enum):
    PUSHED = "pushed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    host_id: str
    status: OutcomeStatus
    sobject: str | None = None  # what was (or would have been) written: Lead, Contact
    action: Action | None = None
    sf_id: str | None = None
    created: bool = False
    matched_by: MatchedBy | None = None
    skip_reason: SkipReason | None = None
    error: RecordError | None = None  # Salesforce's errorCode/message, verbatim


# Gets each chunk's outcomes as they happen (the Flask layer stores them and commits).
OutcomeSink = Callable[[Sequence[Outcome]], None]


def outcome_of(result: WriteResult, planned: PlannedWrite) -> Outcome:
    failed = result.error is not None
    return Outcome(
        planned.host_id,
        OutcomeStatus.FAILED if failed else OutcomeStatus.PUSHED,
        sobject=planned.sobject,
        action=planned.action,
        sf_id=planned.target_id if failed else result.id,
        created=result.created,
        matched_by=planned.matched_by,
        error=result.error,
    )


def link_is_stale(outcome: Outcome) -> bool:
    """The update went to a linked record that is gone: a new one is to be written."""
    return (
        outcome.matched_by is MatchedBy.LINK
        and outcome.error is not None
        and outcome.error.status_code in GONE_CODES
    )


@dataclass
class PushReport:
    outcomes: list[Outcome] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # saved through the LinkStore already
    api_calls: int = 0
    accounts_created: int = 0
    # Why the push stopped before every contact had an outcome (None: it did not).
    stopped: SalesforceFailure | None = None

    @property
    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter(o.status.value for o in self.outcomes)
        counts["created"] = sum(1 for o in self.outcomes if o.created)
        counts["updated"] = sum(
            1 for o in self.outcomes if o.status is OutcomeStatus.PUSHED and not o.created
        )
        return counts

    def of(self, status: OutcomeStatus) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is status]

    def outcome(self, host_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.host_id == host_id), None)
