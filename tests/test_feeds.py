"""The Atom feeds: valid Atom, published records only, the incident list's filters, at most 50 entries, stable
ids, autodiscovery links with the page's filters, the page that lists them in both languages, and a number of
queries that does not grow with the entries. The changes feed holds approved changes and the changes of approved
re-imports."""

import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import caches
from django.utils import timezone, translation

from reports.exports import CSV_COLUMNS
from reports.importing import batches, formats
from reports.models import Incident, OfficialVerdict, ReviewState
from reports.models.imports import ImportStatus
from reports.models.review import empty_change_set
from reports.views.feeds import MAX_ENTRIES, changed_parts
from tests.factories import make_assessment, make_incident, make_statement, official_assessor, proposed_change

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ["/feeds/incidents.atom", "/feeds/changes.atom", "/feeds/statements.atom"]


def feed(client, path, **params):
    """The feed at `path`, parsed: it must be Atom."""
    response = client.get(path, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own response)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None, required
    return root


def entries(root):
    return root.findall(f"{ATOM}entry")


def links(root):
    return [entry.find(f"{ATOM}link").get("href") for entry in entries(root)]


def codes(root):
    return [re.search(r"/incidents/([^/]+)/", link).group(1) for link in links(root)]


def list_codes(client, **params):
    page = client.get("/incidents/", params).content.decode()
    return set(re.findall(r'href="/incidents/([^/"]+)/"', page))


def approved(incident, change_set, analyst, reviewer):
    incident = Incident.objects.get(pk=incident.pk)
    incident.propose_revision(change_set, incident.version, by=analyst)
    Incident.objects.get(pk=incident.pk).approve(reviewer)


def approved_change(incident, analyst, reviewer, **changes):
    approved(incident, proposed_change(incident, **changes), analyst, reviewer)


def approved_verdict(incident, analyst, reviewer, verdict=OfficialVerdict.CREDIBLE, assessed_on="2017-12-01"):
    """A published incident's new official verdict: a new assessment, proposed and approved like any change."""
    change_set = empty_change_set()
    fields = {"assessor": official_assessor().pk, "verdict": verdict, "assessed_on": assessed_on, "killed_min": 3}
    change_set["assessments"] = [{"id": None, "fields": fields}]
    approved(incident, change_set, analyst, reviewer)


@pytest.fixture
def record(analyst, reviewer):
    """Published incidents in Iraq and Syria, each with an official verdict and an approved change, a draft
    with the same, and an approved statement beside one still pending."""
    published = []
    for code, country in (("IQ1", "Iraq"), ("IQ2", "Iraq"), ("SY1", "Syria")):
        incident = make_incident(code=code, country=country, governorate="", created_by=analyst)
        approved_verdict(incident, analyst, reviewer)
        approved_change(incident, analyst, reviewer, title=f"{code} corrected")
        published.append(incident)
    draft = make_incident(code="DRAFT1", country="Iraq", review_state=ReviewState.DRAFT)
    make_assessment(draft, official_assessor(), verdict=OfficialVerdict.CREDIBLE)
    make_statement(countries="Iraq; Syria", title="Monthly report")
    make_statement(published_on=datetime.date(2017, 5, 31), countries="Iraq", title="Pending", approved_at=None)
    return published


