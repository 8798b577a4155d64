"""What a push reports: one Outcome per host contact, and the totals."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from flask_sfsync.salesforce.errors import RecordError, SalesforceFailure

from .links import Link
from .matching import MatchedBy
from .plan import Action, SkipReason

__all__ = ["Outcome", "OutcomeStatus", "PushReport"]


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
