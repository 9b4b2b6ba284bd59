"""The admin's import page: upload, dry-run report, confirm; permissions and bad files."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.exports import CSV_COLUMNS
from reports.models import Incident, ReviewState

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
    assert b"Dry run" in response.content and b"missing code" in response.content
    assert not Incident.objects.exists()

    response = client.post(URL, {"confirm": "1", "token": response.context["token"]})
    assert response.status_code == 302 and response.url == reverse("admin:reports_incident_changelist")
    assert any("2 created" in message for message in messages_of(response))
    assert set(Incident.objects.values_list("code", "review_state", "created_by")) == {
        ("ADM-1", ReviewState.PENDING, analyst.pk),
        ("ADM-2", ReviewState.PENDING, analyst.pk),
    }


def test_a_confirmation_without_the_dry_runs_token_imports_nothing(client, analyst):
    client.force_login(analyst)
    client.post(URL, {"format": "project", "state": ReviewState.PENDING, "file": upload(project_csv("ADM-3"))})
    response = client.post(URL, {"confirm": "1", "token": "guessed"})
    assert response.status_code == 302 and not Incident.objects.exists()
    assert any("no longer waiting" in message for message in messages_of(response))


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
