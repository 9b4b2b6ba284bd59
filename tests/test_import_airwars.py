"""Airwars' real Syria files, imported: the dashboard's per-belligerent figures equal totals recomputed here
straight from the CSV, and the file's known quirks are reported with their row numbers."""

import csv
import datetime
import io
from collections import defaultdict

import pytest

from reports.figures import statements, tallies
from reports.filters import IncidentFilter
from reports.importing import airwars
from reports.importing.report import ImportReport
from reports.importing.writer import Options, run_import
from reports.models import Assessment, Assessor, Incident, OfficialVerdict, ReviewState, Source
from tests.factories import import_approver, make_statement
from tests.shared_data import shared_data

pytestmark = pytest.mark.django_db
FILES = ("airwars_syria_incidents.csv", "airwars_syria_belligerent_assessments.csv", "airwars_syria_sources.csv")


def import_files(paths, user, state=ReviewState.PUBLISHED, dry_run=False):
    report = ImportReport(dry_run=dry_run)
    files = [open(path, encoding="utf-8", newline="") for path in paths]  # noqa: SIM115
    try:
        approver = import_approver() if state == ReviewState.PUBLISHED else None
        options = Options(user, state, "Imported", dry_run=dry_run, approved_by=approver)
        run_import(lambda: airwars.read(*files, report=report, user=user), options, report)
    finally:
        for file in files:
            file.close()
    return report


def rows(path):
    with open(path, encoding="utf-8", newline="") as file:
        return [(number, row) for number, row in enumerate(csv.DictReader(file), start=2)]


def count(text):
    return int(text) if text else None


def low_high(minimum, maximum):
    """The tallies' rule: an unknown minimum adds 0, a missing maximum counts as the minimum."""
    low, high = count(minimum), count(maximum)
    return (low or 0), (high if high is not None else (low or 0))


def kept_incidents(incidents_path):
    """The incidents the file lets us import: a date, and not the 1970 placeholder."""
    return {
        row["airwars_id"]: row
        for _number, row in rows(incidents_path)
        if row["incident_date"] and row["incident_date"] >= "1990"
    }


def expected_totals(incidents_path, assessments_path):
    """Per belligerent slug, straight from the files: Airwars' likely and alleged (all grades but Discounted)
    deaths over the incidents attributed to it (by the incidents file, or a row of the assessments file)."""
    kept = kept_incidents(incidents_path)
    parties = {
        airwars_id: {airwars.BELLIGERENT_NAMES[name.strip()] for name in row["belligerents"].split(",") if name.strip()}
        for airwars_id, row in kept.items()
    }
    for _number, row in rows(assessments_path):
        if row["airwars_id"] in kept:
            parties[row["airwars_id"]].add(airwars.BELLIGERENT_CODES[row["belligerent"]])
    totals = defaultdict(lambda: defaultdict(int))
    for airwars_id, row in kept.items():
        low, high = low_high(row["civilians_killed_min"], row["civilians_killed_max"])
        grading = row["airwars_grading"].split(",")[0].strip().lower()
        for slug in parties[airwars_id]:
            if grading != "discounted":
                totals[slug]["alleged_low"] += low
                totals[slug]["alleged_high"] += high
            if grading in ("confirmed", "fair"):
                totals[slug]["likely_low"] += low
                totals[slug]["likely_high"] += high
    return totals


LINES = {"credible": "credible", "open_incident": "open", "non_credible": "non_credible", "duplicate": "duplicate"}


