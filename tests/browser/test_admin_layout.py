"""The reviewers' admin pages at a laptop's width (1280 x 900) in Chromium: nothing makes the page scroll
sideways, and the queue's state, waiting time and deaths stay in view. Screenshots go to /tmp/shots/admin-*.png
for a person to look at."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from reports.models import Incident, ReviewState
from tests.browser.test_review import admin_log_in
from tests.factories import make_assessment, make_incident, make_source, make_statement, official_assessor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDTH, HEIGHT = 1280, 900
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))  # noqa: S108 (pictures for people, nothing secret)
LONG_PATH = "/".join(["a-very-long-path-segment-of-a-news-site"] * 6)


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def pending_incident(author, days_waiting, **fields):
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=author, last_edited_by=author, **fields)
    make_assessment(incident, killed_min=12, killed_max=140)
    make_assessment(incident, official_assessor(), killed_min=3, killed_max=3)
    make_source(incident)
    incident.submit(by=author)
    waited = timezone.now() - datetime.timedelta(days=days_waiting)
    Incident.objects.filter(pk=incident.pk).update(submitted_at=waited)
    return incident


def with_six_sources(incident):
    for number in range(1, 5):  # and the one every pending incident has: six
        make_source(
            incident,
            url=f"https://news.example.org/{LONG_PATH}/{number}?utm_source=share&utm_medium=copy-link",
            archive_url=f"https://web.archive.org/web/20170318000000/https://news.example.org/{LONG_PATH}/{number}",
            publisher=f"A publisher with a rather long name, number {number}",
            title=f"Witnesses describe the strike on the crowded neighbourhood, in long words, report {number}",
            language="English",
            published_on=datetime.date(2017, 3, 17 + number),
        )
    make_source(
        incident,
        url=f"https://ar.example.org/{LONG_PATH}/arabic",
        publisher="شبكة أخبار الرقة",
        title="شهود يصفون الغارة على الحي المزدحم بالسكان في غرب الموصل وعدد الضحايا المدنيين",
        language="Arabic",
    )


def assert_fits(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"admin-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def assert_every_column_in_view(page):
    """The admin scrolls a list that is too wide inside its box: no column may be hidden there either."""
    results = page.locator("#changelist .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth")


def test_the_reviewers_pages_fit_a_laptop_screen(live_server, laptop, analyst, reviewer):
    long_place = "Al-Jadida, near the old bakery of the western quarter"
    incidents = [pending_incident(analyst, days_waiting, place_name=long_place) for days_waiting in (40, 9, 2)]
    with_six_sources(incidents[0])
    make_statement(created_by=analyst, approved_at=None, title="Monthly civilian casualty report, May 2017")
    make_statement(published_on=datetime.date(2017, 3, 31))
    admin_log_in(laptop, live_server, reviewer)

    laptop.goto(f"{live_server.url}/admin/reports/incident/{incidents[0].pk}/change/")
    assert laptop.locator("#sources-group tbody tr.has_original").count() == 6
    assert_fits(laptop, "incident")
    laptop.locator("#sources-group").screenshot(path=str(SHOTS / "admin-incident-sources.png"))

    laptop.goto(f"{live_server.url}/admin/reports/incident/")  # the queue, by default
    assert laptop.locator("#result_list tbody tr").count() == 3
    assert_fits(laptop, "queue")
    for column in ("state", "waiting", "deaths"):
        header = laptop.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert header["x"] >= 0 and header["x"] + header["width"] <= WIDTH, column
    assert_every_column_in_view(laptop)

    laptop.goto(f"{live_server.url}/admin/reports/officialstatement/?state=all")
    assert laptop.locator("#result_list tbody tr").count() == 2
    assert_fits(laptop, "statements")
    assert_every_column_in_view(laptop)


def test_an_analyst_reads_a_published_incident_and_goes_on_to_propose_a_change(live_server, laptop, analyst):
    incident = make_incident(code="CS4100", created_by=analyst)
    make_source(incident)
    with_six_sources(incident)
    admin_log_in(laptop, live_server, analyst)

    laptop.goto(f"{live_server.url}/admin/reports/incident/{incident.pk}/change/")
    assert laptop.locator("#sources-group tbody tr.has_original").count() == 6
    assert laptop.locator("#sources-group input[name$=url]").count() == 0  # read-only: links shown as text
    assert_fits(laptop, "incident-read-only")
    laptop.get_by_role("link", name="Propose a change").click()
    assert laptop.url == f"{live_server.url}/work/incidents/CS4100/edit/"
