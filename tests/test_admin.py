"""The admin: lists without a query per row, invalid input refused with readable messages and nothing
saved, records attributed to who entered them, and role permissions enforced on the server."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import Assessment, Assessor, AssessorKind, Belligerent, Incident, ReviewState
from reports.models.changes import changes_collected
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    make_statement,
    monitor_assessor,
    official_assessor,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = ["incident", "assessment", "source", "officialstatement", "assessor", "belligerent", "striketype"]


def logged_in(client, user):
    client.force_login(user)
    return client


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def make_records(count):
    with changes_collected():  # one recount of the figures, as an import does
        for _ in range(count):
            incident = make_incident(belligerents=("us-led-coalition", "russian-military"))
            make_assessment(incident)
            make_assessment(incident, official_assessor())
            make_source(incident)


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_take_the_same_number_of_queries_for_2_or_20_rows(client, admin_user, model):
    logged_in(client, admin_user)
    url = reverse(f"admin:reports_{model}_changelist") + ("?state=all" if model == "incident" else "")
    make_records(2)
    few = queries_for(client, url)
    make_records(18)
    assert queries_for(client, url) == few


def test_change_page_shows_assessments_and_sources_inline(client, admin_user):
    incident = make_incident(place_name="Al-Jadida")
    make_assessment(incident, official_assessor(), verdict="credible", killed_min=7, killed_max=7)
    make_source(incident, publisher="Mosul Eye")
    page = logged_in(client, admin_user).get(reverse("admin:reports_incident_change", args=[incident.pk]))
    assert page.status_code == 200
    for text in ("Al-Jadida", "CJTF-OIR", "Credible", "Mosul Eye"):
        assert text in page.content.decode()


def incident_form(**overrides):
    """The admin add form as a browser would post it: one belligerent, one assessment, one source."""
    data = {
        "code": "CS9001",
        "title": "Strike on a market",
        "summary": "",
        "review_state": ReviewState.DRAFT,
        "date_start": "2017-03-17",
        "date_end": "",
        "date_precision": "day",
        "time_of_day": "",
        "first_reported_on": "",
        "country": "Iraq",
        "governorate": "Nineveh",
        "district": "",
        "place_name": "Al-Jadida",
        "place_name_ar": "الجديدة",
        "latitude": "36.340000",
        "longitude": "43.130000",
        "location_precision": "neighbourhood",
        "strike_status": "declared",
        "strike_count": "",
        "grading": "fair",
        "civilian_harm_reported": "true",
        "cause_of_harm": "",
        "infrastructure": "",
        "external_id": "",
        "external_url": "",
        "external_data": "{}",
        "attributions-TOTAL_FORMS": "1",
        "attributions-INITIAL_FORMS": "0",
        "attributions-0-belligerent": str(official_assessor().speaks_for.get().pk),
        "attributions-0-role": "declared",
        "assessments-TOTAL_FORMS": "1",
        "assessments-INITIAL_FORMS": "0",
        "assessments-0-assessor": str(official_assessor().pk),
        "assessments-0-verdict": "credible",
        "assessments-0-assessed_on": "2017-05-25",
        "assessments-0-dating": "stated",
        "assessments-0-killed_min": "105",
        "assessments-0-killed_max": "105",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-0-position": "1",
        "sources-0-url": "https://example.org/mosul-report",
        "sources-0-publisher": "Example News",
    }
    data.update(overrides)
    return data


def test_admin_saves_a_valid_incident_attributed_to_its_author(client, analyst):
    response = logged_in(client, analyst).post(reverse("admin:reports_incident_add"), incident_form())
    assert response.status_code == 302, response.context["errors"] if response.context else response
    incident = Incident.objects.get(code="CS9001")
    assert incident.created_by == analyst
    assert incident.review_state == ReviewState.DRAFT
    assessment = incident.assessments.get()
    assert (assessment.killed_min, assessment.created_by) == (105, analyst)
    assert incident.sources.get().publisher == "Example News"
    assert incident.attributions.get().role == "declared"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"assessments-0-killed_min": "200"}, "The maximum (105) is below the minimum (200)."),
        ({"assessments-0-killed_min": "-4"}, "Ensure this value is greater than or equal to 0."),
        ({"assessments-0-killed_min": "many"}, "Enter a whole number."),
        ({"date_end": "2017-03-01"}, "The end date is before the start date."),
        ({"latitude": "200"}, "Ensure this value is less than or equal to 90."),
        ({"longitude": "-181"}, "Ensure this value is greater than or equal to -180."),
        ({"longitude": "4239.00416"}, "Ensure that there are no more than 3 digits before the decimal point."),
        ({"date_start": "2999-01-01"}, "This date is in the future."),
        ({"assessments-0-verdict": "fair"}, "CJTF-OIR is an official assessor"),
        ({"sources-0-url": "not a link"}, "Enter a valid URL."),
        ({"date_start": "0001-01-01"}, "Enter a date between 1900-01-01 and 2100-12-31."),
        ({"assessments-0-assessed_on": "9999-12-31"}, "Enter a date between 1900-01-01 and 2100-12-31."),
        ({"sources-0-url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"code": ""}, "This field is required."),
    ],
)
def test_admin_refuses_invalid_input_with_a_readable_message_and_saves_nothing(client, admin_user, overrides, message):
    response = logged_in(client, admin_user).post(reverse("admin:reports_incident_add"), incident_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Incident.objects.exists()
    assert not Assessment.objects.exists()


def test_admin_keeps_hostile_text_and_escapes_it(client, admin_user):
    payload = "<script>alert('x')</script>"
    form = incident_form(title=payload, place_name=payload, summary="سوق " + payload * 50)
    logged_in(client, admin_user).post(reverse("admin:reports_incident_add"), form)
    incident = Incident.objects.get(code="CS9001")
    assert incident.place_name == payload
    page = client.get(reverse("admin:reports_incident_changelist") + "?state=all").content.decode()
    assert incident.code in page
    assert payload not in page
    assert "&lt;script&gt;" in page


def test_analyst_cannot_publish_by_editing_the_review_state(client, analyst):
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    url = reverse("admin:reports_incident_change", args=[incident.pk])
    logged_in(client, analyst)
    assert 'name="review_state"' not in client.get(url).content.decode()
    form = incident_form(code=incident.code, review_state=ReviewState.PUBLISHED, loaded_version="1")
    form.update({"assessments-TOTAL_FORMS": "0", "sources-TOTAL_FORMS": "0", "attributions-TOTAL_FORMS": "0"})
    assert client.post(url, form).status_code == 302
    incident.refresh_from_db()
    assert incident.review_state == ReviewState.DRAFT
    assert incident.place_name == "Al-Jadida"  # the rest of the edit was saved


def test_admin_refuses_to_overwrite_a_newer_save(client, admin_user):
    incident = make_incident(review_state=ReviewState.DRAFT, title="Before")
    url = reverse("admin:reports_incident_change", args=[incident.pk])
    stale = incident_form(code=incident.code, title="Stale edit", loaded_version="1")
    stale.update({"assessments-TOTAL_FORMS": "0", "sources-TOTAL_FORMS": "0", "attributions-TOTAL_FORMS": "0"})
    incident.title = "Saved meanwhile"
    incident.save_checked(1)
    page = logged_in(client, admin_user).post(url, stale).content.decode()
    assert "Someone else saved this incident after you opened it." in page
    incident.refresh_from_db()
    assert (incident.title, incident.version) == ("Saved meanwhile", 2)


def test_nobody_sets_the_review_state_by_editing(client, reviewer, admin_user):
    # States change only through review decisions, which are recorded.
    incident = make_incident(review_state=ReviewState.PENDING)
    for user in (reviewer, admin_user):
        page = logged_in(client, user).get(reverse("admin:reports_incident_change", args=[incident.pk]))
        assert page.status_code == 200
        assert 'name="review_state"' not in page.content.decode()


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
def test_nobody_but_an_admin_deletes_incidents(client, request, role):
    incident = make_incident()
    response = logged_in(client, request.getfixturevalue(role)).get(
        reverse("admin:reports_incident_delete", args=[incident.pk])
    )
    assert response.status_code == 403


def test_analyst_cannot_change_reference_tables(client, analyst, reviewer):
    url = reverse("admin:reports_assessor_change", args=[monitor_assessor().pk])
    assert logged_in(client, analyst).post(url, {"name": "Renamed"}).status_code == 403
    client.logout()
    assert logged_in(client, reviewer).get(url).status_code == 200


def test_statements_are_listed_with_their_figures(client, reviewer):
    make_statement()
    page = logged_in(client, reviewer).get(reverse("admin:reports_officialstatement_changelist") + "?state=all")
    assert "352" in page.content.decode()
    assert "42" in page.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_admin_is_closed_to_anyone_without_a_role(client, request, who):
    if who == "reader":
        client.force_login(request.getfixturevalue("reader"))
    response = client.get(reverse("admin:reports_incident_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_belligerents_slug_and_an_assessors_kind_and_speakers_are_read_only_once_records_use_them(client, admin_user):
    """Changing either rebuilds the whole summary: minutes at a million incidents, past a request's timeout."""
    make_assessment(make_incident(belligerents=("us-led-coalition",)), official_assessor())
    logged_in(client, admin_user)
    used, unused = Belligerent.objects.get(slug="us-led-coalition"), Belligerent.objects.get(slug="syrian-regime")
    for belligerent, editable in ((used, False), (unused, True)):
        page = client.get(reverse("admin:reports_belligerent_change", args=[belligerent.pk]))
        assert ('name="slug"' in page.content.decode()) == editable
        assert ("cannot be changed here" in page.content.decode()) != editable
        renamed = {"name": f"Renamed {belligerent.pk}", "slug": f"renamed-{belligerent.pk}"}
        response = client.post(reverse("admin:reports_belligerent_change", args=[belligerent.pk]), renamed)
        assert response.status_code == 302
        belligerent.refresh_from_db()
        assert (belligerent.name, belligerent.slug == renamed["slug"]) == (renamed["name"], editable)
    page = client.get(reverse("admin:reports_assessor_change", args=[official_assessor().pk])).content.decode()
    assert 'name="kind"' not in page
    assert 'name="speaks_for"' not in page  # whose incidents its comparison covers
    assert 'name="slug"' in page  # not a key of the summary
    unused = Assessor.objects.create(name="Unused ministry", slug="unused-ministry", kind=AssessorKind.OFFICIAL)
    page = client.get(reverse("admin:reports_assessor_change", args=[unused.pk])).content.decode()
    assert 'name="kind"' in page and 'name="speaks_for"' in page


def test_an_assessors_kind_reads_as_one_word_after_its_name(client, admin_user):
    """Not "CJTF-OIR (official (a belligerent's own reporting))": the form's help says what the kinds mean."""
    logged_in(client, admin_user)
    unused = Assessor.objects.create(name="Unused ministry", slug="unused-ministry", kind=AssessorKind.OFFICIAL)
    page = client.get(reverse("admin:reports_assessor_change", args=[unused.pk])).content.decode()
    assert '<option value="official" selected>Official</option>' in page
    assert "Official: a belligerent's own reporting" in page  # the help text
    wrong = Assessment(incident=make_incident(), assessor=official_assessor(), verdict="fair")
    with pytest.raises(ValidationError) as refused:
        wrong.clean()
    assert "CJTF-OIR is an official assessor: choose one of" in str(refused.value)
