"""The reviewers' queue: every record awaiting a decision (a pending incident, a pending change to a published
one, a pending official statement) in one list, oldest first, and the one way a decision on any of them is made."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.models.assessments import OfficialStatement
from reports.models.incidents import Incident
from reports.models.review import IncidentRevision, InvalidTransition, RevisionState
from reports.models.vocabulary import ReviewState

# How many of each kind one page of the queue shows; the counts say how many wait in all.
QUEUE_PAGE = 100

INCIDENT, CHANGE, STATEMENT = "incident", "change", "statement"
KIND_LABELS = {INCIDENT: _("New incident"), CHANGE: _("Change to a published incident"), STATEMENT: _("Statement")}

# The decisions a reviewer makes from the queue; a statement is approved or returned (it has no "rejected").
DECISIONS = {"approve": _("Approve"), "request_changes": _("Request changes"), "reject": _("Reject")}
STATEMENT_DECISIONS = ("approve", "request_changes")
# Every decision each kind of record takes, by any path (the admin retracts too): its model's method of that name.
DECIDED_BY = {OfficialStatement: (*STATEMENT_DECISIONS, "retract"), Incident: (*DECISIONS, "retract")}
COMMENT_NEEDED = {"request_changes": _("Say what needs to change."), "reject": _("Say why it is rejected.")}


@dataclass(frozen=True)
class QueueItem:
    kind: str
    record: object  # the Incident (for a change too) or the OfficialStatement
    author: object
    waiting_since: datetime.datetime
    revision: IncidentRevision | None = None

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def decisions(self):
        names = STATEMENT_DECISIONS if self.kind == STATEMENT else DECISIONS
        return {name: DECISIONS[name] for name in names}


def review_queue():
    """(items, counts): up to QUEUE_PAGE of each kind awaiting review, oldest first, and how many of each kind
    wait in all. A fixed number of queries, whatever the queue's length."""
    incidents = (
        Incident.objects.filter(review_state=ReviewState.PENDING)
        .select_related("submitted_by", "created_by")
        .order_by("submitted_at", "id")
    )
    changes = (
        IncidentRevision.objects.filter(state=RevisionState.PENDING, incident__review_state=ReviewState.PUBLISHED)
        .select_related("incident", "created_by")
        .order_by("updated_at", "id")
    )
    statements = OfficialStatement.objects.pending().select_related("assessor", "created_by").order_by("created_at")
    items = [
        *(
            QueueItem(INCIDENT, i, i.submitted_by or i.created_by, i.submitted_at or i.created_at)
            for i in incidents[:QUEUE_PAGE]
        ),
        *(QueueItem(CHANGE, r.incident, r.created_by, r.updated_at, r) for r in changes[:QUEUE_PAGE]),
        *(QueueItem(STATEMENT, s, s.created_by, s.created_at) for s in statements[:QUEUE_PAGE]),
    ]
    counts = {INCIDENT: incidents.count(), CHANGE: changes.count(), STATEMENT: statements.count()}
    return sorted(items, key=lambda item: item.waiting_since), counts


def decide(record, decision, by, comment="", override_reason="", seen=None):
    """Make `decision` on `record` (an incident, which decides its pending change if it has one, or a statement)
    through the record's own rules: the reviewer check, the four-eyes rule, the state, and for an approval that
    it is still what the reviewer saw (`seen`: see review_token()). Raises InvalidTransition when refused."""
    if decision not in DECIDED_BY[type(record)]:
        raise InvalidTransition(gettext("This record does not take that decision."))
    make = getattr(record, decision)
    if decision == "approve":
        return make(by, comment.strip(), override_reason=override_reason, seen=seen)
    return make(by, comment.strip(), override_reason=override_reason)
