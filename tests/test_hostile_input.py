"""Hostile input never gets a 500 (issue 16): dates out of range, tampered row counts, malformed mapping files,
reference rows created by import, links that are not http(s). Each is a field error or a message naming the
key or the row; a fuzz test (Hypothesis) sends random filters and random mapping files."""

import csv
import datetime
import io
import json
import string

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reports.exports import CSV_COLUMNS
from reports.filters import IncidentFilter
from reports.importing import airwars, mapping, project_csv
from reports.importing.report import ImportFileError, ImportReport
from reports.importing.writer import Options, run_import
from reports.models import (
    Assessment,
    Assessor,
    AssessorKind,
    Belligerent,
    Incident,
    OfficialStatement,
    ReviewState,
    Source,
)
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    monitor_assessor,
    official_assessor,
    west_mosul_form,
)

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Enter a date between 1900-01-01 and 2100-12-31."
TAMPERED = "ManagementForm data is missing or has been tampered with"
NOT_A_WEB_LINK = "Enter a web address starting with http:// or https://."
CREATE = reverse("reports:incident_create")
STATEMENT = reverse("reports:statement_create")
PAGES = ["/", "/incidents/"]
DOWNLOADS = ["/incidents.csv", "/incidents.json", "/tallies.json"]


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def published_incident():
    incident = make_incident()
    make_assessment(incident)
    make_source(incident)
    return incident


# --- 1. Dates out of range: a field error on every form and filter ---------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"as_of": "0001-01-01"},
        {"as_of": "9999-12-31"},
        {"date_from": "1899-12-31", "date_to": "2101-01-01"},
    ],
)
def test_filter_dates_out_of_range_are_field_errors_on_every_page_and_download(client, params):
    published_incident()
    for url in PAGES:
        response = client.get(url, params)
        assert response.status_code == 200, url
        assert OUT_OF_RANGE in body(response), url
    for url in DOWNLOADS:
        response = client.get(url, params)
        assert response.status_code == 200, url
        body(response)  # streamed: the whole download is produced without an error
    errors = client.get("/tallies.json", params).json()["errors"]
    assert errors == {name: [OUT_OF_RANGE] for name in params}


def test_the_last_dates_in_range_still_work(client):
    published_incident()
    for url in PAGES + DOWNLOADS:
        response = client.get(url, {"date_from": "1900-01-01", "date_to": "2100-12-31", "as_of": "2100-12-31"})
        assert response.status_code == 200, url
        assert OUT_OF_RANGE not in body(response), url


def test_filter_dates_use_one_shared_validator():
    form = IncidentFilter({"date_to": "9999-12-31", "date_from": "1900-01-01"}).form
    assert not form.is_valid()
    assert form.errors == {"date_to": [OUT_OF_RANGE]}


@pytest.mark.parametrize(
    "field",
    [
        "date_start",
        "date_end",
        "first_reported_on",
        "sources-0-published_on",
        "assessments-0-assessed_on",
    ],
)
@pytest.mark.parametrize("date", ["0001-01-01", "1899-12-31", "2999-01-01", "9999-12-31"])
def test_entry_form_dates_out_of_range_are_field_errors(client, analyst, field, date):
    client.force_login(analyst)
    response = client.post(CREATE, west_mosul_form(**{field: date}))
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    assert not Incident.objects.exists()


def test_a_new_assessments_date_out_of_range_is_a_field_error(client, analyst):
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    client.force_login(analyst)
    url = reverse("reports:assessment_create", args=[incident.code])
    form = {"assessor": str(official_assessor().pk), "verdict": "credible", "assessed_on": "0001-01-01"}
    response = client.post(url, form)
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    assert not incident.assessments.exists()


def statement_form(**overrides):
    form = {
        "assessor": str(official_assessor().pk),
        "published_on": "2017-04-30",
        "countries": "Syria",
        "period_start": "2014-08-01",
        "period_start_precision": "month",
        "civilians_killed": "352",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-role": "period",
        "items-0-description": "Killed from November 2016 to March 2017",
        "items-0-civilians_killed": "45",
        "items-0-period_start": "2016-11-01",
        "items-0-period_end": "2017-03-09",
    }
    return {**form, **overrides}


@pytest.mark.parametrize("field", ["published_on", "period_start", "period_end", "items-0-period_start"])
def test_statement_dates_out_of_range_are_field_errors(client, analyst, field):
    client.force_login(analyst)
    response = client.post(STATEMENT, statement_form(**{field: "0001-01-01"}))
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    assert not OfficialStatement.objects.exists()


