"""Pages for anonymous readers. They read through `published()` only."""

from django.shortcuts import render

from reports.demo import DEMO_CODE_PREFIX
from reports.models import Incident, OfficialStatement

LATEST_COUNT = 10


def home(request):
    published = Incident.objects.published()
    context = {
        "published_count": published.count(),
        "latest_incidents": published.with_summary_relations()[:LATEST_COUNT],
        "latest_statement": OfficialStatement.objects.select_related("assessor").first(),
        "has_demo_data": published.filter(code__startswith=DEMO_CODE_PREFIX).exists(),
    }
    return render(request, "reports/home.html", context)
