""" "Cite this": the citation of the dataset or of one incident, as BibTeX, RIS or CSL-JSON, and the block the
dashboard and incident pages show. Public pages that cite: kept per data version, latest release and day."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation

from reports.figures import citation
from reports.models import Incident
from reports.page_cache import public_page


def absolute(request, name, *args):
    """A permalink: the address in the default language, which stays the same whatever the reader's."""
    with translation.override(settings.LANGUAGE_CODE):
        return request.build_absolute_uri(reverse(name, args=args))


def dataset_citation(request):
    return citation.of_dataset(absolute(request, "reports:home"), releases_url(request), timezone.localdate())


def incident_citation(request, incident):
    url = absolute(request, "reports:public_incident", incident.code)
    return citation.of_incident(incident, url, releases_url(request), timezone.localdate())


def releases_url(request):
    return absolute(request, "reports:releases")


def cite_block(cited, downloads_name, *args):
    """The context of templates/public/_cite.html."""
    downloads = [(label, reverse(downloads_name, args=[*args, suffix])) for suffix, label in LABELS.items()]
    return {"cited": cited, "downloads": downloads}


LABELS = {"bib": "BibTeX", "ris": "RIS", "json": "CSL-JSON"}


def as_download(cited, suffix, filename):
    write, content_type = citation.FORMATS[suffix]
    response = HttpResponse(write(cited), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{suffix}"'
    return response


@public_page(cites=True)
def cite_dataset(request, suffix):
    return as_download(dataset_citation(request), suffix, "casualties")


@public_page(cites=True)
def cite_incident(request, code, suffix):
    incident = get_object_or_404(Incident.public.only("code", "title"), code=code)
    return as_download(incident_citation(request, incident), suffix, incident.code)
