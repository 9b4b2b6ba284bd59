"""Official statements for staff: record one, see it, correct it while it awaits approval. Approval is a review
decision like any other (reports.views.workbench)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from reports.forms import MAX_ITEMS, StatementForm, StatementItemFormSet, posted_row_count
from reports.models import InvalidTransition, OfficialStatement, can_review


def statement_writer_required(view):
    return login_required(permission_required("reports.add_officialstatement", raise_exception=True)(view))


@statement_writer_required
def statement_create(request):
    return statement_form(request, OfficialStatement())


@statement_writer_required
def statement_edit(request, pk):
    statement = get_object_or_404(OfficialStatement.objects.visible_to(request.user), pk=pk)
    if not statement.editable_by(request.user):
        raise PermissionDenied(_("An approved statement is corrected by a new statement, not edited."))
    return statement_form(request, statement)


@login_required
@permission_required("reports.view_officialstatement", raise_exception=True)
def statement_detail(request, pk):
    statement = get_object_or_404(
        OfficialStatement.objects.visible_to(request.user).select_related(
            "assessor", "created_by", "approved_by", "retracted_by"
        ),
        pk=pk,
    )
    context = {
        "statement": statement,
        "items": statement.items.select_related("incident"),
        "decisions": statement.decisions.select_related("decided_by"),
        "can_edit": statement.editable_by(request.user),
        "can_review": can_review(request.user) and statement.approved_at is None,
    }
    return render(request, "work/statement_detail.html", context)


def statement_form(request, statement):
    """The statement with its details, validated and saved as one unit; its page afterwards."""
    data = request.POST or None
    if data is not None and request.POST.get("add_row") == "items":  # the no-JavaScript "add a row" button
        count = posted_row_count(request.POST.get("items-TOTAL_FORMS"), MAX_ITEMS)
        data = request.POST.copy()
        if count is not None:
            data["items-TOTAL_FORMS"] = str(count)
    form = StatementForm(data, instance=statement)
    # (a post without the details' rows at all, from a client other than the form, records none)
    items_posted = data is not None and "items-TOTAL_FORMS" in data
    items = StatementItemFormSet(data if items_posted else None, instance=statement, prefix="items")
    context = {"form": form, "items": items, "statement": statement if statement.pk else None}
    if statement.pk:
        context["edit_token"] = request.POST.get("edit_token") or statement.edit_token()
    if data is not None and "add_row" in data:
        return render(request, "work/statement_form.html", {**context, "show_errors": False})
    if request.method == "POST" and form.is_valid() and (not items_posted or items.is_valid()):
        created = statement.pk is None
        try:
            save_statement(form, items if items_posted else None, request.user, request.POST.get("edit_token", ""))
        except InvalidTransition as refused:
            messages.error(request, str(refused))
            return render(request, "work/statement_form.html", context, status=409)
        if created:
            message = _("Recorded the statement of %(date)s. It appears on public pages once a reviewer approves it.")
        else:
            message = _("Saved the statement of %(date)s.")
        messages.success(request, message % {"date": statement.published_on})
        return redirect("reports:statement_detail", pk=statement.pk)
    return render(request, "work/statement_form.html", context)


@transaction.atomic
def save_statement(form, items, by, token):
    """Save a new statement, or an edit made on `token` (OfficialStatement.lock_for_edit refuses a stale one)."""
    statement = form.save(commit=False)
    if statement.pk is None:
        statement.created_by = by
    else:
        statement.lock_for_edit(by, token)
    statement._history_user = by
    statement.save()
    if items is not None:
        items.instance = statement
        items.save()
    return statement
