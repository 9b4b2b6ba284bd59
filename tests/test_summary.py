"""The figures' summary (reports.figures.summary) always equals the live aggregation: after random changes made
the ways the application makes them (saves, deletes, review transitions, bulk writes), its cells equal cells
rebuilt from scratch, and every view it serves gives the same figures as the live aggregation."""

import datetime
import os
import random
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from reports.figures import statements, summary, tallies
from reports.figures.receivers import rebuild_outdated_summary, records_written
from reports.figures.summary import rebuild
from reports.filters import IncidentFilter
from reports.models import (
    STATED_OPEN_VERDICTS,
    Assessment,
    Assessor,
    AssessorKind,
    Belligerent,
    ComparisonCell,
    ComparisonChange,
    Incident,
    IncidentBelligerent,
    OfficialStatement,
    ReviewState,
    TalliedDay,
    TallyCell,
    TallyChange,
    TallySnapshot,
)
from reports.models.snapshot import SUMMARY_FORMAT
from reports.models.summary import ALL
from tests.factories import (
    make_assessment,
    make_incident,
    make_statement,
    monitor_assessor,
    official_assessor,
    proposed_change,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

D = datetime.date
SERVED_VIEWS = [
    {"country": "Syria"},
    {"governorate": "Raqqa"},
    {"belligerent": "us-led-coalition"},
    {"country": "Syria", "belligerent": "russian-military"},
    {"date_from": "2017-02-01", "date_to": "2017-04-30"},
    {"belligerent": "us-led-coalition", "date_from": "2017-03-01", "governorate": "Nineveh"},
]
# Either side of month ends and of the random assessments' dates, before any of them, and long after.
AS_OF_DATES = [
    D(2016, 12, 31),
    D(2017, 1, 1),
    D(2017, 2, 14),
    D(2017, 2, 28),
    D(2017, 4, 1),
    D(2017, 5, 20),
    D(2018, 1, 1),
]
PLACES = [("Syria", "Raqqa"), ("Syria", "Aleppo"), ("Iraq", "Nineveh"), ("Iraq", "")]
SLUGS = ["us-led-coalition", "russian-military", "syrian-regime"]


def cells(model=TallyCell):
    columns = [field.attname for field in model._meta.concrete_fields if field.name != "id"]
    return Counter(model.objects.values_list(*columns))


def assert_summary_equals_live(label):
    before = {model: cells(model) for model in (TallyCell, TallyChange, ComparisonCell, ComparisonChange, TalliedDay)}
    rebuild()
    for model, kept in before.items():
        assert cells(model) == kept, f"{label}: the kept {model.__name__} rows differ from rows rebuilt from scratch"
    rng = random.Random(label)
    dates = AS_OF_DATES + days_something_changed(rng)
    for params in [{}, *SERVED_VIEWS]:
        incident_filter = IncidentFilter(params)
        summed = compute(tallies.SummaryFigures.of(incident_filter), incident_filter)
        live = compute(tallies.LiveFigures(incident_filter.qs), incident_filter)
        assert summed == live, f"{label}: {params}"
        for as_of in dates if not params else rng.sample(dates, 3):  # every date unfiltered, a few filtered
            incident_filter = IncidentFilter({**params, "as_of": as_of.isoformat()})
            summed = compute(tallies.SummaryFigures.of(incident_filter), incident_filter)
            live = compute(tallies.LiveFigures(incident_filter.qs, as_of), incident_filter)
            assert summed == live, f"{label}: {params} as of {as_of}"


def compute(source, incident_filter):
    """The figures of a filter's view from `source` (the summary's or the records' grouped rows)."""
    belligerent = incident_filter.form.cleaned_data.get("belligerent")
    return tallies.compute(source, incident_filter.qs, incident_filter.as_of_date, belligerent)


def assert_reconciliation_equals_live(label):
    """Each statement beside its assessor's current assessments on its date, of the incidents dated by then
    and attributed to the belligerent it speaks for (the statements here state no countries)."""
    for statement in OfficialStatement.objects.all():
        row = statements.reconciled(statement)
        day = statement.published_on
        current = Assessment.objects.published().current(day).filter(incident__date_start__lte=day)
        official = current.filter(assessor_id=statement.assessor_id, incident__belligerents__slug="us-led-coalition")
        credible = official.filter(verdict="credible")
        expected = {
            "credible_low": sum(low or 0 for low in credible.values_list("killed_min", flat=True)),
            "credible_high": sum(high or low or 0 for low, high in credible.values_list("killed_min", "killed_max")),
            "credible_incidents": credible.count(),
            "open_incidents": official.filter(verdict__in=STATED_OPEN_VERDICTS).count(),
        }
        assert {name: row[name] for name in expected} == expected, f"{label}: the statement of {day}"


def days_something_changed(rng, count=3):
    """A few days on which an incident happened or an assessment was made or superseded, and the day before
    each: where a figure as known on a date can go wrong by one day."""
    days = set(Incident.objects.values_list("date_start", flat=True))
    days |= set(Assessment.objects.values_list("assessed_on", flat=True))
    days |= set(Assessment.objects.exclude(superseded_on=None).values_list("superseded_on", flat=True))
    chosen = rng.sample(sorted(days), min(count, len(days)))
    return [day - datetime.timedelta(days=before) for day in chosen for before in (0, 1)]


def second_official_and_monitor():
    """A Russian ministry (official, speaking for Russia and the regime) and a second monitor: the headline
    crosses each official's verdicts with each monitor's gradings."""
    ministry = Assessor.objects.create(name="Russian MoD (test)", slug="russian-mod", kind=AssessorKind.OFFICIAL)
    ministry.speaks_for.add(*Belligerent.objects.filter(slug__in=SLUGS[1:]))
    Assessor.objects.create(name="Second monitor", slug="second-monitor", kind=AssessorKind.MONITOR)


def random_change(rng, incidents, reviewer):
    incident = rng.choice(incidents)
    incident.refresh_from_db()
    action = rng.randrange(9)
    if action == 0:  # a new assessment, maybe superseding one
        assessor = rng.choice(
            list(Assessor.objects.filter(slug__in=("cjtf-oir", "russian-mod", "airwars", "second-monitor")))
        )
        verdicts = (
            ["credible", "non_credible", "under_review", "reopened", "not_yet_assessed"]
            if assessor.kind == AssessorKind.OFFICIAL
            else ["fair", "weak", "confirmed", "discounted"]
        )
        low = rng.choice([None, 0, rng.randint(1, 40)])
        make_assessment(
            incident,
            assessor,
            verdict=rng.choice(verdicts),
            assessed_on=incident.date_start + datetime.timedelta(days=rng.randint(-10, 60)),
            killed_min=low,
            killed_max=None if low is None or rng.random() < 0.3 else low + rng.randint(0, 9),
        )
    elif action == 1 and incident.assessments.exists():
        rng.choice(list(incident.assessments.all())).delete()
    elif action == 2:  # moves in time and place
        incident.date_start = D(2017, rng.randint(1, 6), rng.randint(1, 28))
        incident.country, incident.governorate = rng.choice(PLACES)
        incident.save()
    elif action == 3:
        slug = rng.choice(SLUGS)
        IncidentBelligerent.objects.get_or_create(incident=incident, belligerent=Belligerent.objects.get(slug=slug))
    elif action == 4 and incident.attributions.exists():
        rng.choice(list(incident.attributions.all())).delete()
    elif action == 5 and incident.review_state == ReviewState.PUBLISHED:
        incident.retract(reviewer, reason="Random retraction", override_reason="Test of the summary")
    elif action == 6 and incident.review_state != ReviewState.PUBLISHED:
        Incident.objects.filter(pk=incident.pk).update(review_state=ReviewState.PUBLISHED)
        incident.refresh_from_db()
        incident.save()
    elif action == 7:  # a bulk writer: no save(), then the one call bulk writers make
        Incident.objects.filter(pk=incident.pk).update(governorate=rng.choice(PLACES)[1], date_start=D(2017, 5, 9))
        records_written([incident.pk])
    elif action == 8 and len(incidents) > 4:
        incidents.remove(incident)
        incident.delete()


def test_the_summary_equals_the_live_aggregation_after_random_changes(admin_user):
    # An admin decides, overriding the four-eyes rule: a bulk write here leaves no history row, so the next
    # decision's history row carries that change, and would make a reviewer its author.
    reviewer = admin_user
    rng = random.Random(20261125)
    second_official_and_monitor()
    incidents = []
    for number in range(10):
        country, governorate = rng.choice(PLACES)
        belligerents = rng.sample(SLUGS, rng.randint(0, 2))
        incident = make_incident(
            date_start=D(2017, 1, 1) + datetime.timedelta(days=number * 13),
            country=country,
            governorate=governorate,
            belligerents=belligerents,
        )
        incidents.append(incident)
        if number % 2:  # an official history: under review, then a verdict a month or two later
            make_assessment(incident, official_assessor(), verdict="under_review", assessed_on=incident.date_start)
            verdict = rng.choice(["credible", "non_credible"])
            later = incident.date_start + datetime.timedelta(days=rng.randint(20, 70))
            make_assessment(
                incident, official_assessor(), verdict=verdict, assessed_on=later, killed_min=number, killed_max=None
            )
    draft = make_incident(review_state=ReviewState.DRAFT, country="Syria", governorate="Raqqa")
    make_assessment(draft, monitor_assessor(), verdict="fair", killed_min=500, killed_max=500)
    for day in AS_OF_DATES:
        make_statement(published_on=day)
    assert_summary_equals_live("start")
    exercised = Counter()
    for round_number in range(8):
        for _ in range(12):
            random_change(rng, incidents, reviewer)
        assert_summary_equals_live(f"round {round_number}")
        assert_reconciliation_equals_live(f"round {round_number}")
        exercised["pairs"] += TallyCell.objects.filter(counted_under="russian-military").exists()
        exercised["replaced verdicts"] += TallyChange.objects.filter(count__lt=0).exists()
        official = Assessment.objects.filter(assessor__kind=AssessorKind.OFFICIAL, verdict__in=STATED_OPEN_VERDICTS)
        exercised["open verdicts"] += official.filter(
            superseded_on__isnull=True, incident__tallied__isnull=False
        ).exists()
        exercised["closed verdicts"] += official.filter(superseded_on__isnull=False).exists()
        crossed = ComparisonCell.objects.exclude(verdict="").filter(monitor__slug="second-monitor")
        exercised["second official"] += crossed.filter(official__slug="russian-mod").exists()
        exercised["replaced crossings"] += ComparisonChange.objects.filter(count__lt=0).exists()
    expected = (
        "pairs",
        "replaced verdicts",
        "open verdicts",
        "closed verdicts",
        "second official",
        "replaced crossings",
    )
    assert all(exercised[name] for name in expected), exercised


def test_views_the_summary_serves_read_the_records_only_for_what_as_of_views_state_apart(war_of_two):
    """Every figure, the headline's comparisons included, comes from the summary. Only as-of views read the
    records: once per official assessor for its undated verdicts left out, once per monitor for the date its
    figures were revised up to."""
    make_statement(published_on=D(2017, 3, 1))  # reconciled once, in the unfiltered figures, and reused
    as_of_views = [{**params, "as_of": "2017-03-01"} for params in SERVED_VIEWS] + [{"as_of": "2017-02-14"}]
    tallies.unfiltered()
    for params in [*SERVED_VIEWS, *as_of_views]:
        incident_filter = IncidentFilter(params)
        with CaptureQueriesContext(connection) as queries:
            figures = tallies.dashboard(incident_filter)
        record_tables = ("reports_assessment", "reports_incident")
        reading = [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in record_tables)]
        allowed = ("as_of" in params) * (len(figures["comparisons"]) + len(figures["monitors"]))
        assert len(reading) <= allowed, (params, reading)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Raqqa"},
        {"date_from": "2017-02-02"},
        {"date_to": "2017-02-27"},
        {"official_verdict": "credible"},
        {"min_killed": "3"},
        {"country": "Syria", "strike_type": "airstrike"},
    ],
)
def test_finer_views_are_aggregated_from_the_records(war_of_two, params):
    incident_filter = IncidentFilter(params)
    assert incident_filter.summary_cells() is None
    assert tallies.dashboard(incident_filter) == compute(
        tallies.LiveFigures(incident_filter.qs, incident_filter.as_of_date), incident_filter
    )