def import_project_csv(rows, user):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS)
    writer.writeheader()
    writer.writerows({column: "" for column in CSV_COLUMNS} | row for row in rows)
    file = io.StringIO(buffer.getvalue())
    file.name = "incidents.csv"
    report = ImportReport()
    options = Options(user, ReviewState.PENDING, "Imported", match_on="code")
    run_import(lambda: project_csv.read(file, report), options, report)
    return report


def project_row(code, **values):
    row = {"code": code, "date_start": "2017-03-17", "country": "Iraq", "belligerents": "us-led-coalition"}
    assessment = {"assessor": "airwars", "verdict": "fair", "assessed_on": "2017-04-01"}
    return row | assessment | values


def test_imported_dates_out_of_range_are_row_problems(reviewer):
    rows = [project_row("EARLY", date_start="0001-01-01"), project_row("LATE", assessed_on="9999-12-31")]
    report = import_project_csv(rows, reviewer)
    reasons = {(problem.row, problem.reason) for problem in report.problems}
    assert (2, f"date_start 0001-01-01: {OUT_OF_RANGE}") in reasons  # the models' message, as the forms'
    assert (3, f"Airwars: assessed_on 9999-12-31: {OUT_OF_RANGE} This date is in the future.") in reasons
    assert list(Incident.objects.values_list("code", flat=True)) == ["LATE"]
    assert not Assessment.objects.exists()


def test_imported_values_no_database_stores_are_row_problems(reviewer):
    rows = [
        project_row("BIG", killed_min="99999999999"),
        project_row("NUL", place_name="Mosul\x00"),
        project_row("NAN", latitude="NaN", longitude="43.1"),
    ]
    report = import_project_csv(rows, reviewer)
    assert {(problem.row, problem.reason) for problem in report.problems} == {
        (2, "count 99999999999 too large"),
        (3, "place_name holds a NUL character"),
        (4, "unreadable number 'NaN'"),
    }
    assert list(Incident.objects.values_list("code", flat=True)) == ["BIG"]


# --- 2. Tampered row counts (management forms) ------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["belligerents", "sources", "assessments"])
@pytest.mark.parametrize("total", ["abc", "²", "1.5", "1" * 5000])
@pytest.mark.parametrize("add_row", [False, True])
def test_a_tampered_row_count_in_the_entry_form_is_a_clear_error(client, analyst, prefix, total, add_row):
    client.force_login(analyst)
    form = west_mosul_form(**{f"{prefix}-TOTAL_FORMS": total})
    if add_row:
        form["add_row"] = prefix
    response = client.post(CREATE, form)
    assert response.status_code == 200
    assert TAMPERED in response.content.decode()
    assert not Incident.objects.exists()


def test_a_missing_or_negative_row_count_is_no_error_page(client, analyst):
    client.force_login(analyst)
    response = client.post(CREATE, west_mosul_form(**{"sources-TOTAL_FORMS": ""}))
    assert response.status_code == 200 and TAMPERED in response.content.decode()
    response = client.post(CREATE, west_mosul_form(**{"sources-TOTAL_FORMS": "-1"}))
    assert response.status_code == 302  # Django reads a negative count as no rows
    assert not Source.objects.exists()


def test_a_tampered_row_count_when_editing_is_a_clear_error(client, analyst):
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    client.force_login(analyst)
    url = reverse("reports:incident_edit", args=[incident.code])
    form = west_mosul_form(code=incident.code, version=str(incident.version), **{"sources-TOTAL_FORMS": "x"})
    for extra in ({}, {"add_row": "sources"}):
        response = client.post(url, {**form, **extra})
        assert response.status_code == 200
        assert TAMPERED in response.content.decode()
    incident.refresh_from_db()
    assert incident.title != west_mosul_form()["title"]


@pytest.mark.parametrize("total", ["²", "abc", "1.5", "1" * 5000])
def test_a_tampered_row_count_in_the_statement_form_is_a_clear_error(client, analyst, total):
    client.force_login(analyst)
    for extra in ({}, {"add_row": "items"}):
        response = client.post(STATEMENT, statement_form(**{"items-TOTAL_FORMS": total}, **extra))
        assert response.status_code == 200
        assert TAMPERED in response.content.decode()
    response = client.post(STATEMENT, statement_form(**{"items-TOTAL_FORMS": "9" * 20}))
    assert response.status_code == 200 and "Please submit at most 50 forms." in response.content.decode()
    assert not OfficialStatement.objects.exists()


