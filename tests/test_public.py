"""The public home page: published records only, a fixed number of queries, everything escaped."""

import pytest
from django.urls import reverse

from reports.demo import load_demo_data
from reports.models import ReviewState
from tests.factories import make_assessment, make_incident, make_statement, official_assessor

pytestmark = pytest.mark.django_db


def home_page(client):
    response = client.get(reverse("reports:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_home_shows_published_incidents_and_nothing_else(client):
    make_incident(code="SHOWN1", place_name="Al-Jadida")
    for number, state in enumerate(set(ReviewState.values) - {ReviewState.PUBLISHED}):
        make_incident(code=f"HIDDEN{number}", place_name=f"Secret place {number}", review_state=state)
    page = home_page(client)
    assert "SHOWN1" in page
    assert "Al-Jadida" in page
    assert "HIDDEN" not in page
    assert "Secret place" not in page
    assert "<dd>1</dd>" in page  # published incidents


def test_home_puts_the_official_verdict_beside_the_monitor_range(client):
    incident = make_incident(place_name="Al-Jadida", place_name_ar="الجديدة")
    make_assessment(incident, official_assessor(), verdict="credible", killed_min=105, killed_max=105)
    make_assessment(incident, verdict="confirmed", killed_min=141, killed_max=278)
    page = home_page(client)
    assert "Credible" in page
    assert "105 killed" in page
    assert "141–278 killed" in page
    assert "(Confirmed)" in page
    assert "الجديدة" in page


def test_home_shows_the_latest_official_statement(client):
    make_statement()
    page = home_page(client)
    assert "352 civilians killed" in page
    assert "42 reports still under review" in page


def test_home_takes_the_same_number_of_queries_for_few_or_many_incidents(client, django_assert_num_queries):
    def add_incidents(count):
        for _ in range(count):
            incident = make_incident(belligerents=("us-led-coalition", "syrian-regime"))
            make_assessment(incident)
            make_assessment(incident, official_assessor())

    add_incidents(2)
    with django_assert_num_queries(6) as few:
        home_page(client)
    add_incidents(15)
    with django_assert_num_queries(len(few.captured_queries)):
        home_page(client)


def test_home_escapes_hostile_text(client):
    make_incident(place_name="<script>alert(1)</script>", title="<img src=x onerror=alert(1)>")
    page = home_page(client)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_demo_banner_appears_only_with_demo_data(client):
    make_incident()
    banner = "fictional demo data"
    assert banner not in home_page(client)
    load_demo_data()
    assert banner in home_page(client)


def test_static_assets_are_served_by_the_app(client):
    page = home_page(client)
    assert "/static/css/site.css" in page
    assert "//" not in page.split("/static/css/site.css")[0].rsplit('href="', 1)[1]  # no other host
