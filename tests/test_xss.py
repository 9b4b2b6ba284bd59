"""Stored XSS: a script in every free-text field of every record is shown escaped on every page (public,
analyst and admin) and kept intact but inert in every export; CSV cells that a spreadsheet would run as a
formula are neutralised."""

import csv
import io
import itertools

import pytest
from django.db import models
from django.urls import reverse

from reports.models import (
    Assessment,
    Assessor,
    AssessorKind,
    Belligerent,
    Incident,
    IncidentBelligerent,
    OfficialStatement,
    ReviewDecision,
    ReviewState,
    Source,
    StrikeType,
)
from tests.factories import make_assessment, make_incident, make_source, make_statement, official_assessor

pytestmark = pytest.mark.django_db

# The code has its own validator and URL converter; an import's digest is a hash it writes itself; an incident's
# search text is derived by save() (from fields poisoned here) and shown nowhere.
NOT_FREE_TEXT = {"code", "review_state", "import_digest", "search_text"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_numbers = itertools.count(1)


def payload():
    """A unique script per field (so each one can be traced), starting like a spreadsheet formula."""
    return f"=<script>alert({next(_numbers)})</script>"


def poisoned(model, **fixed):
    """Every free-text field of `model` (text, char and URL fields without choices) set to a payload."""
    values = dict(fixed)
    for field in model._meta.concrete_fields:
        if (
            isinstance(field, models.CharField | models.TextField)
            and not field.choices
            and not isinstance(field, models.SlugField)
            and field.name not in NOT_FREE_TEXT
            and field.name not in values
        ):
            values[field.name] = payload()
    return values


@pytest.fixture
def poisoned_records(analyst):
    """The poisoned incident, and the numbers of its payloads."""
    first = next(_numbers) + 1
    belligerent = Belligerent.objects.create(slug="xss-belligerent", **poisoned(Belligerent))
    monitor = Assessor.objects.create(slug="xss-monitor", kind=AssessorKind.MONITOR, **poisoned(Assessor))
    strike_type = StrikeType.objects.create(slug="xss-strike", **poisoned(StrikeType))
    incident = make_incident(code="CS-XSS", belligerents=(), **poisoned(Incident))
    IncidentBelligerent.objects.create(incident=incident, belligerent=belligerent)
    incident.strike_types.add(strike_type)
    make_source(incident, **poisoned(Source))
    # An assessment's external identifier (the importer's key) is shown nowhere.
    make_assessment(incident, monitor, **poisoned(Assessment, verdict="fair", external_id="x:1"))
    make_assessment(incident, official_assessor(), **poisoned(Assessment, verdict="credible", external_id="x:2"))
    make_statement(**poisoned(OfficialStatement))
    ReviewDecision.objects.create(
        incident=incident,
        decided_by=analyst,
        from_state=ReviewState.PENDING,
        to_state=ReviewState.PUBLISHED,
        **poisoned(ReviewDecision),
    )
    return incident, range(first, next(_numbers))


def pages(incident):
    assessment = incident.assessments.first()
    return [
        reverse("reports:home"),
        reverse("reports:incident_list"),
        reverse("reports:public_incident", args=[incident.code]),
        reverse("reports:methodology"),
        reverse("reports:work_incident", args=[incident.code]),
        reverse("reports:incident_edit", args=[incident.code]),
        reverse("reports:my_work"),
        reverse("admin:reports_incident_changelist") + "?state=all",
        reverse("admin:reports_incident_change", args=[incident.pk]),
        reverse("admin:reports_incident_history", args=[incident.pk]),
        reverse("admin:reports_assessment_changelist"),
        reverse("admin:reports_assessment_change", args=[assessment.pk]),
        reverse("admin:reports_source_changelist"),
        reverse("admin:reports_source_change", args=[incident.sources.first().pk]),
        reverse("admin:reports_officialstatement_changelist"),
        reverse("admin:reports_officialstatement_change", args=[OfficialStatement.objects.latest("pk").pk]),
        reverse("admin:reports_belligerent_changelist"),
        reverse("admin:reports_assessor_changelist"),
        reverse("admin:reports_striketype_changelist"),
    ]


def test_every_payload_is_escaped_on_every_page(client, admin_user, poisoned_records):
    incident, payloads = poisoned_records
    client.force_login(admin_user)
    shown = ""
    for url in pages(incident):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<script>alert(" not in html, f"unescaped payload on {url}"
        assert "onerror=" not in html
        shown += html
    # The test proves something only because every payload is on some page, escaped.
    assert [number for number in payloads if f"&lt;script&gt;alert({number})" not in shown] == []
    assert len(payloads) > 30


def test_the_csv_export_neutralises_formulas(client, poisoned_records):
    response = client.get(reverse("reports:incidents_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows[1:] for cell in row if "alert(" in cell]
    assert len(cells) >= 10
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS), cell
        assert cell.startswith("'=<script>")
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("export", ["reports:incidents_json", "reports:tallies_json"])
def test_json_exports_keep_the_text_but_are_never_html(client, poisoned_records, export):
    response = client.get(reverse(export))
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if export == "reports:incidents_json":
        assert b"<script>alert(" in body  # the record as written: JSON carries data, escaping is the reader's
