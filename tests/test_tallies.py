"""The tally rules, against numbers worked out by hand; the precomputed snapshot and the derived
`superseded_on` against the live definitions after random changes."""

import datetime
import random

import pytest
from django.db.models import OuterRef, Subquery

from reports.figures import tallies
from reports.filters import IncidentFilter
from reports.models import STATED_OPEN_VERDICTS, Assessment, Incident, ReviewState, TallySnapshot
from tests.factories import make_assessment, make_incident, make_statement, monitor_assessor, official_assessor

pytestmark = pytest.mark.django_db

D = datetime.date


def figures(**params):
    incident_filter = IncidentFilter(params)
    as_of, qs = incident_filter.as_of_date, incident_filter.qs
    belligerent = incident_filter.form.cleaned_data.get("belligerent")
    return tallies.compute(tallies.LiveFigures(qs, as_of), qs, as_of, belligerent)


def headline(**params):
    """The leading official assessor's comparison (CJTF-OIR here)."""
    return figures(**params)["comparisons"][0]


def span(figures, name):
    return figures[f"{name}_low"], figures[f"{name}_high"]


def lines(comparison):
    return {name: line["incidents"] for name, line in comparison["lines"].items() if line["incidents"]}


@pytest.fixture
def war():
    """Four published incidents, assessed over time, plus records that must never count.

    A (2017-03-17): official under review (2017-03-20) → credible 105 (2017-05-25); Airwars confirmed 141–278.
    B (2017-03-01): official credible "at least 4" (no maximum), 2017-04-10; Airwars fair 4–6.
    C (2017-04-02): official non-credible (2017-04-20); Airwars weak 10–12.
    D (2017-04-05): no official assessment; Airwars fair, count unknown (null, not zero).
    """
    official, airwars = official_assessor(), monitor_assessor()
    a = make_incident(
        code="A", date_start=D(2017, 3, 17), country="Iraq", governorate="Nineveh", place_name="Al-Jadida"
    )
    make_assessment(a, official, verdict="under_review", assessed_on=D(2017, 3, 20), killed_min=None, killed_max=None)
    make_assessment(a, official, verdict="credible", assessed_on=D(2017, 5, 25), killed_min=105, killed_max=105)
    make_assessment(a, airwars, verdict="confirmed", assessed_on=D(2017, 3, 18), killed_min=141, killed_max=278)
    b = make_incident(code="B", date_start=D(2017, 3, 1), country="Syria", governorate="Raqqa")
    make_assessment(b, official, verdict="credible", assessed_on=D(2017, 4, 10), killed_min=4, killed_max=None)
    make_assessment(b, airwars, verdict="fair", assessed_on=D(2017, 3, 2), killed_min=4, killed_max=6)
    c = make_incident(code="C", date_start=D(2017, 4, 2), country="Syria", governorate="Raqqa")
    make_assessment(c, official, verdict="non_credible", assessed_on=D(2017, 4, 20), killed_min=None, killed_max=None)
    make_assessment(c, airwars, verdict="weak", assessed_on=D(2017, 4, 3), killed_min=10, killed_max=12)
    d = make_incident(code="D", date_start=D(2017, 4, 5), country="Syria", governorate="Aleppo")
    make_assessment(d, airwars, verdict="fair", assessed_on=D(2017, 4, 6), killed_min=None, killed_max=None)
    # Never counted: a draft and a retracted incident, each with big numbers.
    for state in (ReviewState.DRAFT, ReviewState.RETRACTED):
        hidden = make_incident(code=f"X-{state}", date_start=D(2017, 3, 5), review_state=state)
        make_assessment(hidden, official, verdict="credible", killed_min=1000, killed_max=1000)
        make_assessment(hidden, airwars, verdict="confirmed", killed_min=5000, killed_max=5000)
    return {"A": a, "B": b, "C": c, "D": d}


def test_official_count_sums_current_credible_verdicts_only(war):
    cjtf = headline()
    # A 105 + B "at least 4" (its missing maximum counts as 4); C non-credible adds nothing; D has no verdict.
    assert span(cjtf["total"], "conceded") == (109, 109)
    assert lines(cjtf) == {"credible": 2, "non_credible": 1, "none": 1}
    assert cjtf["incidents"] == 4


def test_monitor_ranges_alleged_and_likely(war):
    (airwars,) = figures()["monitors"]
    assert airwars["assessor"] == "Airwars"
    assert airwars["incidents"] == 4
    assert span(airwars, "alleged") == (141 + 4 + 10, 278 + 6 + 12)
    # Likely = fair + confirmed: A and B; D is fair but its count is unknown, so it adds nothing.
    assert span(airwars, "likely") == (145, 284)
    assert airwars["unknown_count_incidents"] == 1