def test_adding_a_row_still_adds_one(client, analyst):
    client.force_login(analyst)
    page = client.post(CREATE, {**west_mosul_form(), "add_row": "sources"}).content.decode()
    assert 'name="sources-TOTAL_FORMS" value="3"' in page
    page = client.post(STATEMENT, statement_form(add_row="items")).content.decode()
    assert 'name="items-TOTAL_FORMS" value="2"' in page


def test_a_tampered_row_count_in_the_admin_is_a_clear_error(client, reviewer):
    client.force_login(reviewer)
    form = {
        **{key: value for key, value in west_mosul_form().items() if "-" not in key},
        "attributions-TOTAL_FORMS": "abc",
        "attributions-INITIAL_FORMS": "0",
        "assessments-TOTAL_FORMS": "0",
        "assessments-INITIAL_FORMS": "0",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:reports_incident_add"), form)
    assert response.status_code == 200
    assert TAMPERED in response.content.decode()
    assert not Incident.objects.exists()


# --- 3. Mapping files: checked against a schema, each problem naming its key ------------------------------------


def base_mapping(**changes):
    spec = {"identifier": "id", "incident": {"date_start": "date", "country": "country"}}
    spec.update(changes)
    return spec


def deeply_nested(depth):
    return "[" * depth + "]" * depth


BAD_MAPPINGS = [
    (base_mapping(incident={"date_start": 5, "country": "country"}), "incident.date_start: must be a column name"),
    (base_mapping(incident={"date_start": None, "country": "country"}), "incident.date_start: must be a column name"),
    (base_mapping(identifier=7), "identifier: must be a column name or an object, not a number"),
    (base_mapping(identifier=None), "identifier: must be a column name or an object, not null"),
    (base_mapping(incident=["date_start", "country"]), "incident: must be an object, not a list"),
    (base_mapping(create=[{"slug": "x", "name": "X"}]), "create: must be an object, not a list"),
    (base_mapping(create={"belligerents": [{"name": "New force"}]}), "create.belligerents[0]: slug is missing"),
    (base_mapping(create={"assessors": [{"slug": "a", "name": "A", "kind": "spy"}]}), "kind: must be one of"),
    (base_mapping(assessment="tbij"), "assessment: must be an object, not text"),
    (base_mapping(date_format=5), "date_format: must be text, not a number"),
    (base_mapping(incident={"date_start": {"column": "d", "date_format": 5}, "country": "c"}), "date_format: must be"),
    (base_mapping(incident={"date_start": {"values": {}}, "country": "c"}), 'needs either "column" or "value"'),
    (base_mapping(incident={"date_start": "d", "country": "c", "colour": "x"}), "unknown fields: colour"),
    (base_mapping(incident={"country": "c"}), "missing fields: date_start"),
    (base_mapping(belligerents={"value": ["a", "b"]}), "belligerents.value: must be text, not a list"),
    (base_mapping(asessment={}), "unknown key 'asessment'"),
    ({"incident": {"date_start": "d", "country": "c"}}, "identifier is missing"),
    ([1, 2, 3], "must be an object, not a list"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_MAPPINGS)
def test_a_malformed_mapping_is_refused_naming_the_key(spec, message):
    with pytest.raises(ImportFileError, match="^mapping: ") as refused:
        mapping.Mapping(spec)
    assert message in str(refused.value)


def write_mapping(tmp_path, text):
    path = tmp_path / "mapping.json"
    path.write_text(text, encoding="utf-8")
    return path


def mapped_csv(tmp_path, rows=("A1,2017-03-17,Iraq",)):
    path = tmp_path / "strikes.csv"
    path.write_text("\n".join(["id,date,country", *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        *[(json.dumps(spec), message) for spec, message in BAD_MAPPINGS],
        (deeply_nested(5000), "mapping: nested too deeply to be a mapping."),
        (json.dumps(base_mapping(code={"value": float("nan")})), "NaN is not a number JSON allows"),
        ("{not json", "mapping: not readable as JSON"),
    ],
)
def test_the_command_refuses_a_malformed_mapping_without_a_traceback(tmp_path, reviewer, text, message):
    path = write_mapping(tmp_path, text)
    with pytest.raises(CommandError, match="^mapping: ") as refused:
        call_command("import_csv", str(mapped_csv(tmp_path)), mapping=str(path), user=reviewer.username)
    assert message in str(refused.value)
    assert not Incident.objects.exists()


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def admin_upload(client, mapping_text, csv_text="id,date,country\nA1,2017-03-17,Iraq\n"):
    form = {
        "format": "mapping",
        "state": ReviewState.PENDING,
        "file": upload("strikes.csv", csv_text),
        "mapping": upload("mapping.json", mapping_text),
    }
    response = client.post(reverse("admin:reports_incident_import"), form)
    return response, [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps(base_mapping(create={"belligerents": [{"name": "X"}]})), "create.belligerents[0]: slug is missing"),
        (json.dumps(base_mapping(create={"assessors": [{"slug": "a", "name": "A", "kind": "spy"}]})), "kind"),
        (json.dumps(base_mapping(date_format=5)), "mapping: date_format: must be text, not a number"),
        (deeply_nested(5000), "mapping: nested too deeply to be a mapping."),
    ],
)
def test_the_admin_upload_refuses_a_malformed_mapping_with_a_message(client, reviewer, text, message):
    client.force_login(reviewer)
    response, messages = admin_upload(client, text)
    assert response.status_code == 200
    assert any(message in shown for shown in messages), messages
    assert not Incident.objects.exists()


def test_a_reference_row_the_database_would_refuse_is_a_message_naming_it(tmp_path, reviewer):
    clash = base_mapping(create={"belligerents": [{"slug": "another-slug", "name": "US-led coalition"}]})
    with pytest.raises(CommandError, match=r"^mapping: create\.belligerents\[0\]: name: .*already exists"):
        run_mapping(tmp_path, clash, reviewer)
    bad_link = base_mapping(create={"assessors": [{"slug": "evil", "name": "Evil", "url": "javascript:alert(1)"}]})
    with pytest.raises(CommandError, match=r"^mapping: create\.assessors\[0\]: url: .*http:// or https://"):
        run_mapping(tmp_path, bad_link, reviewer)
    assert not Belligerent.objects.filter(slug="another-slug").exists()
    assert not Assessor.objects.filter(slug="evil").exists()


def run_mapping(tmp_path, spec, user, rows=("A1,2017-03-17,Iraq",)):
    out = io.StringIO()
    path = write_mapping(tmp_path, json.dumps(spec))
    call_command("import_csv", str(mapped_csv(tmp_path, rows)), mapping=str(path), user=user.username, stdout=out)
    return out.getvalue()


def test_a_mapping_constant_of_any_json_kind_imports(tmp_path, reviewer):
    spec = base_mapping(code={"value": 7}, belligerents={"value": "us-led-coalition"})
    spec["incident"]["strike_count"] = {"value": 3}
    spec["incident"]["civilian_harm_reported"] = {"value": True}
    run_mapping(tmp_path, spec, reviewer)
    incident = Incident.objects.get()
    assert (incident.code, incident.strike_count, incident.civilian_harm_reported) == ("7", 3, True)


# --- 4. Reference rows: only users who may add them create them, by any import path ------------------------------

CREATING = base_mapping(
    create={
        "belligerents": [{"slug": "new-force", "name": "New force"}],
        "assessors": [{"slug": "new-monitor", "name": "New monitor", "kind": "monitor"}],
    },
    belligerents={"value": "new-force"},
)
REFUSED_BELLIGERENTS = (
    "mapping: create.belligerents: only users who may add belligerents may create them (New force); ask an "
    "administrator to add them, or to run the import."
)
REFUSED_ASSESSORS = "mapping: create.assessors: only users who may add assessors may create them (New monitor)"


def no_new_reference_rows():
    return (
        not Belligerent.objects.filter(slug="new-force").exists()
        and not Assessor.objects.filter(slug="new-monitor").exists()
    )


def test_an_analyst_cannot_create_reference_rows_through_a_mapping_by_any_path(client, tmp_path, analyst):
    assert not analyst.has_perm("reports.add_belligerent") and not analyst.has_perm("reports.add_assessor")
    # The command
    with pytest.raises(CommandError) as refused:
        run_mapping(tmp_path, CREATING, analyst)
    assert str(refused.value) == REFUSED_BELLIGERENTS
    # The admin's upload
    client.force_login(analyst)
    response, messages = admin_upload(client, json.dumps(CREATING))
    assert response.status_code == 200 and REFUSED_BELLIGERENTS in messages
    # The reader itself, with and without a user named
    spec = mapping.Mapping(CREATING)
    for user in (analyst, None):
        file = io.StringIO("id,date,country\nA1,2017-03-17,Iraq\n")
        with pytest.raises(ImportFileError, match="only users who may add belligerents"):
            spec.read(file, ImportReport(), user)
    # Assessors alone are refused too
    only_assessor = {**CREATING, "create": {"assessors": CREATING["create"]["assessors"]}}
    del only_assessor["belligerents"]
    with pytest.raises(CommandError, match=REFUSED_ASSESSORS.replace("(", r"\(").replace(")", r"\)")):
        run_mapping(tmp_path, only_assessor, analyst)
    assert no_new_reference_rows() and not Incident.objects.exists()


def test_a_user_who_may_add_reference_rows_creates_them_through_a_mapping(client, tmp_path, reviewer, analyst):
    assert reviewer.has_perm("reports.add_belligerent") and reviewer.has_perm("reports.add_assessor")
    out = run_mapping(tmp_path, CREATING, reviewer)
    assert "created reference rows: belligerent New force, assessor New monitor" in out
    assert Incident.objects.get().belligerents.get().slug == "new-force"
    assert Assessor.objects.get(slug="new-monitor").kind == AssessorKind.MONITOR
    # Once they exist, anyone may import a file naming them: nothing is created.
    Incident.objects.all().delete()
    run_mapping(tmp_path, CREATING, analyst, rows=("A2,2017-03-18,Iraq",))
    assert Incident.objects.get().external_id == "A2"


def test_the_rule_is_the_add_permission_not_the_role(tmp_path, analyst):
    analyst.user_permissions.add(*Permission.objects.filter(codename__in=["add_belligerent", "add_assessor"]))
    analyst = get_user_model().objects.get(pk=analyst.pk)  # permissions are cached on the instance
    run_mapping(tmp_path, CREATING, analyst)
    assert (
        Belligerent.objects.filter(slug="new-force").exists() and Assessor.objects.filter(slug="new-monitor").exists()
    )


def airwars_files(tmp_path, incident=None, assessment=None, source=None):
    incident_row = {
        "sequence": "1",
        "incident_code": "TS1",
        "airwars_id": "101",
        "incident_date": "2017-03-17",
        "belligerents": "Turkish Military",
        "airwars_grading": "Fair",
        "latitude": "36.1",
        "longitude": "38.1",
        "civilians_killed_min": "1",
        "civilians_killed_max": "2",
        "country": "Syria",
        **(incident or {}),
    }
    assessment_row = {
        "airwars_id": "101",
        "belligerent": "turkey",
        "belligerent_assessment": "credible",
        "civilian_deaths_conceded_min": "1",
        "civilian_deaths_conceded_max": "1",
        "last_statement_date": "2017-05-01",
        **(assessment or {}),
    }
    source_row = {
        "incident_sequence": "1",
        "airwars_id": "101",
        "source_order": "1",
        "source_url": "https://example.org/report",
        "source_name": "Example News",
        **(source or {}),
    }
    paths = {}
    for role, row in (("incidents", incident_row), ("assessments", assessment_row), ("sources", source_row)):
        paths[role] = tmp_path / f"airwars_{role}.csv"
        with open(paths[role], "w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, list(row))
            writer.writeheader()
            writer.writerow(row)
    return {role: str(path) for role, path in paths.items()}


def import_airwars(paths, user):
    out = io.StringIO()
    call_command("import_airwars", **paths, user=user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_analyst_cannot_create_reference_rows_through_the_airwars_import(tmp_path, analyst, reviewer):
    paths = airwars_files(tmp_path)
    with pytest.raises(CommandError, match=r"^Airwars' files: only users who may add belligerents may create them"):
        import_airwars(paths, analyst)
    assert not Belligerent.objects.filter(slug__in=airwars.NEW_BELLIGERENTS).exists()
    # The belligerents exist (an administrator added them): a verdict still needs an official assessor for Turkey.
    for slug, name in airwars.NEW_BELLIGERENTS.items():
        Belligerent.objects.create(slug=slug, name=name)
    with pytest.raises(CommandError) as refused:
        import_airwars(paths, analyst)
    assert str(refused.value) == (
        "Airwars' verdicts: only users who may add assessors may create them (Turkish military (official)); ask an "
        "administrator to add them, or to run the import."
    )
    assert not Assessor.objects.filter(kind=AssessorKind.OFFICIAL, speaks_for__slug="turkish-military").exists()
    assert not Incident.objects.exists()
    # A reviewer may: the same files import, creating the official assessor.
    out = import_airwars(paths, reviewer)
    assert "created reference rows: official assessor Turkish military (official)" in out
    assert Assessment.objects.filter(assessor__name="Turkish military (official)", verdict="credible").exists()
    # Then an analyst's import of them needs nothing new.
    Incident.objects.all().delete()
    import_airwars(paths, analyst)
    assert Incident.objects.count() == 1


def test_the_airwars_reader_creates_nothing_for_an_unnamed_user(tmp_path):
    paths = airwars_files(tmp_path)
    with open(paths["incidents"], encoding="utf-8", newline="") as file:
        with pytest.raises(ImportFileError, match="only users who may add belligerents"):
            airwars.read(file, report=ImportReport())


# --- 5. Links: http(s) only, on every path -------------------------------------------------------------------

BAD_LINKS = ["javascript:alert(1)", "JavaScript:alert(1)", " java\tscript:alert(1)", "data:text/html,x", "ftp://x.org/"]


@pytest.mark.parametrize("link", BAD_LINKS)
@pytest.mark.parametrize("field", ["sources-0-url", "sources-0-archive_url", "assessments-0-source_url"])
def test_the_entry_form_takes_only_http_links(client, analyst, link, field):
    client.force_login(analyst)
    response = client.post(CREATE, west_mosul_form(**{field: link}))
    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_A_WEB_LINK in page or "Enter a valid URL." in page
    assert not Source.objects.exists()


def test_the_statement_and_assessment_forms_take_only_http_links(client, analyst):
    client.force_login(analyst)
    response = client.post(STATEMENT, statement_form(url="ftp://example.org/statement.pdf"))
    assert response.status_code == 200 and NOT_A_WEB_LINK in response.content.decode()
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    url = reverse("reports:assessment_create", args=[incident.code])
    form = {"assessor": str(official_assessor().pk), "verdict": "credible", "assessed_on": "2017-05-25"}
    response = client.post(url, {**form, "source_url": "ftp://example.org/x"})
    assert response.status_code == 200 and NOT_A_WEB_LINK in response.content.decode()
    assert not OfficialStatement.objects.exists() and not incident.assessments.exists()


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Source, "url"),
        (Source, "archive_url"),
        (Incident, "external_url"),
        (Assessment, "source_url"),
        (Assessment, "strike_report_url"),
        (Assessor, "url"),
        (OfficialStatement, "url"),
    ],
)
def test_every_link_field_refuses_other_schemes(model, field):
    model_field = model._meta.get_field(field)
    for link in BAD_LINKS:
        with pytest.raises(ValidationError, match="http:// or https://"):
            model_field.run_validators(link)
    model_field.run_validators("https://example.org/a")
    model_field.run_validators("HTTP://example.org/a")


