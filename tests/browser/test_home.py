"""A reader opens the home page in Chromium."""

import pytest

from reports.models import ReviewState
from tests.factories import make_assessment, make_incident, make_statement, official_assessor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_reader_sees_published_incidents_with_both_counts(live_server, page):
    incident = make_incident(code="CS1548", place_name="Al-Jadida", place_name_ar="الجديدة")
    make_assessment(incident, official_assessor(), verdict="credible", killed_min=105, killed_max=105)
    make_assessment(incident, verdict="confirmed", killed_min=141, killed_max=278)
    make_incident(code="DRAFT1", review_state=ReviewState.DRAFT)
    make_statement()

    page.goto(live_server.url + "/")

    assert page.title() == "Civilian casualty tracker"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Civilian casualties")
    row = page.get_by_role("row").filter(has_text="CS1548")
    assert "Credible: 105 killed" in row.inner_text()
    assert "141–278 killed (Confirmed)" in row.inner_text()
    assert page.locator("[lang=ar]").inner_text() == "الجديدة"
    assert "352 civilians killed; 42 reports still under review" in page.locator(".figures").inner_text()
    assert page.get_by_text("DRAFT1").count() == 0
    # The stylesheet is served by the app itself and applied.
    header_colour = page.locator(".site-header").evaluate("node => getComputedStyle(node).backgroundColor")
    assert header_colour == "rgb(29, 31, 33)"
