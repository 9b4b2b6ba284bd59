"""The staff workbench at /work/: each person's own work, and for reviewers the one queue of everything awaiting
a decision, with the decision page every kind of record goes through and that leads back to the queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from reports.forms import ReviewDecisionForm
from reports.history import proposed_changes
from reports.models import (
    Incident,
    IncidentRevision,
    InvalidTransition,
    OfficialStatement,
    ReviewDecision,
    ReviewState,
    can_review,
)
from reports.models.queue import CHANGE, INCIDENT, STATEMENT, QueueItem, decide, review_queue
from reports.models.review import OPEN_REVISION_STATES
from reports.views.entry import analyst_required

RECENT = 20  # published incidents and statements listed on the workbench; the rest are found by code
SHOWN_DIFFS = 5  # proposed changes shown with their diff on the workbench (each costs a few queries)


def latest_review_comment(**link):
    decisions = ReviewDecision.objects.filter(**link).order_by("-decided_at", "-id")
    return Subquery(decisions.values("comment")[:1])


@analyst_required
def workbench(request):
    context = {"own": own_work(request.user)}
    if can_review(request.user):
        context["queue"], context["queue_counts"] = review_queue()
    return render(request, "work/workbench.html", context)


def own_work(user):
    """What `user` wrote, by where it stands: in progress, awaiting review, returned, published; their open
    changes to published incidents, with what each changes; their statements."""
    mine = Incident.objects.filter(created_by=user)
    returned = mine.filter(review_state=ReviewState.CHANGES_REQUESTED).annotate(
        review_comment=latest_review_comment(incident=OuterRef("pk"), revision=None)
    )
    revisions = list(
        IncidentRevision.objects.filter(created_by=user, state__in=OPEN_REVISION_STATES)
        .annotate(review_comment=latest_review_comment(revision=OuterRef("pk")))
        .select_related("incident", "created_by")
        .order_by("-updated_at")
    )
    for revision in revisions[:SHOWN_DIFFS]:
        revision.changes, revision.problem = proposed_changes(revision)
    published = mine.filter(review_state=ReviewState.PUBLISHED)
    statements = OfficialStatement.objects.filter(created_by=user).select_related("assessor")
    return {
        "returned": list(returned.order_by("-updated_at")),
        "drafts": list(mine.filter(review_state=ReviewState.DRAFT).order_by("-updated_at")),
        "pending": list(mine.filter(review_state=ReviewState.PENDING).order_by("-submitted_at")),
        "revisions": revisions,
        "published": list(published.order_by("-published_at", "-id")[:RECENT]),
        "published_count": published.count(),
        "statements": list(statements.order_by("-created_at")[:RECENT]),
        "returned_statements": list(
            statements.returned().annotate(review_comment=latest_review_comment(statement=OuterRef("pk")))
        ),
    }


@analyst_required
def find_incident(request):
    """/work/incidents/?code=…: straight to the incident with that code, or the codes that start with it."""
    text = request.GET.get("code", "").strip()[:40]
    visible = Incident.objects.visible_to(request.user)
    exact = visible.filter(code__iexact=text).first() if text else None
    if exact is not None:
        return redirect("reports:work_incident", code=exact.code)
    found = visible.filter(code__istartswith=text).order_by("code")[:50] if text else []
    return render(request, "work/find_incident.html", {"code": text, "found": found})


def reviewer_required(view):
    def checked(request, *args, **kwargs):
        if not can_review(request.user):
            raise PermissionDenied(_("Only reviewers make review decisions."))
        return view(request, *args, **kwargs)

    return login_required(checked)


@reviewer_required
def review_incident(request, code):
    """Decide on a pending incident, or on the pending change to a published one."""

    def load():
        incident = get_object_or_404(Incident.objects.select_related("created_by", "submitted_by"), code=code)
        revision = incident.revision_awaiting_review()
        if revision is not None:
            item = QueueItem(CHANGE, incident, revision.created_by, revision.updated_at, revision)
        else:
            item = QueueItem(INCIDENT, incident, incident.submitted_by or incident.created_by, incident.submitted_at)
        essentials = {
            "refusal": incident.review_refusal(request.user, "approve"),
            "attributions": incident.attributions.select_related("belligerent"),
            "current": incident.official_assessments() + incident.monitor_assessments(),
            "sources": incident.sources.all(),
        }
        if revision is not None:
            essentials["changes"], essentials["problem"] = proposed_changes(revision)
        return item, essentials

    return review(request, load)


@reviewer_required
def review_statement(request, pk):
    def load():
        statement = get_object_or_404(OfficialStatement.objects.select_related("assessor", "created_by"), pk=pk)
        item = QueueItem(STATEMENT, statement, statement.created_by, statement.created_at)
        pending = statement.review_state == ReviewState.PENDING
        refusal = statement.review_refusal(request.user) if pending else _("It is not awaiting approval.")
        return item, {"refusal": refusal}

    return review(request, load)


def review(request, load):
    """The confirm-and-comment page of every decision (`load` reads the record and what the page shows of it);
    after a decision, back to the queue. What the reviewer saw is posted back (`seen`), so a record edited
    meanwhile is not approved unseen: the page then shows it as it is now, keeping the comment typed."""
    item, shown = load()
    data = request.POST.copy() if request.method == "POST" else None
    form = ReviewDecisionForm(
        data, decisions=item.decisions, user=request.user, initial={"seen": item.record.review_token()}
    )
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        try:
            decide(
                item.record,
                cleaned["decision"],
                request.user,
                cleaned["comment"],
                cleaned["override_reason"],
                cleaned["seen"],
            )
        except InvalidTransition as refused:
            messages.error(request, str(refused))
            item, shown = load()
            data["seen"] = item.record.review_token()
            form = ReviewDecisionForm(data, decisions=item.decisions, user=request.user)
        else:
            done = item.decisions[cleaned["decision"]]
            messages.success(request, _("%(decision)s: %(record)s.") % {"decision": done, "record": item.record})
            return redirect("reports:my_work")
    return render(request, "work/review.html", {"item": item, "form": form, **shown})
