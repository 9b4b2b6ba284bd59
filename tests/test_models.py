"""The domain's rules: database constraints refuse impossible rows whatever writes them, and model
validation gives the same rules readable messages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reports.models import Assessment, Incident, OfficialStatement, OfficialVerdict, ReviewState, Source
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    make_statement,
    monitor_assessor,
    official_assessor,
)

pytestmark = pytest.mark.django_db


def assert_refused_by_database(queryset, constraint_name=None, **values):
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        queryset.update(**values)
    if constraint_name:
        assert constraint_name in str(refused.value)


# --- The database refuses impossible rows -------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"date_end": datetime.date(2017, 2, 1), "date_start": datetime.date(2017, 3, 1)}, "incident_end_after_start"),
        ({"latitude": Decimal("200"), "longitude": Decimal("10")}, "incident_latitude_range"),
        ({"latitude": Decimal("10"), "longitude": Decimal("-181")}, "incident_longitude_range"),
        ({"latitude": Decimal("10"), "longitude": None}, "incident_coordinates_paired"),
        ({"review_state": "bogus"}, "incident_state_valid"),
    ],
)
def test_database_refuses_impossible_incidents(values, constraint):
    incident = make_incident()
    assert_refused_by_database(Incident.objects.filter(pk=incident.pk), constraint, **values)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"killed_min": 5, "killed_max": 2}, "assessment_killed_min_le_max"),
        ({"injured_min": 9, "injured_max": 1}, "assessment_injured_min_le_max"),
        ({"children_killed_min": 3, "children_killed_max": 0}, "assessment_children_killed_min_le_max"),
        ({"verdict": "bogus"}, "assessment_verdict_valid"),
        ({"verdict": OfficialVerdict.CREDIBLE, "non_credible_reason": "no_strike"}, "reason_only_if_non_credible"),
        ({"killed_min": -1}, None),  # PositiveIntegerField's own CHECK (>= 0)
        ({"women_killed_max": -3}, None),
    ],
)
def test_database_refuses_impossible_assessments(values, constraint):
    assessment = make_assessment(make_incident(), official_assessor())
    assert_refused_by_database(Assessment.objects.filter(pk=assessment.pk), constraint, **values)


def test_database_refuses_duplicate_codes():
    make_incident(code="CS1548")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_incident(code="CS1548")


def test_database_refuses_a_source_with_nothing_to_identify_it():
    source = make_source(make_incident())
    assert_refused_by_database(Source.objects.filter(pk=source.pk), "source_identifiable", url="", publisher="")


def test_database_refuses_a_statement_period_after_publication_and_two_on_one_day():
    statement = make_statement()
    assert_refused_by_database(
        OfficialStatement.objects.filter(pk=statement.pk),
        "statement_period_before_publication",
        period_start=datetime.date(2018, 1, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        make_statement(civilians_killed=400)


def test_unknown_is_not_zero():
    assessment = make_assessment(make_incident(), killed_min=None, killed_max=None, injured_min=0, injured_max=0)
    assessment.refresh_from_db()
    assert assessment.killed_min is None
    assert assessment.injured_min == 0


# --- Validation gives the same rules readable messages -------------------------------------------------


def validation_errors(instance):
    with pytest.raises(ValidationError) as invalid:
        instance.full_clean()
    return invalid.value.message_dict


def new_incident(**fields):
    values = {"code": "CS1", "date_start": datetime.date(2017, 3, 17), "country": "Iraq"}
    values.update(fields)
    return Incident(**values)


def test_valid_incident_passes_validation():
    new_incident(
        date_end=datetime.date(2017, 3, 18), latitude=Decimal("36.34"), longitude=Decimal("43.13")
    ).full_clean()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_end": datetime.date(2017, 3, 1)}, "date_end", "The end date is before the start date."),
        ({"latitude": Decimal("200"), "longitude": Decimal("10")}, "latitude", "less than or equal to 90"),
        ({"latitude": Decimal("35"), "longitude": Decimal("4239.00416")}, "longitude", "less than or equal to 180"),
        ({"latitude": Decimal("35")}, "longitude", "Give both latitude and longitude, or neither."),
        ({"code": "CS 1548 <b>"}, "code", "Use letters, digits, dots, dashes and underscores only"),
        ({"country": ""}, "country", "This field cannot be blank."),
    ],
)
def test_incident_validation_messages(fields, field, message):
    errors = validation_errors(new_incident(**fields))
    assert any(message in text for text in errors[field]), errors


def test_incident_dates_cannot_be_in_the_future():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert validation_errors(new_incident(date_start=tomorrow))["date_start"] == ["This date is in the future."]


def test_duplicate_code_is_a_validation_message():
    make_incident(code="CS1")
    assert "Incident with this Code already exists." in validation_errors(new_incident())["code"]


def new_assessment(assessor, **fields):
    values = {"incident": make_incident(), "assessor": assessor, "verdict": OfficialVerdict.CREDIBLE}
    values.update({"assessed_on": datetime.date(2017, 4, 1), **fields})
    return Assessment(**values)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"killed_min": 5, "killed_max": 2}, "killed_max", "The maximum (2) is below the minimum (5)."),
        ({"injured_min": 3, "injured_max": 1}, "injured_max", "The maximum (1) is below the minimum (3)."),
        ({"killed_min": -1}, "killed_min", "greater than or equal to 0"),
        ({"verdict": "fair"}, "verdict", "CJTF-OIR is an official assessor"),
        ({"non_credible_reason": "no_strike"}, "non_credible_reason", "only to a non-credible verdict"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "Enter a valid URL."),
    ],
)
def test_assessment_validation_messages(fields, field, message):
    errors = validation_errors(new_assessment(official_assessor(), **fields))
    assert any(message in text for text in errors[field]), errors


def test_monitor_assessor_takes_gradings_not_official_verdicts():
    errors = validation_errors(new_assessment(monitor_assessor(), verdict=OfficialVerdict.CREDIBLE))
    assert "Airwars is an independent monitor" in errors["verdict"][0]
    new_assessment(monitor_assessor(), verdict="confirmed", killed_min=3, killed_max=3).full_clean()


def test_only_official_assessors_publish_statements():
    statement = OfficialStatement(assessor=monitor_assessor(), published_on=datetime.date(2017, 4, 30))
    assert "Statements are published by official assessors only." in validation_errors(statement)["assessor"]


def test_the_april_2017_coalition_statement_is_a_record():
    statement = make_statement(
        period_start=datetime.date(2014, 8, 8),
        civilians_killed=352,
        reports_under_review=42,
        reports_received=396,
        reports_credible=102,
    )
    statement.full_clean()
    assert (statement.civilians_killed, statement.reports_under_review) == (352, 42)


# --- Querysets ----------------------------------------------------------------------------------------


def test_published_yields_only_published_incidents():
    published = make_incident(review_state=ReviewState.PUBLISHED)
    for state in set(ReviewState.values) - {ReviewState.PUBLISHED}:
        make_incident(review_state=state)
    assert list(Incident.objects.published()) == [published]
    assert published.published_at is not None


def test_published_assessments_and_sources_follow_their_incident():
    shown, hidden = make_incident(), make_incident(review_state=ReviewState.DRAFT)
    for incident in (shown, hidden):
        make_assessment(incident)
        make_source(incident)
    assert {a.incident for a in Assessment.objects.published()} == {shown}
    assert {s.incident for s in Source.objects.published()} == {shown}


def test_current_assessment_is_the_latest_per_assessor_as_known_on_a_date():
    incident = make_incident()
    coalition, airwars = official_assessor(), monitor_assessor()
    under_review = make_assessment(
        incident, coalition, verdict="under_review", assessed_on=datetime.date(2017, 4, 1), killed_min=None
    )
    credible = make_assessment(incident, coalition, verdict="credible", assessed_on=datetime.date(2017, 9, 1))
    monitor = make_assessment(incident, airwars, assessed_on=datetime.date(2017, 3, 20))

    assert set(Assessment.objects.current()) == {credible, monitor}
    assert set(Assessment.objects.current(as_of=datetime.date(2017, 5, 1))) == {under_review, monitor}
    assert set(Assessment.objects.current(as_of=datetime.date(2017, 3, 25))) == {monitor}
    assert not Assessment.objects.current(as_of=datetime.date(2017, 3, 1)).exists()


def test_same_day_assessments_resolve_to_the_one_entered_last():
    incident = make_incident()
    make_assessment(incident, killed_min=1, killed_max=1)
    later = make_assessment(incident, killed_min=2, killed_max=2)
    assert list(Assessment.objects.current()) == [later]


def test_summary_relations_take_the_same_number_of_queries_for_any_number_of_rows(django_assert_num_queries):
    def list_with_summaries():
        for incident in Incident.objects.published().with_summary_relations():
            [b.name for b in incident.belligerents.all()]
            [(a.assessor.name, a.range_display()) for a in incident.official_assessments()]
            [a.assessor.name for a in incident.monitor_assessments()]

    for _ in range(3):
        incident = make_incident()
        make_assessment(incident)
        make_assessment(incident, official_assessor())
    with django_assert_num_queries(3):
        list_with_summaries()
    for _ in range(20):
        incident = make_incident(belligerents=("us-led-coalition", "russian-military"))
        make_assessment(incident)
    with django_assert_num_queries(3):
        list_with_summaries()


def test_a_single_incident_splits_its_current_assessments_by_assessor_kind():
    incident = make_incident()
    make_assessment(incident, official_assessor(), verdict="under_review", assessed_on=datetime.date(2017, 4, 1))
    credible = make_assessment(incident, official_assessor(), assessed_on=datetime.date(2017, 6, 1))
    monitor = make_assessment(incident)
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.official_assessments(), fresh.monitor_assessments()) == ([credible], [monitor])


@pytest.mark.parametrize(
    ("low", "high", "shown"), [(None, None, "?"), (3, None, "≥ 3"), (None, 7, "7"), (4, 4, "4"), (2, 5, "2–5")]
)
def test_range_display(low, high, shown):
    assert Assessment(killed_min=low, killed_max=high).range_display() == shown