def test_imported_links_that_are_not_http_are_left_out_and_listed(reviewer):
    report = import_project_csv([project_row("LINK1", source_url="javascript:alert(document.cookie)")], reviewer)
    assert [(problem.row, problem.reason, problem.skipped) for problem in report.problems] == [
        (
            2,
            f"Airwars: source_url 'javascript:alert(document.cookie)': Enter a valid URL. {NOT_A_WEB_LINK} Left out.",
            False,
        )
    ]
    assert Assessment.objects.get().source_url == ""


def test_a_mapping_importing_a_javascript_link_leaves_it_out(tmp_path, reviewer):
    spec = base_mapping()
    spec["incident"]["external_url"] = "link"
    path = tmp_path / "strikes.csv"
    path.write_text("id,date,country,link\nA1,2017-03-17,Iraq,javascript:alert(1)\n", encoding="utf-8")
    out = io.StringIO()
    mapping_path = write_mapping(tmp_path, json.dumps(spec))
    call_command("import_csv", str(path), mapping=str(mapping_path), user=reviewer.username, stdout=out)
    assert f"strikes.csv row 2 [A1]: external_url 'javascript:alert(1)': Enter a valid URL. {NOT_A_WEB_LINK}" in (
        out.getvalue()
    )
    assert Incident.objects.get().external_url == ""