def expected_coalition_headline(incidents_path, assessments_path, as_of=None):
    """CJTF-OIR beside Airwars over the coalition's incidents, straight from the files, by the rules the
    methodology states: "not yet assessed" is no verdict; a verdict is CJTF-OIR's when its row is the coalition's
    or its statement is on CJTF-OIR's site (the first such row per incident); it counts from its first
    statement, and one with no statement date is left out of a view as known on a past date; Airwars' figures
    (revisions without history) count from the start."""
    kept = kept_incidents(incidents_path)
    coalition = {key for key, row in kept.items() if "U.S.-led Coalition" in row["belligerents"]}
    verdicts, seen = {}, set()
    for _number, row in rows(assessments_path):
        key = (row["airwars_id"], row["belligerent"])
        if row["airwars_id"] not in kept or key in seen:
            continue
        seen.add(key)
        if row["belligerent"] == "coalition":
            coalition.add(row["airwars_id"])
        cjtf = row["belligerent"] == "coalition" or "inherentresolve.mil" in row["last_statement_url"]
        if row["belligerent_assessment"] != "not_yet_assessed" and cjtf:
            verdicts.setdefault(row["airwars_id"], row)
    expected = defaultdict(int)
    for airwars_id in coalition:
        incident = kept[airwars_id]
        if as_of and incident["incident_date"] > as_of:
            continue
        expected["incidents"] += 1
        verdict = verdicts.get(airwars_id)
        stated_on = verdict and (verdict["first_statement_date"] or verdict["last_statement_date"])
        if verdict and as_of and not stated_on:
            expected["undated_left_out"] += 1
        if verdict and as_of and (not stated_on or stated_on > as_of):
            verdict = None
        line = LINES[verdict["belligerent_assessment"]] if verdict else "none"
        expected[line] += 1
        if line == "credible":
            low, high = low_high(verdict["civilian_deaths_conceded_min"], verdict["civilian_deaths_conceded_max"])
            expected["conceded_low"] += low
            expected["conceded_high"] += high
        low, high = low_high(incident["civilians_killed_min"], incident["civilians_killed_max"])
        grading = incident["airwars_grading"].split(",")[0].strip().lower()
        if grading in ("confirmed", "fair"):
            expected["likely_low"] += low
            expected["likely_high"] += high
        if grading != "discounted":
            expected["alleged_low"] += low
            expected["alleged_high"] += high
    return expected


@pytest.fixture
def importer(db):
    from tests.factories import make_user

    return make_user("ines-importer", "reviewer")


def shown_headline(comparison):
    lines, total = comparison["lines"], comparison["total"]
    shown = {name: line["incidents"] for name, line in lines.items() if line["incidents"]}
    shown |= {name: total[name] for name in ("incidents", "conceded_low", "conceded_high")}
    shown |= {name: total[name] for name in ("likely_low", "likely_high", "alleged_low", "alleged_high")}
    if comparison.get("undated_left_out"):
        shown["undated_left_out"] = comparison["undated_left_out"]
    return shown


