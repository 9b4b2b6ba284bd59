"""Pages for anonymous readers. They read incidents through `Incident.public` only (the FilterSet starts from
it), and every figure comes from `reports.figures.tallies`."""

from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from reports.devdata.demo import demo_loaded
from reports.figures import charts, tallies
from reports.filters import IncidentFilter
from reports.history import public_change_log
from reports.models import Incident

LATEST = 10
UNFILTERED_KEPT_FOR = 24 * 60 * 60  # seconds (the key changes with the date anyway)
PAGE_SIZE = 50
COUNT_CAP = 10_000  # past this, a list says "more than 10,000" instead of counting a million rows
SORTS = {
    "-date": ["-date_start", "code"],
    "date": ["date_start", "code"],
    "code": ["code"],
    "country": ["country", "governorate", "-date_start", "code"],
    "place": ["place_name", "-date_start", "code"],
}
SORT_LABELS = [
    ("-date", _lazy("newest first")),
    ("date", _lazy("oldest first")),
    ("code", _lazy("code")),
    ("country", _lazy("country and governorate")),
    ("place", _lazy("place")),
]


def common_context(request, incident_filter):
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter": incident_filter,
        "query": query.urlencode(),
        "has_demo_data": demo_loaded(),
    }


def dashboard(request):
    incident_filter = IncidentFilter(request.GET)
    common = common_context(request, incident_filter)
    if request.GET:
        content = dashboard_content(request, incident_filter, common)
    else:
        content = unfiltered_dashboard_content(request, incident_filter, common)
    return render(request, "public/dashboard.html", {**common, "content": content})


def unfiltered_dashboard_content(request, incident_filter, common):
    """The front page's content depends on the published data only (the snapshot's version), the date and the
    language: rendered once per computation of the snapshot in each worker (it took three times as long as
    reading the snapshot). Figures computed while a writer held the snapshot were not stored: not kept either."""
    figures = incident_filter.unfiltered_figures
    version = figures.get("computed_for")
    key = f"dashboard:{get_language()}:{figures['as_of']}"
    kept = cache.get(key) if version else None
    if kept and kept[0] == version:
        return kept[1]
    content = dashboard_content(request, incident_filter, common)
    if version:
        cache.set(key, (version, content), timeout=UNFILTERED_KEPT_FOR)
    return content


def dashboard_content(request, incident_filter, common):
    figures = tallies.dashboard(incident_filter)
    compared = figures["comparisons"][0] if figures["comparisons"] else None
    chart_series = []
    if compared:
        names = {"official": compared["assessor"], "monitor": compared["monitor"]}
        chart_series = [("cumulative_conceded_low", _("%(official)s, conceded") % names)]
        if compared["monitor"]:
            chart_series += [
                ("cumulative_likely_low", _("%(monitor)s, likely (low)") % names),
                ("cumulative_likely_high", _("%(monitor)s, likely (high)") % names),
            ]
    context = {
        **common,
        "figures": figures,
        "lead_comparison": compared,
        "chart": charts.cumulative_chart(figures["by_month"], chart_series) if chart_series else None,
        "lead": figures["monitors"][0] if figures["monitors"] else None,
        "chips": incident_filter.active(),
        "latest_incidents": incident_filter.qs.order_by("-date_start", "code").with_summary_relations(
            incident_filter.as_of_date
        )[:LATEST],
        "as_of": incident_filter.as_of_date,
    }
    return render_to_string("public/_dashboard.html", context, request)


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows: enough to page through, never a full count of a million."""

    @cached_property
    def count(self):
        return self.object_list[: COUNT_CAP + 1].count()

    @property
    def is_capped(self):
        return self.count > COUNT_CAP


def incident_list(request):
    incident_filter = IncidentFilter(request.GET)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-date"
    incidents = incident_filter.qs.order_by(*SORTS[sort]).with_summary_relations(incident_filter.as_of_date)
    paginator = CappedPaginator(incidents, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        **common_context(request, incident_filter),
        "page": page,
        "paginator": paginator,
        "sort": sort,
        "sort_labels": SORT_LABELS,
        "count_cap": COUNT_CAP,
        "as_of": incident_filter.as_of_date,
    }
    return render(request, "public/incident_list.html", context)


def incident_detail(request, code):
    incident = get_object_or_404(Incident.public.prefetch_related("belligerents", "strike_types"), code=code)
    context = {
        "incident": incident,
        "assessments": incident.assessments.select_related("assessor").order_by("assessed_on", "id"),
        "current": incident.official_assessments() + incident.monitor_assessments(),
        "sources": incident.sources.all(),
        "changes": public_change_log(incident),
    }
    return render(request, "public/incident_detail.html", context)


def methodology(request):
    compared = tallies.unfiltered()["comparisons"]
    context = {"likely": tallies.LIKELY_GRADINGS, "example": compared[0] if compared else None}
    return render(request, "public/methodology.html", context)
