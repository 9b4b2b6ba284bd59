"""Downloads for readers: the filtered incidents as CSV or JSON (streamed), and every dashboard figure as JSON.
They take the same filters as the pages, through the same FilterSet."""

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import translation

from reports import exports
from reports.figures import tallies
from reports.filters import IncidentFilter
from reports.page_cache import public_page

FILTERS = tuple(IncidentFilter.base_filters)


@public_page(params=FILTERS, stored=False)
def incidents_csv(request):
    incident_filter = IncidentFilter(request.GET)
    chunks = exports.csv_chunks(incident_filter.qs, incident_filter.as_of_date)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
    return response


@public_page(params=FILTERS, stored=False)
def incidents_json(request):
    incident_filter = IncidentFilter(request.GET)
    with translation.override(settings.LANGUAGE_CODE):  # the file is the same in every language, and so is its link
        figures_url = request.build_absolute_uri(reverse("reports:tallies_json")) + query_string(request)
    chunks = exports.json_chunks(incident_filter.qs, incident_filter.as_of_date, figures_url)
    return StreamingHttpResponse(chunks, content_type="application/json")


@public_page(params=FILTERS)
def tallies_json(request):
    incident_filter = IncidentFilter(request.GET)
    figures = tallies.dashboard(incident_filter)
    filters = {name: value for name, value in request.GET.items() if name in incident_filter.filters}
    errors = {name: [str(error) for error in errors] for name, errors in incident_filter.errors.items()}
    return JsonResponse({"filters": filters, "errors": errors, **figures}, json_dumps_params={"ensure_ascii": False})


def query_string(request):
    return f"?{request.GET.urlencode()}" if request.GET else ""