def test_gap_and_ratio(war):
    gap = headline()["gap"]
    assert (gap["low"], gap["high"]) == (145 - 109, 284 - 109)
    assert (gap["ratio_low"], gap["ratio_high"]) == (1.3, 2.6)


def test_as_of_uses_what_was_known_on_that_date(war):
    # On 2017-04-15: A still under review; B credible since 04-10; C not assessed yet (04-20); D never.
    known = headline(as_of="2017-04-15")
    assert span(known["total"], "conceded") == (4, 4)
    assert lines(known) == {"credible": 1, "open": 1, "none": 2}
    assert figures(as_of="2017-04-15")["incidents"] == 4  # all four happened by then
    # The day before B's credible verdict, nothing had been conceded.
    assert headline(as_of="2017-04-09")["total"]["conceded_low"] == 0
    # A's deaths were under review then: Airwars recorded 141–278 for it.
    assert span(known["lines"]["open"], "likely") == (141, 278)
    # Before C and D happened, they are not in the record at all.
    assert figures(as_of="2017-03-31")["incidents"] == 2


def test_filters_narrow_every_figure(war):
    syria = figures(country="Syria")
    assert syria["incidents"] == 3
    assert syria["comparisons"][0]["total"]["conceded_low"] == 4
    assert syria["monitors"][0]["alleged_low"] == 14
    assert figures(official_verdict="credible")["incidents"] == 2
    assert figures(official_verdict="under_review", as_of="2017-04-01")["incidents"] == 1
    assert figures(grading="weak")["incidents"] == 1
    assert figures(min_killed="100")["incidents"] == 1
    assert figures(q="jadida")["incidents"] == 1  # search covers code, place, title, summary
    assert figures(q="Nineveh")["incidents"] == 0


def test_monthly_cumulative_and_breakdowns(war):
    result = figures()
    months = {row["month"]: row for row in result["by_month"]}
    assert sorted(months) == ["2017-03", "2017-04"]
    assert months["2017-03"]["conceded_low"] == 109  # A and B happened in March
    assert months["2017-04"]["cumulative_conceded_low"] == 109
    assert months["2017-04"]["cumulative_likely_high"] == 284
    by_country = {row["key"]: row for row in result["breakdowns"]["country"]}
    assert by_country["Iraq"]["official_low"] == 105
    assert by_country["Syria"]["incidents"] == 3
    by_belligerent = {row["key"]: row for row in result["breakdowns"]["belligerent"]}
    assert by_belligerent["us-led-coalition"]["incidents"] == 4


def test_reconciliation_puts_a_statement_beside_the_records_of_its_date(war):
    make_statement(published_on=D(2017, 4, 30), civilians_killed=352, reports_under_review=42)
    (row,) = figures()["reconciliation"]
    assert (row["stated_civilians_killed"], row["stated_reports_under_review"]) == (352, 42)
    # By 30 April: B credible (4); A still under review (its credible verdict came in May).
    assert (row["credible_low"], row["open_incidents"]) == (4, 1)
    assert figures(as_of="2017-04-29")["reconciliation"] == []  # not yet published


def test_reconciliation_of_several_statements_in_one_pass_equals_each_computed_alone(war):
    for day in (D(2017, 3, 25), D(2017, 4, 30), D(2017, 6, 1), D(2018, 1, 1)):
        make_statement(published_on=day, civilians_killed=day.month)
    for row in figures()["reconciliation"]:
        day = D.fromisoformat(row["published_on"])
        on_that_date = Assessment.objects.published().current(day).filter(incident__date_start__lte=day)
        official = on_that_date.filter(assessor=official_assessor())
        credible = list(official.filter(verdict="credible").values_list("killed_min", "killed_max"))
        assert row["credible_incidents"] == len(credible), row
        assert row["credible_low"] == sum(low or 0 for low, _high in credible), row
        assert row["credible_high"] == sum(high if high is not None else low or 0 for low, high in credible), row
        assert row["open_incidents"] == official.filter(verdict__in=STATED_OPEN_VERDICTS).count(), row
    assert len({row["credible_low"] for row in figures()["reconciliation"]}) > 1  # the dates make a difference


