"""The read-only API (/api/v1/): every endpoint, its filters against the HTML list's, cursor pagination to the
end, 400s for bad input, the throttle, ETag/304, the committed schema, and drafts never visible."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.models import Assessment, OfficialVerdict, ReviewDecision, ReviewState, StrikeType
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    make_statement,
    make_user,
    monitor_assessor,
    official_assessor,
)

API = "/api/v1"
SCHEMA = Path(__file__).resolve().parents[1] / "api" / "schema.yaml"


@pytest.fixture(autouse=True)
def generous_throttle(settings):
    """Tests make many requests from one address; the throttle's own test lowers the rate."""
    settings.API_ANON_RATE = "10000/min"


@pytest.fixture
def records(db):
    """Published incidents in two countries, with assessments, sources and a strike type; and a draft, a
    pending incident and a retracted one, each with rows of their own, which no endpoint may show."""
    official, monitor = official_assessor(), monitor_assessor()
    mosul = make_incident(code="MOSUL-1", country="Iraq", governorate="Nineveh", date_start=datetime.date(2017, 3, 17))
    make_assessment(mosul, official, assessed_on=datetime.date(2017, 4, 1), verdict=OfficialVerdict.UNDER_REVIEW)
    make_assessment(mosul, official, assessed_on=datetime.date(2017, 6, 1), killed_min=100, killed_max=105)
    make_assessment(mosul, monitor, assessed_on=datetime.date(2017, 6, 15), killed_min=120, killed_max=160)
    make_source(mosul, title="Reported in the news")
    mosul.strike_types.add(StrikeType.objects.get(slug="airstrike"))
    raqqa = [make_incident(code=f"RAQQA-{number}", belligerents=("russian-military",)) for number in range(3)]
    make_assessment(raqqa[0], monitor, killed_min=1, killed_max=2)
    for number in range(20):  # a few pages of the API's list at the tests' page size
        make_incident(code=f"SYR-{number:03d}", date_start=datetime.date(2016, 1, 1) + datetime.timedelta(number // 2))
    hidden = [
        make_incident(code="DRAFT-1", country="Iraq", title="Draft strike", review_state=ReviewState.DRAFT),
        make_incident(code="PENDING-1", country="Iraq", review_state=ReviewState.PENDING),
        make_incident(code="RETRACTED-1", country="Iraq"),
    ]
    for incident in hidden:
        make_assessment(incident, official, killed_min=7, killed_max=7)
        make_source(incident, title="Hidden source")
    hidden[2].retract(by=make_user("rita-reviewer", "reviewer"), reason="A duplicate of another record.")
    make_statement(published_on=datetime.date(2017, 7, 31), civilians_killed=352)
    make_statement(published_on=datetime.date(2017, 5, 30), approved_at=None)  # awaiting approval
    return {"mosul": mosul, "hidden": hidden}


def api_codes(client, path, **query):
    """Every incident code the list gives for `query`, following the cursor to the end."""
    codes, url, pages = [], f"{API}{path}", 0
    params = {**query, "page_size": 7}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        codes += [row["code"] for row in body["results"]]
        url, params, pages = body["next"], None, pages + 1
        assert pages < 50, "the cursor never ends"
    return codes


def html_codes(client, **query):
    """Every incident code the HTML list shows for `query`, page after page."""
    codes, page = [], 1
    while True:
        response = client.get("/incidents/", {**query, "page": page})
        assert response.status_code == 200
        codes += [incident.code for incident in response.context["page"].object_list]
        if not response.context["page"].has_next():
            return codes
        page += 1


FILTERS = [
    {},
    {"country": "Iraq"},
    {"governorate": "Nineveh"},
    {"belligerent": "russian-military"},
    {"assessor": "cjtf-oir"},
    {"official_verdict": "credible"},
    {"official_verdict": "under_review", "as_of": "2017-05-01"},
    {"grading": "fair"},
    {"strike_type": "airstrike"},
    {"q": "mosul"},
    {"min_killed": "100"},
    {"date_from": "2016-01-10", "date_to": "2016-02-01"},
    {"as_of": "2016-01-05"},
]


def test_the_list_gives_the_incidents_the_html_list_shows(client, records):
    for query in FILTERS:  # one test, not one per filter: the records take seconds to make
        from_api = api_codes(client, "/incidents/", **query)
        assert from_api, query
        assert len(from_api) == len(set(from_api)), f"a page repeated a record: {query}"
        assert from_api == html_codes(client, **query), query  # the same incidents, in the same order
        assert not {"DRAFT-1", "PENDING-1", "RETRACTED-1"} & set(from_api)


def test_the_cursor_reads_every_published_incident_once_forwards_and_back(client, records):
    first = client.get(f"{API}/incidents/", {"page_size": 10}).json()
    assert first["previous"] is None and len(first["results"]) == 10
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [row["code"] for row in back["results"]] == [row["code"] for row in first["results"]]
    assert len(api_codes(client, "/incidents/")) == 24


def test_rows_hold_the_assessments_current_on_as_of(client, records):
    def verdicts(**query):
        rows = client.get(f"{API}/incidents/", {"q": "MOSUL-1", **query}).json()["results"]
        return sorted((a["assessor"], a["verdict"]) for a in rows[0]["current_assessments"])

    assert verdicts() == [("airwars", "fair"), ("cjtf-oir", "credible")]
    assert verdicts(as_of="2017-05-01") == [("cjtf-oir", "under_review")]


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/incidents/", {"country": "Nowhere"}, "country"),
        ("/incidents/", {"belligerent": "nope"}, "belligerent"),
        ("/incidents/", {"as_of": "2017-13-45"}, "as_of"),
        ("/incidents/", {"date_from": "bad"}, "date_from"),
        ("/incidents/", {"date_to": "1066-10-14"}, "date_to"),
        ("/incidents/", {"official_verdict": "maybe"}, "official_verdict"),
        ("/incidents/", {"min_killed": "many"}, "min_killed"),
        ("/incidents/", {"updated_since": "yesterday"}, "updated_since"),
        ("/figures/", {"country": "Nowhere"}, "country"),
        ("/figures/", {"as_of": "2017-02-30"}, "as_of"),
        ("/deleted/", {}, "since"),
        ("/deleted/", {"since": "2017-13-01"}, "since"),
        ("/incidents/", {"countries": "Iraq"}, "countries"),
        ("/figures/", {"page_size": "10"}, "page_size"),
        ("/deleted/", {"since": "2017-01-01", "code": "X"}, "code"),
        ("/incidents/", {"cursor": "not-a-cursor"}, "cursor"),
        ("/incidents/", {"page_size": "0"}, "page_size"),
        ("/incidents/", {"page_size": "ten"}, "page_size"),
        ("/statements/", {"cursor": "bm8"}, "cursor"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_parameter(client, db, path, query, parameter):
    response = client.get(f"{API}{path}", query)
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


def test_the_detail_holds_the_whole_published_record(client, records):
    mosul = records["mosul"]
    mosul.published_at = timezone.now() - datetime.timedelta(days=1)
    mosul.save()
    mosul.title = "West Mosul strike, 17 March"
    mosul.save()
    response = client.get(f"{API}/incidents/MOSUL-1/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "MOSUL-1" and body["title"] == "West Mosul strike, 17 March"
    assert [(a["assessor"], a["verdict"]) for a in body["assessments"]] == [
        ("cjtf-oir", "under_review"),
        ("cjtf-oir", "credible"),
        ("airwars", "fair"),
    ]
    assert {a["verdict"] for a in body["current_assessments"]} == {"fair", "credible"}
    assert [source["title"] for source in body["sources"]] == ["Reported in the news"]
    assert body["attributions"] == [{"belligerent": "us-led-coalition", "role": "suspected"}]
    assert body["strike_types"] == ["airstrike"]
    assert body["changes"][0]["fields"][0]["new"] == "West Mosul strike, 17 March"
    assert "note" not in body["assessments"][0]


def test_an_unpublished_incident_has_no_detail(client, records):
    for code in ["DRAFT-1", "PENDING-1", "RETRACTED-1", "NOSUCH"]:
        assert client.get(f"{API}/incidents/{code}/").status_code == 404


def test_no_endpoint_shows_a_draft_or_its_rows(client, records):
    everything = b"".join(
        client.get(f"{API}{path}").content
        for path in [
            "/incidents/?page_size=500",
            "/figures/",
            "/statements/",
            "/belligerents/",
            "/assessors/",
            "/deleted/?since=2000-01-01",
        ]
    )
    for hidden in (b"DRAFT-1", b"PENDING-1", b"Draft strike", b"Hidden source"):
        assert hidden not in everything
    assert b"RETRACTED-1" in everything  # once: in the list of deletions, for mirrors to drop it
    assert everything.count(b"RETRACTED-1") == 1


def test_the_figures_are_the_dashboards_downloaded_figures(client, records):
    for query in [{}, {"country": "Iraq"}, {"belligerent": "us-led-coalition", "as_of": "2017-05-01"}]:
        api = client.get(f"{API}/figures/", query).json()
        download = client.get("/tallies.json", query).json()
        assert download.pop("errors") == {}
        assert api == download


def test_statements_are_the_approved_ones_with_their_reconciliation(client, records):
    body = client.get(f"{API}/statements/").json()
    assert [row["stated_civilians_killed"] for row in body["results"]] == [352]
    row = body["results"][0]
    assert row["assessor"] == "CJTF-OIR" and row["credible_low"] == 100 and row["credible_high"] == 105
    assert row["difference_low"] == 352 - 105
    detail = client.get(f"{API}/statements/{row['statement_id']}/")
    assert detail.json() == row
    pending = client.get(f"{API}/statements/{row['statement_id'] + 1}/")
    assert pending.status_code == 404


def test_belligerents_and_assessors(client, records):
    belligerents = client.get(f"{API}/belligerents/").json()
    assert {"slug": "russian-military", "name": "Russian military"} in belligerents
    assessor = client.get(f"{API}/assessors/cjtf-oir/").json()
    assert assessor["kind"] == "official" and assessor["speaks_for"] == ["us-led-coalition"]


def test_deleted_lists_what_left_the_published_record_since_the_date(client, records):
    body = client.get(f"{API}/deleted/", {"since": timezone.now().date().isoformat()}).json()
    assert [(row["code"], row["state"]) for row in body["results"]] == [("RETRACTED-1", "retracted")]
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert client.get(f"{API}/deleted/", {"since": later}).json()["results"] == []
    assert ReviewDecision.objects.filter(incident__code="RETRACTED-1").exists()


def test_updated_since_lists_the_incidents_changed_or_assessed_since(client, records):
    since = timezone.now()
    assert api_codes(client, "/incidents/", updated_since=since.isoformat()) == []
    raqqa = records["mosul"].__class__.public.get(code="RAQQA-1")
    make_assessment(raqqa, official_assessor())
    changed = records["mosul"]
    changed.title = "Retitled"
    changed.save()
    assert sorted(api_codes(client, "/incidents/", updated_since=since.isoformat())) == ["MOSUL-1", "RAQQA-1"]


def test_a_burst_is_throttled_with_retry_after(client, records, settings):
    settings.API_ANON_RATE = "3/min"
    statuses = [client.get(f"{API}/belligerents/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(f"{API}/incidents/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    other_client = client.get(f"{API}/belligerents/", REMOTE_ADDR="192.0.2.7")
    assert other_client.status_code == 200  # per address


def test_an_unchanged_response_is_a_304_until_the_data_changes(client, records):
    first = client.get(f"{API}/incidents/MOSUL-1/")
    etag = first["ETag"]
    assert client.get(f"{API}/incidents/MOSUL-1/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(f"{API}/figures/", HTTP_IF_NONE_MATCH=client.get(f"{API}/figures/")["ETag"]).status_code == 304
    make_assessment(records["mosul"], monitor_assessor(), assessed_on=datetime.date(2017, 7, 1))
    again = client.get(f"{API}/incidents/MOSUL-1/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag


def test_the_list_costs_the_same_queries_for_any_number_of_rows(client, records, django_assert_max_num_queries):
    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/incidents/", {"page_size": page_size}).status_code == 200
        return len(captured)

    queries(1)  # the figures' first count, and the throttle's first row, are not the list's
    assert queries(2) == queries(24)
    with django_assert_max_num_queries(12):
        client.get(f"{API}/incidents/", {"page_size": 24, "country": "Iraq", "as_of": "2017-05-01"})


def test_the_api_has_no_language_and_no_session(client, records):
    assert client.get(f"/ar{API}/belligerents/").status_code == 404
    response = client.get(f"{API}/incidents/")
    assert not response.cookies and "Cookie" not in response.get("Vary", "")


def test_the_docs_page_needs_no_inline_script_or_other_host(client, db):
    page = client.get(f"{API}/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and "https://" not in html
    assert html.count("<script src=") == 3 and "<script>" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    script = client.get(f"{API}/docs/", {"script": ""})
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()


def test_the_committed_schema_is_the_codes(db):
    generated = io.StringIO()
    call_command("spectacular", stdout=generated, stderr=io.StringIO())
    assert generated.getvalue() == SCHEMA.read_text(), (
        "The API's schema changed. If that is deliberate (fields are only ever added within v1), update the "
        "committed file: .venv/bin/python manage.py spectacular --file api/schema.yaml"
    )


def test_every_assessment_field_shown_is_public():
    from api.serializers import AssessmentSerializer

    assert not set(AssessmentSerializer.Meta.fields) & set(Assessment.PRIVATE_FIELDS)


def readme_examples():
    """(path and query, the status the README says) for each curl line of the README's API section."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    return [
        (match[1], int(match[2]))
        for match in re.finditer(r'^curl -s "http://127\.0\.0\.1:8000(/[^"]+)"\s+# (\d{3})', section, re.M)
    ]


def test_the_readmes_curl_examples_answer_as_it_says(client, db):
    call_command("load_demo", stdout=io.StringIO())
    call_command("make_release", "2026-12", stdout=io.StringIO())  # as the README says before its examples
    examples = readme_examples()
    assert len(examples) >= 10
    for address, status in examples:
        response = client.get(address)
        assert response.status_code == status, address
        if "page_size=2" in address:
            assert response.json()["next"]
