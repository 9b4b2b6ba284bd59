"""The public text search (`q`): Arabic place names found whatever the reader's spelling (article, vowel marks,
alef forms, ta marbuta, alef maqsura), through the stored normal form that every path writing an incident keeps
current."""

import csv
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.http import QueryDict

from reports import exports
from reports.devdata import synthetic
from reports.devdata.demo import load_demo_data
from reports.filters import IncidentFilter
from reports.importing import project_csv
from reports.importing.report import ImportReport
from reports.importing.writer import Options, run_import
from reports.models import Incident, ReviewState, normalize_search_text
from reports.models.search import search_text_of
from tests.factories import import_approver, make_incident, make_user, proposed_change
from tests.test_import_csv import csv_text, incident_row

pytestmark = pytest.mark.django_db
fill_search_text = __import__(
    "reports.migrations.0030_incident_search_text", fromlist=["fill_search_text"]
).fill_search_text


# --- The normal form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("الْمَوْصِل", "موصل"),  # vowel marks, and the article
        ("حلـــب", "حلب"),  # tatweel
        ("إدلب", "ادلب"),
        ("أريحا", "اريحا"),
        ("آمرلي", "امرلي"),
        ("ٱلرقة", "رقه"),  # alef wasla, the article, ta marbuta
        ("الرقه", "رقه"),
        ("الرقّة", "رقه"),  # shadda
        ("بنى", "بني"),
        ("الموصل", "موصل"),
        ("موصل", "موصل"),
        ("الي", "الي"),  # one letter would be left: not an article
        ("ال", "ال"),
        ("الالوان", "وان"),  # as many times as it takes (see idempotence below)
        ("مدينة   الموصل\n القديمة", "مدينه موصل قديمه"),  # whitespace collapsed, each word's article
        ("West MOSUL", "west mosul"),
        ("Straße", "strasse"),
        ("CS1548", "cs1548"),
    ],
)
def test_normal_form(text, normal):
    assert normalize_search_text(text) == normal


@pytest.mark.parametrize("text", ["الْمَوْصِل الجديدة", "والموصل", "الالوان", "Al-Bab  الباب", "ٱلرقة", ""])
def test_normalising_twice_changes_nothing(text):
    once = normalize_search_text(text)
    assert normalize_search_text(once) == once


def test_english_is_only_casefolded_and_spaced():
    assert normalize_search_text("  Strike on Mosul's Old City, 17 March  ") == "strike on mosul's old city, 17 march"


def test_the_stored_text_keeps_one_field_per_line():
    assert search_text_of("CS1", "Mosul", "الموصل", None, "") == "cs1\nmosul\nموصل\n\n"


# --- Through the public list --------------------------------------------------------------------------------


def listed(client, query):
    response = client.get("/incidents/", {"q": query})
    assert response.status_code == 200
    return {incident.code for incident in response.context["page"].object_list}


@pytest.fixture
def places(db):
    make_incident(code="MOSUL", place_name="Mosul", place_name_ar="الموصل")
    make_incident(code="IDLIB", place_name="Idlib", place_name_ar="إدلب")
    make_incident(code="RAQQA", place_name="Raqqa", place_name_ar="الرقة")
    make_incident(code="MANBIJ", place_name="Manbij", place_name_ar="منبج", summary="قرب مبنى البلدية")
    make_incident(code="DRAFT", place_name_ar="الموصل", review_state=ReviewState.DRAFT)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("موصل", {"MOSUL"}),  # the record has the article, the query not
        ("الموصل", {"MOSUL"}),
        ("الْمَوْصِل", {"MOSUL"}),
        ("ادلب", {"IDLIB"}),
        ("إدلب", {"IDLIB"}),
        ("الرقه", {"RAQQA"}),
        ("رقة", {"RAQQA"}),
        ("مبني", {"MANBIJ"}),  # ي in the query, ى in the summary
        ("mosul", {"MOSUL"}),
        ("MOSUL", {"MOSUL"}),
        ("idlib", {"IDLIB"}),  # the code, and the place name
        ("حمص", set()),
    ],
)
def test_the_list_finds_places_whatever_the_spelling(client, places, query, found):
    assert listed(client, query) == found


def test_the_query_with_the_article_finds_a_record_without_it(client):
    make_incident(code="BARE", place_name_ar="موصل")
    make_incident(code="JOINED", summary="قصف في والموصل")  # a conjunction before the article
    assert listed(client, "الموصل") == {"BARE", "JOINED"}


def test_a_code_is_found_exactly_and_in_part(client):
    make_incident(code="CS1548", place_name="Raqqa")
    make_incident(code="CS15489", place_name="Tabqa")
    assert listed(client, "cs1548") == {"CS1548", "CS15489"}
    assert listed(client, "CS15489") == {"CS15489"}


