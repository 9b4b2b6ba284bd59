"""The admin's import page: staff upload a CSV, choose its format, read the dry-run report, then confirm.

The uploaded files wait in a private temporary folder between the dry run and the confirmation; the session
holds only a random token pointing at them, so the confirmed import reads exactly the files the dry run read."""

import secrets
import shutil
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from reports.importing import formats
from reports.importing.report import ImportFileError, ImportReport
from reports.importing.writer import Options, run_import
from reports.models import ReviewState

SESSION_KEY = "reports_import"
SHOWN_PROBLEMS = 500


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

    def clean(self):
        data = super().clean()
        if data.get("format") == formats.MAPPED and not data.get("mapping"):
            self.add_error("mapping", _("A mapping file is needed for this format."))
        if data.get("format") == formats.AIRWARS and not data.get("assessments"):
            self.add_error("assessments", _("Airwars' belligerent assessments file is needed."))
        return data

    def save_files(self):
        """The uploads, written to a new private folder: {role: path}."""
        folder = Path(tempfile.mkdtemp(prefix="casualties-import-"))
        paths = {}
        for role in ("file", "mapping", "assessments", "sources"):
            upload = self.cleaned_data.get(role)
            if upload:
                path = folder / role / get_valid_filename(Path(upload.name).name)
                path.parent.mkdir()
                with open(path, "wb") as target:
                    for chunk in upload.chunks():
                        target.write(chunk)
                paths[role] = str(path)
        return paths


def import_view(model_admin, request):
    if not request.user.has_perm("reports.add_incident"):
        raise PermissionDenied
    can_publish = request.user.has_perm("reports.review_incident")
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, "title": _("Import")}
    if request.method == "POST" and "confirm" in request.POST:
        return confirm(request, model_admin)
    form = ImportForm(request.POST or None, request.FILES or None, can_publish=can_publish)
    if request.method == "POST" and form.is_valid():
        pending = {
            "token": secrets.token_urlsafe(16),
            "format": form.cleaned_data["format"],
            "state": form.cleaned_data["state"],
            "paths": form.save_files(),
        }
        discard(request)
        report = run(request, pending, dry_run=True)
        if report is not None:
            request.session[SESSION_KEY] = pending
            context.update(report=report, problems=report.sorted_problems()[:SHOWN_PROBLEMS], token=pending["token"])
            return TemplateResponse(request, "admin/reports/incident/import.html", context)
        remove_files(pending)
    context["form"] = form
    return TemplateResponse(request, "admin/reports/incident/import.html", context)


def confirm(request, model_admin):
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(pending["token"], request.POST.get("token", "")):
        messages.error(request, _("That import is no longer waiting: upload the file again."))
        return redirect("admin:reports_incident_import")
    report = run(request, pending, dry_run=False)
    discard(request)
    if report is None:
        return redirect("admin:reports_incident_import")
    for line in report.summary_lines():
        messages.success(request, line)
    return redirect("admin:reports_incident_changelist")


def run(request, pending, dry_run):
    """The import's report, or None after an error message (a file that cannot be read, wrong columns)."""
    report = ImportReport(dry_run=dry_run)
    paths = pending["paths"]
    reason = f"Imported from {Path(paths['file']).name} (admin)"
    options = Options(request.user, pending["state"], reason, formats.MATCH_ON[pending["format"]], dry_run)
    try:
        run_import(formats.reader(pending["format"], paths, report), options, report)
    except (ImportFileError, OSError) as error:
        messages.error(request, str(error))
        return None
    return report


def discard(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        remove_files(pending)


def remove_files(pending):
    folders = {Path(path).parent.parent for path in pending["paths"].values()}
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
