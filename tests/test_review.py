"""The review workflow on the model: every transition, valid and invalid; the four-eyes rule and its recorded
override; decisions written with the state change; pending changes to published incidents."""

import pytest

from reports.models import (
    Incident,
    IncidentRevision,
    InvalidTransition,
    ReviewDecision,
    ReviewState,
    RevisionState,
)
from tests.factories import make_assessment, make_incident, make_source, proposed_change

pytestmark = pytest.mark.django_db

DECISIONS = ["approve", "request_changes", "reject"]


def pending_by(author, **fields):
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=author, last_edited_by=author, **fields)
    make_source(incident)
    make_assessment(incident)
    incident.submit(by=author)
    return incident


def reloaded(incident):
    return Incident.objects.get(pk=incident.pk)


# --- Transitions -------------------------------------------------------------------------------------------


def test_approving_publishes_and_records_who_and_when(analyst, reviewer):
    incident = pending_by(analyst)
    incident.approve(reviewer, "Sources check out")
    incident = reloaded(incident)
    assert incident.review_state == ReviewState.PUBLISHED
    assert incident.published_by == reviewer
    assert incident.published_at is not None
    decision = incident.decisions.last()
    assert (decision.from_state, decision.to_state, decision.decided_by, decision.comment) == (
        ReviewState.PENDING,
        ReviewState.PUBLISHED,
        reviewer,
        "Sources check out",
    )
    assert Incident.objects.published().filter(pk=incident.pk).exists()


def test_submitting_records_who_and_when(analyst):
    incident = reloaded(pending_by(analyst))
    assert incident.review_state == ReviewState.PENDING
    assert incident.submitted_by == analyst
    assert incident.submitted_at is not None


def test_returned_incident_goes_back_to_its_author_and_can_be_resubmitted(analyst, reviewer):
    incident = pending_by(analyst)
    incident.request_changes(reviewer, "Add the second source")
    assert reloaded(incident).review_state == ReviewState.CHANGES_REQUESTED
    assert reloaded(incident).can_edit(analyst)
    incident.submit(by=analyst)
    assert reloaded(incident).review_state == ReviewState.PENDING
    assert [d.to_state for d in incident.decisions.all()] == [
        ReviewState.PENDING,
        ReviewState.CHANGES_REQUESTED,
        ReviewState.PENDING,
    ]


def test_rejecting_is_final_and_private(analyst, reviewer):
    incident = pending_by(analyst)
    incident.reject(reviewer, "Same event as CS1548")
    assert reloaded(incident).review_state == ReviewState.REJECTED
    assert not Incident.objects.published().filter(pk=incident.pk).exists()
    with pytest.raises(InvalidTransition):
        reloaded(incident).submit(by=analyst)


def test_retracting_takes_a_published_incident_off_the_public_pages(analyst, reviewer):
    incident = pending_by(analyst)
    incident.approve(reviewer)
    incident.retract(reviewer, "The source was fabricated")
    incident = reloaded(incident)
    assert incident.review_state == ReviewState.RETRACTED
    assert not Incident.objects.published().filter(pk=incident.pk).exists()
    assert Incident.objects.visible_to(reviewer).filter(pk=incident.pk).exists()
    assert incident.decisions.last().comment == "The source was fabricated"


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
def test_returning_and_rejecting_need_a_comment(analyst, reviewer, decision):
    incident = pending_by(analyst)
    with pytest.raises(InvalidTransition, match="Say"):
        getattr(incident, decision)(reviewer, "  ")
    assert reloaded(incident).review_state == ReviewState.PENDING


def test_retracting_needs_a_reason(reviewer):
    incident = make_incident()
    with pytest.raises(InvalidTransition, match="retracted"):
        incident.retract(reviewer, "")
    assert reloaded(incident).is_published


@pytest.mark.parametrize("state", [ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED, ReviewState.REJECTED])
@pytest.mark.parametrize("decision", DECISIONS)
def test_only_pending_incidents_are_decided(analyst, reviewer, state, decision):
    incident = make_incident(review_state=state, created_by=analyst)
    with pytest.raises(InvalidTransition):
        getattr(incident, decision)(reviewer, "A comment")
    assert reloaded(incident).review_state == state
    assert not ReviewDecision.objects.exists()


@pytest.mark.parametrize("state", [ReviewState.DRAFT, ReviewState.PENDING, ReviewState.RETRACTED])
def test_only_published_incidents_are_retracted(reviewer, state):
    incident = make_incident(review_state=state)
    with pytest.raises(InvalidTransition):
        incident.retract(reviewer, "Wrong")
    assert reloaded(incident).review_state == state


def test_a_published_incident_without_a_pending_change_has_nothing_to_approve(reviewer):
    with pytest.raises(InvalidTransition):
        make_incident().approve(reviewer)


def test_a_decision_made_on_a_stale_copy_is_refused(analyst, reviewer):
    incident = pending_by(analyst)
    stale = reloaded(incident)
    incident.approve(reviewer)
    with pytest.raises(InvalidTransition):
        stale.reject(reviewer, "Too late")
    assert ReviewDecision.objects.filter(to_state=ReviewState.REJECTED).count() == 0


