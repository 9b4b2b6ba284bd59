"""The admin's import page: upload, dry-run report, confirm; permissions and bad files."""

import tempfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reports.exports import CSV_COLUMNS
from reports.models import Incident, ReviewState
from reports.models.imports import UNCONFIRMED_KEPT, ImportBatch, ImportFile, ImportStatus

pytestmark = pytest.mark.django_db
URL = reverse("admin:reports_incident_import")


def upload(text, name="incidents.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def project_csv(*codes):
    header = ",".join(CSV_COLUMNS)
    values = {"date_start": "2017-03-17", "country": "Iraq", "belligerents": "us-led-coalition"}
    rows = [",".join({**values, "code": code}.get(column, "") for column in CSV_COLUMNS) for code in codes]
    return "\n".join([header, *rows]) + "\n"


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_upload_shows_a_dry_run_then_confirming_imports(client, analyst):
    client.force_login(analyst)
    page = client.get(URL)
    assert page.status_code == 200 and b"dry run" in page.content
    assert b"Import a CSV" in client.get(reverse("admin:reports_incident_changelist")).content
    form = {"format": "project", "state": ReviewState.PENDING, "file": upload(project_csv("ADM-1", "ADM-2", ""))}
    response = client.post(URL, form)
    assert response.status_code == 200
    assert b"Dry run" in response.content and b"code: This field is required." in response.content
    assert not Incident.objects.exists()

    response = client.post(URL, {"confirm": "1", "batch": response.context["batch"].pk})
    assert response.status_code == 302 and response.url == reverse("admin:reports_incident_changelist")
    assert any("2 created" in message for message in messages_of(response))
    assert set(Incident.objects.values_list("code", "review_state", "created_by")) == {
        ("ADM-1", ReviewState.PENDING, analyst.pk),
        ("ADM-2", ReviewState.PENDING, analyst.pk),
    }


def test_only_the_uploader_confirms_their_dry_run_and_only_once(client, analyst, other_analyst):
    client.force_login(analyst)
    form = {"format": "project", "state": ReviewState.PENDING, "file": upload(project_csv("ADM-3"))}
    batch = client.post(URL, form).context["batch"]
    client.force_login(other_analyst)
    for guess in (batch.pk, "abc", ""):
        response = client.post(URL, {"confirm": "1", "batch": guess})
        assert response.status_code == 302 and not Incident.objects.exists()
        assert any("no longer waiting" in message for message in messages_of(response))
    client.force_login(analyst)
    assert client.post(URL, {"confirm": "1", "batch": batch.pk}).status_code == 302
    again = client.post(URL, {"confirm": "1", "batch": batch.pk})
    assert any("no longer waiting" in message for message in messages_of(again))
    assert Incident.objects.count() == 1


def test_a_file_with_the_wrong_columns_gives_a_message_not_an_error_page(client, analyst):
    client.force_login(analyst)
    response = client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload("a,b\n1,2\n")})
    assert response.status_code == 200
    assert any("missing columns" in message for message in messages_of(response))


def test_only_reviewers_may_import_as_published(client, analyst, reviewer):
    client.force_login(analyst)
    form = {"format": "project", "state": ReviewState.PUBLISHED, "file": upload(project_csv("ADM-4"))}
    response = client.post(URL, form)
    assert "state" in response.context["form"].errors
    client.force_login(reviewer)
    form["file"] = upload(project_csv("ADM-4"))
    assert "report" in client.post(URL, form).context


def test_staff_without_the_add_permission_are_refused(client):
    staff = get_user_model().objects.create_user("sol-staff", password="x-Long-passw0rd", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403


def test_readers_are_sent_to_the_login_page(client, reader):
    client.force_login(reader)
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url


# --- What an upload leaves behind, and its limits ------------------------------------------------------------


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    """The folder where imports write their files while they run."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_an_upload_leaves_no_file_behind_whatever_happens(client, analyst, temp_dir):
    client.force_login(analyst)
    dry_run = client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload(project_csv("T-1"))})
    assert list(temp_dir.iterdir()) == []  # after the dry run
    client.post(URL, {"confirm": "1", "batch": dry_run.context["batch"].pk})
    assert list(temp_dir.iterdir()) == [] and Incident.objects.count() == 1  # after the import
    client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload("a,b\n1,2\n")})
    assert list(temp_dir.iterdir()) == []  # after a file that cannot be imported
    assert not ImportBatch.objects.filter(status=ImportStatus.DRY_RUN).exists()


def test_a_dry_run_nobody_confirms_is_deleted_after_a_while(client, analyst):
    client.force_login(analyst)
    client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload(project_csv("T-2"))})
    abandoned = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=abandoned.pk).update(created_at=timezone.now() - UNCONFIRMED_KEPT)
    client.get(URL)
    assert not ImportBatch.objects.exists() and not ImportFile.objects.exists()


def test_files_over_the_limit_are_refused_with_the_command_to_use(client, analyst, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 1024
    client.force_login(analyst)
    big = project_csv(*[f"BIG-{number}" for number in range(100)])
    response = client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload(big)})
    assert response.status_code == 200 and "import_csv" in str(response.context["form"].non_field_errors())
    settings.IMPORT_UPLOAD_MAX_BYTES = 100
    response = client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload(big * 100)})
    assert response.status_code == 302 and any("import_csv" in message for message in messages_of(response))
    assert not Incident.objects.exists() and not ImportBatch.objects.exists()


def test_a_cell_over_the_csv_field_limit_is_a_message_not_an_error_page(client, analyst):
    client.force_login(analyst)
    huge = "x" * (130 * 1024)
    response = client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload(f"{huge},b\n1,2\n")})
    assert response.status_code == 200
    assert any("cannot be read as CSV" in message for message in messages_of(response))
    latin1 = SimpleUploadedFile("x.csv", "code,café\n".encode("latin-1"), content_type="text/csv")
    response = client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": latin1})
    assert response.status_code == 200
    assert any("not UTF-8" in message for message in messages_of(response))
