"""Analysts' pages: enter, edit and submit incidents, record assessments and statements, see their work.

Each view checks the permission on the server, fetches through `visible_to(user)` (object-level access),
lets the forms validate, and leaves every rule to the models.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports.forms import (
    AssessmentForm,
    AssessorChoiceForm,
    IncidentEntry,
    added_row,
)
from reports.history import change_log, changes_since, proposed_changes
from reports.models import (
    Assessment,
    EditConflict,
    Incident,
    InvalidTransition,
    can_review,
)
from reports.models.review import empty_change_set


def analyst_required(view):
    """Logged in, and allowed to enter incidents (analysts, reviewers, admins); others get 403."""
    return login_required(permission_required("reports.add_incident", raise_exception=True)(view))


def editable_incident(request, code):
    incident = get_object_or_404(Incident.objects.visible_to(request.user), code=code)
    if not incident.can_edit(request.user):
        raise PermissionDenied(_("This incident cannot be edited in its current state."))
    return incident


@analyst_required
def incident_create(request):
    entry = IncidentEntry(request.POST or None)
    duplicates = []
    if request.method == "POST" and "add_row" in request.POST:
        entry = IncidentEntry.with_added_row(request.POST, request.POST["add_row"])
        return render_entry(request, entry, show_errors=False)
    if request.method == "POST" and entry.is_valid():
        duplicates = list(entry.likely_duplicates(request.user)[:10])
        if not duplicates or request.POST.get("not_a_duplicate"):
            incident = save_new(entry, request.user)
            if incident is not None:
                messages.success(request, _("Saved %(code)s as a draft.") % {"code": incident.code})
                return redirect("reports:work_incident", code=incident.code)
    return render_entry(request, entry, duplicates=duplicates)


def save_new(entry, by):
    """Save a new incident; None (with the reason on the code field) if another analyst saved one with the same
    code meanwhile. A suggested code the analyst kept is then replaced by the next free one, once."""
    for attempt in range(2):
        try:
            return entry.save(by=by)
        except IntegrityError:
            code = entry.form.instance.code
            if not Incident.objects.filter(code=code).exists():
                raise  # another constraint: not a race on the code
            if attempt or code != entry.form.data.get("suggested_code"):
                entry.form.add_error(
                    "code", _("Another incident took the code %(code)s a moment ago.") % {"code": code}
                )
                return None
            entry.form.instance.code = Incident.objects.next_free_code()
    return None


@analyst_required
def incident_edit(request, code):
    incident = editable_incident(request, code)
    revision = incident.open_revision() if incident.is_published else None
    if revision and revision.created_by != request.user:
        messages.error(
            request,
            _("%(user)s's change to this incident is awaiting review; it must be decided first.")
            % {"user": revision.created_by},
        )
        return redirect("reports:work_incident", code=incident.code)
    if request.method != "POST":
        # Continue one's own pending change, or start from the stored record.
        entry = IncidentEntry.for_revision(revision) if revision else IncidentEntry(instance=incident)
        return render_entry(request, entry, incident=incident, revision=revision)
    if "add_row" in request.POST:
        entry = IncidentEntry.with_added_row(request.POST, request.POST["add_row"], instance=incident)
        return render_entry(request, entry, incident=incident, revision=revision, show_errors=False)
    entry = IncidentEntry(request.POST, instance=incident)
    if not entry.is_valid():
        return render_entry(request, entry, incident=incident, revision=revision)
    reason = request.POST.get("reason", "").strip()
    if incident.is_published:
        base_version = entry.form.cleaned_data["version"] or incident.version
        if not propose_change(request, incident, entry.change_set(), base_version, reason):
            return render_entry(request, entry, incident=incident)
        return redirect("reports:work_incident", code=incident.code)
    try:
        entry.save(by=request.user, reason=reason)
    except EditConflict as conflict:
        return render_conflict(request, incident, conflict)
    messages.success(request, _("Saved %(code)s.") % {"code": incident.code})
    return redirect("reports:work_incident", code=incident.code)


def propose_change(request, incident, change_set, base_version, reason):
    """A published incident is not changed by an edit: the edit waits, as a revision, for a reviewer.
    Returns whether the change was stored (if not, the message says why)."""
    try:
        incident.propose_revision(change_set, base_version, by=request.user, reason=reason)
    except InvalidTransition as refused:
        messages.error(request, str(refused))
        return False
    messages.success(
        request,
        _("Your change to %(code)s was sent for review. Readers see the published version until it is approved.")
        % {"code": incident.code},
    )
    return True


def render_entry(request, entry, incident=None, revision=None, duplicates=(), show_errors=True):
    context = {
        "entry": entry,
        "incident": incident,
        "revision": revision,
        "duplicates": duplicates,
        "show_errors": show_errors,
        "reason": request.POST.get("reason", "") if request.method == "POST" else (revision.reason if revision else ""),
    }
    return render(request, "work/incident_form.html", context)


def render_conflict(request, incident, conflict):
    """Keep the editor's input, show what was saved in between, and let them merge and save again on top of
    the current version."""
    data = request.POST.copy()
    data["version"] = str(conflict.incident.version)
    context = {
        "entry": IncidentEntry(data, instance=conflict.incident),
        "incident": conflict.incident,
        "conflict": changes_since(incident, conflict.expected_version),
        "show_errors": True,
        "reason": request.POST.get("reason", ""),
    }
    return render(request, "work/incident_form.html", context, status=409)


@analyst_required
def incident_detail(request, code):
    incident = get_object_or_404(
        Incident.objects.visible_to(request.user).select_related("created_by").prefetch_related("strike_types"),
        code=code,
    )
    revision = incident.open_revision()
    readable = revision is not None and revision.readable_by(request.user)
    proposed, proposed_problem = proposed_changes(revision) if readable else (None, "")
    context = {
        "incident": incident,
        "attributions": incident.attributions.select_related("belligerent"),
        "assessments": incident.assessments.select_related("assessor", "created_by", "duplicate_of", "source").order_by(
            "assessed_on", "id"
        ),
        "sources": incident.sources.all(),
        "decisions": incident.decisions.visible_to(request.user).select_related("decided_by", "revision__created_by"),
        "revision": revision,
        "proposed": proposed,
        "proposed_problem": proposed_problem,
        "history": change_log(incident),
        "can_edit": incident.can_edit(request.user),
        "can_review": can_review(request.user),
        "can_decide": can_review(request.user) and incident.awaits("approve"),
    }
    return render(request, "work/incident_detail.html", context)


@require_POST
@analyst_required
def incident_submit(request, code):
    incident = editable_incident(request, code)
    try:
        incident.submit(by=request.user, comment=request.POST.get("comment", "").strip())
    except InvalidTransition as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("%(code)s was sent for review.") % {"code": incident.code})
    return redirect("reports:work_incident", code=incident.code)


@analyst_required
def assessment_create(request, code):
    """Record what an assessor said on a date, without retyping the incident. Earlier ones stay as history.
    Without JavaScript, a first step asks whose assessment it is, so that the verdict list offers that kind."""
    incident = editable_incident(request, code)
    initial = None
    if request.method != "POST":
        chosen = AssessorChoiceForm(request.GET if "assessor" in request.GET else None)
        if not chosen.is_valid():
            return render(request, "work/assessment_form.html", {"choose": chosen, "incident": incident})
        initial = {"assessor": chosen.cleaned_data["assessor"]}
    form = AssessmentForm(request.POST or None, instance=Assessment(incident=incident), initial=initial)
    revision = incident.open_revision()
    if revision is not None and revision.created_by_id == request.user.pk:
        # The new assessment joins the analyst's pending change: not a source that change deletes.
        form.fields["source"].queryset = form.fields["source"].queryset.exclude(pk__in=revision.deleted_rows("sources"))
    if request.method == "POST" and form.is_valid():
        if not incident.is_published:
            assessment = form.save(commit=False)
            assessment.created_by = request.user
            assessment.save()
            messages.success(request, _("Recorded the assessment by %(assessor)s.") % {"assessor": assessment.assessor})
            return redirect("reports:work_incident", code=incident.code)
        if propose_new_assessment(request, incident, form):
            return redirect("reports:work_incident", code=incident.code)
    return render(request, "work/assessment_form.html", {"form": form, "incident": incident})


def propose_new_assessment(request, incident, form):
    """For a published incident, a new assessment is a change like any other: it waits for review (added to
    the analyst's own pending change, if there is one)."""
    revision = incident.open_revision()
    own = revision is not None and revision.created_by_id == request.user.pk
    change_set = copy.deepcopy(revision.change_set) if own else empty_change_set()
    change_set["assessments"].append(added_row(form))
    reason = _("New assessment by %(assessor)s") % {"assessor": form.cleaned_data["assessor"]}
    if own and revision.reason:
        reason = f"{revision.reason}; {reason}"
    return propose_change(request, incident, change_set, revision.base_version if own else incident.version, reason)