@pytest.fixture
def war_of_two():
    first = make_incident(date_start=D(2017, 2, 14), country="Syria", governorate="Raqqa")
    make_assessment(first, official_assessor(), verdict="credible", killed_min=4, killed_max=None)
    make_assessment(first, monitor_assessor(), verdict="fair", killed_min=5, killed_max=9)
    second = make_incident(date_start=D(2017, 3, 2), country="Iraq", governorate="Nineveh", belligerents=())
    make_assessment(second, monitor_assessor(), verdict="weak", killed_min=None, killed_max=None)


def test_a_corrected_slug_rebuilds_the_summary_and_a_new_name_or_an_unused_slug_does_not(war_of_two):
    coalition = Belligerent.objects.get(slug="us-led-coalition")
    coalition.name = "Coalition (renamed)"
    cell_ids = set(TallyCell.objects.values_list("id", flat=True))
    coalition.save()
    assert set(TallyCell.objects.values_list("id", flat=True)) == cell_ids
    assert "Coalition (renamed)" in {row["label"] for row in tallies.unfiltered()["breakdowns"]["belligerent"]}
    unused = Belligerent.objects.get(slug="syrian-regime")
    unused.slug = "regime"
    unused.save()  # nothing is counted under it: no rebuild
    assert set(TallyCell.objects.values_list("id", flat=True)) == cell_ids
    coalition.slug = "coalition"
    coalition.save()
    assert TallyCell.objects.filter(counted_under="coalition").exists()
    assert not TallyCell.objects.filter(counted_under="us-led-coalition").exists()
    assert_summary_equals_live("after the new slug")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one writer in at a time anyway")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_recounting_the_same_cells_at_once_count_each_incident_once():
    """The second writer waits for the first one's commit; without the lock each would delete what it saw and
    insert its own rows, and the month's incidents would be counted twice."""
    first, second = (
        make_incident(date_start=D(2017, 2, day), country="Syria", governorate="Raqqa", review_state=ReviewState.DRAFT)
        for day in (3, 4)
    )
    second_done = threading.Event()

    def publish(incident):
        Incident.objects.filter(pk=incident.pk).update(review_state=ReviewState.PUBLISHED)
        incident.refresh_from_db()
        incident.save()  # recounts February 2017 in Raqqa

    def second_writer():
        try:
            with transaction.atomic():
                publish(second)
            second_done.set()
        finally:
            connections.close_all()

    other = threading.Thread(target=second_writer)
    with transaction.atomic():
        publish(first)
        other.start()
        finished_before_the_first_committed = second_done.wait(timeout=1)
    other.join()
    assert not finished_before_the_first_committed
    assert second_done.is_set()
    counted = TallyCell.objects.filter(attributed_to=ALL, counted_under=ALL, assessor__isnull=True)
    assert sum(counted.values_list("count", flat=True)) == 2
    assert_summary_equals_live("after two writers")


