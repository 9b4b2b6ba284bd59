"""The four-eyes rule on every path that writes content: whoever wrote any part of a version of an incident
(its fields, belligerents, assessments or sources), by the analysts' pages, the admin and its inlines, an
import (command or upload), cannot approve that version; another reviewer can. Imports that publish wait for a
second reviewer as one decision."""

import datetime
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports.exports import CSV_COLUMNS
from reports.importing import batches
from reports.models import Incident, InvalidTransition, OfficialStatement, ReviewDecision, ReviewState
from reports.models.imports import ImportBatch, ImportStatus
from tests.factories import (
    confirm_in_admin,
    make_assessment,
    make_incident,
    make_source,
    make_statement,
    monitor_assessor,
    proposed_change,
)
from tests.test_statements import statement_form, syria  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def pending_case(author):
    """An analyst's incident, sent for review: the case a reviewer then meddles with."""
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=author, code="FE-1")
    make_source(incident)
    make_assessment(incident)
    return incident


def assert_writer_cannot_approve_but_another_reviewer_can(incident, writer, other):
    incident = Incident.objects.get(pk=incident.pk)
    if incident.review_state != ReviewState.PENDING:
        incident.submit(by=incident.created_by)
    with pytest.raises(InvalidTransition, match="another reviewer must decide"):
        Incident.objects.get(pk=incident.pk).approve(by=writer)
    Incident.objects.get(pk=incident.pk).approve(by=other)
    assert Incident.objects.get(pk=incident.pk).review_state == ReviewState.PUBLISHED


