"""Releases through the API: the list, a release's manifest, and each table served byte for byte as released,
whatever happens to the records afterwards."""

import datetime
import hashlib
import json

import pytest
from django.core.management import call_command

from reports import releases
from reports.models import ReviewState, StatementItem, StatementItemRole
from reports.release_tables import TABLES
from tests.factories import make_assessment, make_incident, make_source, make_statement, make_user

API = "/api/v1/releases"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_throttle(settings):
    settings.API_ANON_RATE = "10000/min"


@pytest.fixture
def released():
    """A release "2026-12" of one published incident (with an assessment, a source, a statement naming it) and
    a draft."""
    incident = make_incident(code="CS0001", date_start=datetime.date(2017, 3, 1))
    make_assessment(incident, killed_min=3, killed_max=7)
    make_source(incident, title="A report")
    draft = make_incident(code="DRAFT1", review_state=ReviewState.DRAFT)
    statement = make_statement()
    StatementItem.objects.create(statement=statement, role=StatementItemRole.EXCLUDED, incident=incident)
    StatementItem.objects.create(statement=statement, role=StatementItemRole.EXCLUDED, incident=draft)
    call_command("make_release", "2026-12")
    return incident


def stored(name, filename):
    return (releases.releases_dir() / name / filename).read_bytes()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_list_names_every_release_latest_first(client, released):
    call_command("make_release", "2027-01")
    listed = client.get(f"{API}/").json()
    assert [release["name"] for release in listed] == ["2027-01", "2026-12"]
    assert listed[1]["counts"]["incidents"] == 1 and listed[1]["url"].endswith(f"{API}/2026-12/")
    assert listed[0]["changelog"]["previous"] == "2026-12"


def test_a_release_is_its_manifest_with_links_to_its_tables_and_files(client, released):
    response = client.get(f"{API}/2026-12/")
    assert "immutable" not in response["Cache-Control"]  # its links and shape follow the API's code
    assert client.get(f"{API}/2026-12/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    document = response.json()
    manifest = json.loads(stored("2026-12", "release.json"))
    assert document["created_at"] == manifest["created_at"] and document["counts"] == manifest["counts"]
    assert [(f["name"], f["sha256"]) for f in document["files"]] == [
        (f["name"], f["sha256"]) for f in manifest["files"]
    ]
    assert set(document["tables"]) == {table.name for table in TABLES}
    for url in [*document["tables"].values(), *(f["url"] for f in document["files"])]:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_each_table_is_its_stored_file_byte_for_byte_with_its_checksum_as_etag(client, released):
    for table in TABLES:
        response = client.get(f"{API}/2026-12/{table.name}/")
        content = body(response)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert content == stored("2026-12", f"{table.name}.json")
        assert response["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
        assert "immutable" in response["Cache-Control"]
        assert client.get(f"{API}/2026-12/{table.name}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_release_reads_the_same_after_the_records_change(client, released):
    before = {table.name: body(client.get(f"{API}/2026-12/{table.name}/")) for table in TABLES}
    make_assessment(released, killed_min=50, killed_max=60)
    released.retract(by=make_user("rita-reviewer", "reviewer"), reason="A duplicate.")
    make_incident(code="CS0002")
    after = {table.name: body(client.get(f"{API}/2026-12/{table.name}/")) for table in TABLES}
    assert after == before
    assert b"CS0001" in before["incidents"] and b"CS0002" not in after["incidents"]


def test_statement_items_name_published_incidents_only(client, released):
    items = json.loads(body(client.get(f"{API}/2026-12/statement_items/")))
    assert sorted(item["incident"] or "" for item in items) == ["", "CS0001"]
    assert b"DRAFT1" not in b"".join(body(client.get(f"{API}/2026-12/{table.name}/")) for table in TABLES)


@pytest.mark.parametrize("path", ["2099-01/", "2099-01/incidents/", "..%2F/", "2026-12/release/", "2026-12/nope/"])
def test_an_unknown_release_or_table_is_a_404(client, released, path):
    response = client.get(f"{API}/{path}")
    assert response.status_code == 404


def test_a_table_an_older_release_lacks_is_a_404_and_unlisted(client, released, settings):
    folder = releases.releases_dir() / "2026-12"
    manifest = json.loads((folder / "release.json").read_text())
    manifest["files"] = [entry for entry in manifest["files"] if entry["name"] != "statement_items.json"]
    folder.chmod(0o755)
    (folder / "release.json").chmod(0o644)
    (folder / "release.json").write_text(json.dumps(manifest))
    assert "statement_items" not in client.get(f"{API}/2026-12/").json()["tables"]
    assert client.get(f"{API}/2026-12/statement_items/").status_code == 404


def test_the_list_is_a_304_until_a_release_is_made(client, released):
    etag = client.get(f"{API}/")["ETag"]
    assert client.get(f"{API}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    call_command("make_release", "2027-01")
    assert client.get(f"{API}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_failed_precondition_is_never_kept(client, released):
    for path in (f"{API}/2026-12/incidents/", f"{API}/2026-12/", "/releases/2026-12/incidents.json"):
        response = client.get(path, HTTP_IF_MATCH='"not-its-etag"')
        assert response.status_code == 412 and "no-store" in response["Cache-Control"], path
        assert "immutable" not in response["Cache-Control"]
