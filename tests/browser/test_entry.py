"""An analyst enters an incident in Chromium; two editors of one draft cannot overwrite each other."""

import re

import pytest
from playwright.sync_api import expect

from reports.models import Incident, ReviewState
from tests.factories import PASSWORD, make_assessment, make_incident, make_source

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page, live_server, user, next_path="/work/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    field(page, "Username").fill(user.username)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def field(page, label):
    """The input labelled exactly `label` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def fill_assessment(page, index, assessor, verdict, killed_min, killed_max):
    page.locator(f"#id_assessments-{index}-assessor").select_option(label=assessor)
    page.locator(f"#id_assessments-{index}-verdict").select_option(label=verdict)
    page.locator(f"#id_assessments-{index}-assessed_on").fill("2017-03-20")
    page.locator(f"#id_assessments-{index}-killed_min").fill(killed_min)
    page.locator(f"#id_assessments-{index}-killed_max").fill(killed_max)


def test_analyst_enters_fixes_and_submits_an_incident(live_server, page, analyst):
    log_in(page, live_server, analyst)
    expect(page.get_by_role("heading", level=1)).to_have_text("Workbench")
    page.get_by_role("link", name="New incident").click()

    field(page, "Code").fill("CS1548")
    page.locator("#id_title").fill("Al-Jadida, West Mosul")
    field(page, "Date").fill("2017-03-17")
    field(page, "Country").fill("Iraq")
    field(page, "Place name (Arabic)").fill("الجديدة")
    page.locator("#id_belligerents-0-belligerent").select_option(label="US-led coalition")
    page.locator("#id_sources-0-url").fill("https://example.org/first-report")
    # The second source row and the second assessment row are added in place by the script.
    page.get_by_role("button", name="Add a source").click()
    page.locator("#id_sources-1-url").fill("https://example.org/second-report")
    fill_assessment(page, 0, "CJTF-OIR", "Credible", "105", "105")
    page.get_by_role("button", name="Add an assessment").click()
    fill_assessment(page, 1, "Airwars", "Confirmed", "278", "141")  # minimum and maximum swapped
    page.get_by_role("button", name="Save draft").click()

    error = page.locator(".has-error").filter(has=page.locator("#id_assessments-1-killed_max"))
    assert "is below the minimum" in error.inner_text()
    # Everything typed is still there.
    assert page.locator("#id_sources-1-url").input_value() == "https://example.org/second-report"
    assert field(page, "Place name (Arabic)").input_value() == "الجديدة"

    page.locator("#id_assessments-1-killed_min").fill("141")
    page.locator("#id_assessments-1-killed_max").fill("278")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved CS1548 as a draft.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()

    expect(page.locator(".state")).to_have_text("Pending review")
    incident = Incident.objects.get(code="CS1548")
    assert incident.review_state == ReviewState.PENDING
    assert incident.sources.count() == 2
    assert sorted(incident.assessments.values_list("killed_min", "killed_max")) == [(105, 105), (141, 278)]


def test_second_save_of_the_same_draft_is_refused_and_keeps_the_input(live_server, browser, analyst, reviewer):
    incident = make_incident(code="CS2000", title="First title", review_state=ReviewState.DRAFT, created_by=analyst)
    make_source(incident)
    make_assessment(incident)
    pages = []
    for user in (analyst, reviewer):
        page = browser.new_context().new_page()
        page.set_default_timeout(10_000)
        log_in(page, live_server, user, next_path=f"/work/incidents/{incident.code}/edit/")
        pages.append(page)
    first, second = pages

    first.locator("#id_title").fill("Title by the analyst")
    first.get_by_role("button", name="Save draft").click()
    expect(first.get_by_text("Saved CS2000.")).to_be_visible()

    second.locator("#id_title").fill("Title by the reviewer")
    second.get_by_role("button", name="Save draft").click()
    conflict = second.get_by_role("alert").filter(has_text="Someone else saved this incident")
    assert "Title by the analyst" in conflict.inner_text()
    assert second.locator("#id_title").input_value() == "Title by the reviewer"
    assert Incident.objects.get(pk=incident.pk).title == "Title by the analyst"

    # Having seen the other change, the reviewer saves again on top of it.
    second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_text("Saved CS2000.")).to_be_visible()
    assert Incident.objects.get(pk=incident.pk).title == "Title by the reviewer"
    for page in pages:
        page.context.close()
