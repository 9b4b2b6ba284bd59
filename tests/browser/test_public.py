"""A reader in Chromium: the dashboard, its filters, an earlier date, an incident, the CSV download."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from reports.models import ReviewState
from tests.factories import make_assessment, make_incident, make_source, make_statement, official_assessor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def records():
    mosul = make_incident(
        code="CS1548",
        country="Iraq",
        place_name="Al-Jadida",
        place_name_ar="الجديدة",
        date_start=datetime.date(2017, 3, 17),
    )
    make_assessment(
        mosul,
        official_assessor(),
        verdict="under_review",
        assessed_on=datetime.date(2017, 3, 25),
        killed_min=None,
        killed_max=None,
    )
    make_assessment(
        mosul,
        official_assessor(),
        verdict="credible",
        assessed_on=datetime.date(2017, 5, 25),
        killed_min=105,
        killed_max=105,
    )
    make_assessment(mosul, verdict="confirmed", assessed_on=datetime.date(2017, 3, 20), killed_min=141, killed_max=278)
    make_source(mosul, url="https://example.org/mosul", title="Mosul report")
    raqqa = make_incident(code="SY0001", country="Syria", date_start=datetime.date(2017, 6, 1))
    make_assessment(raqqa, verdict="fair", killed_min=3, killed_max=9)
    make_incident(code="DRAFT1", review_state=ReviewState.DRAFT)
    make_statement()


def test_reader_filters_goes_back_in_time_opens_an_incident_and_downloads(live_server, page, records):
    page.goto(live_server.url + "/")
    headline = page.locator(".comparison")  # CJTF-OIR beside the monitor, over the coalition's incidents
    expect(headline).to_contain_text("105 civilians killed")
    expect(headline).to_contain_text("144–287 likely")
    expect(page.get_by_text("DRAFT1")).to_have_count(0)
    assert page.locator(".chart svg polyline").count() == 3
    header_colour = page.locator(".site-header").evaluate("node => getComputedStyle(node).backgroundColor")
    assert header_colour == "rgb(29, 31, 33)"  # the app's own stylesheet is applied

    page.get_by_text("Filter, or go back to a date").click()  # the panel is folded below the headline
    page.get_by_role("combobox", name="Country").select_option("Iraq")
    page.get_by_role("button", name="Apply").click()
    assert "country=Iraq" in page.url  # the link is shareable
    expect(headline).to_contain_text("141–278 likely")
    expect(page.locator("#headline")).to_contain_text("in 1 published incident")
    expect(page.locator(".chips")).to_contain_text("Country: Iraq")

    page.get_by_text("Filter, or go back to a date").click()
    page.get_by_role("textbox", name="As known on").fill("2017-04-30")
    page.get_by_role("button", name="Apply").click()
    expect(headline.locator(".official")).to_contain_text("0 civilians killed")
    stated_open = headline.get_by_role("row").filter(has_text="Stated open")
    expect(stated_open.get_by_role("cell").first).to_have_text("1")  # still under review on that date
    reconciliation = page.locator(".statement").filter(has_text="2017-04-30")
    expect(reconciliation).to_contain_text("352")

    page.get_by_role("link", name="See the 1 incident behind these numbers").click()
    expect(page.get_by_role("row").filter(has_text="CS1548")).to_contain_text("Open / under review")
    page.get_by_role("link", name="CS1548").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CS1548")
    expect(page.get_by_role("link", name="Mosul report")).to_have_attribute("href", "https://example.org/mosul")

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(download_info.value.path(), encoding="utf-8").read())))
    assert {row["code"] for row in rows} == {"CS1548"}
    assert {row["verdict"] for row in rows} == {"under_review", "confirmed"}  # as known on 30 April 2017


def test_on_a_phone_the_headline_is_on_the_first_screen_and_nothing_scrolls_sideways(live_server, browser, records):
    for width, height in ((390, 844), (360, 740)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(live_server.url + "/")
        official = page.locator(".comparison .figure.official strong")
        expect(official).to_have_text("105")
        assert official.bounding_box()["y"] + official.bounding_box()["height"] <= height, (width, height)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, height)
        context.close()


def test_the_latest_lists_sit_side_by_side_on_a_wide_screen_and_stack_on_a_phone(live_server, browser, records):
    make_incident(code="OLD-NEWS", title="غارة على السوق", date_start=datetime.date(2014, 9, 23))
    for width, height, side_by_side in ((1280, 900, True), (390, 844, False)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(live_server.url + "/")
        latest = page.locator("section[aria-labelledby=latest]").bounding_box()
        recent = page.locator("section[aria-labelledby=recently-published]").bounding_box()
        expect(page.locator("section[aria-labelledby=recently-published] li").first).to_contain_text("OLD-NEWS")
        if side_by_side:
            assert recent["x"] > latest["x"] + latest["width"] - 1 and recent["y"] == latest["y"]
        else:
            assert recent["y"] >= latest["y"] + latest["height"] and recent["x"] == latest["x"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        context.close()


def test_the_map_draws_both_countries_under_the_policy_and_asks_no_other_host(live_server, page, tmp_path):
    """The dashboard's map and the incident page's locator map in Chromium: visible, drawn from the page alone
    (every request the browser makes goes to the live server), with no Content-Security-Policy violation."""
    raqqa = make_incident(
        code="SY0002",
        governorate="Raqqa",
        latitude=Decimal("35.95"),
        longitude=Decimal("39.01"),
        location_precision="exact",
    )
    make_assessment(raqqa, verdict="fair", killed_min=12, killed_max=20)
    mosul = make_incident(code="IQ0002", country="Iraq", governorate="Nineveh", location_precision="governorate")
    make_assessment(mosul, verdict="fair", killed_min=40, killed_max=60)
    requested, violations = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else 0)

    page.goto(live_server.url + "/?map=likely")
    governorates = page.locator(".map svg [data-governorate]")
    expect(governorates.first).to_be_visible()
    assert page.locator('.map svg [data-governorate^="IQ-"]').count() == 18
    assert page.locator('.map svg [data-governorate^="SY-"]').count() == 15
    assert page.locator(".map svg circle.dot-point").count() == 1  # Mosul is known only to its governorate
    box = page.locator(".map > svg").bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    page.get_by_role("link", name="the gap between them").click()
    expect(page.locator(".map-choice strong")).to_have_text("the gap between them")
    page.locator(".map-section").screenshot(path=tmp_path / "dashboard-map.png")

    page.goto(live_server.url + "/incidents/SY0002/")
    expect(page.locator(".locator svg circle")).to_be_visible()

    assert violations == []
    assert requested and all(url.startswith(live_server.url + "/") for url in requested), requested
