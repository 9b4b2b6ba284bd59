"""import_csv: the project's own export format (round trip, problem rows, dry run, wrong columns) and a CSV read
through a mapping (the TBIJ worked example)."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext

from reports.exports import CSV_COLUMNS, csv_chunks
from reports.importing import mapping, project_csv
from reports.importing.report import ImportFileError, ImportReport
from reports.importing.writer import Options, run_import
from reports.models import Assessment, Assessor, Incident, OfficialVerdict, ReviewState
from tests.factories import import_approver, make_assessment, make_incident, make_user, official_assessor
from tests.shared_data import REPOSITORY, shared_data

pytestmark = pytest.mark.django_db
TBIJ_MAPPING = REPOSITORY / "docs" / "mappings" / "tbij_afghanistan.json"


@pytest.fixture
def importer(db):
    return make_user("ines-importer", "reviewer")


def export():
    return "".join(csv_chunks(Incident.objects.published()))


def import_text(text, user, state=ReviewState.PUBLISHED, dry_run=False):
    report = ImportReport(dry_run=dry_run)
    file = io.StringIO(text)
    file.name = "incidents.csv"
    approver = import_approver() if state == ReviewState.PUBLISHED else None
    options = Options(user, state, "Imported from incidents.csv", "code", dry_run, approved_by=approver)
    run_import(lambda: project_csv.read(file, report), options, report)
    return report


def csv_text(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS)
    writer.writeheader()
    writer.writerows({column: "" for column in CSV_COLUMNS} | row for row in rows)
    return buffer.getvalue()


def incident_row(code, **values):
    row = {"code": code, "date_start": "2017-03-17", "country": "Iraq", "belligerents": "us-led-coalition"}
    return (
        row
        | {"assessor": "airwars", "assessor_kind": "monitor", "verdict": "fair", "assessed_on": "2017-04-01"}
        | values
    )


def test_export_then_import_into_an_empty_database_then_export_gives_the_same_rows(importer):
    mosul = make_incident(
        code="CS-MOSUL",
        title="=HYPERLINK(formula-like title)",
        place_name_ar="الموصل الجديدة",
        latitude=Decimal("36.340000"),
        longitude=Decimal("43.130000"),
        belligerents=("us-led-coalition", "islamic-state"),
    )
    make_assessment(mosul, killed_min=105, killed_max=278, children_killed_min=None)
    make_assessment(
        mosul,
        official_assessor(),
        verdict=OfficialVerdict.CREDIBLE,
        killed_min=105,
        killed_max=None,
        killed_max_open=True,  # "at least 105"
        missing_min=3,
        missing_max=5,
        caveat="Counts the first strike only",
    )
    make_incident(
        code="CS-NONE", date_start=datetime.date(2017, 5, 1), date_end=datetime.date(2017, 5, 2)
    )  # no assessment: one row, empty columns
    before = export()
    Incident.objects.all().delete()

    report = import_text(before, importer)

    assert export() == before
    assert report.counts["incidents"]["created"] == 2 and report.counts["assessments"]["created"] == 2
    assert Incident.objects.get(code="CS-MOSUL").title == "=HYPERLINK(formula-like title)"
    again = import_text(before, importer)
    assert again.counts["incidents"]["unchanged"] == 2 and again.counts["assessments"]["unchanged"] == 2


def test_problem_rows_are_listed_and_valid_rows_still_import(importer):
    text = csv_text(
        [
            incident_row("OK-1", killed_min="3", killed_max="5"),
            incident_row("NO-DATE", date_start=""),
            incident_row("BAD-RANGE", killed_min="9", killed_max="2"),
            incident_row("BAD-POINT", latitude="200", longitude="40"),
            incident_row("OK-1", assessor="cjtf-oir", assessor_kind="official", verdict="credible"),
            incident_row("UNKNOWN", verdict="probable"),
            incident_row("OK-1", date_start="2017-03-18", assessor="", assessor_kind="", verdict="", assessed_on=""),
        ]
    )
    report = import_text(text, importer)
    reasons = {(problem.row, problem.identifier): problem.reason for problem in report.problems}
    assert reasons[(3, "NO-DATE")] == "date_start: This field is required."
    assert reasons[(4, "BAD-RANGE")] == "Airwars: killed_max: The maximum (2) is below the minimum (9)."
    assert reasons[(5, "BAD-POINT")] == (
        "latitude 200: Ensure this value is less than or equal to 90. Left out, with longitude."
    )
    assert "verdict: Value 'probable' is not a valid choice." in reasons[(7, "UNKNOWN")]
    assert "differ from its first row (2)" in reasons[(8, "OK-1")]
    assert set(Incident.objects.values_list("code", flat=True)) == {"OK-1", "BAD-RANGE", "BAD-POINT", "UNKNOWN"}
    assert Incident.objects.get(code="BAD-POINT").latitude is None
    assert Assessment.objects.filter(incident__code="OK-1").count() == 2
    assert not Assessment.objects.filter(incident__code__in=["BAD-RANGE", "UNKNOWN"]).exists()


def test_a_code_taken_by_a_hand_made_incident_is_a_conflict_not_an_overwrite(importer):
    make_incident(code="CS-HAND", title="Typed by an analyst")
    report = import_text(csv_text([incident_row("CS-HAND", title="From a file")]), importer)
    assert report.counts["incidents"]["conflicts"] == 1
    assert Incident.objects.get(code="CS-HAND").title == "Typed by an analyst"


def test_a_dry_run_reports_everything_and_writes_nothing(importer):
    report = import_text(csv_text([incident_row("DRY-1"), incident_row("DRY-2")]), importer, dry_run=True)
    assert report.counts["incidents"]["created"] == 2
    assert not Incident.objects.exists()


def test_a_file_with_the_wrong_columns_stops_at_once_naming_them(importer):
    with pytest.raises(ImportFileError, match="missing columns: .*assessor_kind"):
        import_text("code,date_start,country\nX,2017-01-01,Iraq\n", importer)


def test_the_command_reports_bad_input_without_a_traceback(importer, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code,date\nX,2017\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("import_csv", str(wrong), user=importer.username, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("import_csv", str(tmp_path / "absent.csv"), user=importer.username, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No user"):
        call_command("import_csv", str(wrong), user="nobody", stdout=io.StringIO())


def test_the_command_prints_counts_and_rows_per_second(importer, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(csv_text([incident_row("CMD-1"), incident_row("CMD-2", date_start="")]), encoding="utf-8")
    out = io.StringIO()
    call_command("import_csv", str(path), user=importer.username, stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "incidents.csv row 3 [CMD-2]: date_start: This field is required. (skipped)" in text
    assert "incidents: 1 created, 0 updated, 0 unchanged, 0 conflicts, 1 skipped" in text
    assert "rows/s" in text
    assert Incident.objects.get().created_by == importer


def tbij_rows(path):
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_tbij_mapping_example_imports_every_strike_with_the_files_counts(importer):
    (path,) = shared_data("tbij_afghanistan_us_strikes_2015_2018.csv")
    spec = mapping.Mapping(json.loads(TBIJ_MAPPING.read_text(encoding="utf-8")))
    report = ImportReport()
    with open(path, encoding="utf-8", newline="") as file:
        options = Options(importer, ReviewState.PUBLISHED, "Imported", approved_by=import_approver())
        run_import(lambda: spec.read(file, report, importer), options, report)
    rows = tbij_rows(path)

    def total(column):
        return sum(int(row[column]) for row in rows if row[column] != "-")

    assert Incident.objects.filter(external_id__startswith="tbij:").count() == len(rows)
    assessments = Assessment.objects.filter(assessor__slug="tbij")
    assert sum(assessments.values_list("killed_min", flat=True).exclude(killed_min=None)) == total(
        "Minimum civilians reported killed"
    )
    assert sum(assessments.values_list("killed_max", flat=True).exclude(killed_max=None)) == total(
        "Maximum civilians reported killed"
    )
    confirmed = sum(row["US confirmed?"] == "1" for row in rows)
    assert assessments.filter(verdict="confirmed").count() == confirmed
    assert all(
        problem.reason.startswith("longitude ") and problem.reason.endswith("Left out, with latitude.")
        for problem in report.problems
    )  # TBIJ's 16666 and 9999, which the model refuses
    again = ImportReport()
    with open(path, encoding="utf-8", newline="") as file:
        run_import(lambda: spec.read(file, again, importer), options, again)
    assert again.counts["incidents"]["unchanged"] == len(rows)


def test_a_mapping_naming_an_unknown_field_is_refused():
    with pytest.raises(ImportFileError, match="unknown fields: colour"):
        mapping.Mapping({"identifier": "id", "incident": {"date_start": "d", "country": "c", "colour": "x"}})


def test_a_crash_midway_leaves_the_database_as_it_was(importer, monkeypatch):
    def crash(incident_ids):
        raise KeyboardInterrupt

    monkeypatch.setattr("reports.importing.writer.records_written", crash)
    with pytest.raises(KeyboardInterrupt):
        import_text(csv_text([incident_row("CRASH-1"), incident_row("CRASH-2")]), importer)
    assert not Incident.objects.exists()
    assert not Incident.history.exists() and not Assessment.objects.exists()


def test_a_published_incident_changes_by_import_only_once_a_second_reviewer_approved_it(importer, analyst):
    import_text(csv_text([incident_row("PUB1", title="As reviewed", killed_min="2", killed_max="2")]), importer)
    changed = csv_text([incident_row("PUB1", title="Changed by upload", killed_min="40", killed_max="40")])
    for user in (analyst, importer):
        report = import_text(changed, user, state=ReviewState.PENDING)
        assert report.counts["incidents"]["skipped"] == 1
        assert any("approved by a second reviewer" in problem.reason for problem in report.problems)
    with pytest.raises(ImportFileError, match="approved by a second reviewer"):
        run_import(lambda: [], Options(importer, ReviewState.PUBLISHED), ImportReport())
    published = Incident.objects.get(code="PUB1")
    assert published.title == "As reviewed"
    assert list(published.assessments.values_list("killed_max", flat=True)) == [2]
    own = import_text(csv_text([incident_row("MINE1")]), analyst, state=ReviewState.DRAFT)
    assert own.counts["incidents"]["created"] == 1  # new incidents are anyone's to import
    assert import_text(changed, importer).counts["incidents"]["updated"] == 1


def test_a_code_an_address_cannot_hold_is_stored_in_a_form_it_can(importer, client):
    report = import_text(csv_text([incident_row("CS759 RS2192")]), importer)
    assert report.counts["incidents"]["created"] == 1
    assert any("stored as CS759-RS2192" in problem.reason for problem in report.problems)
    assert Incident.objects.filter(code="CS759-RS2192").exists()
    for url in ("/", "/incidents/", "/incidents/CS759-RS2192/"):
        assert client.get(url).status_code == 200, url


def test_a_reimport_that_changes_strike_types_records_them_attributed_to_the_importer(importer, analyst, tmp_path):
    spec = {
        "identifier": "id",
        "incident": {"date_start": "date", "country": "country"},
        "belligerents": {"value": "us-led-coalition"},
        "strike_types": "type",
    }
    (tmp_path / "mapping.json").write_text(json.dumps(spec), encoding="utf-8")
    rows = tmp_path / "rows.csv"

    def run(user, strike_type, state):
        rows.write_text(f"id,date,country,type\nH1,2017-03-17,Iraq,{strike_type}\n", encoding="utf-8")
        out = io.StringIO()
        call_command(
            "import_csv",
            str(rows),
            mapping=str(tmp_path / "mapping.json"),
            user=user.username,
            state=state,
            stdout=out,
            stderr=io.StringIO(),
        )
        return out.getvalue()

    run(analyst, "airstrike", "draft")
    assert "1 updated" in run(importer, "ground-operation", "pending")
    incident = Incident.objects.get(external_id="H1")
    assert list(incident.strike_types.values_list("slug", flat=True)) == ["ground-operation"]
    assert incident.history.first().history_user == importer


# --- An import refuses what a form refuses, with the same message -----------------------------------------------

INCIDENT_FORM = modelform_factory(
    Incident, fields=["code", "date_start", "date_end", "country", "latitude", "longitude"]
)
ASSESSMENT_FORM = modelform_factory(
    Assessment,
    fields=["assessor", "verdict", "assessed_on", "dating", "killed_min", "killed_max", "source_url"]
    + ["children_killed_min", "children_killed_max"],
)
OFFICIAL = {"assessor": "cjtf-oir", "assessor_kind": "official", "verdict": "credible"}


@pytest.mark.parametrize(
    ("values", "form", "field", "skipped"),
    [
        ({"date_start": ""}, INCIDENT_FORM, "date_start", True),
        ({"date_start": "2999-01-01"}, INCIDENT_FORM, "date_start", True),
        ({"date_end": "2017-03-01"}, INCIDENT_FORM, "date_end", False),
        ({"latitude": "200", "longitude": "40"}, INCIDENT_FORM, "latitude", False),
        ({"killed_min": "9", "killed_max": "2"}, ASSESSMENT_FORM, "killed_max", True),
        ({"children_killed_min": "5", "children_killed_max": "1"}, ASSESSMENT_FORM, "children_killed_max", False),
        ({"source_url": "javascript:alert(1)"}, ASSESSMENT_FORM, "source_url", False),
        ({"assessed_on": "1850-01-01"}, ASSESSMENT_FORM, "assessed_on", True),
        ({**OFFICIAL, "dating": "revised"}, ASSESSMENT_FORM, "dating", True),
    ],
)
def test_an_import_refuses_what_a_form_refuses_with_the_same_message(importer, values, form, field, skipped):
    """The import's checks are the models' own: whatever a form (the analysts' pages, the admin) says of a value,
    the import's report says too, and it leaves the value out or skips the row as the README says."""
    row = incident_row("SAME-1", **values)
    (problem,) = import_text(csv_text([row]), importer).problems
    data = {**row, "code": "FORM-1", "assessor": Assessor.objects.get(slug=row["assessor"]).pk}
    instance = Assessment(incident=make_incident()) if form is ASSESSMENT_FORM else None
    said = form(data, instance=instance).errors[field]
    assert said and all(message in problem.reason for message in said), (said, problem.reason)
    assert problem.skipped == skipped and problem.row == 2


def test_the_checks_make_no_query_per_row(importer):
    """The models' rules run on each row in memory: as many queries for 20 rows, problems and all, as for 5."""

    def queries_for(count):
        rows = [incident_row(f"Q{count}-{n}", latitude="200", longitude="40", killed_min="3") for n in range(count)]
        rows += [incident_row(f"Q{count}-X", date_end="2017-01-01", source_url="ftp://example.org")]
        with CaptureQueriesContext(connection) as queries:
            report = import_text(csv_text(rows), importer, state=ReviewState.PENDING, dry_run=True)
        assert len(report.problems) == count + 2
        return len(queries)

    queries_for(1)  # (reads the importing user's permissions, which the user object then keeps)
    assert queries_for(20) == queries_for(5)


def test_a_reimport_lists_again_what_it_leaves_out_and_changes_nothing(importer):
    """A record is checked again unless the file gives it exactly as stored: what was left out is said again."""
    text = csv_text([incident_row("AGAIN-1", latitude="200", longitude="40"), incident_row("AGAIN-2")])
    first = import_text(text, importer)
    again = import_text(text, importer)
    assert [problem.reason for problem in again.problems] == [problem.reason for problem in first.problems]
    assert len(again.problems) == 1 and again.counts["incidents"]["unchanged"] == 2


def test_an_identifier_holding_a_nul_is_refused_before_anything_is_matched_on_it(importer, tmp_path):
    spec = {"identifier": "id", "incident": {"date_start": "date", "country": "country"}}
    (tmp_path / "mapping.json").write_text(json.dumps(spec), encoding="utf-8")
    rows = tmp_path / "rows.csv"
    rows.write_text("id,date,country\nA\x00B,2017-03-17,Iraq\nFINE,2017-03-17,Iraq\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_csv", str(rows), mapping=str(tmp_path / "mapping.json"), user=importer.username, stdout=out)
    assert "the identifier holds a NUL character (skipped)" in out.getvalue()
    assert "incidents: 1 created, 0 updated, 0 unchanged, 0 conflicts, 1 skipped" in out.getvalue()