def test_dashboard_figures_equal_the_files_totals(importer):
    paths = shared_data(*FILES)
    report = import_files(paths, importer)

    # The headline: CJTF-OIR beside Airwars over the same (coalition) incidents, today and as of 30 April 2017.
    figures = tallies.unfiltered()
    lead = figures["comparisons"][0]
    assert (lead["assessor"], figures["lead_monitor"]) == ("CJTF-OIR", "Airwars")
    assert shown_headline(lead) == dict(expected_coalition_headline(paths[0], paths[1]))
    assert lead["lines"]["open"]["incidents"] == 68  # what CJTF-OIR itself stated open, as Airwars records it
    assert lead["gap"]["ratio_low"] < lead["gap"]["ratio_high"] < 15  # like with like: about 8–14 times
    as_of = tallies.dashboard(IncidentFilter({"as_of": "2017-04-30"}))
    expected = expected_coalition_headline(paths[0], paths[1], as_of="2017-04-30")
    assert shown_headline(as_of["comparisons"][0]) == dict(expected)
    assert expected["credible"] > 0 and expected["undated_left_out"] > 0 and expected["likely_high"] > 0
    assert as_of["monitors"][0]["revised_up_to"]  # Airwars' figures, shown with the date they were revised to

    # The coalition's statement of 30 April 2017 covers Iraq and Syria since August 2014: the records hold the
    # Syrian part, and count in it what the dashboard as known on that day counts.
    statement = make_statement(countries="Iraq; Syria", period_start=datetime.date(2014, 8, 1))
    row = statements.reconciled(statement)
    assert (row["countries_held"], row["countries_not_held"]) == (["Syria"], ["Iraq"])
    assert (row["credible_incidents"], row["credible_low"]) == (expected["credible"], expected["conceded_low"])
    assert row["incidents"] == expected["incidents"]

    # Under the Russia filter, only an assessor speaking for Russia; nobody sums CJTF-OIR's verdicts there.
    russia = tallies.dashboard(IncidentFilter({"belligerent": "russian-military"}))
    assert [c["assessor"] for c in russia["comparisons"]] == ["Russian military (official)"]
    assert russia["comparisons"][0]["total"]["conceded_high"] == 0

    # Each breakdown row per belligerent: Airwars' own likely and alleged over its incidents.
    shown = {row["key"]: row for row in figures["breakdowns"]["belligerent"]}
    expected = expected_totals(paths[0], paths[1])
    assert set(expected) <= set(shown)
    for slug, totals in expected.items():
        airwars_figures = shown[slug]["monitors"][0]
        assert {name: airwars_figures[name] for name in totals} == dict(totals), slug
    assert shown["us-led-coalition"]["official_high"] == lead["total"]["conceded_high"]
    assert not shown["turkish-military"]["has_official"]  # publishes no casualty assessments: not a 0

    imported = len(rows(paths[0])) - report.counts["incidents"]["skipped"]
    assert Incident.objects.count() == imported == report.counts["incidents"]["created"]
    assert Source.objects.count() == report.counts["sources"]["created"]
    assert Assessment.objects.count() == report.counts["assessments"]["created"]
    assert not Assessment.objects.filter(verdict=OfficialVerdict.NOT_YET_ASSESSED).exists()  # placeholders
    assert not Assessor.objects.filter(speaks_for__slug="unknown").exists()  # nobody speaks for "unknown"
    assert tallies.dashboard(IncidentFilter({"belligerent": "unknown"}))["comparisons"] == []
    for code in Incident.objects.values_list("code", flat=True):  # each one an address (combined codes joined)
        Incident._meta.get_field("code").run_validators(code)
    # Each governorate under one name, whichever of Airwars' spellings the row used.
    governorates = set(Incident.objects.values_list("governorate", flat=True))
    assert {"Raqqa", "Deir Ezzor", "Al-Hasakah", "Aleppo", "Idlib"} <= governorates
    assert not governorates & {"Ar Raqqah", "Deir ez-Zor", "Al Hassakah", "Hasakah", "Raqqa Governorate"}


def test_the_files_quirks_are_reported_with_row_numbers(importer):
    paths = shared_data(*FILES)
    report = import_files(paths, importer, dry_run=True)
    problems = defaultdict(list)
    for problem in report.problems:
        problems[(problem.file, problem.row)].append(problem)
    incidents = rows(paths[0])
    name = paths[0].name

    def problem_of(predicate):
        found = [number for number, row in incidents if predicate(row)]
        assert found
        return [problem for number in found for problem in problems[(name, number)]]

    for problem in problem_of(lambda row: row["incident_date"] == ""):
        assert problem.skipped and problem.reason == "date_start: This field is required."
    for problem in problem_of(lambda row: row["incident_date"].startswith("1970")):
        assert problem.skipped and "implausible date" in problem.reason
    seen = set()
    for number, row in incidents:  # TS631 and TS633: two records each, both kept under Airwars' own suffix
        if row["incident_code"] in seen and row["incident_date"]:
            assert any("stored as " + row["incident_code"] + "-2" in p.reason for p in problems[(name, number)])
        seen.add(row["incident_code"])
    moved = [problem for problem in report.problems if "counted as CJTF-OIR's verdict" in problem.reason]
    assert {problem.identifier.split()[0] for problem in moved} == {"CS1830", "CS1679", "CS1666"}
    assert report.counts["assessments"]["placeholders (no verdict)"] > 9000
    impossible = problem_of(lambda row: row["longitude"] and abs(float(row["longitude"])) > 180)
    assert any(
        not problem.skipped and problem.reason.startswith("longitude ") and "Left out, with latitude." in problem.reason
        for problem in impossible
    )
    assert any("outside Syria" in problem.reason for problem in problem_of(lambda row: row["sequence"] == "1175"))
    reversed_rows = problem_of(lambda row: any(reversed_range(row, name) for name in ("children", "men")))
    assert all(
        not problem.skipped and "is below the minimum" in problem.reason and "Left out, with " in problem.reason
        for problem in reversed_rows
    )
    assert Incident.objects.count() == 0  # a dry run writes nothing


