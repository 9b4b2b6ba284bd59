""" "Cite this": the block on the incident pages and the dashboard, and the citation downloads."""

import datetime
import json

import pytest
from django.urls import reverse

from reports import releases
from reports.models import ReviewState
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    return make_incident(code="CS0001", title="Strike on {the} bakery & 100% of it")


@pytest.fixture
def today(monkeypatch):
    day = datetime.date(2026, 12, 6)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: day)
    return day


def cite(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_the_incident_page_and_the_dashboard_offer_cite_this(client, incident, today):
    releases.make_release("2026-12")
    for url, permalink in (
        (reverse("reports:public_incident", args=["CS0001"]), "http://testserver/incidents/CS0001/"),
        ("/ar/incidents/CS0001/", "http://testserver/incidents/CS0001/"),  # the permalink in the default language
        (reverse("reports:home"), "http://testserver/"),
    ):
        page = cite(client, url).content.decode()
        assert f'href="{permalink}"' in page
        assert "2026-12" in page
        block = page[page.index('id="cite-this"') :]
        assert "cite.bib" in block and "cite.ris" in block and "cite.json" in block


def test_before_any_release_the_citation_names_the_live_data(client, incident, today):
    page = cite(client, reverse("reports:public_incident", args=["CS0001"])).content.decode()
    assert "None yet" in page
    bib = cite(client, "/incidents/CS0001/cite.bib").content.decode()
    assert "No release yet" in bib and "version" not in bib


def test_bibtex_escapes_the_title_and_names_the_release_and_access_date(client, incident, today):
    release = releases.make_release("2026-12")
    response = cite(client, "/incidents/CS0001/cite.bib")
    assert response["Content-Type"].startswith("application/x-bibtex")
    bib = response.content.decode()
    assert bib.startswith("@misc{casualties_CS0001,")
    assert r"Strike on \{the\} bakery \& 100\% of it" in bib
    assert "url = {http://testserver/incidents/CS0001/}" in bib
    assert "version = {2026-12}" in bib and "urldate = {2026-12-06}" in bib
    assert f"year = {{{release.created_at.year}}}" in bib
    assert bib.count("{") == bib.count("}")


def test_ris_has_one_tag_a_line_and_ends_the_record(client, incident, today):
    releases.make_release("2026-12")
    ris = cite(client, "/incidents/CS0001/cite.ris").content.decode()
    lines = ris.split("\r\n")
    assert lines[0] == "TY  - DATA" and lines[-2] == "ER  - " and lines[-1] == ""
    assert "UR  - http://testserver/incidents/CS0001/" in lines
    assert "Y2  - 2026/12/06" in lines and "ET  - 2026-12" in lines


def test_csl_json_is_a_dataset_item(client, incident, today):
    release = releases.make_release("2026-12")
    item = json.loads(cite(client, "/incidents/CS0001/cite.json").content)[0]
    assert item["type"] == "dataset" and item["id"] == "casualties_CS0001"
    assert item["URL"] == "http://testserver/incidents/CS0001/" and item["version"] == "2026-12"
    assert item["accessed"] == {"date-parts": [[2026, 12, 6]]}
    created = release.created_at.date()
    assert item["issued"] == {"date-parts": [[created.year, created.month, created.day]]}


def test_the_dataset_is_cited_in_every_format(client, today):
    for suffix in ("bib", "ris", "json"):
        body = cite(client, f"/cite.{suffix}").content.decode()
        assert "http://testserver/" in body and "2026" in body


def test_a_draft_has_no_citation(client):
    make_incident(code="DRAFT1", review_state=ReviewState.DRAFT)
    assert client.get("/incidents/DRAFT1/cite.bib").status_code == 404
    assert client.get("/incidents/CS0001/cite.txt").status_code == 404


def test_a_kept_page_shows_a_new_release_and_a_new_access_date(client, incident, monkeypatch):
    url = reverse("reports:public_incident", args=["CS0001"])
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: datetime.date(2026, 12, 6))
    first = cite(client, url)
    assert cite(client, url)["ETag"] == first["ETag"]
    releases.make_release("r1")
    second = cite(client, url)
    assert second["ETag"] != first["ETag"] and "r1" in second.content.decode()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: datetime.date(2026, 12, 7))
    third = cite(client, url)
    assert third["ETag"] != second["ETag"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=second["Last-Modified"]).status_code == 200


def test_a_citation_is_kept_like_a_page(client, incident, django_assert_num_queries):
    cite(client, "/incidents/CS0001/cite.ris")
    with django_assert_num_queries(1):  # the version
        cite(client, "/incidents/CS0001/cite.ris")
