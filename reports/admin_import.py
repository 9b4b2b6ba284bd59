"""The admin's import page: staff upload a CSV, choose its format, read the dry-run report, then confirm. An
import that publishes then waits for a second reviewer (the Imports list, ImportBatchAdmin).

The uploaded files wait in the database (an ImportBatch) between the dry run and the confirmation, so the
confirmed import reads exactly the files the dry run read, and nothing is left on the server's disk."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from reports.importing import batches, formats
from reports.importing.report import ImportFileError
from reports.models import InvalidTransition, ReviewState, can_review
from reports.models.imports import ImportBatch, ImportFile, ImportStatus
from reports.models.review import four_eyes_refusal

SHOWN_PROBLEMS = 500
UPLOAD_ROLES = ("file", "mapping", "assessments", "sources")


def too_large():
    return _(
        "The files are over %(limit)s MB together: import them with the command instead (manage.py import_csv or "
        "import_airwars, README “Importing data”), which has no time limit."
    ) % {"limit": settings.IMPORT_UPLOAD_MAX_BYTES // (1024 * 1024)}


class ImportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (formats.PROJECT, _("This tracker's CSV export")),
            (formats.MAPPED, _("Any CSV, with a mapping file (JSON)")),
            (formats.AIRWARS, _("Airwars' Syria files")),
        ],
    )
    file = forms.FileField(label=_("CSV file"), help_text=_("For Airwars: the incidents file."))
    mapping = forms.FileField(label=_("Mapping (JSON)"), required=False)
    assessments = forms.FileField(label=_("Airwars: belligerent assessments file"), required=False)
    sources = forms.FileField(label=_("Airwars: sources file"), required=False)
    state = forms.ChoiceField(label=_("Review state of new incidents"))

    def __init__(self, *args, can_publish=False, **kwargs):
        super().__init__(*args, **kwargs)
        states = [ReviewState.PENDING, ReviewState.DRAFT] + ([ReviewState.PUBLISHED] if can_publish else [])
        self.fields["state"].choices = [(state, ReviewState(state).label) for state in states]
        if can_publish:
            self.fields["state"].help_text = _("Published: once another reviewer approves the import.")

    def clean(self):
        data = super().clean()
        size = sum(upload.size for role in UPLOAD_ROLES if (upload := data.get(role)))
        if size > settings.IMPORT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_large())
        if data.get("format") == formats.MAPPED and not data.get("mapping"):
            self.add_error("mapping", _("A mapping file is needed for this format."))
        if data.get("format") == formats.AIRWARS and not data.get("assessments"):
            self.add_error("assessments", _("Airwars' belligerent assessments file is needed."))
        return data

    def uploads(self):
        """{role: (name, bytes)} of the uploaded files."""
        return {
            role: (Path(upload.name).name, b"".join(upload.chunks()))
            for role in UPLOAD_ROLES
            if (upload := self.cleaned_data.get(role))
        }


def import_view(model_admin, request):
    if not request.user.has_perm("reports.add_incident"):
        raise PermissionDenied
    batches.purge_stale_dry_runs()
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, "title": _("Import")}
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > settings.IMPORT_UPLOAD_MAX_BYTES + 64 * 1024:
        messages.error(request, too_large())  # refused before the body is read
        return redirect("admin:reports_incident_import")
    if request.method == "POST" and "confirm" in request.POST:
        return confirm(request)
    can_publish = can_review(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, can_publish=can_publish)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = batches.hold(data["format"], data["state"], request.user, form.uploads())
        try:
            report = batches.dry_run(batch)
        except (ImportFileError, OSError) as error:
            batch.delete()
            messages.error(request, str(error))
        else:
            problems = report.sorted_problems()[:SHOWN_PROBLEMS]
            context.update(report=report, problems=problems, batch=batch)
            return TemplateResponse(request, "admin/reports/incident/import.html", context)
    context["form"] = form
    return TemplateResponse(request, "admin/reports/incident/import.html", context)


def confirm(request):
    number = request.POST.get("batch", "")
    known = number.isascii() and number.isdigit()
    batch = ImportBatch.objects.filter(pk=number, created_by=request.user).first() if known else None
    try:
        if batch is None:
            raise InvalidTransition(_("That import is no longer waiting: upload the file again."))
        report = batches.confirm(batch, request.user)
    except (InvalidTransition, ImportFileError, OSError) as error:
        messages.error(request, str(error))
        return redirect("admin:reports_incident_import")
    if report is None:
        messages.success(
            request,
            _("Import %(number)s publishes records: it now waits for another reviewer's approval (Imports).")
            % {"number": batch.pk},
        )
        return redirect("admin:reports_importbatch_change", batch.pk)
    for line in report.summary_lines():
        messages.success(request, line)
    return redirect("admin:reports_incident_changelist")


class ImportDecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (needed to reject)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
    override_reason = forms.CharField(
        label=_("Four-eyes override: why you decide on your own import (admins only)"),
        required=False,
        max_length=1000,
    )


class ImportBatchAdmin(admin.ModelAdmin):
    """The record of every import made through the admin or a command, and the queue of imports that publish,
    which another reviewer approves or rejects here as one decision after reading the dry run's report."""

    change_form_template = "admin/reports/importbatch/change_form.html"
    list_display = ["__str__", "status", "state", "created_by", "created_at", "decided_by", "decided_at"]
    list_filter = ["status", "state"]
    list_select_related = ["created_by", "decided_by"]
    fields = ["format", "state", "status", "created_by", "created_at", "decided_by", "decided_at"]
    fields += ["comment", "override_reason", "file_list", "report", "outcome"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The files' names and sizes, not their content (megabytes each): lists and pages show only those.
        files = models.Prefetch("files", queryset=ImportFile.objects.defer("content"))
        return super().get_queryset(request).prefetch_related(files)

    def has_module_permission(self, request):
        return can_review(request.user)

    def has_view_permission(self, request, obj=None):
        return can_review(request.user)

    def has_add_permission(self, request):
        return False  # uploads go through the incidents' import page

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was imported stays

    @admin.display(description=_("files"))
    def file_list(self, batch):
        """Each file, to download while the import is undecided: the approver reads the rows, not only the report."""
        links = []
        for file in batch.files.all():
            if batch.status in (ImportStatus.DRY_RUN, ImportStatus.AWAITING_APPROVAL):
                url = reverse("admin:reports_importbatch_file", args=[batch.pk, file.role])
                links.append(format_html('<a href="{}">{}</a> ({} bytes)', url, file.name, f"{file.size:,}"))
            else:
                links.append(format_html("{} ({} bytes)", file.name, f"{file.size:,}"))
        return format_html_join(", ", "{}", ((link,) for link in links))

    def get_urls(self):
        decide_view = self.admin_site.admin_view(self.decide_view)
        file_view = self.admin_site.admin_view(self.file_view)
        return [
            path("<int:pk>/decide/", decide_view, name="reports_importbatch_decide"),
            path("<int:pk>/files/<slug:role>/", file_view, name="reports_importbatch_file"),
            *super().get_urls(),
        ]

    def file_view(self, request, pk, role):
        if not self.has_view_permission(request):
            raise PermissionDenied
        file = get_object_or_404(ImportFile, batch_id=pk, role=role, content__isnull=False)
        response = HttpResponse(bytes(file.content), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, file.name)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        if batch is not None and batch.status == ImportStatus.AWAITING_APPROVAL:
            refusal = four_eyes_refusal(request.user, {batch.created_by_id})
            extra_context = {
                **(extra_context or {}),
                "decision_form": ImportDecisionForm() if request.user.is_superuser or not refusal else None,
                "refusal": refusal,
                "override": request.user.is_superuser,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, pk):
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(ImportBatch, pk=pk)
        form = ImportDecisionForm(request.POST)
        if form.is_valid():
            comment, override = form.cleaned_data["comment"], form.cleaned_data["override_reason"]
            try:
                if "approve" in request.POST and batch.size() > settings.IMPORT_UPLOAD_MAX_BYTES:
                    raise InvalidTransition(
                        _(
                            "This import is too large to run within a web request: approve it with "
                            "“manage.py decide_import %(number)s --approve --user <you>”."
                        )
                        % {"number": batch.pk}
                    )
                if "approve" in request.POST:
                    report = batches.approve(batch, request.user, comment, override)
                    for line in report.summary_lines():
                        messages.success(request, line)
                else:
                    batches.reject(batch, request.user, comment, override)
                    messages.success(request, _("Import %(number)s was rejected.") % {"number": batch.pk})
            except (InvalidTransition, ImportFileError, OSError) as error:
                messages.error(request, str(error))
        return redirect("admin:reports_importbatch_change", batch.pk)
