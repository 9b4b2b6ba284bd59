"""The reviewers' side of the incident admin: the pending queue (filter, age, ordering) and the review
decisions as bulk actions with a confirmation page. The rules themselves are the models' (Incident.approve,
request_changes, reject, retract); this module only asks for the comment and reports what was skipped."""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports.history import proposed_changes
from reports.models import Assessment, Grading, IncidentRevision, InvalidTransition, OfficialVerdict, ReviewState
from reports.models.incidents import with_authors
from reports.models.review import RevisionState
from reports.models.vocabulary import can_review

# The review state filter's own values, beside the states themselves: the reviewers' queue, and every state.
QUEUE = "queue"
EVERY_STATE = "all"


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


class ReviewStateFilter(admin.SimpleListFilter):
    """By review state, plus "awaiting review" (pending incidents and pending changes to published ones),
    which is where reviewers land by default."""

    title = _("review state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(QUEUE, _("Awaiting review")), *ReviewState.choices, (EVERY_STATE, _("All"))]

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
            return awaiting_review(queryset)
        if value in ReviewState.values:
            return queryset.filter(review_state=value)
        return queryset

    def choices(self, changelist):
        # Every choice is an explicit value: without one, reviewers get the queue, so "All" must be a value too.
        for choice in super().choices(changelist):
            if choice["query_string"] != changelist.get_query_string(remove=[self.parameter_name]):
                yield choice


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

    def make(self, incident, by, comment, override_reason, seen=None):
        if self.name == "approve":
            return incident.approve(by, comment, override_reason=override_reason, seen=seen)
        return getattr(incident, self.name)(by, comment, override_reason=override_reason)


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


def decide(model_admin, request, queryset, decision):
    """The confirmation page of a review action, then the decision on each selected incident: each one is
    decided (or refused by the model's rules) on its own, and the reviewer is told which were skipped and why."""
    incidents = queryset.select_related("created_by", "last_edited_by").with_pending_revision().order_by("code")
    incidents = with_authors(list(incidents))
    confirmed = "confirm" in request.POST
    form = DecisionForm(request.POST if confirmed else None, decision=decision, user=request.user)
    if confirmed and form.is_valid():
        report_outcome(model_admin, request, decision, incidents, form.cleaned_data)
        return None  # back to the list
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("%(decision)s: confirm") % {"decision": decision.title},
        "decision": decision,
        "form": form,
        "rows": [confirmation_row(request, incident, decision) for incident in incidents],
        "opts": model_admin.model._meta,
        "action_name": f"{decision.name}_selected",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/reports/incident/decide.html", context)


def confirmation_row(request, incident, decision):
    """An incident as the confirmation page lists it: why it would be skipped, and for a pending change, what
    it changes (the reviewer approves exactly that: an edit made meanwhile is refused)."""
    revision = incident.revision_awaiting_review()
    changes, problem = proposed_changes(revision) if revision else ([], "")
    return {
        "incident": incident,
        "refusal": incident.review_refusal(request.user, decision.name),
        "revision": revision,
        "changes": changes,
        "problem": problem,
    }


def report_outcome(model_admin, request, decision, incidents, data):
    done, skipped = [], []
    for incident in incidents:
        try:
            seen = request.POST.get(f"seen_{incident.pk}")
            decision.make(incident, request.user, data["comment"], data.get("override_reason", ""), seen)
        except InvalidTransition as refused:
            skipped.append(f"{incident.code}: {refused}")
        else:
            done.append(incident.code)
    if done:
        model_admin.message_user(
            request,
            ngettext(
                "%(decision)s: %(count)d incident (%(codes)s).",
                "%(decision)s: %(count)d incidents (%(codes)s).",
                len(done),
            )
            % {"decision": decision.title, "count": len(done), "codes": ", ".join(done)},
            messages.SUCCESS,
        )
    if skipped:
        model_admin.message_user(
            request,
            ngettext("Skipped %(count)d: %(reasons)s", "Skipped %(count)d: %(reasons)s", len(skipped))
            % {"count": len(skipped), "reasons": " · ".join(skipped)},
            messages.WARNING,
        )