def test_a_mapped_cell_left_empty_gives_a_field_with_a_default_its_default(tmp_path, reviewer):
    """An empty cell is unknown: the model's default, as a new record has (not an empty value it refuses)."""
    spec = base_mapping(assessment={"assessor": "airwars", "fields": {"verdict": "grade", "dating": "dating"}})
    spec["incident"]["date_precision"] = "precision"
    spec["assessment"]["fields"]["assessed_on"] = "date"
    path = tmp_path / "strikes.csv"
    path.write_text("id,date,country,precision,grade,dating\nA1,2017-03-17,Iraq,,fair,\n", encoding="utf-8")
    out = io.StringIO()
    mapping_path = write_mapping(tmp_path, json.dumps(spec))
    call_command("import_csv", str(path), mapping=str(mapping_path), user=reviewer.username, stdout=out)
    incident = Incident.objects.get()
    assert incident.date_precision == "day" and incident.assessments.get().dating == "stated", out.getvalue()


def test_the_airwars_import_leaves_out_links_that_are_not_http(client, tmp_path, reviewer):
    paths = airwars_files(
        tmp_path,
        incident={"airwars_url": "javascript:alert(1)"},
        assessment={"last_statement_url": "data:text/html,<script>alert(1)</script>"},
        source={"source_url": "javascript:alert(2)", "archive_url": "vbscript:x"},
    )
    out = import_airwars(paths, reviewer)
    assert f"external_url 'javascript:alert(1)': Enter a valid URL. {NOT_A_WEB_LINK} Left out." in out
    assert f"url 'javascript:alert(2)': Enter a valid URL. {NOT_A_WEB_LINK} Left out." in out
    incident = Incident.objects.get()
    assert incident.external_url == ""
    assert incident.sources.get().url == "" and incident.sources.get().archive_url == ""
    assert all(not assessment.source_url for assessment in incident.assessments.all())
    incident.review_state = ReviewState.PUBLISHED
    incident.save()
    for url in ("/incidents.csv", "/incidents.json", f"/incidents/{incident.code}/"):
        assert "javascript:" not in body(client.get(url)), url