def test_migrate_builds_a_summary_older_than_the_code(war_of_two):
    """Records that existed before the summary (or before a change to what it holds) are counted once
    `migrate` has run: it rebuilds cells whose format is not the code's."""
    expected = cells()
    TallyCell.objects.all().delete()
    TallySnapshot.objects.update(summary_format=SUMMARY_FORMAT - 1)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert cells() == expected and expected
    assert TallySnapshot.objects.get().summary_format == SUMMARY_FORMAT


def test_migrating_back_to_before_the_summary_leaves_it_alone(war_of_two):
    TallySnapshot.objects.update(summary_format=SUMMARY_FORMAT - 1)
    before_summary = MigrationExecutor(connection).loader.project_state(("reports", "0009_import_identifiers")).apps
    rebuild_outdated_summary(using="default", apps=before_summary)
    assert TallySnapshot.objects.get().summary_format == SUMMARY_FORMAT - 1


def test_the_figures_listen_to_the_domain_as_soon_as_the_app_starts():
    """In a fresh process, not only once a test module has imported `reports.figures.receivers`: the domain's
    signals (`reports.models.changes`) reach the figures' receivers, connected by `ReportsConfig.ready()`."""
    code = (
        "import django; django.setup(); from reports.models import Incident; "
        "from reports.models.changes import changes_starting, records_changed; "
        "print(changes_starting.has_listeners(Incident), records_changed.has_listeners(Incident))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "casualties.settings"}
    command = [sys.executable, "-c", code]
    started = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert started.stdout.split() == ["True", "True"], started.stderr


def test_a_belligerent_filter_still_breaks_its_incidents_down_by_every_belligerent():
    shared = make_incident(date_start=D(2017, 2, 14), belligerents=("us-led-coalition", "russian-military"))
    make_assessment(shared, monitor_assessor(), verdict="fair", killed_min=5, killed_max=9)
    make_incident(date_start=D(2017, 2, 15), belligerents=("syrian-regime",))
    for params in ({"belligerent": "us-led-coalition"}, {"belligerent": "us-led-coalition", "date_from": "2017-02-02"}):
        rows = {row["key"]: row for row in tallies.dashboard(IncidentFilter(params))["breakdowns"]["belligerent"]}
        assert set(rows) == {"us-led-coalition", "russian-military"}, params
        assert rows["russian-military"]["incidents"] == 1, params
        assert rows["russian-military"]["monitors"][0]["alleged_high"] == 9, params


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readers_do_not_wait_for_a_writer_holding_the_figures():
    """A long import holds the snapshot's row until it commits; a reader meanwhile computes the figures from
    what is committed and serves them, without storing them."""
    incident = make_incident(date_start=D(2017, 2, 3))
    make_assessment(incident, monitor_assessor(), verdict="fair", killed_min=3, killed_max=4)
    tallies.unfiltered()
    TallySnapshot.objects.filter(pk=1).update(data_version=F("data_version") + 1)  # a committed change
    holding, done = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                TallySnapshot.objects.select_for_update().get(pk=1)
                holding.set()
                done.wait(timeout=10)
        finally:
            connections.close_all()

    other = threading.Thread(target=writer)
    other.start()
    assert holding.wait(timeout=5)
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting for the writer would raise instead of hang
        figures = tallies.unfiltered()
        assert figures["monitors"][0]["alleged_high"] == 4
        assert not TallySnapshot.objects.get(pk=1).is_fresh  # computed and served, not stored
    finally:
        done.set()
        other.join()


def test_an_approved_change_recounts_the_figures_once_and_correctly(analyst, reviewer):
    incident = make_incident(date_start=D(2017, 2, 14), country="Syria", governorate="Raqqa")
    make_assessment(incident, monitor_assessor(), verdict="fair", killed_min=5, killed_max=9)
    change_set = proposed_change(incident, governorate="Aleppo", date_start="2017-03-01")
    incident.propose_revision(change_set, incident.version, by=analyst, reason="Moved")
    with mock.patch("reports.figures.receivers.summary.refresh", wraps=summary.refresh) as refresh:
        incident.approve(reviewer, "Fine")
    assert refresh.call_count == 1  # however many rows the change saved
    assert_summary_equals_live("after the approved change")
    assert TallyCell.objects.filter(governorate="Aleppo").exists()
    assert not TallyCell.objects.filter(governorate="Raqqa").exists()
