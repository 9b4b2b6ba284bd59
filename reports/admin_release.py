"""The admin's "Make a release" page: the same as `manage.py make_release NAME`, for reviewers and admins, while
the published data is small enough to release within one request (RELEASE_ADMIN_MAX_INCIDENTS); beyond that it
says to run the command."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from reports import releases
from reports.models import Incident, can_review


class ReleaseForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=64, help_text=_("Letters, digits, “.”, “_” and “-”, e.g. 2026-12. Never reused.")
    )


def release_view(model_admin, request):
    if not can_review(request.user):
        raise PermissionDenied
    published = Incident.public.count()
    too_many = published > settings.RELEASE_ADMIN_MAX_INCIDENTS
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and not too_many and form.is_valid():  # too many: the page says what to do
        try:
            release = releases.make_release(form.cleaned_data["name"])
        except releases.ReleaseError as error:
            form.add_error("name", str(error))
        else:
            log = release.changelog
            messages.success(
                request,
                _(
                    "Release %(name)s made: %(incidents)s incidents; %(added)s added, %(changed)s changed, "
                    "%(retracted)s retracted since the previous one."
                )
                % {"name": release.name, "incidents": release.manifest["counts"]["incidents"], **log},
            )
            return redirect("admin:reports_incident_release")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Make a release"),
        "form": form,
        "releases": releases.all_releases(),
        "too_many": too_many,
        "published": published,
        "limit": settings.RELEASE_ADMIN_MAX_INCIDENTS,
    }
    return TemplateResponse(request, "admin/reports/incident/release.html", context)
