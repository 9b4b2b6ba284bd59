"""The synthetic data generator: valid, published, marked data, with assessment histories whose derived
`superseded_on` agrees with the model's rule, and codes that never collide between runs."""

import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from reports.devdata import synthetic
from reports.models import (
    Assessment,
    Assessor,
    Grading,
    Incident,
    IncidentBelligerent,
    OfficialStatement,
    OfficialVerdict,
    ReviewState,
    Source,
)
from reports.models.summary import TallyChange
from tests.test_summary import assert_summary_equals_live

pytestmark = pytest.mark.django_db

COUNT = 200


@pytest.fixture
def written():
    return synthetic.generate(COUNT, seed=42)


def test_counts_match_the_database(written):
    assert written["incidents"] == Incident.objects.count() == COUNT
    assert written["attributions"] == IncidentBelligerent.objects.count()
    assert written["assessments"] == Assessment.objects.count()
    assert written["sources"] == Source.objects.count()
    assert written["statements"] == OfficialStatement.objects.count() == len(synthetic.STATEMENT_MONTHS)


def test_records_are_valid_published_and_marked(written):
    incidents = list(Incident.objects.order_by("id")[:20])
    for incident in incidents:
        incident.full_clean()
        assert incident.code.startswith("SYN-")
        assert incident.review_state == ReviewState.PUBLISHED and incident.published_at is not None
        assert synthetic.FIRST_DAY <= incident.date_start <= synthetic.LAST_DAY
        assert incident.country in ("Syria", "Iraq")
        assert (incident.latitude is None) == (incident.longitude is None)
    for model in (Assessment, Source, IncidentBelligerent, OfficialStatement):
        for record in model.objects.filter(**_of_incidents(model, incidents))[:30]:
            record.full_clean()
    assert not Source.objects.exclude(url__startswith="https://example.org/synthetic/").exists()
    assert set(Incident.objects.values_list("date_precision", flat=True)) >= {"day"}


def _of_incidents(model, incidents):
    return {} if model is OfficialStatement else {"incident__in": incidents}


def test_shape_is_plausible(written):
    located = Incident.objects.filter(latitude__isnull=False).count()
    assert 0.5 * COUNT < located < 0.9 * COUNT
    assert Incident.objects.filter(country="Syria", latitude__range=(32, 38), longitude__range=(35, 43)).exists()
    attributions = IncidentBelligerent.objects.values_list("incident_id", flat=True)
    per_incident = defaultdict(int)
    for incident_id in attributions:
        per_incident[incident_id] += 1
    assert set(per_incident.values()) <= {1, 2} and len(per_incident) == COUNT


def test_every_incident_has_a_current_monitor_assessment(written):
    monitor = Assessor.objects.get(slug="airwars")
    current = Assessment.objects.current().filter(assessor=monitor)
    assert current.count() == current.values("incident").distinct().count() == COUNT
    assert set(current.values_list("verdict", flat=True)) <= set(Grading.values)
    for incident in Incident.objects.all():
        assert incident.grading == current.get(incident=incident).verdict


def test_coalition_incidents_have_an_official_history(written):
    official = Assessor.objects.get(slug="cjtf-oir")
    coalition = set(Incident.objects.filter(belligerents__slug="us-led-coalition").values_list("id", flat=True))
    assessed = set(Assessment.objects.filter(assessor=official).values_list("incident_id", flat=True))
    assert coalition and assessed == coalition
    verdicts = set(Assessment.objects.current().filter(assessor=official).values_list("verdict", flat=True))
    assert {OfficialVerdict.CREDIBLE, OfficialVerdict.NON_CREDIBLE} <= verdicts
    first = Assessment.objects.filter(assessor=official, superseded_on__isnull=False)
    assert set(first.values_list("verdict", flat=True)) <= {
        OfficialVerdict.UNDER_REVIEW,
        OfficialVerdict.NOT_YET_ASSESSED,
    }
    assert not Assessment.objects.filter(verdict=OfficialVerdict.NON_CREDIBLE, non_credible_reason="").exists()


def test_assessment_dates_lie_between_the_incident_and_today(written):
    today = timezone.localdate()
    for assessed_on, date_start in Assessment.objects.values_list("assessed_on", "incident__date_start"):
        assert date_start <= assessed_on <= today


def test_superseded_on_follows_the_latest_by_date_then_id(written):
    by_history = defaultdict(list)
    for row in Assessment.objects.values("id", "incident_id", "assessor_id", "assessed_on", "superseded_on"):
        by_history[row["incident_id"], row["assessor_id"]].append(row)
    for rows in by_history.values():
        rows.sort(key=lambda row: (row["assessed_on"], row["id"]))
        expected = [row["assessed_on"] for row in rows[1:]] + [None]
        assert [row["superseded_on"] for row in rows] == expected


def test_the_summary_built_equals_a_rebuild_and_the_live_figures(written):
    assert_summary_equals_live("generated")


def test_the_history_has_its_indexes_again(written):
    """On PostgreSQL the generator's rebuild drops the history's indexes during the load and builds them after."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TallyChange._meta.db_table)
    assert {index.name for index in TallyChange._meta.indexes} <= set(constraints)


def test_a_second_run_continues_the_codes(written):
    synthetic.generate(30, seed=42)
    codes = sorted(Incident.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == COUNT + 30
    assert codes[-1] == f"SYN-{COUNT + 30:07d}"
    assert OfficialStatement.objects.count() == len(synthetic.STATEMENT_MONTHS)  # existing ones skipped


def test_the_command_prints_the_count():
    out = io.StringIO()
    call_command("generate_synthetic", incidents=25, seed=1, stdout=out)
    assert "Generated 25 synthetic incidents" in out.getvalue()
    assert "rows/s" in out.getvalue()
    assert Incident.objects.count() == 25