# --- Atom, published only -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FEEDS)
def test_each_feed_is_atom_with_dated_entries_of_published_records_only(client, record, path):
    root = feed(client, path)
    assert entries(root)
    for entry in entries(root):
        for required in ("id", "title", "updated", "published", "summary"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        assert entry.find(f"{ATOM}id").text.startswith("tag:testserver,")
    text = ET.tostring(root, encoding="unicode")
    assert "DRAFT1" not in text and "Pending" not in text


def test_incidents_feed_is_newest_published_first(client, record):
    Incident.objects.filter(code="IQ1").update(published_at=timezone.now() + datetime.timedelta(days=1))
    assert codes(feed(client, "/feeds/incidents.atom")) == ["IQ1", "SY1", "IQ2"]


def test_changes_feed_holds_verdicts_and_approved_changes(client, record, analyst, reviewer):
    approved_verdict(record[0], analyst, reviewer, verdict=OfficialVerdict.NON_CREDIBLE, assessed_on="2018-01-01")
    titles = [entry.find(f"{ATOM}title").text for entry in entries(feed(client, "/feeds/changes.atom"))]
    assert "IQ1: official verdict revised by CJTF-OIR: Non-credible" == titles[0]
    assert "IQ1: official verdict given by CJTF-OIR: Credible" in titles
    assert titles.count("IQ1: change approved") == 1
    assert len(titles) == 7  # three verdicts given, one revised, three changes approved
    summaries = [entry.find(f"{ATOM}summary").text for entry in entries(feed(client, "/feeds/changes.atom"))]
    assert any("Changed: title." in summary for summary in summaries)


def test_a_retracted_incident_leaves_every_feed(client, record, reviewer):
    Incident.objects.filter(code="IQ1").update(review_state=ReviewState.RETRACTED)
    for path in FEEDS[:2]:
        assert "IQ1" not in set(codes(feed(client, path)))


# --- Filters, cap, ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FEEDS[:2])
def test_a_feed_takes_the_incident_lists_filters(client, record, path):
    assert set(codes(feed(client, path, country="Iraq"))) == list_codes(client, country="Iraq") == {"IQ1", "IQ2"}
    root = feed(client, path, country="Iraq")
    assert "Iraq" in root.find(f"{ATOM}title").text
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/incidents/?country=Iraq"
    assert root.find(f"{ATOM}id").text == f"http://testserver{path}?country=Iraq"


def test_statements_feed_takes_the_country_and_the_assessor(client, record):
    make_statement(published_on=datetime.date(2017, 6, 30), countries="Syria", title="Syria only")
    titled = lambda root: [entry.find(f"{ATOM}title").text.split(": ")[-1] for entry in entries(root)]  # noqa: E731
    assert titled(feed(client, "/feeds/statements.atom", country="Iraq")) == ["Monthly report"]
    assert set(titled(feed(client, "/feeds/statements.atom", country="Syria"))) == {"Monthly report", "Syria only"}
    assert len(entries(feed(client, "/feeds/statements.atom", assessor="cjtf-oir"))) == 2
    unknown = feed(client, "/feeds/statements.atom", country="Narnia")  # left out, as the incident list does
    assert len(entries(unknown)) == 2 and "Narnia" not in unknown.find(f"{ATOM}title").text


def test_a_feed_holds_at_most_50_entries(client, analyst, reviewer):
    for number in range(MAX_ENTRIES + 3):
        incident = make_incident(code=f"N{number:03d}", created_by=analyst)
        approved_verdict(incident, analyst, reviewer)
    for path in FEEDS[:2]:
        assert len(entries(feed(client, path))) == MAX_ENTRIES
    assert "N052" in codes(feed(client, "/feeds/incidents.atom"))  # the newest


def test_entry_ids_and_dates_are_stable_across_requests_and_languages(client, record):
    english = feed(client, "/feeds/incidents.atom")
    caches["local"].clear()
    arabic = feed(client, "/ar/feeds/incidents.atom")
    ids = [entry.find(f"{ATOM}id").text for entry in entries(english)]
    assert ids == [entry.find(f"{ATOM}id").text for entry in entries(arabic)]
    published = Incident.objects.get(code="IQ1").published_at
    assert f"tag:testserver,{published:%Y-%m-%d}:incident/IQ1" in ids
    updated = entries(english)[-1].find(f"{ATOM}updated").text
    assert datetime.datetime.fromisoformat(updated) == published


def test_a_feed_is_validated_like_the_pages(client, record):
    response = client.get("/feeds/incidents.atom", {"country": "Iraq"})
    assert response["ETag"] and "public" in response["Cache-Control"]
    again = client.get("/feeds/incidents.atom", {"country": "Iraq"}, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# --- Languages, autodiscovery, the feeds page -----------------------------------------------------------------


def test_arabic_feeds_link_arabic_pages_and_name_verdicts_in_arabic(client, record):
    root = feed(client, "/ar/feeds/changes.atom")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    assert all(link.startswith("http://testserver/ar/incidents/") for link in links(root))
    with translation.override("ar"):
        credible = str(OfficialVerdict.CREDIBLE.label)
    assert credible != "Credible"
    assert any(credible in entry.find(f"{ATOM}title").text for entry in entries(root))


@pytest.mark.parametrize(
    ("path", "feed_query"),
    [
        ("/", ""),
        ("/?country=Iraq&map=killed", "?country=Iraq"),
        ("/incidents/?sort=code&country=Iraq&page=1", "?country=Iraq"),
        ("/ar/incidents/?country=Iraq", "?country=Iraq"),
        ("/methodology/", ""),
    ],
)
def test_pages_link_their_feeds_with_their_filters(client, record, path, feed_query):
    page = client.get(path).content.decode()
    prefix = "/ar" if path.startswith("/ar/") else ""
    found = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">', page)
    assert found == [f"{prefix}{feed_path}{feed_query}" for feed_path in FEEDS]


@pytest.mark.parametrize("prefix", ["", "/ar"])
def test_feeds_page_lists_every_feed_in_the_pages_language(client, prefix):
    page = client.get(f"{prefix}/feeds/").content.decode()
    for path in FEEDS:
        assert f'href="{prefix}{path}"' in page
    assert f'lang="{"ar" if prefix else "en"}"' in page


def test_downloads_link_the_feeds_page(client, record):
    assert 'href="/feeds/"' in client.get("/incidents/").content.decode()


@pytest.mark.parametrize("path", FEEDS)
def test_a_feeds_queries_do_not_grow_with_its_entries(client, django_assert_max_num_queries, analyst, reviewer, path):
    def add(count, start):
        for number in range(start, start + count):
            incident = make_incident(code=f"Q{number:03d}", created_by=analyst)
            approved_verdict(incident, analyst, reviewer)
            approved_change(incident, analyst, reviewer, title="Changed")
            make_statement(published_on=datetime.date(2017, 1, 1) + datetime.timedelta(days=number), countries="Syria")

    add(2, 0)
    client.get(path)  # warm: the figures' snapshot
    caches["local"].clear()
    caches["default"].clear()
    with django_assert_max_num_queries(12) as few:
        feed(client, path, country="Syria")
    few_count = len(few)
    add(10, 2)
    client.get(path)
    caches["local"].clear()
    caches["default"].clear()
    with django_assert_max_num_queries(few_count):
        assert len(entries(feed(client, path, country="Syria"))) >= 12


def test_a_change_names_what_readers_can_see_of_it():
    change_set = empty_change_set()
    change_set["incident"] = {"title": "New", "summary": "New"}
    change_set["assessments"] = [{"id": 4, "fields": {"note": "for the team"}}]
    change_set["sources"] = [{"id": 7, "delete": True}]
    assert changed_parts(change_set) == ["title", "summary", "sources"]


# --- Changes by an approved re-import -------------------------------------------------------------------------

NON_CREDIBLE = {"verdict": "non_credible"}


def incident_row(code, country="Iraq", **values):
    """A row of the project's own CSV (reports/importing/project_csv.py): without an assessor, no assessment."""
    return {"code": code, "date_start": "2017-03-17", "country": country, "belligerents": "us-led-coalition"} | values


def verdict_row(code, verdict="credible", **values):
    """A row with CJTF-OIR's assessment of 2017-12-01 (an import matches an assessment on assessor and date)."""
    assessment = {"assessor": "cjtf-oir", "assessor_kind": "official", "assessed_on": "2017-12-01", "killed_min": "3"}
    return incident_row(code, **values) | assessment | {"verdict": verdict} | values


def held_import(reviewer, *rows, state=ReviewState.PUBLISHED, confirmed=True):
    """An import of `rows` as its uploader leaves it: its dry run, then (`confirmed`) their go-ahead, after which
    an import that publishes awaits a second reviewer (any other runs)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, CSV_COLUMNS)
    writer.writeheader()
    writer.writerows({column: "" for column in CSV_COLUMNS} | row for row in rows)
    batch = batches.hold("project", state, reviewer, {"file": ("update.csv", text.getvalue().encode())})
    batches.dry_run(batch)
    if confirmed:
        batches.confirm(batch, reviewer)
    return batch


def approved_import(reviewer, approver, *rows):
    batch = held_import(reviewer, *rows)
    batches.approve(batch, approver)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    return batch


def titles(root):
    return [entry.find(f"{ATOM}title").text for entry in entries(root)]


def import_ids(root):
    """What the entries of imported changes are about ("import/<batch>/<code>"), in the feed's order."""
    ids = [entry.find(f"{ATOM}id").text.split(":")[-1] for entry in entries(root)]
    return [about for about in ids if about.startswith("import/")]


def test_an_approved_reimport_that_changes_published_incidents_is_in_the_changes_feed(
    client, analyst, reviewer, second_reviewer
):
    approved_import(reviewer, second_reviewer, verdict_row("IM1"), incident_row("IM2"))
    assert codes(feed(client, "/feeds/incidents.atom")) == ["IM1", "IM2"]
    assert not entries(feed(client, "/feeds/changes.atom"))  # new incidents are the other feed's news

    revised = approved_import(reviewer, second_reviewer, verdict_row("IM1", **NON_CREDIBLE), verdict_row("IM2"))
    root = feed(client, "/feeds/changes.atom")
    assert sorted(titles(root)) == [
        "IM1: official verdict revised by CJTF-OIR: Non-credible",
        "IM2: official verdict given by CJTF-OIR: Credible",
    ]
    entry = entries(root)[titles(root).index("IM1: official verdict revised by CJTF-OIR: Non-credible")]
    assert entry.find(f"{ATOM}link").get("href") == "http://testserver/incidents/IM1/#changes"
    for date in ("published", "updated"):
        assert datetime.datetime.fromisoformat(entry.find(f"{ATOM}{date}").text) == revised.decided_at
    assert entry.find(f"{ATOM}id").text == f"tag:testserver,{revised.decided_at:%Y-%m-%d}:import/{revised.pk}/IM1"
    assert "Changed by an approved import." in entry.find(f"{ATOM}summary").text

    # Merged with approved changes, newest first; an import that gives no verdict says an import changed it.
    approved_change(Incident.objects.get(code="IM1"), analyst, reviewer, title="IM1 corrected")
    retitled = approved_import(reviewer, second_reviewer, verdict_row("IM2", title="Retitled"))
    root = feed(client, "/feeds/changes.atom")
    assert titles(root)[:2] == ["IM2: changed by an approved import", "IM1: change approved"]
    assert len(titles(root)) == 4
    assert import_ids(root) == [f"import/{retitled.pk}/IM2", f"import/{revised.pk}/IM1", f"import/{revised.pk}/IM2"]
    with translation.override("ar"):
        arabic = translation.gettext("%(code)s: changed by an approved import") % {"code": "IM2"}
    assert titles(feed(client, "/ar/feeds/changes.atom"))[0] == arabic != "IM2: changed by an approved import"


def test_an_import_not_approved_or_of_an_unpublished_incident_is_not_in_the_changes_feed(
    client, reviewer, second_reviewer
):
    approved_import(reviewer, second_reviewer, verdict_row("IM1"))
    held_import(reviewer, incident_row("PEND1"), state=ReviewState.PENDING)  # runs on its uploader's word
    held_import(reviewer, verdict_row("IM1", **NON_CREDIBLE), confirmed=False)  # a dry run
    awaiting = held_import(reviewer, verdict_row("IM1", **NON_CREDIBLE))
    rejected = held_import(reviewer, verdict_row("IM1", **NON_CREDIBLE))
    batches.reject(rejected, second_reviewer, "Not our data")
    assert not entries(feed(client, "/feeds/changes.atom"))
    assert Incident.objects.get(code="IM1").assessments.get().verdict == OfficialVerdict.CREDIBLE

    # Approved, the same import is in the feed; an approved import that changes a pending incident is not.
    batches.approve(awaiting, second_reviewer)
    pending = approved_import(reviewer, second_reviewer, incident_row("PEND1", title="Changed while pending"))
    assert Incident.objects.get(code="PEND1").title == "Changed while pending"
    assert import_ids(feed(client, "/feeds/changes.atom")) == [f"import/{awaiting.pk}/IM1"]
    assert not pending.changes.exists()


def test_a_filtered_changes_feed_leaves_out_imported_changes_outside_the_filter(client, reviewer, second_reviewer):
    rows = [incident_row("IQ-IM"), incident_row("SY-IM", country="Syria")]
    approved_import(reviewer, second_reviewer, *rows)
    batch = approved_import(reviewer, second_reviewer, *[row | {"title": "Retitled"} for row in rows])
    assert set(import_ids(feed(client, "/feeds/changes.atom"))) == {
        f"import/{batch.pk}/IQ-IM",
        f"import/{batch.pk}/SY-IM",
    }
    iraq = feed(client, "/feeds/changes.atom", country="Iraq")
    assert import_ids(iraq) == [f"import/{batch.pk}/IQ-IM"] and codes(iraq) == ["IQ-IM"]


def test_the_changes_feeds_queries_do_not_grow_with_imported_changes(
    client, django_assert_max_num_queries, analyst, reviewer, second_reviewer
):
    numbered = [f"QI{number:02d}" for number in range(12)]
    approved_import(reviewer, second_reviewer, *[verdict_row(code, country="Syria") for code in numbered])
    approved_import(
        reviewer, second_reviewer, *[verdict_row(code, country="Syria", **NON_CREDIBLE) for code in numbered[:2]]
    )
    approved_change(Incident.objects.get(code=numbered[0]), analyst, reviewer, title="Changed")
    client.get("/feeds/changes.atom")  # warm: the figures' snapshot
    caches["local"].clear()
    caches["default"].clear()
    with django_assert_max_num_queries(12) as few:
        assert len(entries(feed(client, "/feeds/changes.atom", country="Syria"))) == 3
    few_count = len(few)  # (now: the connection keeps only the latest queries)
    for code in numbered[2:]:  # an import each: ten more entries
        approved_import(reviewer, second_reviewer, verdict_row(code, country="Syria", **NON_CREDIBLE))
    client.get("/feeds/changes.atom")
    caches["local"].clear()
    caches["default"].clear()
    with django_assert_max_num_queries(few_count):
        root = feed(client, "/feeds/changes.atom", country="Syria")
    assert len(import_ids(root)) == 12
    assert all(title.endswith("revised by CJTF-OIR: Non-credible") for title in titles(root)[:10])


NOTE_MAPPING = {
    "identifier": "id",
    "code": "id",
    "incident": {"date_start": "date", "country": "country", "title": "title"},
    "belligerents": {"value": "us-led-coalition"},
    "assessment": {
        "assessor": "airwars",
        "fields": {"verdict": "verdict", "assessed_on": "date", "note": "note", "dating": "dating"},
    },
}


def test_an_import_that_changes_only_a_private_note_is_not_announced(client, reviewer, second_reviewer):
    """Readers never see an assessment's note: a re-import that changes only that has nothing to announce."""

    def approved_mapped(note, title="A title"):
        text = f"id,date,country,title,verdict,note,dating\nN1,2017-03-17,Iraq,{title},fair,{note},stated\n"
        files = {"file": ("rows.csv", text.encode()), "mapping": ("mapping.json", json.dumps(NOTE_MAPPING).encode())}
        batch = batches.hold(formats.MAPPED, ReviewState.PUBLISHED, reviewer, files)
        batches.dry_run(batch)
        batches.confirm(batch, reviewer)
        batches.approve(batch, second_reviewer)
        return batch

    approved_mapped("first note")
    noted = approved_mapped("second note")
    assert Incident.objects.get(code="N1").assessments.get().note == "second note"
    assert not noted.changes.exists() and not entries(feed(client, "/feeds/changes.atom"))
    retitled = approved_mapped("third note", title="Another title")  # a change readers see, beside the note
    assert import_ids(feed(client, "/feeds/changes.atom")) == [f"import/{retitled.pk}/N1"]
