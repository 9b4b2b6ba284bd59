"""The reader's pages and downloads: published records only, the same filters everywhere, a bounded number
of queries, exports equal to the list, nothing unescaped, no error on odd input."""

import csv
import datetime
import io
import json

import pytest
from django import forms
from django.core.cache import caches
from django.urls import reverse
from pytest_django.asserts import assertHTMLEqual

from reports import exports
from reports.devdata.demo import load_demo_data
from reports.figures import tallies
from reports.filters import IncidentFilter, PlainSelect
from reports.importing.report import ImportReport
from reports.models import Incident, ReviewState
from reports.views import public
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    make_statement,
    monitor_assessor,
    official_assessor,
    proposed_change,
)

pytestmark = pytest.mark.django_db

PAGES = ["reports:home", "reports:incident_list", "reports:methodology"]
DOWNLOADS = ["reports:incidents_csv", "reports:incidents_json", "reports:tallies_json"]


def get(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, name
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assessed(code, country="Syria", official=None, monitor=(2, 5), **fields):
    incident = make_incident(code=code, country=country, **fields)
    if official:
        make_assessment(incident, official_assessor(), verdict=official[0], killed_min=official[1], killed_max=None)
    make_assessment(incident, monitor_assessor(), verdict="fair", killed_min=monitor[0], killed_max=monitor[1])
    make_source(incident)
    return incident


def csv_codes(text):
    return {row["code"] for row in csv.DictReader(io.StringIO(text))}


# --- Published records only ------------------------------------------------------------------------------


def test_unpublished_incidents_appear_on_no_page_and_in_no_download(client):
    assessed("SHOWN1", place_name="Al-Jadida")
    for number, state in enumerate(sorted(set(ReviewState.values) - {ReviewState.PUBLISHED})):
        assessed(f"HIDDEN{number}", place_name=f"Secret place {number}", review_state=state, monitor=(900, 900))
    for name in PAGES + DOWNLOADS:
        text = get(client, name)
        assert "HIDDEN" not in text and "Secret place" not in text, name
        assert "900" not in text, name
    assert "SHOWN1" in get(client, "reports:incident_list")
    for state_code in ("HIDDEN0", "HIDDEN1"):
        assert client.get(reverse("reports:public_incident", args=[state_code])).status_code == 404


# --- The dashboard ----------------------------------------------------------------------------------------


def test_dashboard_puts_the_official_count_beside_the_monitors(client):
    assessed("CS1548", country="Iraq", official=("credible", 105), monitor=(141, 278), place_name_ar="الجديدة")
    make_statement()
    page = get(client, "reports:home")
    assert "<strong>105</strong> civilians killed" in page
    assert "<strong>141–278</strong> likely" in page
    assert "36–173</strong> more deaths" in page
    assert "الجديدة" in page
    assert "352" in page and "42" in page  # the statement, in the reconciliation table
    assert "<svg" in page and "numbers as a table" in page


def test_dashboard_links_every_breakdown_to_the_incidents_behind_it(client):
    assessed("IQ1", country="Iraq")
    page = get(client, "reports:home")
    assert 'href="/incidents/?country=Iraq"' in page
    assert 'href="/incidents/?belligerent=us-led-coalition"' in page
    assert "See the 1 incident behind these numbers" in page


@pytest.mark.parametrize("params", [{}, {"country": "Syria", "as_of": "2018-01-01"}])
def test_dashboard_queries_do_not_grow_with_the_incidents(client, django_assert_max_num_queries, params):
    for number in range(3):
        assessed(f"A{number}", official=("credible", 3))
    get(client, "reports:home", **params)  # warm: the snapshot
    with django_assert_max_num_queries(35) as few:  # rendered whole: the figures and both short lists
        rendered(client, "reports:home", **params)
    few_count = len(few)  # now: the next request resets the query log
    for number in range(20):
        assessed(f"B{number}", official=("credible", 3))
    get(client, "reports:home", **params)
    with django_assert_max_num_queries(few_count):
        rendered(client, "reports:home", **params)


def section(page, heading_id):
    """The part of a page from the section whose heading has this id to the end of that section."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def published(code, at, **fields):
    incident = assessed(code, **fields)
    Incident.objects.filter(pk=incident.pk).update(published_at=at)
    return incident


def test_recently_published_lists_publications_newest_first_whatever_the_strikes_date(client):
    now = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
    published("NEW-STRIKE", now - datetime.timedelta(days=30), date_start=datetime.date(2024, 5, 1))
    published("OLD-STRIKE", now, date_start=datetime.date(2014, 9, 23))
    for number in range(public.LATEST):  # newer strikes, published long ago: they fill the latest incidents
        published(f"FILL{number}", now - datetime.timedelta(days=400), date_start=datetime.date(2023, 1, 1 + number))
    make_incident(code="DRAFT-NEW", review_state=ReviewState.DRAFT, date_start=datetime.date(2025, 1, 1))
    page = get(client, "reports:home")
    latest, recent = section(page, "latest"), section(page, "recently-published")
    assert "OLD-STRIKE" not in latest  # ten newer strikes come first there
    assert recent.index("OLD-STRIKE") < recent.index("NEW-STRIKE")
    assert "published 2026-12-01 · strike of 2014-09-23" in recent
    assert "DRAFT-NEW" not in page


def test_a_record_without_a_publication_date_is_not_recently_published(client):
    published("UNDATED", None)
    published("DATED", datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC))
    recent = section(get(client, "reports:home"), "recently-published")
    assert "/incidents/DATED/" in recent and "/incidents/UNDATED/" not in recent


def rendered(client, name, **params):
    """The page as rendered, not a kept copy (the page cache and the kept figures emptied first)."""
    for cache in caches.all():
        cache.clear()
    return get(client, name, **params)


def test_both_latest_lists_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for number in range(3):
        assessed(f"A{number}", official=("credible", 3))
    get(client, "reports:home")  # warm: the snapshot
    with django_assert_max_num_queries(30) as few:
        rendered(client, "reports:home")
    few_count = len(few)  # now: the next request resets the query log
    assert few_count > 5  # rendered, not served from the cache
    for number in range(30):
        assessed(f"B{number}", official=("credible", 3))
    get(client, "reports:home")
    with django_assert_max_num_queries(few_count):
        page = rendered(client, "reports:home")
    assert section(page, "recently-published").count("<li>") == public.LATEST
    assert section(page, "latest").count("<li>") == public.LATEST


# --- The list and the incident page ------------------------------------------------------------------------


def test_list_filters_sorts_and_pages(client, monkeypatch):
    for number in range(9):
        assessed(f"L{number}", country="Iraq" if number % 2 else "Syria")
    monkeypatch.setattr(public, "PAGE_SIZE", 3)
    first = client.get(reverse("reports:incident_list"), {"country": "Iraq", "sort": "code"})
    assert [i.code for i in first.context["page"].object_list] == ["L1", "L3", "L5"]
    assert "4 incidents match" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?country=Iraq&amp;sort=code&amp;page=2"' in first.content.decode()
    second = client.get(reverse("reports:incident_list"), {"country": "Iraq", "sort": "code", "page": 2})
    assert [i.code for i in second.context["page"].object_list] == ["L7"]


def test_list_never_counts_past_the_cap(client, monkeypatch):
    for number in range(6):
        assessed(f"C{number}")
    monkeypatch.setattr(public, "COUNT_CAP", 4)
    page = get(client, "reports:incident_list")
    assert "More than 4 incidents match" in page


def test_list_takes_the_same_number_of_queries_for_few_or_many_rows(
    client, django_assert_num_queries, django_assert_max_num_queries
):
    assessed("Q0", official=("credible", 1))
    with django_assert_max_num_queries(36) as few:  # incl. recounting the stale figures and the page cache
        get(client, "reports:incident_list")
    for number in range(1, 30):
        assessed(f"Q{number}", official=("credible", 1))
    with django_assert_num_queries(len(few.captured_queries)):
        get(client, "reports:incident_list")


def test_incident_page_shows_every_assessment_in_time_order_and_its_sources(client, django_assert_max_num_queries):
    incident = assessed("CS1548", official=("under_review", None), monitor=(141, 278))
    make_assessment(
        incident, official_assessor(), verdict="credible", assessed_on=incident.date_start.replace(year=2018)
    )
    make_source(incident, url="https://example.org/mosul", archive_url="https://archive.org/mosul", title="Report")
    tallies.refresh_snapshot()  # as the recount worker would (readers recount only when it has not)
    with django_assert_max_num_queries(22):  # incl. the page cache's version read, look-up and write
        html = client.get(f"/incidents/{incident.code}/").content.decode()
    timeline = html[html.index("Every assessment, in time order") :]
    assert timeline.index("Open / under review") < timeline.index("Credible")
    assert 'href="https://archive.org/mosul"' in html
    assert "141–278" in html


def test_public_change_log_shows_reviewed_changes_without_naming_staff(client, analyst, reviewer):
    incident = assessed("CS2000", title="Before", official=("credible", 1))
    incident.created_by = analyst
    incident.save()
    incident.propose_revision(
        proposed_change(incident, title="After"), incident.version, by=analyst, reason="internal note"
    )
    incident.approve(reviewer)
    html = client.get("/incidents/CS2000/").content.decode()
    changes = html[html.index("Changes since publication") :]
    assert "Before" in changes and "After" in changes
    assert analyst.username not in html and reviewer.username not in html
    assert "internal note" not in html


def test_incident_page_shows_every_public_field_and_each_sources_author(client):
    incident = assessed(
        "CS3000",
        cause_of_harm="Building collapse",
        infrastructure="Residential building",
        strike_count=3,
        first_reported_on=datetime.date(2017, 3, 18),
        civilian_harm_reported=True,
        external_url="https://airwars.org/civilian-casualties/cs3000/",
        external_data={"internal": "never shown"},
    )
    make_source(incident, author="Jane Reporter", platform="Twitter", title="Witnesses describe the strike")
    html = get_incident(client, "CS3000")
    for shown in ["Building collapse", "Residential building", "3 strikes", "2017-03-18", "Jane Reporter", "Twitter"]:
        assert shown in html, shown
    facts = html[html.index('class="facts"') : html.index("</dl>")]
    assert "Civilian harm reported</dt><dd>yes</dd>" in facts
    assert 'href="https://airwars.org/civilian-casualties/cs3000/"' in facts
    assert "never shown" not in html and "import_digest" not in html


def test_one_strike_and_unknown_harm_read_as_such(client):
    assessed("CS3001", strike_count=1, civilian_harm_reported=None)
    html = get_incident(client, "CS3001")
    assert "1 strike<" in html or "1 strike " in html
    assert "1 strikes" not in html
    assert "Civilian harm reported</dt><dd>not recorded</dd>" in html


def test_an_assessors_kind_is_one_word_after_its_name(client):
    incident = assessed("CS3002", official=("credible", 4))
    html = get_incident(client, incident.code)
    assert "CJTF-OIR</bdi></strong> (official)" in html
    assert "belligerent&#x27;s own reporting" not in html


def test_arabic_text_in_a_mixed_line_is_isolated(client):
    incident = assessed("CS3003", title="غارة على السوق", place_name="الرقة")
    make_source(incident, publisher="الجزيرة", title="مقتل مدنيين", author="مراسل")
    html = get_incident(client, incident.code)
    sources = html[html.index('class="sources"') :]
    assert "<bdi>الجزيرة</bdi>" in sources and "<bdi>مقتل مدنيين</bdi>" in sources and "<bdi>مراسل</bdi>" in sources
    assert "<h1>CS3003: <bdi>غارة على السوق</bdi></h1>" in html
    assert "<bdi>الرقة</bdi>" in html
    dashboard = get(client, "reports:home")
    assert "<bdi>غارة على السوق</bdi>" in section(dashboard, "recently-published")


def test_the_public_change_log_isolates_changed_values(client, analyst, reviewer):
    incident = assessed("CS3004", title="Before", official=("credible", 1))
    incident.propose_revision(proposed_change(incident, title="سوق المدينة"), incident.version, by=analyst)
    incident.approve(reviewer)
    html = get_incident(client, incident.code)
    changes = html[html.index("Changes since publication") :]
    assert '<td dir="auto">سوق المدينة</td>' in changes


def test_the_incident_page_links_staff_to_the_workbench_the_same_for_everyone(client, reviewer):
    assessed("CS3005")
    anonymous = get_incident(client, "CS3005")
    link = '<a href="/work/incidents/CS3005/" rel="nofollow">Staff: open in the workbench</a>'
    assert link in anonymous
    client.force_login(reviewer)
    assert get_incident(client, "CS3005") == anonymous  # nothing of the reader's: one page for all
    client.logout()
    followed = client.get("/work/incidents/CS3005/")
    assert followed.status_code == 302 and followed["Location"].startswith("/accounts/login/")


def get_incident(client, code):
    response = client.get(f"/incidents/{code}/")
    assert response.status_code == 200
    return response.content.decode()


# --- Downloads ----------------------------------------------------------------------------------------------


def test_downloads_hold_exactly_the_filtered_list(client):
    for number in range(4):
        assessed(f"S{number}", country="Syria")
    assessed("IQ0", country="Iraq", official=("credible", 7))
    listed = {i.code for i in client.get("/incidents/", {"country": "Syria"}).context["page"].object_list}
    assert csv_codes(get(client, "reports:incidents_csv", country="Syria")) == listed
    document = json.loads(get(client, "reports:incidents_json", country="Syria"))
    assert {incident["code"] for incident in document["incidents"]} == listed
    figures = json.loads(get(client, "reports:tallies_json", country="Syria"))
    assert figures["incidents"] == len(listed)
    assert figures["filters"] == {"country": "Syria"}


def test_csv_has_a_row_per_current_assessment_and_escapes_formulas(client):
    incident = assessed("F1", official=("credible", 3), title='=HYPERLINK("http://evil")', place_name="+cmd|x")
    incident.longitude, incident.latitude = -3.5, 36.1
    incident.save()
    rows = list(csv.DictReader(io.StringIO(get(client, "reports:incidents_csv"))))
    assert sorted(row["assessor"] for row in rows) == ["airwars", "cjtf-oir"]
    assert rows[0]["title"].startswith("'=HYPERLINK")
    assert rows[0]["place_name"] == "'+cmd|x"
    assert rows[0]["longitude"] == "-3.500000"  # numbers are left alone
    assert rows[0]["belligerents"] == "us-led-coalition"


def test_as_of_applies_to_downloads_too(client):
    incident = assessed("T1", official=("under_review", None))
    make_assessment(
        incident,
        official_assessor(),
        verdict="credible",
        killed_min=9,
        killed_max=9,
        assessed_on=incident.date_start.replace(year=2019),
    )
    early = list(csv.DictReader(io.StringIO(get(client, "reports:incidents_csv", as_of="2018-06-01"))))
    assert {row["verdict"] for row in early if row["assessor"] == "cjtf-oir"} == {"under_review"}
    late = list(csv.DictReader(io.StringIO(get(client, "reports:incidents_csv"))))
    assert {row["verdict"] for row in late if row["assessor"] == "cjtf-oir"} == {"credible"}


# --- Odd input, escaping, assets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"as_of": "not-a-date", "min_killed": "-5", "belligerent": "nobody", "official_verdict": "maybe"},
        {"date_from": "2017-13-45", "q": "<script>alert(1)</script>" * 50, "page": "999999"},
        {"sort": "'; drop table", "page": "abc", "country": "سوريا"},
        {"as_of": "0001-01-01"},  # the first and last days a date can be
        {"as_of": "9999-12-31", "country": "Syria"},
    ],
)
def test_odd_filters_never_break_a_page_or_download(client, params):
    assessed("OK1")
    for name in PAGES + DOWNLOADS:
        response = client.get(reverse(name), params)
        assert response.status_code == 200, name
    page = client.get(reverse("reports:home"), params).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_counts_of_one_are_singular(client):
    incident = assessed("ONE1", official=("credible", 2))
    make_assessment(incident, official_assessor(), verdict="credible", killed_min=2, killed_max=None)
    dashboard = get(client, "reports:home")
    assert "assessed 1 of the 1 incident<" in dashboard
    assert "1 incidents" not in dashboard
    methodology = get(client, "reports:methodology")
    assert "Of the 1 published incident\n" in methodology or "Of the 1 published incident " in methodology
    assert "1 published incidents" not in methodology


def test_an_import_report_says_one_row_in_the_singular():
    report = ImportReport()
    report.problem("incidents.csv", 2, "X1", "no date")
    report.rows_read, report.elapsed = 1, 0.5
    lines = "\n".join(report.summary_lines())
    assert "(1 row or part skipped)" in lines and "1 row in 0.5 s" in lines


def test_hostile_text_is_escaped(client):
    assessed("H1", place_name="<script>alert(1)</script>", title="<img src=x onerror=alert(1)>")
    for html in (get(client, "reports:incident_list"), client.get("/incidents/H1/").content.decode()):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_demo_banner_appears_only_with_demo_data(client):
    make_incident()
    banner = "fictional demo data"
    assert banner not in get(client, "reports:home")
    load_demo_data()
    assert banner in get(client, "reports:home")


def test_static_assets_are_served_by_the_app(client):
    page = get(client, "reports:home")
    assert "/static/css/site.css" in page
    assert "//" not in page.split("/static/css/site.css")[0].rsplit('href="', 1)[1]  # no other host


def test_an_empty_selection_downloads_just_the_header(client):
    text = get(client, "reports:incidents_csv", q="nothing matches this")
    assert text.splitlines() == [",".join(exports.CSV_COLUMNS)]
    assert json.loads(get(client, "reports:incidents_json", q="nothing"))["incidents"] == []


@pytest.mark.parametrize(
    "params",
    [{}, {"country": "Syria", "belligerent": "us-led-coalition", "official_verdict": "credible"}, {"grading": "<x>"}],
)
def test_the_filters_selects_are_the_html_django_writes(params):
    """The filter form's selects are written in Python (PlainSelect), for speed: the same HTML as Django's own
    Select, with the reader's choice selected and a bad value's error attributes."""
    make_incident(country="Syria")
    incident_filter = IncidentFilter(params)
    incident_filter.is_valid()
    selects = [field for field in incident_filter.form if isinstance(field.field.widget, PlainSelect)]
    assert len(selects) == 7
    for field in selects:
        ours = str(field)
        field.field.widget.__class__ = forms.Select
        assertHTMLEqual(ours, str(field))
    assert 'value="Syria" selected' in str(IncidentFilter({"country": "Syria"}).form["country"])