def admin_change_data(response):
    """The admin change form as the browser would post it back unchanged: every field's current value."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = (
                [str(v.pk if hasattr(v, "pk") else v) for v in value]
                if isinstance(value, list)
                else str(value.pk if hasattr(value, "pk") else value)
            )
    return data


# --- The analysts' pages --------------------------------------------------------------------------------


def test_a_reviewer_who_adds_an_assessment_on_the_analysts_page_cannot_approve(
    client, analyst, reviewer, second_reviewer
):
    incident = pending_case(analyst)
    client.force_login(reviewer)
    url = reverse("reports:assessment_create", args=[incident.code])
    form = {"assessor": monitor_assessor().pk, "verdict": "confirmed", "assessed_on": "2017-05-01"}
    response = client.post(url, {**form, "dating": "stated", "killed_min": "500", "killed_max": "600"})
    assert response.status_code == 302, response.context["form"].errors
    assert incident.assessments.filter(killed_min=500).exists()
    assert_writer_cannot_approve_but_another_reviewer_can(incident, reviewer, second_reviewer)


def test_a_reviewer_who_edits_on_the_analysts_page_cannot_approve(client, analyst, reviewer, second_reviewer):
    from tests.test_entry import edit_form, edit_url

    incident = pending_case(analyst)
    client.force_login(reviewer)
    assert client.post(edit_url(incident), edit_form(incident, title="Tidied")).status_code == 302
    assert_writer_cannot_approve_but_another_reviewer_can(incident, reviewer, second_reviewer)


# --- The admin and its inlines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Edited in the admin"},
        {"assessments-0-killed_max": "900"},  # an inline row changed
        {"sources-0-DELETE": "on"},  # an inline row deleted
        {"attributions-0-role": "declared"},
    ],
    ids=["incident", "assessment", "source-deleted", "belligerent"],
)
def test_a_reviewer_who_changes_a_pending_case_in_the_admin_cannot_approve(
    client, analyst, reviewer, second_reviewer, change
):
    incident = pending_case(analyst)
    make_source(incident, url="https://example.org/second")
    incident.submit(by=analyst)
    client.force_login(reviewer)
    url = reverse("admin:reports_incident_change", args=[incident.pk])
    data = {**admin_change_data(client.get(url)), **change}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert incident.history.count() + incident.assessments.first().history.count() > 2
    assert_writer_cannot_approve_but_another_reviewer_can(incident, reviewer, second_reviewer)


def test_a_review_decision_does_not_make_the_reviewer_an_author(analyst, reviewer, second_reviewer):
    incident = pending_case(analyst)
    incident.submit(by=analyst)
    incident.request_changes(by=reviewer, comment="Add the second source")
    Incident.objects.get(pk=incident.pk).submit(by=analyst)
    Incident.objects.get(pk=incident.pk).approve(by=reviewer)  # returning it made them no author
    assert Incident.objects.get(pk=incident.pk).published_by == reviewer


# --- Imports --------------------------------------------------------------------------------------------


def project_csv(code, **values):
    row = {"code": code, "date_start": "2017-03-17", "country": "Iraq", "belligerents": "us-led-coalition"}
    row |= {"assessor": "airwars", "assessor_kind": "monitor", "verdict": "confirmed", "assessed_on": "2017-05-01"}
    row |= values
    return ",".join(CSV_COLUMNS) + "\n" + ",".join(row.get(column, "") for column in CSV_COLUMNS) + "\n"


def test_a_reviewer_who_adds_an_assessment_by_import_cannot_approve(tmp_path, analyst, reviewer, second_reviewer):
    incident = pending_case(analyst)
    incident.submit(by=analyst)
    path = tmp_path / "more.csv"
    path.write_text(project_csv("FE-1", killed_min="1000", killed_max="1200"), encoding="utf-8")
    call_command("import_csv", str(path), user=reviewer.username, stdout=io.StringIO(), stderr=io.StringIO())
    assert incident.assessments.filter(killed_min=1000).exists()
    assert_writer_cannot_approve_but_another_reviewer_can(incident, reviewer, second_reviewer)


def test_a_reviewer_who_changes_a_case_by_upload_cannot_approve(client, analyst, reviewer, second_reviewer):
    incident = pending_case(analyst)
    incident.submit(by=analyst)
    client.force_login(reviewer)
    url = reverse("admin:reports_incident_import")
    upload = SimpleUploadedFile("more.csv", project_csv("FE-1", killed_min="7", killed_max="9").encode())
    batch = client.post(url, {"format": "project", "state": ReviewState.PENDING, "file": upload}).context["batch"]
    client.post(url, {"confirm": "1", "batch": batch.pk})
    assert incident.assessments.filter(killed_min=7).exists()
    assert_writer_cannot_approve_but_another_reviewer_can(incident, reviewer, second_reviewer)


def test_an_import_that_publishes_waits_for_a_second_reviewer(tmp_path, reviewer, second_reviewer):
    path = tmp_path / "monitor.csv"
    path.write_text(project_csv("FE-PUB", killed_min="3", killed_max="4"), encoding="utf-8")
    out = io.StringIO()
    call_command("import_csv", str(path), user=reviewer.username, state="published", stdout=out, stderr=io.StringIO())
    assert "awaits another reviewer's approval" in out.getvalue()
    assert not Incident.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.AWAITING_APPROVAL and "1 created" in batch.report

    with pytest.raises(CommandError, match="another reviewer must decide"):
        call_command("decide_import", batch.pk, approve=True, user=reviewer.username, stdout=io.StringIO())
    assert not Incident.objects.exists()
    call_command("decide_import", batch.pk, approve=True, user=second_reviewer.username, stdout=io.StringIO())
    incident = Incident.objects.get()
    assert (incident.review_state, incident.created_by, incident.published_by) == (
        ReviewState.PUBLISHED,
        reviewer,
        second_reviewer,
    )
    assert incident.history.get().history_user == reviewer  # written by the importer, approved by the other
    batch.refresh_from_db()
    assert (batch.status, batch.decided_by) == (ImportStatus.IMPORTED, second_reviewer)
    assert "1 created" in batch.outcome and batch.files.get().content is None
    with pytest.raises(CommandError, match="no longer awaiting"):
        call_command("decide_import", batch.pk, approve=True, user=second_reviewer.username, stdout=io.StringIO())


def test_an_import_that_changes_published_records_waits_for_a_second_reviewer_too(tmp_path, reviewer, second_reviewer):
    first = batches.hold("project", "published", reviewer, {"file": ("a.csv", project_csv("FE-PUB").encode())})
    batches.confirm(first, reviewer)
    batches.approve(first, second_reviewer)
    published = Incident.objects.get(code="FE-PUB")
    path = tmp_path / "monitor.csv"
    path.write_text(project_csv("FE-PUB", title="Changed by file"), encoding="utf-8")
    for state in ("pending", "draft"):
        out = io.StringIO()
        call_command("import_csv", str(path), user=reviewer.username, state=state, stdout=out, stderr=io.StringIO())
        assert "approved by a second reviewer" in out.getvalue()
    call_command("import_csv", str(path), user=reviewer.username, state="published", stdout=io.StringIO())
    published.refresh_from_db()
    assert published.title == ""
    batches.approve(ImportBatch.objects.get(status=ImportStatus.AWAITING_APPROVAL), second_reviewer)
    published.refresh_from_db()
    assert published.title == "Changed by file"


def test_analysts_cannot_hold_an_import_that_publishes(tmp_path, analyst):
    path = tmp_path / "monitor.csv"
    path.write_text(project_csv("FE-AN"), encoding="utf-8")
    with pytest.raises(CommandError, match="Only reviewers"):
        call_command("import_csv", str(path), user=analyst.username, state="published", stdout=io.StringIO())
    assert not ImportBatch.objects.exists()


def test_an_upload_that_publishes_is_approved_or_rejected_in_the_admin_by_another_reviewer(
    client, reviewer, second_reviewer
):
    client.force_login(reviewer)
    url = reverse("admin:reports_incident_import")
    upload = SimpleUploadedFile("monitor.csv", project_csv("FE-ADM").encode())
    page = client.post(url, {"format": "project", "state": ReviewState.PUBLISHED, "file": upload})
    assert "Send to another reviewer for approval" in page.content.decode()
    batch = page.context["batch"]
    response = client.post(url, {"confirm": "1", "batch": batch.pk})
    assert response.url == reverse("admin:reports_importbatch_change", args=[batch.pk])
    assert not Incident.objects.exists()

    decide = reverse("admin:reports_importbatch_decide", args=[batch.pk])
    own = client.get(reverse("admin:reports_importbatch_change", args=[batch.pk])).content.decode()
    assert "another reviewer must decide" in own and "Approve and import" not in own
    client.post(decide, {"approve": "1"})
    assert not Incident.objects.exists()

    client.force_login(second_reviewer)
    page = client.get(reverse("admin:reports_importbatch_change", args=[batch.pk])).content.decode()
    assert "Approve and import" in page and "1 created" in page
    response = client.post(decide, {"approve": "1"})
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("1 created" in message for message in messages), messages
    assert Incident.objects.get().published_by == second_reviewer


def test_a_rejected_import_publishes_nothing_and_needs_a_reason(reviewer, second_reviewer):
    batch = batches.hold("project", ReviewState.PUBLISHED, reviewer, {"file": ("a.csv", project_csv("FE-R").encode())})
    batches.dry_run(batch)
    batches.confirm(batch, reviewer)
    with pytest.raises(InvalidTransition, match="Say why"):
        batches.reject(batch, second_reviewer, "")
    batches.reject(batch, second_reviewer, "Not our data")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED and batch.files.get().content is None
    with pytest.raises(InvalidTransition):
        batches.approve(batch, second_reviewer)
    assert not Incident.objects.exists()


def test_analysts_cannot_see_or_decide_imports(client, analyst, reviewer):
    batch = batches.hold("project", ReviewState.PUBLISHED, reviewer, {"file": ("a.csv", project_csv("FE-S").encode())})
    batches.confirm(batch, reviewer)
    client.force_login(analyst)
    assert client.get(reverse("admin:reports_importbatch_changelist")).status_code == 403
    assert (
        client.post(reverse("admin:reports_importbatch_decide", args=[batch.pk]), {"approve": "1"}).status_code == 403
    )
    with pytest.raises(InvalidTransition, match="Only reviewers"):
        batches.approve(batch, analyst)
    assert not Incident.objects.exists()


# --- Official statements ----------------------------------------------------------------------------------


def analysts_statement(analyst, **fields):
    return make_statement(approved_at=None, created_by=analyst, civilians_killed=352, **fields)


def test_a_reviewer_who_changes_a_statement_cannot_approve_it(client, analyst, reviewer, second_reviewer):
    statement = analysts_statement(analyst)
    client.force_login(reviewer)
    url = reverse("admin:reports_officialstatement_change", args=[statement.pk])
    response = client.post(url, {**admin_change_data(client.get(url)), "civilians_killed": "9999"})
    assert response.status_code == 302, response.context["errors"]
    statement.refresh_from_db()
    assert statement.civilians_killed == 9999
    with pytest.raises(InvalidTransition, match="another reviewer must decide"):
        statement.approve(reviewer)
    assert not OfficialStatement.objects.approved().exists()
    statement.approve(second_reviewer)
    decision = ReviewDecision.objects.get(statement=statement)
    assert (decision.decided_by, decision.to_state) == (second_reviewer, ReviewState.PUBLISHED)
    assert OfficialStatement.objects.approved().get() == statement


def test_a_reviewer_who_adds_a_detail_to_a_statement_cannot_approve_it(client, analyst, reviewer, second_reviewer):
    statement = analysts_statement(analyst)
    client.force_login(reviewer)
    url = reverse("admin:reports_officialstatement_change", args=[statement.pk])
    data = admin_change_data(client.get(url))
    data.update({"items-0-role": "excluded", "items-0-description": "west Mosul, 17 March 2017"})
    assert client.post(url, data).status_code == 302
    assert statement.items.get().description == "west Mosul, 17 March 2017"
    with pytest.raises(InvalidTransition, match="another reviewer must decide"):
        statement.approve(reviewer)
    statement.approve(second_reviewer)


def test_approving_in_the_admin_refuses_the_statements_author(client, reviewer, second_reviewer):
    statement = analysts_statement(reviewer)
    client.force_login(reviewer)
    changelist = reverse("admin:reports_officialstatement_changelist")
    confirmed = {"action": "approve_selected", "_selected_action": [statement.pk], "confirm": "yes", "comment": ""}
    confirm_in_admin(client, changelist, confirmed)
    statement.refresh_from_db()
    assert statement.approved_at is None
    client.force_login(second_reviewer)
    confirm_in_admin(client, changelist, confirmed)
    statement.refresh_from_db()
    assert statement.approved_by == second_reviewer


def test_a_public_statement_is_retracted_with_a_reason_never_deleted(client, analyst, reviewer, admin_user):
    statement = analysts_statement(analyst)
    statement.approve(reviewer)
    for user in (reviewer, admin_user):
        client.force_login(user)
        delete = reverse("admin:reports_officialstatement_delete", args=[statement.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        changelist = reverse("admin:reports_officialstatement_changelist")
        client.post(changelist, {"action": "delete_selected", "_selected_action": [statement.pk], "post": "yes"})
        assert OfficialStatement.objects.filter(pk=statement.pk).exists()
    client.force_login(reviewer)
    retract = reverse("admin:reports_officialstatement_retract", args=[statement.pk])
    client.post(retract, {"reason": ""})
    assert OfficialStatement.objects.approved().exists()
    client.post(retract, {"reason": "The assessor withdrew it"})
    assert not OfficialStatement.objects.approved().exists()
    decision = ReviewDecision.objects.get(statement=statement, to_state=ReviewState.RETRACTED)
    assert (decision.decided_by, decision.comment) == (reviewer, "The assessor withdrew it")


def test_analysts_do_not_see_other_analysts_unapproved_statements(client, analyst, other_analyst):
    hidden = analysts_statement(other_analyst, title="Draft of another analyst")
    own = analysts_statement(analyst, title="My own draft", published_on=datetime.date(2017, 5, 1))
    client.force_login(analyst)
    listing = client.get(reverse("admin:reports_officialstatement_changelist")).content.decode()
    assert "2017-05-01" in listing or "May 1, 2017" in listing
    assert client.get(reverse("admin:reports_officialstatement_change", args=[own.pk])).status_code == 200
    for name in ("change", "history"):
        url = reverse(f"admin:reports_officialstatement_{name}", args=[hidden.pk])
        assert client.get(url).status_code in (302, 404), name
    assert client.get(reverse("admin:reports_officialstatement_changelist")).context["cl"].result_count == 1


def test_analysts_do_not_read_other_analysts_proposed_changes(client, analyst, other_analyst, reviewer):
    incident = make_incident(created_by=analyst)
    make_source(incident)
    change_set = proposed_change(incident, title="A secret new title")
    revision = incident.propose_revision(change_set, incident.version, other_analyst, reason="Secret reason")
    pages = [
        reverse("admin:reports_incident_change", args=[incident.pk]),
        reverse("reports:work_incident", args=[incident.code]),
    ]
    client.force_login(reviewer)
    assert "Secret reason" in client.get(pages[0]).content.decode()
    client.force_login(analyst)
    for url in pages:
        assert "Secret reason" not in client.get(url).content.decode(), url
    incident.request_changes(reviewer, "The secret title is wrong")
    assert revision.decisions.exists()
    for url in pages:
        assert "secret title is wrong" not in client.get(url).content.decode(), url
    client.force_login(other_analyst)
    assert (
        "secret title is wrong" in client.get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    )


def test_a_reviewer_who_changes_a_case_by_a_mapped_import_cannot_approve(tmp_path, analyst, reviewer, second_reviewer):
    incident = pending_case(analyst)
    Incident.objects.filter(pk=incident.pk).update(external_id="ext:7")
    incident.submit(by=analyst)
    mapping = {
        "identifier": {"column": "id", "prefix": "ext:"},
        "code": "code",
        "incident": {"date_start": "date", "country": "country"},
        "belligerents": {"value": "us-led-coalition"},
        "assessment": {
            "assessor": "airwars",
            "fields": {"verdict": {"value": "confirmed"}, "assessed_on": "date", "killed_min": "dead"},
        },
    }
    (tmp_path / "mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    (tmp_path / "rows.csv").write_text("id,code,date,country,dead\n7,FE-1,2017-03-17,Iraq,400\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_csv",
        str(tmp_path / "rows.csv"),
        mapping=str(tmp_path / "mapping.json"),
        user=reviewer.username,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert incident.assessments.filter(killed_min=400).exists(), out.getvalue()
    assert_writer_cannot_approve_but_another_reviewer_can(incident, reviewer, second_reviewer)


@pytest.mark.usefixtures("syria")
def test_a_reviewer_who_enters_a_statement_on_the_analysts_page_cannot_approve_it(client, reviewer, second_reviewer):
    client.force_login(reviewer)
    assert client.post(reverse("reports:statement_create"), statement_form()).status_code == 302
    statement = OfficialStatement.objects.get()
    with pytest.raises(InvalidTransition, match="another reviewer must decide"):
        statement.approve(reviewer)
    statement.approve(second_reviewer)
    assert OfficialStatement.objects.approved().get() == statement


def test_nobody_runs_another_persons_unconfirmed_dry_run(client, analyst, reviewer):
    batch = batches.hold("project", ReviewState.PENDING, analyst, {"file": ("a.csv", project_csv("FE-D").encode())})
    batches.dry_run(batch)
    client.force_login(reviewer)
    client.post(reverse("admin:reports_importbatch_decide", args=[batch.pk]), {"approve": "1"})
    with pytest.raises(InvalidTransition, match="no longer awaiting"):
        batches.approve(batch, reviewer)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DRY_RUN and not Incident.objects.exists()


def test_the_second_reviewer_can_read_the_files_before_deciding(client, analyst, reviewer, second_reviewer):
    content = project_csv("FE-F", title="<b>Read me</b>").encode()
    batch = batches.hold("project", ReviewState.PUBLISHED, reviewer, {"file": ("a.csv", content)})
    batches.confirm(batch, reviewer)
    url = reverse("admin:reports_importbatch_file", args=[batch.pk, "file"])
    client.force_login(second_reviewer)
    assert url in client.get(reverse("admin:reports_importbatch_change", args=[batch.pk])).content.decode()
    response = client.get(url)
    assert response.content == content and response["Content-Disposition"].startswith("attachment")
    client.force_login(analyst)
    assert client.get(url).status_code == 403
    batches.approve(batch, second_reviewer)
    client.force_login(second_reviewer)
    assert client.get(url).status_code == 404  # decided: its files are not kept
