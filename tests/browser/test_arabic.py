"""A reader in Arabic, in Chromium: the site right to left, in Arabic throughout, the switcher keeping the filters,
a search in the reader's spelling, and the map, all served from the app alone. Screenshots of the Arabic pages go
to $SCREENSHOTS when it is set (to look at them), to the test's own folder otherwise."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import make_assessment, make_incident, make_source, official_assessor
from tests.test_translations import latin_words

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def records():
    mosul = make_incident(
        code="CS1548",
        title="غارة على حي الجديدة",
        country="Iraq",
        governorate="Nineveh",
        place_name="Mosul",
        place_name_ar="الموصل",
        date_start=datetime.date(2017, 3, 17),
        latitude=Decimal("36.34"),
        longitude=Decimal("43.13"),
        location_precision="neighbourhood",
    )
    make_assessment(mosul, official_assessor(), verdict="credible", killed_min=105, killed_max=105)
    make_assessment(mosul, verdict="confirmed", killed_min=141, killed_max=278)
    make_source(mosul, url="https://example.org/mosul", publisher="الجزيرة", title="تقرير")
    raqqa = make_incident(
        code="SY0001",
        title="قصف في الرقة",
        country="Syria",
        governorate="Raqqa",
        place_name="",
        place_name_ar="الرقّة",
        date_start=datetime.date(2017, 6, 1),
        latitude=Decimal("35.95"),
        longitude=Decimal("39.01"),
        location_precision="exact",
    )
    make_assessment(raqqa, verdict="fair", killed_min=3, killed_max=9)


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_arabic_reader_reads_the_site_right_to_left_and_in_arabic(live_server, page, records, shots):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/ar/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    assert page.locator("body").evaluate("node => getComputedStyle(node).direction") == "rtl"
    expect(page.get_by_role("heading", level=1)).to_contain_text("الضحايا المدنيون")
    assert latin_words(page.content()) == []
    # The brand sits at the right-hand end of the bar, as the page reads from the right.
    brand, bar = page.locator(".brand").bounding_box(), page.locator(".site-header nav").bounding_box()
    assert brand["x"] + brand["width"] > bar["x"] + bar["width"] / 2
    # The map: both countries' governorates, the incidents as dots, the names in Arabic.
    assert page.locator('.map svg [data-governorate^="IQ-"]').count() == 18
    assert page.locator('.map svg [data-governorate^="SY-"]').count() == 15
    assert page.locator(".map svg circle").count() >= 2
    expect(page.locator('.map svg [data-governorate="IQ-NI"] title')).to_contain_text("نينوى")
    page.screenshot(path=shots / "ar-dashboard.png", full_page=True)
    page.locator(".map-section").screenshot(path=shots / "ar-map.png")

    page.goto(live_server.url + "/ar/incidents/CS1548/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CS1548")
    expect(page.locator("main")).to_contain_text("الموصل")
    assert latin_words(page.content()) == []
    page.screenshot(path=shots / "ar-incident.png", full_page=True)

    assert requested and all(url.startswith(live_server.url + "/") for url in requested), requested


def test_the_language_switcher_keeps_the_filters(live_server, page, records):
    page.goto(live_server.url + "/incidents/?country=Iraq&sort=code")
    page.get_by_role("link", name="العربية").click()
    assert page.url == live_server.url + "/ar/incidents/?country=Iraq&sort=code"
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("main")).to_contain_text("CS1548")
    expect(page.locator("main")).not_to_contain_text("SY0001")
    page.get_by_role("link", name="English").click()
    assert page.url == live_server.url + "/incidents/?country=Iraq&sort=code"
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_a_search_in_the_readers_spelling_finds_the_place(live_server, page, records):
    page.goto(live_server.url + "/ar/incidents/")
    page.get_by_role("textbox", name="بحث").fill("موصل")  # without the article
    page.get_by_role("textbox", name="بحث").press("Enter")
    expect(page.locator("main")).to_contain_text("CS1548")
    expect(page.locator("main")).not_to_contain_text("SY0001")
    page.get_by_role("textbox", name="بحث").fill("الرقه")  # ه for ة, no shadda
    page.get_by_role("textbox", name="بحث").press("Enter")
    expect(page.locator("main")).to_contain_text("SY0001")
    expect(page.locator("main")).not_to_contain_text("CS1548")
