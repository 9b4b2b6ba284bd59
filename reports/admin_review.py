"""The reviewers' side of the admin: the queues of incidents and of official statements (filter, age,
ordering), and the review decisions as bulk actions with a confirmation page, after which the reviewer is back
on the queue. The rules themselves are the models' (Incident.approve, request_changes, reject, retract;
OfficialStatement.approve); this module only asks for the comment and reports what was skipped."""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports.history import proposed_changes
from reports.models import Assessment, Grading, IncidentRevision, InvalidTransition, OfficialVerdict, ReviewState
from reports.models.assessments import STATEMENT_STATES
from reports.models.incidents import with_authors
from reports.models.queue import decide as decide_record
from reports.models.review import RevisionState
from reports.models.vocabulary import can_review

# The review state filter's parameter, and its own values beside the states themselves: the reviewers' queue,
# and every state.
STATE = "state"
QUEUE = "queue"
EVERY_STATE = "all"
# Where a change page keeps the filters of the list it was opened from (the admin's name for them): a decision
# made on that page sends the reviewer back to that list.
CHANGELIST_FILTERS = "_changelist_filters"


def incidents_with_pending_change():
    # Few rows (one open change per incident at most), and not correlated: cheap even under facet counts.
    return IncidentRevision.objects.filter(state=RevisionState.PENDING).values("incident_id")


def with_queue_fields(queryset):
    return queryset.annotate(
        has_pending_change=ExpressionWrapper(Q(pk__in=incidents_with_pending_change()), output_field=BooleanField())
    )


def awaiting_review(queryset):
    """Pending incidents, and published ones with a pending change."""
    return queryset.filter(
        Q(review_state=ReviewState.PENDING)
        | Q(review_state=ReviewState.PUBLISHED, pk__in=incidents_with_pending_change())
    )


class QueueFilter(admin.SimpleListFilter):
    """A review-state filter on which reviewers land on their queue by default (others on every state). Its
    choices: the queue, the states of `states`, and every state."""

    title = _("review state")
    parameter_name = STATE
    queue_label = _("Awaiting review")
    states = []  # (value, label) of the states one can choose besides the queue

    def lookups(self, request, model_admin):
        return [(QUEUE, self.queue_label), *self.states, (EVERY_STATE, _("All"))]

    @classmethod
    def selected(cls, request):
        """The state chosen in the request; by default the queue for reviewers, everything for others."""
        default = QUEUE if can_review(request.user) else EVERY_STATE
        return request.GET.get(cls.parameter_name) or default

    def value(self):
        return super().value() or self.selected(self.request)

    def queryset(self, request, queryset):
        value = self.value()
        if value == QUEUE:
            return self.queue(queryset)
        if value in dict(self.states):
            return self.in_state(queryset, value)
        return queryset

    def choices(self, changelist):
        # Every choice is an explicit value: without one, reviewers get the queue, so "All" must be a value too.
        for choice in super().choices(changelist):
            if choice["query_string"] != changelist.get_query_string(remove=[self.parameter_name]):
                yield choice


class ReviewStateFilter(QueueFilter):
    """Incidents by review state, plus "awaiting review" (pending incidents and pending changes to published
    ones)."""

    states = ReviewState.choices

    def queue(self, queryset):
        return awaiting_review(queryset)

    def in_state(self, queryset, state):
        return queryset.filter(review_state=state)


# A statement's review states as reviewers name them (OfficialStatement.review_state).
class StatementStateFilter(QueueFilter):
    """Official statements awaiting approval (the queue), approved (public) or retracted: the states of
    OfficialStatement.review_state."""

    queue_label = STATEMENT_STATES[ReviewState.PENDING]
    states = [
        (state, STATEMENT_STATES[state])
        for state in (ReviewState.CHANGES_REQUESTED, ReviewState.PUBLISHED, ReviewState.RETRACTED)
    ]

    def queue(self, queryset):
        return queryset.pending()

    def in_state(self, queryset, state):
        if state == ReviewState.PUBLISHED:
            return queryset.approved()
        if state == ReviewState.CHANGES_REQUESTED:
            return queryset.returned()
        return queryset.filter(retracted_at__isnull=False)


class VerdictFilter(admin.SimpleListFilter):
    """Incidents whose current assessment by some assessor has this verdict."""

    title = _("current verdict")
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return [(value, _("Official: %s") % label) for value, label in OfficialVerdict.choices] + [
            (value, _("Monitor: %s") % label) for value, label in Grading.choices
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        current = Assessment.objects.current().filter(verdict=self.value())
        return queryset.filter(pk__in=current.values("incident_id"))

    def choices(self, changelist):
        # Without counts: each would be one more pass over the assessments, on every page of the list.
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All"),
        }
        for value, title in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


@dataclass(frozen=True)
class Decision:
    name: str
    title: str
    comment_label: str
    comment_required: bool


DECISIONS = {
    decision.name: decision
    for decision in [
        Decision("approve", _("Approve"), _("Comment (optional)"), comment_required=False),
        Decision("request_changes", _("Request changes"), _("What needs to change"), comment_required=True),
        Decision("reject", _("Reject"), _("Why it is rejected"), comment_required=True),
        Decision("retract", _("Retract"), _("Why it is retracted"), comment_required=True),
    ]
}


class DecisionForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=5000)
    override_reason = forms.CharField(
        label=_("Four-eyes override: why you decide on your own work (admins only)"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def __init__(self, *args, decision, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = decision.comment_label
        self.fields["comment"].required = decision.comment_required
        if not user.is_superuser:
            del self.fields["override_reason"]


class Decided:
    """What the confirmation page and the outcome need to know of the records decided on: how to read them
    for the page, why one would be skipped, how to make the decision (the model's method, which holds the
    rule), and how to name them."""

    template = ""

    def records(self, queryset):
        return list(queryset)

    def row(self, request, record, decision):
        # What the reviewer saw: the record's page they came from, else this confirmation page.
        seen = request.POST.get(f"seen_{record.pk}") or record.review_token()
        return {"record": record, "refusal": self.refusal(request.user, record, decision), "seen": seen}

    def make(self, decision, record, request, data):
        """The decision on one record, by its model's rules (the same path as the workbench's)."""
        seen = self.seen(request, record)
        return decide_record(
            record, decision.name, request.user, data["comment"], data.get("override_reason", ""), seen
        )

    @staticmethod
    def seen(request, record):
        """What the confirmation page showed of `record` ("" when it showed nothing: an approval is refused)."""
        return request.POST.get(f"seen_{record.pk}", "")


class IncidentsDecided(Decided):
    template = "admin/reports/incident/decide.html"

    def records(self, queryset):
        incidents = queryset.select_related("created_by", "last_edited_by").with_pending_revision().order_by("code")
        return with_authors(list(incidents))

    def refusal(self, user, incident, decision):
        return incident.review_refusal(user, decision.name)

    def row(self, request, incident, decision):
        """For a pending change, also what it changes (the reviewer approves exactly that: an edit made meanwhile
        is refused)."""
        revision = incident.revision_awaiting_review()
        changes, problem = proposed_changes(revision) if revision else ([], "")
        return {
            **super().row(request, incident, decision),
            "revision": revision,
            "changes": changes,
            "problem": problem,
        }

    def label(self, incident):
        return incident.code

    def done(self, decision, labels):
        return ngettext(
            "%(decision)s: %(count)d incident (%(codes)s).",
            "%(decision)s: %(count)d incidents (%(codes)s).",
            len(labels),
        ) % {"decision": decision.title, "count": len(labels), "codes": ", ".join(labels)}


class StatementsDecided(Decided):
    """Official statements: approved (made public) by a reviewer who wrote no part of them. (Each statement's
    authors are read on its own: statements are approved a few at a time.)"""

    template = "admin/reports/officialstatement/decide.html"

    def records(self, queryset):
        return list(queryset.select_related("assessor", "created_by").order_by("published_on", "pk"))

    def refusal(self, user, statement, decision):
        if statement.review_state != ReviewState.PENDING:
            return _("It is %(state)s, not awaiting this decision.") % {
                "state": ReviewState(statement.review_state).label.lower()
            }
        return statement.review_refusal(user)

    def row(self, request, statement, decision):
        return {**super().row(request, statement, decision), "state": statement.get_review_state_display()}

    def label(self, statement):
        return str(statement)

    def done(self, decision, labels):
        return ngettext(
            "%(decision)s: %(count)d statement (%(list)s).",
            "%(decision)s: %(count)d statements (%(list)s).",
            len(labels),
        ) % {"decision": decision.title, "count": len(labels), "list": "; ".join(labels)}


INCIDENTS, STATEMENTS = IncidentsDecided(), StatementsDecided()


def decide(model_admin, request, queryset, decision, decided=INCIDENTS):
    """The confirmation page of a review action, then the decision on each selected record: each one is
    decided (or refused by the model's rules) on its own, the reviewer is told which were skipped and why, and
    is sent back to the queue."""
    records = decided.records(queryset)
    confirmed = "confirm" in request.POST
    form = DecisionForm(request.POST if confirmed else None, decision=decision, user=request.user)
    if confirmed and form.is_valid():
        report_outcome(model_admin, request, decision, decided, records, form.cleaned_data)
        return HttpResponseRedirect(queue_url(request))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("%(decision)s: confirm") % {"decision": decision.title},
        "decision": decision,
        "form": form,
        "rows": [decided.row(request, record, decision) for record in records],
        "opts": model_admin.model._meta,
        "action_name": f"{decision.name}_selected",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "changelist_filters": request.POST.get(CHANGELIST_FILTERS, ""),
    }
    return TemplateResponse(request, decided.template, context)


def queue_url(request):
    """The list the decision was made from, on the queue: with the filters, search and ordering the reviewer
    had (from the list itself, or kept by the change page they decided on), but on the first page, since the
    decided records have left it."""
    if CHANGELIST_FILTERS in request.POST:
        query = QueryDict(request.POST[CHANGELIST_FILTERS], mutable=True)
    else:
        query = request.GET.copy()
    query[STATE] = QUEUE
    for kept_only_for_the_list in (PAGE_VAR, ERROR_FLAG):
        query.pop(kept_only_for_the_list, None)
    return f"{request.path}?{query.urlencode()}"


def report_outcome(model_admin, request, decision, decided, records, data):
    done, skipped = [], []
    for record in records:
        try:
            decided.make(decision, record, request, data)
        except InvalidTransition as refused:
            skipped.append(f"{decided.label(record)}: {refused}")
        else:
            done.append(decided.label(record))
    if done:
        model_admin.message_user(request, decided.done(decision, done), messages.SUCCESS)
    if skipped:
        model_admin.message_user(
            request,
            ngettext("Skipped %(count)d: %(reasons)s", "Skipped %(count)d: %(reasons)s", len(skipped))
            % {"count": len(skipped), "reasons": " · ".join(skipped)},
            messages.WARNING,
        )