# --- 6. Fuzzing: random filters and random mapping files ----------------------------------------------------------

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FILTER_NAMES = [*IncidentFilter.base_filters, "page", "sort"]
EDGES = [datetime.date.min, datetime.date.max, datetime.date(1899, 12, 31), datetime.date(2101, 1, 1)]
any_date = (st.sampled_from(EDGES) | st.dates()).map(lambda day: day.isoformat())
hostile_text = st.text(max_size=40) | st.sampled_from(["", " ", "0", "-1", "1e999", "NaN", "\x00", "٣", "²", "'--"])
numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
filter_values = st.one_of(any_date, hostile_text, numbers)


@pytest.fixture
def some_published_records(db):
    for _ in range(2):
        published_incident()
    make_assessment(make_incident(), official_assessor(), verdict="credible")
    make_assessment(make_incident(), monitor_assessor())


@FUZZ
@given(
    url=st.sampled_from(PAGES + DOWNLOADS),
    params=st.dictionaries(st.sampled_from(["date_from", "date_to", "as_of"]), any_date, min_size=1, max_size=3)
    | st.dictionaries(st.sampled_from(FILTER_NAMES), filter_values, max_size=5),
)
def test_fuzzed_public_filters_never_fail(client, some_published_records, url, params):
    response = client.get(url, params)  # an exception in the view would fail the test (raise_request_exception)
    assert response.status_code == 200
    body(response)


