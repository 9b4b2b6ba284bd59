"""Releases: an immutable, checksummed snapshot of the published data, its changelog, its Frictionless
description, and the page and downloads that serve it."""

import datetime
import hashlib
import json
import os
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import exports, releases
from reports.models import ReviewState, StatementItem, StatementItemRole
from tests.factories import make_assessment, make_incident, make_source, make_statement, official_assessor

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    """Two published incidents with assessments and sources, a draft, and an approved statement."""
    first = make_incident(code="CS0001", title='=HYPERLINK("x")', date_start=datetime.date(2017, 3, 1))
    make_assessment(first, killed_min=3, killed_max=7, quote="They said it")
    make_assessment(first, official_assessor(), killed_min=1, killed_max=None)
    make_source(first, title="A report")
    second = make_incident(code="CS0002", place_name_ar="الرقة", date_start=datetime.date(2017, 6, 1))
    make_assessment(second)
    draft = make_incident(code="DRAFT1", review_state=ReviewState.DRAFT)
    make_assessment(draft, quote="draft words")
    make_source(draft, title="draft source")
    statement = make_statement(note="private note")
    StatementItem.objects.create(statement=statement, role=StatementItemRole.PERIOD, civilians_killed=45)
    return first, second


def release_files(name):
    folder = releases.releases_dir() / name
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_release_holds_every_table_checksummed_and_only_published_data(published):
    call_command("make_release", "2026-12")
    files = release_files("2026-12")
    for table in ("incidents", "assessments", "sources", "statements", "statement_items"):
        assert f"{table}.csv" in files and f"{table}.json" in files
    assert {"datapackage.json", "SHA256SUMS", "changelog.json", "release.json"} <= set(files)
    everything = b"".join(files.values())
    assert b"CS0001" in everything and b"CS0002" in everything
    assert b"DRAFT1" not in everything and b"draft words" not in everything and b"draft source" not in everything
    assert b"private note" not in everything
    sums = dict(reversed(line.split("  ")) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS", "release.json"}
    for name, digest in sums.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    manifest = json.loads(files["release.json"])
    assert manifest["counts"] == {
        **{"incidents": 2, "assessments": 3, "sources": 1, "statements": 1, "statement_items": 1}
    }
    assert {entry["name"] for entry in manifest["files"]} == set(files) - {"release.json"}


def test_the_tables_json_holds_the_csvs_rows(published):
    release = releases.make_release("r1")
    assessments = json.loads((release.path / "assessments.json").read_text())
    assert sorted(row["killed_min"] for row in assessments) == [1, 2, 3]
    assert {row["incident"] for row in assessments} == {"CS0001", "CS0002"}
    incidents = json.loads((release.path / "incidents.json").read_text())["incidents"]
    assert [incident["code"] for incident in incidents] == ["CS0002", "CS0001"]  # newest first, as the CSV
    assert incidents[0]["place_name_ar"] == "الرقة"


def test_the_release_csv_equals_the_download_made_at_the_same_moment(client, published):
    release = releases.make_release("r1")
    response = client.get(reverse("reports:incidents_csv"))
    assert b"".join(response.streaming_content) == (release.path / "incidents.csv").read_bytes()
    assert b"'=HYPERLINK" in (release.path / "incidents.csv").read_bytes()  # made safe, like the download


def test_datapackage_is_valid_frictionless_and_describes_every_column(published):
    frictionless = pytest.importorskip("frictionless")
    release = releases.make_release("r1")
    package = json.loads((release.path / "datapackage.json").read_text())
    for resource in package["resources"]:
        header = (release.path / resource["path"]).read_text().splitlines()[0].split(",")
        fields = resource["schema"]["fields"]
        assert [field["name"] for field in fields] == header
        assert all(field["description"] and field["type"] for field in fields)
    report = frictionless.validate(str(release.path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])


def test_a_release_never_changes_and_its_name_is_never_reused(published):
    call_command("make_release", "r1")
    before = release_files("r1")
    make_assessment(published[0], killed_min=40, killed_max=50, assessed_on=published[0].date_start)
    with pytest.raises(CommandError, match="exists already"):
        call_command("make_release", "r1")
    assert release_files("r1") == before
    folder = releases.releases_dir() / "r1"
    assert not os.access(folder, os.W_OK) or os.geteuid() == 0  # root may write anyway: check the modes
    assert all(path.stat().st_mode & 0o222 == 0 for path in [folder, *folder.iterdir()])
    assert [path.name for path in releases.releases_dir().iterdir()] == ["r1"]  # no temporary folder left


@pytest.mark.parametrize("name", ["../up", ".hidden", "a/b", "", "x" * 65, "a..b"])
def test_a_name_that_could_leave_the_folder_is_refused(name):
    with pytest.raises(CommandError, match="not a valid release name"):
        call_command("make_release", name)


def test_a_failed_build_leaves_nothing_behind(published, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(releases, "write_changelog", broken)
    with pytest.raises(RuntimeError):
        releases.make_release("r1")
    assert list(releases.releases_dir().iterdir()) == []


def test_the_changelog_counts_added_changed_and_retracted_incidents(published, reviewer):
    first, second = published
    releases.make_release("r1")
    make_source(first, title="A new report")  # changed: a new source
    second.retract(by=reviewer, reason="Found to be a duplicate.")  # retracted
    make_incident(code="CS0003")  # added
    make_incident(code="CS0000", review_state=ReviewState.DRAFT)  # a draft: nothing
    release = releases.make_release("r2")
    log = release.changelog
    assert (log["previous"], log["added"], log["changed"], log["retracted"]) == ("r1", 1, 1, 1)
    assert log["codes"] == {"added": ["CS0003"], "changed": ["CS0001"], "retracted": ["CS0002"]}
    changes = (release.path / "changes.csv").read_text().splitlines()
    assert changes == ["code,change", "CS0001,changed", "CS0002,retracted", "CS0003,added"]
    unchanged = releases.make_release("r3").changelog
    assert (unchanged["added"], unchanged["changed"], unchanged["retracted"]) == (0, 0, 0)


def test_the_releases_page_lists_every_release_with_its_files_checksums_and_changelog(client, published):
    releases.make_release("r1")
    make_incident(code="CS0009")
    second = releases.make_release("r2")
    for prefix in ("", "/ar"):
        response = client.get(prefix + "/releases/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "r1" in page and "r2" in page and page.index("r2") < page.index("r1")  # the latest first
        for entry in second.files:
            assert entry["sha256"] in page
        assert "CS0009" in page


def test_a_new_release_is_on_the_next_response_of_the_kept_page(client, published):
    assert "r1" not in client.get("/releases/").content.decode()
    releases.make_release("r1")
    assert "r1" in client.get("/releases/").content.decode()


def test_a_file_is_served_exactly_as_stored_with_its_checksum_as_etag(client, published):
    release = releases.make_release("r1")
    url = reverse("reports:release_file", args=["r1", "incidents.csv"])
    response = client.get(url)
    stored = (release.path / "incidents.csv").read_bytes()
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    assert response["ETag"] == f'"{hashlib.sha256(stored).hexdigest()}"'
    assert "immutable" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize(
    "path", ["r1/release.json", "r1/..", "r1/%2e%2e%2fr1", "r1/incidents.csv%2f..", "nope/incidents.csv", "..%2fr1/x"]
)
def test_only_the_files_a_manifest_names_are_served(client, published, path):
    releases.make_release("r1")
    assert client.get(f"/releases/{path}").status_code == 404


def test_making_a_release_in_the_admin_needs_the_review_permission(client, analyst, reviewer, published):
    url = reverse("admin:reports_incident_release")
    client.force_login(analyst)
    assert client.post(url, {"name": "r1"}).status_code == 403
    assert releases.all_releases() == []
    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "r1"}, follow=True)
    assert [release.name for release in releases.all_releases()] == ["r1"]
    assert "r1" in response.content.decode()
    response = client.post(url, {"name": "r1"}, follow=True)
    assert "exists already" in response.content.decode()


def test_a_release_made_meanwhile_under_the_same_name_is_kept(published, monkeypatch):
    """Two builds of one name at once: the second to finish is refused, the first one's files stay."""
    first = releases.make_release("r1")
    before = release_files("r1")
    monkeypatch.setattr(releases.Path, "exists", lambda path: False if path == first.path else path.is_dir())
    with pytest.raises(releases.ReleaseError, match="made meanwhile"):
        releases.make_release("r1")
    assert release_files("r1") == before
    assert [path.name for path in releases.releases_dir().iterdir()] == ["r1"]


def test_the_releases_page_reads_no_table_however_many_releases(client, published):
    client.get("/releases/")  # the figures' first count
    releases.make_release("r1")
    with CaptureQueriesContext(connection) as one:
        client.get("/releases/")
    releases.make_release("r2")
    releases.make_release("r3")
    with CaptureQueriesContext(connection) as three:
        assert "r3" in client.get("/releases/").content.decode()
    assert len(three) == len(one)  # the data version and the page cache's: the releases are files
    assert not [
        query for query in three.captured_queries if "reports_" in query["sql"] and "tallysnapshot" not in query["sql"]
    ]
    with CaptureQueriesContext(connection) as download:
        assert client.get("/releases/r3/SHA256SUMS").status_code == 200
    assert len(download) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the reference tables
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps writers out while the release reads")
def test_every_table_is_read_from_one_snapshot(published, monkeypatch):
    """An incident published by someone else just after the release's first read (the incidents' CSV) is in
    none of its files: not in the later tables, nor in the hashes or the JSON."""
    write_csv = exports.write_csv

    def publish_meanwhile():
        incident = make_incident(code="LATE-1")
        make_assessment(incident, quote="published meanwhile")
        make_source(incident, title="late source")
        connection.close()  # this thread's own connection

    def write_csv_then_publish(incidents, file):
        write_csv(incidents, file)
        thread = threading.Thread(target=publish_meanwhile)
        thread.start()
        thread.join()

    monkeypatch.setattr(exports, "write_csv", write_csv_then_publish)
    releases.make_release("r1")
    everything = b"".join(release_files("r1").values())
    assert b"CS0001" in everything
    assert b"LATE-1" not in everything and b"published meanwhile" not in everything and b"late source" not in everything


def test_the_admin_sends_a_release_too_large_for_one_request_to_the_command(client, reviewer, published, settings):
    settings.RELEASE_ADMIN_MAX_INCIDENTS = 1  # two are published
    url = reverse("admin:reports_incident_release")
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "manage.py make_release" in page and 'name="name"' not in page
    response = client.post(url, {"name": "r1"})
    assert response.status_code == 200 and "manage.py make_release" in response.content.decode()
    assert releases.all_releases() == []