def test_a_belligerents_official_figure_is_what_it_concedes_itself():
    shared = make_incident(belligerents=("us-led-coalition", "russian-military"))
    make_assessment(shared, official_assessor(), verdict="credible", killed_min=4, killed_max=6)
    make_assessment(shared, monitor_assessor(), verdict="fair", killed_min=10, killed_max=12)
    rows = {row["key"]: row for row in figures()["breakdowns"]["belligerent"]}
    assert span(rows["us-led-coalition"], "official") == (4, 6)
    assert not rows["russian-military"]["has_official"]  # nobody speaks for it: no figure, not CJTF-OIR's
    assert (
        rows["russian-military"]["monitors"][0]["alleged_low"]
        == rows["us-led-coalition"]["monitors"][0]["alleged_low"]
        == 10
    )
    assert headline()["total"]["conceded_low"] == 4


def test_zero_is_a_count_and_null_is_not(war):
    make_assessment(war["D"], official_assessor(), verdict="credible", killed_min=0, killed_max=0)
    cjtf = headline()
    assert cjtf["lines"]["credible"]["incidents"] == 3
    assert cjtf["total"]["conceded_low"] == 109
    assert cjtf["total"]["conceded_unknown"] == 0


# --- Derived and precomputed data equal the live definitions ------------------------------------------


def latest_by_subquery():
    """The plain definition of "current": the latest by (assessed_on, id) per incident and assessor."""
    latest = Assessment.objects.filter(incident=OuterRef("incident"), assessor=OuterRef("assessor")).order_by(
        "-assessed_on", "-id"
    )
    return set(Assessment.objects.filter(id=Subquery(latest.values("id")[:1])).values_list("id", flat=True))


def random_changes(rng, incidents, rounds=40):
    official, airwars = official_assessor(), monitor_assessor()
    for _ in range(rounds):
        incident = rng.choice(incidents)
        action = rng.random()
        if action < 0.5:
            make_random_assessment(rng, incident, official, airwars)
        elif action < 0.7 and incident.assessments.exists():
            rng.choice(list(incident.assessments.all())).delete()
        elif action < 0.85:
            Incident.objects.filter(pk=incident.pk).update(review_state=rng.choice(ReviewState.values))
            incident.save()  # through save(), as the workflow does: marks the snapshot stale
        else:
            assessment = incident.assessments.first()
            if assessment:
                assessment.assessed_on = incident.date_start + datetime.timedelta(days=rng.randint(0, 30))
                assessment.save()


def make_random_assessment(rng, incident, official, airwars):
    low = rng.randint(0, 50)
    assessor = rng.choice([official, airwars])
    verdict = rng.choice(["credible", "non_credible", "under_review"] if assessor == official else ["fair", "weak"])
    make_assessment(
        incident,
        assessor,
        verdict=verdict,
        assessed_on=incident.date_start + datetime.timedelta(days=rng.randint(0, 30)),
        killed_min=low,
        killed_max=low + rng.randint(0, 20),
    )


def test_superseded_on_and_the_snapshot_equal_the_live_definitions_after_random_changes():
    rng = random.Random(1548)
    incidents = [make_incident(date_start=D(2017, 1, 1) + datetime.timedelta(days=n * 9)) for n in range(8)]
    for round_number in range(5):
        random_changes(rng, incidents, rounds=15)
        current = set(Assessment.objects.current().values_list("id", flat=True))
        assert current == latest_by_subquery(), f"round {round_number}"
        snapshot = dict(tallies.dashboard(IncidentFilter({})))
        assert snapshot.pop("data_version") == TallySnapshot.get().data_version  # what the page says it is from
        assert snapshot.pop("computed_at")
        published = Incident.objects.published()
        assert snapshot == tallies.compute(tallies.LiveFigures(published), published), f"round {round_number}"
        assert TallySnapshot.get().is_fresh


def test_the_snapshot_is_read_not_recomputed_while_nothing_changes(django_assert_num_queries, war):
    tallies.dashboard(IncidentFilter({}))  # computes and stores
    with django_assert_num_queries(1):
        tallies.dashboard(IncidentFilter({}))
    make_assessment(war["C"], monitor_assessor(), verdict="fair", killed_min=1, killed_max=1)
    assert not TallySnapshot.get().is_fresh
    assert tallies.dashboard(IncidentFilter({}))["monitors"][0]["likely_low"] == 146


def test_only_changes_readers_can_see_make_the_snapshot_stale(analyst, reviewer):
    tallies.dashboard(IncidentFilter({}))
    draft = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    make_assessment(draft)
    assert TallySnapshot.get().is_fresh
    Incident.objects.filter(pk=draft.pk).update(review_state=ReviewState.PENDING)
    draft.refresh_from_db()
    draft.approve(reviewer)
    assert not TallySnapshot.get().is_fresh