@pytest.mark.parametrize("decision", DECISIONS + ["retract"])
def test_analysts_cannot_decide(analyst, other_analyst, decision):
    incident = pending_by(other_analyst) if decision != "retract" else make_incident()
    with pytest.raises(InvalidTransition, match="Only reviewers"):
        getattr(incident, decision)(analyst, "A comment")


# --- Four eyes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", DECISIONS)
def test_nobody_decides_on_an_incident_they_created(reviewer, decision):
    incident = pending_by(reviewer)
    assert "another reviewer" in incident.review_refusal(reviewer, decision)
    with pytest.raises(InvalidTransition, match="another reviewer"):
        getattr(incident, decision)(reviewer, "A comment")
    assert reloaded(incident).review_state == ReviewState.PENDING


def test_nobody_approves_an_incident_they_edited_last(analyst, reviewer, second_reviewer):
    incident = pending_by(analyst)
    incident.last_edited_by = reviewer  # e.g. a fix made in the admin before approving
    incident.save()
    with pytest.raises(InvalidTransition):
        incident.approve(reviewer)
    incident.approve(second_reviewer)
    assert reloaded(incident).is_published


def test_admins_too_unless_they_override_with_a_recorded_reason(admin_user):
    incident = pending_by(admin_user)
    with pytest.raises(InvalidTransition):
        incident.approve(admin_user)
    incident.approve(admin_user, "Publishing", override_reason="Sole admin on duty during the outage")
    assert reloaded(incident).is_published
    assert incident.decisions.last().override_reason == "Sole admin on duty during the outage"


def test_reviewers_cannot_override(reviewer):
    incident = pending_by(reviewer)
    with pytest.raises(InvalidTransition):
        incident.approve(reviewer, override_reason="I checked it twice")


# --- Pending changes to published incidents -----------------------------------------------------------------


def propose(incident, by, **changes):
    return incident.propose_revision(
        proposed_change(incident, **changes), incident.version, by=by, reason="Better title"
    )


def test_approving_a_change_applies_it_attributed_to_its_author(analyst, other_analyst, reviewer):
    incident = make_incident(title="Old title", created_by=other_analyst)
    revision = propose(incident, analyst, title="New title")
    assert reloaded(incident).title == "Old title"  # readers still see the published record
    incident.approve(reviewer, "Fine")
    incident = reloaded(incident)
    assert incident.title == "New title"
    assert incident.is_published
    assert incident.last_edited_by == analyst
    assert incident.history.latest().history_user == analyst
    revision.refresh_from_db()
    assert revision.state == RevisionState.APPROVED
    decision = incident.decisions.last()
    assert (decision.revision, decision.decided_by, decision.to_state) == (revision, reviewer, ReviewState.PUBLISHED)


def test_nobody_approves_their_own_change(reviewer):
    incident = make_incident()
    propose(incident, reviewer, title="Mine")
    with pytest.raises(InvalidTransition, match="another reviewer"):
        incident.approve(reviewer)
    assert reloaded(incident).title != "Mine"


def test_a_returned_change_goes_back_to_its_author(analyst, reviewer):
    incident = make_incident()
    revision = propose(incident, analyst, title="Typo'd titel")
    incident.request_changes(reviewer, "Spelling")
    revision.refresh_from_db()
    assert revision.state == RevisionState.CHANGES_REQUESTED
    assert reloaded(incident).review_state == ReviewState.PUBLISHED
    propose(incident, analyst, title="Typo fixed")  # the author edits it again: back to pending
    revision.refresh_from_db()
    assert revision.state == RevisionState.PENDING


def test_a_rejected_change_is_closed_and_changes_nothing(analyst, reviewer):
    incident = make_incident(title="Kept")
    revision = propose(incident, analyst, title="Dropped")
    incident.reject(reviewer, "Not supported by the sources")
    revision.refresh_from_db()
    assert revision.state == RevisionState.REJECTED
    assert reloaded(incident).title == "Kept"
    assert incident.open_revision() is None


def test_a_change_made_on_an_older_version_is_not_applied_over_newer_work(analyst, reviewer):
    incident = make_incident(title="Original")
    propose(incident, analyst, title="From the analyst")
    Incident.objects.filter(pk=incident.pk).update(version=incident.version + 1)  # someone saved since
    with pytest.raises(InvalidTransition, match="edited after this change was proposed"):
        incident.approve(reviewer)
    assert reloaded(incident).title == "Original"
    assert IncidentRevision.objects.get().state == RevisionState.PENDING


def test_nobody_retracts_their_own_incident_without_a_recorded_override(reviewer, admin_user):
    incident = make_incident(created_by=reviewer)
    with pytest.raises(InvalidTransition, match="another reviewer"):
        incident.retract(reviewer, "Wrong")
    own = make_incident(created_by=admin_user)
    own.retract(admin_user, "Wrong", override_reason="Legal order, no other reviewer")
    assert own.decisions.last().override_reason == "Legal order, no other reviewer"