json_leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=12,
)
COLUMNS = ["id", "date", "country", "n"]
column = st.sampled_from(COLUMNS)
cell_value = st.none() | st.sampled_from(["", "2017-03-17", "fair", "us-led-coalition", "-5", "1e9", "x" * 300])
date_format = st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%Y", "%", ""])
valid_field = (
    column
    | st.fixed_dictionaries(
        {"column": column},
        optional={"values": st.dictionaries(st.text(max_size=5), cell_value), "prefix": st.text(max_size=5)},
    )
    | st.fixed_dictionaries(
        {"value": st.integers() | st.booleans() | cell_value}, optional={"date_format": date_format}
    )
)
# Mostly specs the schema takes (so the rows are read), now and then anything at all.
field_specs = st.one_of(*[valid_field] * 6, json_values)
incident_fields = st.fixed_dictionaries(
    {"date_start": field_specs, "country": field_specs},
    optional={name: field_specs for name in ["latitude", "strike_count", "grading", "external_url", "date_end"]},
)
assessment_fields = st.dictionaries(st.sampled_from(sorted(mapping.ASSESSMENT_NAMES) + ["colour"]), field_specs)
reference_item = st.fixed_dictionaries(
    {"slug": st.sampled_from(["new-force", "us-led-coalition", "Bad Slug", ""]), "name": st.text(max_size=8)},
    optional={
        "kind": st.sampled_from(["monitor", "official", "spy"]),
        "url": st.sampled_from(["", "https://example.org/", "javascript:alert(1)"]),
        "speaks_for": st.lists(st.sampled_from(["us-led-coalition", "nobody"]), max_size=2),
    },
)
mapping_shaped = st.fixed_dictionaries(
    {"identifier": field_specs, "incident": incident_fields},
    optional={
        "code": field_specs,
        "date_format": date_format,
        "belligerents": field_specs,
        "strike_types": field_specs,
        "assessment": st.fixed_dictionaries(
            {"assessor": st.sampled_from(["airwars", "cjtf-oir", "nobody"])}, optional={"fields": assessment_fields}
        )
        | json_values,
        "create": st.fixed_dictionaries({}, optional={"belligerents": st.lists(reference_item, max_size=2)})
        | st.fixed_dictionaries({}, optional={"assessors": st.lists(reference_item, max_size=2)})
        | json_values,
    },
)
cells = st.text(alphabet=string.printable + "é٣", max_size=12) | st.sampled_from(["2017-03-17", "Iraq", "1", "-"])