def reversed_range(row, name):
    low, high = count(row[f"{name}_killed_min"]), count(row[f"{name}_killed_max"])
    return low is not None and high is not None and low > high


def small_files(paths, tmp_path, incidents=30, edit=None):
    """The first `incidents` incidents of the real files with their assessments and sources, as new files;
    `edit(row)` may change incident rows."""
    written = []
    kept_ids = None
    for path in paths:
        header, selected = None, []
        with open(path, encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            header = reader.fieldnames
            for row in reader:
                if kept_ids is None and len(selected) < incidents:
                    selected.append(edit(row) if edit else row)
                elif kept_ids is not None and row["airwars_id"] in kept_ids:
                    selected.append(row)
        if kept_ids is None:
            kept_ids = {row["airwars_id"] for row in selected}
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, header)
        writer.writeheader()
        writer.writerows(selected)
        target = tmp_path / f"{len(written)}-{path.name}"
        target.write_text(buffer.getvalue(), encoding="utf-8")
        written.append(target)
    return written


def test_importing_again_changes_nothing_and_a_newer_export_updates_with_history(importer, tmp_path):
    paths = shared_data(*FILES)
    first = small_files(paths, tmp_path / "first", incidents=30) if (tmp_path / "first").mkdir() is None else None
    created = import_files(first, importer).counts
    again = import_files(first, importer).counts
    for kind in ("incidents", "assessments", "sources"):
        assert again[kind]["created"] == again[kind]["updated"] == 0
        assert again[kind]["unchanged"] == created[kind]["created"] > 0

    # An analyst edits one incident by hand; the newer export changes that one and another.
    by_hand, changed = Incident.objects.order_by("id")[:2]
    by_hand.title = "Edited by an analyst"
    by_hand.governorate = "Edited governorate"
    by_hand.save()
    changed_ids = {by_hand.external_id, changed.external_id}

    def newer(row):
        if f"airwars:{row['airwars_id']}" in changed_ids:
            row["location"] = "Renamed in the newer export"
        return row

    (tmp_path / "newer").mkdir()
    report = import_files(small_files(paths, tmp_path / "newer", incidents=30, edit=newer), importer)
    assert report.counts["incidents"]["updated"] == 1
    assert report.counts["incidents"]["conflicts"] == 1
    conflict = next(problem for problem in report.problems if "edited by hand" in problem.reason)
    assert conflict.identifier.startswith(by_hand.code) and "place_name" in conflict.reason
    by_hand.refresh_from_db()
    changed.refresh_from_db()
    assert by_hand.place_name != "Renamed in the newer export" and by_hand.title == "Edited by an analyst"
    assert changed.place_name == "Renamed in the newer export"
    latest = changed.history.first()
    assert latest.history_type == "~" and latest.history_user == importer
    assert latest.history_change_reason == "Imported"


def test_imported_incidents_take_the_chosen_state_and_the_importer(importer, tmp_path):
    paths = shared_data(*FILES)
    import_files(small_files(paths, tmp_path, incidents=5), importer, state=ReviewState.PENDING)
    assert set(Incident.objects.values_list("review_state", "created_by")) == {(ReviewState.PENDING, importer.pk)}
    assert not Incident.objects.published().exists()
    assert Incident.history.filter(history_user=importer, history_type="+").count() == 5
    for incident in Incident.objects.prefetch_related("strike_types"):
        first = incident.history.last()
        assert {link.striketype_id for link in first.strike_types.all()} == {t.pk for t in incident.strike_types.all()}