def test_short_and_mark_only_queries_still_work(client, places):
    assert listed(client, "رق") == {"RAQQA"}  # too short for a trigram index, found all the same
    assert listed(client, "\u064e") == set()  # a vowel mark alone: nothing left to search by


# --- Every path that writes an incident keeps the stored text current -----------------------------------------


def stored_text(code):
    return Incident.objects.values_list("search_text", flat=True).get(code=code)


def test_save_fills_it_and_a_save_of_some_fields_keeps_it_current(db):
    incident = make_incident(code="S1", place_name="Mosul", place_name_ar="الموصل", title="Strike")
    assert stored_text("S1") == "s1\nmosul\nموصل\nstrike\n"
    incident.place_name_ar = "إدلب"
    incident.save(update_fields=["place_name_ar"])
    assert stored_text("S1") == "s1\nmosul\nادلب\nstrike\n"
    incident.title = "Not written"
    incident.save(update_fields=["review_state"])  # (a review move: the text is neither read nor written)
    assert stored_text("S1") == "s1\nmosul\nادلب\nstrike\n"


def test_an_approved_change_updates_it(db, analyst, reviewer):
    incident = make_incident(code="C1", place_name_ar="الموصل")
    change = proposed_change(incident, place_name_ar="الرقة")
    incident.propose_revision(change, incident.version, by=analyst)
    incident.approve(reviewer, seen=None)
    assert "\nرقه\n" in stored_text("C1")


def import_csv(rows, user):
    report = ImportReport()
    file = io.StringIO(csv_text(rows))
    file.name = "incidents.csv"
    options = Options(user, ReviewState.PUBLISHED, "Imported", "code", False, approved_by=import_approver())
    run_import(lambda: project_csv.read(file, report), options, report)
    return report


def test_an_import_fills_it_and_a_reimport_updates_it(db):
    importer = make_user("ines-importer", "reviewer")
    import_csv([incident_row("IMP1", place_name_ar="الْمَوْصِل", place_name="Mosul")], importer)
    assert stored_text("IMP1") == "imp1\nmosul\nموصل\n\n"
    import_csv([incident_row("IMP1", place_name_ar="إدلب", place_name="Idlib")], importer)
    assert stored_text("IMP1") == "imp1\nidlib\nادلب\n\n"


def test_the_synthetic_generator_fills_it(db):
    synthetic.generate(20, seed=7)
    for code, place, place_ar, title, summary, text in Incident.objects.values_list(
        "code", "place_name", "place_name_ar", "title", "summary", "search_text"
    ):
        assert text == search_text_of(code, place, place_ar, title, summary)


def test_the_demo_data_has_it(db):
    load_demo_data()
    assert not Incident.objects.filter(search_text="").exists()
    assert Incident.objects.filter(search_text__contains="fictional").exists()


def test_the_migration_fills_stored_incidents(db):
    for number in range(3):
        make_incident(code=f"OLD{number}", place_name_ar="الرقة", summary="قرب مبنى")
    Incident.objects.update(search_text="")
    fill_search_text(apps, SimpleNamespace(connection=connection))
    for incident in Incident.objects.all():
        assert incident.search_text == search_text_of(
            incident.code, incident.place_name, "الرقة", incident.title, "قرب مبنى"
        )


# --- It stays internal ---------------------------------------------------------------------------------------


def downloaded(client, url):
    return b"".join(client.get(url).streaming_content).decode()


def test_it_is_not_in_the_history_the_exports_or_the_forms(db, client):
    make_incident(code="X1", place_name_ar="الموصل")
    assert "search_text" not in {field.name for field in Incident.history.model._meta.fields}
    assert "search_text" not in exports.CSV_COLUMNS
    header = next(csv.reader(io.StringIO(downloaded(client, "/incidents.csv"))))
    assert "search_text" not in header
    assert "search_text" not in downloaded(client, "/incidents.json")
    assert not Incident._meta.get_field("search_text").editable  # so no form, admin or import mapping offers it


def test_the_search_is_one_condition_the_trigram_index_can_serve(db):
    # An exact match on the code OR-ed beside it made PostgreSQL read every incident.
    sql = str(IncidentFilter(QueryDict("q=الموصل")).qs.query)
    assert "LIKE" in sql
    assert " OR " not in sql


def test_the_admin_search_finds_an_arabic_place_in_any_spelling(client):
    reviewer = make_user("rita", "reviewer")
    make_incident(code="AR0001", place_name_ar="الموصل")
    make_incident(code="AR0002", place_name_ar="الرقة")
    client.force_login(reviewer)
    vowelled = "الْمَوْصِل"  # no plain substring of the stored name
    body = client.get("/admin/reports/incident/", {"q": vowelled, "state": "all"}).content.decode()
    assert "AR0001" in body and "AR0002" not in body
