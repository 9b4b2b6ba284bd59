"""Pages for anonymous readers. They read incidents through `Incident.public` only (the FilterSet starts from
it), and every figure comes from `reports.figures.tallies`. Each is a `@public_page`: the same for every
reader, rendered without cookies, kept in the shared cache and validated by the data's version
(`reports.page_cache`), for the query parameters it names."""

import datetime
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.translation import get_language, get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _

from reports import page_cache
from reports.devdata.demo import demo_loaded
from reports.figures import charts, tallies
from reports.figures import map as maps
from reports.figures.formatting import isolated_name
from reports.filters import IncidentFilter
from reports.history import public_change_log
from reports.models import Incident
from reports.models.reference import reference_name
from reports.page_cache import public_page
from reports.views import citation

LATEST = 10
FILTERS = tuple(IncidentFilter.base_filters)
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
    ("-date", gettext_lazy("newest first")),
    ("date", gettext_lazy("oldest first")),
    ("code", gettext_lazy("code")),
    ("country", gettext_lazy("country and governorate")),
    ("place", gettext_lazy("place")),
]


def common_context(request, incident_filter):
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter": incident_filter,
        "query": query.urlencode(),
        "feed_query": urlencode([(name, value) for name, value in query.items() if name in FILTERS]),
        "has_demo_data": demo_loaded(),
    }


@public_page(params=(*FILTERS, "map"), cites=True)
def dashboard(request):
    incident_filter = IncidentFilter(request.GET)
    common = common_context(request, incident_filter)
    figures = tallies.dashboard(incident_filter)
    stamp = counted(request, figures, incident_filter)
    context = {
        **common,
        "counted": stamp,
        "figures_content": figures_content(request, incident_filter, figures, common, stamp),
        "latest_incidents": latest(incident_filter, "-date_start"),
        "recently_published": latest(incident_filter, "-published_at"),
        **citation.cite_block(citation.dataset_citation(request), "reports:cite_dataset"),
    }
    return render(request, "public/dashboard.html", context)


def latest(incident_filter, order):
    """The first LATEST incidents in view by `order`, newest first: by the strike's date, or by publication (a
    record newly published about 2017 is news too). Each order has its index (`Incident.Meta.indexes`)."""
    incidents = incident_filter.qs.order_by(order, "code")
    if order == "-published_at":
        # Every way of publishing dates a record; one without the date would come first on PostgreSQL (NULLs first).
        incidents = incidents.filter(published_at__isnull=False)
    return incidents.with_summary_relations(incident_filter.as_of_date)[:LATEST]


def figures_content(request, incident_filter, figures, common, stamp):
    """The dashboard's figures, chart and breakdowns. Without a query, they depend only on the stored figures
    (their version and time: `stamp`), the language and the code: rendered once per recount and kept (most of
    the page's rendering time), so a publication's next reader waits for the latest incidents only. The map's
    choice of figure (`map`) is part of the key."""
    if stamp is None or set(request.GET) - {"map"}:  # with a filter (or its errors), the part is its own
        return render_figures(request, incident_filter, figures, common)
    shade_by = request.GET.get("map", "")
    if shade_by and shade_by not in maps.FIGURES:
        return render_figures(request, incident_filter, figures, common)
    key = f"dashboard-figures:{stamp['version']}:{figures['computed_at']}:{get_language()}:{shade_by}"
    return page_cache.kept_fragment(key, lambda: render_figures(request, incident_filter, figures, common))


def render_figures(request, incident_filter, figures, common):
    compared = figures["comparisons"][0] if figures["comparisons"] else None
    chart_series = []
    if compared:
        names = {
            "official": isolated_name(reference_name(compared["assessor"])),
            "monitor": isolated_name(reference_name(compared["monitor"])),
        }
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
        "chart": charts.cumulative_chart(figures["by_month"], chart_series, rtl=get_language_bidi())
        if chart_series
        else None,
        "lead": figures["monitors"][0] if figures["monitors"] else None,
        "chips": incident_filter.active(),
        "as_of": incident_filter.as_of_date,
        "map": maps.dashboard_map(figures, incident_filter.qs, incident_filter.as_of_date, request.GET.get("map")),
    }
    return render_to_string("public/_dashboard_figures.html", context, request)


def counted(request, figures, incident_filter):
    """Which version of the data the unfiltered figures were counted from, when, and whether a change made
    since is still being counted (the recount worker's job): the page says so. Filtered figures are counted
    for each request: None."""
    if incident_filter.is_filtered() or "data_version" not in figures:
        return None
    latest = getattr(request, "public_version", None)
    return {
        "version": figures["data_version"],
        "at": datetime.datetime.fromisoformat(figures["computed_at"]),
        "pending": latest is not None and figures["data_version"] < latest.data_version,
    }


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows: enough to page through, never a full count of a million."""

    @cached_property
    def count(self):
        # Unordered: the first rows found, whichever they are (ordered, PostgreSQL may walk the order's index
        # through most of the table to find the matches of a rare filter, such as a text search).
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def is_capped(self):
        return self.count > COUNT_CAP


@public_page(params=(*FILTERS, "sort", "page"))
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


@public_page(cites=True)
def incident_detail(request, code):
    incident = get_object_or_404(Incident.public.prefetch_related("belligerents", "strike_types"), code=code)
    context = {
        "incident": incident,
        "assessments": incident.assessments.select_related("assessor", "source").order_by("assessed_on", "id"),
        "current": incident.official_assessments() + incident.monitor_assessments(),
        "sources": incident.sources.all(),
        "changes": public_change_log(incident),
        "locator": maps.locator_map(incident),
        **citation.cite_block(citation.incident_citation(request, incident), "reports:cite_incident", incident.code),
    }
    return render(request, "public/incident_detail.html", context)


@public_page()
def methodology(request):
    compared = tallies.unfiltered()["comparisons"]
    context = {"likely": tallies.LIKELY_GRADINGS, "example": compared[0] if compared else None}
    return render(request, "public/methodology.html", context)