@FUZZ
@given(
    spec=st.one_of(*[mapping_shaped] * 4, json_values),
    rows=st.lists(st.lists(cells, min_size=4, max_size=4), min_size=1, max_size=3),
)
def test_fuzzed_mapping_files_never_fail(tmp_path, reviewer, spec, rows):
    path = write_mapping(tmp_path, json.dumps(spec))
    try:
        parsed = mapping.from_file(path)
    except ImportFileError as refused:
        assert str(refused).startswith("mapping: ")
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    file = io.StringIO(buffer.getvalue())
    file.name = "fuzz.csv"
    report = ImportReport(dry_run=True)
    options = Options(reviewer, ReviewState.PENDING, "Fuzz", dry_run=True)
    try:
        run_import(lambda: parsed.read(file, report, reviewer), options, report)
        event(f"read {report.rows_read} rows")  # with --hypothesis-show-statistics: how many examples got this far
    except ImportFileError:
        pass  # a message for the user (an unknown assessor, a reference row the database refuses)


# --- The admin ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/admin/reports/incident/?country=%00", 400),
        ("/admin/reports/assessment/?verdict=%00", 400),
        ("/admin/autocomplete/?app_label=reports&model_name=assessment&field_name=duplicate_of&term=%00", 400),
        ("/admin/reports/incident/?date_start__year=9999999999999999999", 302),
        ("/admin/reports/incident/?date_start__year=2017&date_start__month=13", 302),
        ("/admin/reports/officialstatement/?published_on__year=0", 302),
        ("/admin/reports/officialstatement/?published_on__year=-1", 302),
        ("/admin/reports/incident/abc/history/", 404),
        ("/admin/reports/assessment/abc/history/", 404),
        ("/admin/reports/officialstatement/abc/history/", 404),
    ],
)
def test_hostile_admin_addresses_get_an_answer_not_an_error(client, admin_user, url, status):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == status, url
    if status == 302:
        assert response.url.endswith("?e=1")


def test_a_history_version_that_is_not_an_id_is_not_found(client, admin_user):
    incident = make_incident()
    client.force_login(admin_user)
    assert client.get(f"/admin/reports/incident/{incident.pk}/history/abc/").status_code == 404
    assert client.get(f"/admin/reports/incident/{incident.pk}/history/99999/").status_code == 404


def test_imported_values_are_read_only_in_the_admin(client, admin_user):
    incident = make_incident(review_state=ReviewState.DRAFT, external_data={"kept": "as imported"})
    client.force_login(admin_user)
    page = client.get(f"/admin/reports/incident/{incident.pk}/change/").content.decode()
    assert 'name="external_data"' not in page and "as imported" in page
