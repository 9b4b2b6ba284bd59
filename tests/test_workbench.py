"""The staff workbench (/work/): each person's own work, incidents by code, the reviewers' one queue of
incidents, changes and statements, and the decision page every kind goes through and that leads back to it."""

import re

import pytest
from django.urls import reverse

from reports.models import Incident, OfficialStatement, ReviewDecision, ReviewState
from reports.models.queue import review_queue
from tests.factories import make_assessment, make_incident, make_source, make_statement, proposed_change
from tests.test_entry import draft_of, login

pytestmark = pytest.mark.django_db

WORK = reverse("reports:my_work")


def pending_of(user, **fields):
    incident = draft_of(user, **fields)
    incident.submit(by=user)
    return incident


def change_by(user, incident, **changes):
    return incident.propose_revision(proposed_change(incident, **changes), incident.version, by=user, reason="Why")


def seen_on(response):
    """What the decision page showed of its record, as the browser posts it back."""
    return response.context["form"]["seen"].value()


def section(page, title, next_title):
    return page[page.index(title) : page.index(next_title)]


# --- The analyst's own work ------------------------------------------------------------------------------


def test_an_analyst_sees_a_proposed_change_with_what_it_changes(client, analyst):
    published = make_incident(code="PUB1", title="Old title", created_by=analyst)
    change_by(analyst, published, title="Conceded: 105 killed")
    page = login(client, analyst).get(WORK).content.decode()
    changes = section(page, "My changes to published incidents", "My published incidents")
    assert "PUB1" in changes and "Old title" in changes and "Conceded: 105 killed" in changes


def test_an_analyst_finds_published_incidents_and_statements_again(client, analyst, other_analyst):
    make_incident(code="MINE-PUB", created_by=analyst)
    make_incident(code="THEIR-PUB", created_by=other_analyst)
    statement = make_statement(created_by=analyst, approved_at=None, title="April 2017 figures")
    make_statement(created_by=other_analyst, approved_at=None, published_on="2017-05-31", title="Not mine")
    page = login(client, analyst).get(WORK).content.decode()
    assert "MINE-PUB" in page and "THEIR-PUB" not in page
    statements = page[page.index("My official statements") :]
    assert reverse("reports:statement_detail", args=[statement.pk]) in statements
    assert "April 2017 figures" in statements and "Not mine" not in statements


def test_an_analyst_has_no_queue(client, analyst, other_analyst):
    pending_of(other_analyst, code="WAITING")
    page = login(client, analyst).get(WORK).content.decode()
    assert "Awaiting review" not in page and "WAITING" not in page


def test_the_workbench_takes_a_bounded_number_of_queries(client, analyst, reviewer, django_assert_max_num_queries):
    days = iter(range(1, 29))

    def fill(number):
        for _ in range(number):
            n = next(days)
            draft_of(analyst)
            pending_of(analyst)
            make_incident(created_by=analyst)
            make_statement(created_by=analyst, approved_at=None, published_on=f"2017-02-{n:02d}")
            change_by(analyst, make_incident(created_by=analyst), title=f"Changed {n}")

    fill(6)
    for user in (analyst, reviewer):
        login(client, user)
        with django_assert_max_num_queries(90) as few:  # mostly the 5 diffs shown (SHOWN_DIFFS)
            client.get(WORK)
        fill(1)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(WORK)


# --- Incidents by code ---------------------------------------------------------------------------------


def test_an_incident_is_found_by_its_code(client, analyst):
    make_incident(code="CS1548")
    login(client, analyst)
    response = client.get(reverse("reports:find_incident"), {"code": "cs1548"})
    assert response.status_code == 302 and response.url == reverse("reports:work_incident", args=["CS1548"])
    assert "CS1548" in client.get(reverse("reports:find_incident"), {"code": "CS15"}).content.decode()


def test_finding_by_code_never_reveals_another_analysts_draft(client, analyst, other_analyst):
    draft_of(other_analyst, code="SECRET-1")
    login(client, analyst)
    response = client.get(reverse("reports:find_incident"), {"code": "SECRET-1"})
    assert response.status_code == 200 and "SECRET-1</a>" not in response.content.decode()
    assert client.get(reverse("reports:work_incident", args=["SECRET-1"])).status_code == 404


# --- The reviewers' one queue ----------------------------------------------------------------------------


def test_the_queue_holds_incidents_changes_and_statements_oldest_first(analyst, reviewer):
    first = pending_of(analyst, code="FIRST")
    change = change_by(analyst, make_incident(code="SECOND"), title="New")
    statement = make_statement(created_by=analyst, approved_at=None)
    make_incident(code="DONE")  # published, nothing pending: not in the queue
    items, counts = review_queue()
    assert [item.kind for item in items] == ["incident", "change", "statement"]
    assert [item.record for item in items] == [first, change.incident, statement]
    assert counts == {"incident": 1, "change": 1, "statement": 1}


def test_a_reviewer_lands_on_the_queue(client, analyst, reviewer):
    pending_of(analyst, code="WAITING")
    page = login(client, reviewer).get(WORK).content.decode()
    queue = section(page, 'id="queue-title"', "<h2>My work</h2>")
    assert "WAITING" in queue and reverse("reports:review_incident", args=["WAITING"]) in queue


@pytest.mark.parametrize("kind", ["incident", "change", "statement"])
def test_each_kind_is_approved_from_the_queue_with_a_comment_and_back_to_it(client, analyst, reviewer, kind):
    if kind == "incident":
        record = pending_of(analyst, code="NEW-1")
        url = reverse("reports:review_incident", args=["NEW-1"])
    elif kind == "change":
        record = make_incident(code="PUB-1", title="Old")
        change_by(analyst, record, title="New")
        url = reverse("reports:review_incident", args=["PUB-1"])
    else:
        record = make_statement(created_by=analyst, approved_at=None)
        url = reverse("reports:review_statement", args=[record.pk])
    login(client, reviewer)
    response = client.get(url)
    assert "Confirm the decision" in response.content.decode() and 'name="comment"' in response.content.decode()
    data = {"decision": "approve", "comment": "Checked against both sources.", "seen": seen_on(response)}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(WORK, 302)]
    assert "Checked against both sources." in ReviewDecision.objects.values_list("comment", flat=True)
    record.refresh_from_db()
    if kind == "statement":
        assert record.approved_by == reviewer
    elif kind == "change":
        assert record.title == "New"
    else:
        assert record.review_state == ReviewState.PUBLISHED
    assert review_queue()[0] == []


def test_returning_needs_a_comment_and_nothing_changes_without_one(client, analyst, reviewer):
    incident = pending_of(analyst, code="NEW-2")
    url = reverse("reports:review_incident", args=["NEW-2"])
    response = login(client, reviewer).post(url, {"decision": "request_changes", "comment": " "})
    assert response.status_code == 200 and "Say what needs to change." in response.content.decode()
    incident.refresh_from_db()
    assert incident.review_state == ReviewState.PENDING
    client.post(url, {"decision": "request_changes", "comment": "Add the second source."})
    incident.refresh_from_db()
    assert incident.review_state == ReviewState.CHANGES_REQUESTED


def test_a_change_edited_after_the_reviewer_looked_is_not_approved(client, analyst, reviewer):
    incident = make_incident(code="PUB-2", title="Old")
    revision = change_by(analyst, incident, title="First idea")
    seen = revision.version_token
    change_by(analyst, Incident.objects.get(pk=incident.pk), title="Second idea")
    url = reverse("reports:review_incident", args=["PUB-2"])
    response = login(client, reviewer).post(url, {"decision": "approve", "seen": seen}, follow=True)
    assert "edited after you looked at it" in response.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Old"


def test_a_statement_is_only_approved_from_the_queue(client, analyst, reviewer):
    statement = make_statement(created_by=analyst, approved_at=None)
    url = reverse("reports:review_statement", args=[statement.pk])
    response = login(client, reviewer).post(url, {"decision": "reject", "comment": "No"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    statement.refresh_from_db()
    assert statement.approved_at is None


# --- The four-eyes rule and roles on the workbench's decision path -------------------------------------------


@pytest.mark.parametrize("kind", ["incident", "change", "statement"])
def test_an_author_cannot_approve_their_own_work_from_the_workbench(client, reviewer, kind):
    if kind == "incident":
        record, url = pending_of(reviewer, code="OWN-1"), reverse("reports:review_incident", args=["OWN-1"])
    elif kind == "change":
        record = make_incident(code="OWN-2", title="Old")
        change_by(reviewer, record, title="Mine")
        url = reverse("reports:review_incident", args=["OWN-2"])
    else:
        record = make_statement(created_by=reviewer, approved_at=None)
        url = reverse("reports:review_statement", args=[record.pk])
    login(client, reviewer)
    page = client.get(url)
    assert "another reviewer must decide" in page.content.decode()
    response = client.post(url, {"decision": "approve", "seen": seen_on(page)})
    assert "another reviewer must decide" in response.content.decode()
    assert not ReviewDecision.objects.filter(to_state=ReviewState.PUBLISHED).exists()


def test_analysts_and_readers_cannot_reach_the_decision_pages(client, analyst, other_analyst):
    incident = pending_of(other_analyst, code="NEW-3")
    statement = make_statement(created_by=other_analyst, approved_at=None)
    urls = [
        reverse("reports:review_incident", args=["NEW-3"]),
        reverse("reports:review_statement", args=[statement.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login
        assert login(client, analyst).post(url, {"decision": "approve"}).status_code == 403
        client.logout()
    incident.refresh_from_db()
    assert incident.review_state == ReviewState.PENDING


# --- Statements as records ------------------------------------------------------------------------------


def test_an_author_edits_a_pending_statement_and_not_an_approved_one(client, analyst, reviewer):
    statement = make_statement(created_by=analyst, approved_at=None, civilians_killed=350)
    login(client, analyst)
    page = client.get(reverse("reports:statement_detail", args=[statement.pk])).content.decode()
    assert reverse("reports:statement_edit", args=[statement.pk]) in page
    edit = reverse("reports:statement_edit", args=[statement.pk])
    form = client.get(edit).context["form"]
    data = {name: form[name].value() or "" for name in form.fields} | {
        "civilians_killed": "352",
        "edit_token": statement.edit_token(),
    }
    response = client.post(edit, data)
    assert response.status_code == 302 and response.url == reverse("reports:statement_detail", args=[statement.pk])
    statement.refresh_from_db()
    assert statement.civilians_killed == 352
    statement.approve(by=reviewer)
    assert client.get(edit).status_code == 403


def test_a_stale_statement_edit_is_refused_and_nothing_is_lost(client, analyst, reviewer):
    statement = make_statement(created_by=analyst, approved_at=None, civilians_killed=350)
    token = statement.edit_token()
    statement.title = "Corrected by the reviewer"
    statement._history_user = reviewer
    statement.save()
    login(client, analyst)
    edit = reverse("reports:statement_edit", args=[statement.pk])
    form = client.get(edit).context["form"]
    data = {name: form[name].value() or "" for name in form.fields} | {"civilians_killed": "999", "edit_token": token}
    response = client.post(edit, data)
    assert response.status_code == 409 and "999" in response.content.decode()
    statement.refresh_from_db()
    assert statement.civilians_killed == 350 and statement.title == "Corrected by the reviewer"


def test_another_analyst_cannot_see_or_edit_a_pending_statement(client, analyst, other_analyst):
    statement = make_statement(created_by=other_analyst, approved_at=None)
    login(client, analyst)
    assert client.get(reverse("reports:statement_detail", args=[statement.pk])).status_code == 404
    assert client.get(reverse("reports:statement_edit", args=[statement.pk])).status_code == 404


def test_recording_a_statement_leads_to_its_page(client, analyst):
    from tests.factories import official_assessor

    data = {"assessor": official_assessor().pk, "published_on": "2017-04-30", "civilians_killed": "352"}
    response = login(client, analyst).post(reverse("reports:statement_create"), data)
    statement = OfficialStatement.objects.get()
    assert response.url == reverse("reports:statement_detail", args=[statement.pk])


# --- The entry form ------------------------------------------------------------------------------------


def test_the_form_suggests_the_next_free_code(client, analyst):
    make_incident(code="INC-00041")
    make_incident(code="CS1548")
    form = login(client, analyst).get(reverse("reports:incident_create")).context["entry"].form
    assert form.initial["code"] == "INC-00042"


def test_creating_an_incident_logs_no_separate_strike_type_change(client, analyst):
    from reports.models import StrikeType
    from tests.factories import west_mosul_form

    strike = StrikeType.objects.first()
    login(client, analyst).post(reverse("reports:incident_create"), west_mosul_form(strike_types=[str(strike.pk)]))
    incident = Incident.objects.get(code="IQ-MOSUL-0317")
    assert list(incident.strike_types.all()) == [strike]
    page = client.get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    history = page[page.index("Change history") :]
    assert "Strike types" not in history and "strike types" not in history


# --- Every field entered is shown ------------------------------------------------------------------------


def test_every_field_entered_is_on_the_staff_page_and_the_public_ones_on_the_public_page(client, analyst):
    incident = make_incident(
        code="FULL-1",
        strike_status="declared",
        strike_count=3,
        grading="fair",
        civilian_harm_reported=True,
        cause_of_harm="Collapsed building",
        infrastructure="Residential block",
        first_reported_on="2017-03-18",
        time_of_day="Night",
    )
    make_source(incident, author="Reporter Name", platform="Telegram", language="Arabic")
    make_assessment(
        incident,
        killed_min=105,
        killed_max=105,
        children_killed_min=20,
        children_killed_max=25,
        women_killed_min=30,
        women_killed_max=30,
        quote="105 civilians were killed",
        caveat="36 people remain unaccounted for.",
        note="Team only: check the morgue list.",
    )
    staff = login(client, analyst).get(reverse("reports:work_incident", args=["FULL-1"])).content.decode()
    shown_to_staff = ["Declared strike", "Fair", "Collapsed building", "Residential block", "2017-03-18", "Night"]
    shown_to_staff += ["Reporter Name", "Telegram", "children 20–25", "women 30", "105 civilians were killed"]
    shown_to_staff += ["36 people remain unaccounted for.", "Team only: check the morgue list."]
    assert [text for text in shown_to_staff if text not in staff] == []
    assert ">3<" in staff  # the number of strikes
    client.logout()
    public = client.get(reverse("reports:public_incident", args=["FULL-1"])).content.decode()
    assert [text for text in shown_to_staff[:-1] if text not in public] == []
    assert "morgue" not in public


def test_the_decision_and_statement_pages_take_a_bounded_number_of_queries(
    client, analyst, reviewer, django_assert_max_num_queries
):
    from reports.models import StatementItem

    incident = pending_of(analyst, code="MANY-1")
    statement = make_statement(created_by=analyst, approved_at=None)
    pages = [
        reverse("reports:review_incident", args=["MANY-1"]),
        reverse("reports:statement_detail", args=[statement.pk]),
    ]

    def grow():
        for _ in range(5):
            make_source(incident)
            make_assessment(incident)
            StatementItem.objects.create(statement=statement, role="excluded", incident=make_incident())

    grow()
    login(client, reviewer)
    for url in pages:
        with django_assert_max_num_queries(30) as few:
            assert client.get(url).status_code == 200
        grow()
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url)


# --- A reviewer approves what they saw, on every path ---------------------------------------------------------


def test_a_pending_incident_edited_after_the_reviewer_looked_is_not_approved(
    client, analyst, reviewer, second_reviewer
):
    incident = pending_of(analyst, code="PEND-1", title="As submitted")
    url = reverse("reports:review_incident", args=["PEND-1"])
    seen = seen_on(login(client, reviewer).get(url))
    incident.title, incident._history_user = "Changed by another reviewer", second_reviewer
    incident.save_checked(incident.version)
    response = client.post(url, {"decision": "approve", "comment": "Fine", "seen": seen})
    assert "edited after you looked at it" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).review_state == ReviewState.PENDING
    # The page now shows the record as it is, keeping the comment: confirming again approves that.
    assert "Changed by another reviewer" in response.content.decode() and "Fine" in response.content.decode()
    client.post(url, {"decision": "approve", "comment": "Fine", "seen": seen_on(response)})
    assert Incident.objects.get(pk=incident.pk).review_state == ReviewState.PUBLISHED


def test_a_statement_edited_after_the_reviewer_looked_is_not_approved(client, analyst, reviewer):
    statement = make_statement(created_by=analyst, approved_at=None, civilians_killed=350)
    url = reverse("reports:review_statement", args=[statement.pk])
    seen = seen_on(login(client, reviewer).get(url))
    statement.civilians_killed, statement._history_user = 9999, analyst
    statement.save()
    response = client.post(url, {"decision": "approve", "seen": seen})
    assert "edited after you looked at it" in response.content.decode()
    statement.refresh_from_db()
    assert statement.approved_at is None


def test_the_admin_approves_only_what_its_confirmation_page_showed(client, analyst, reviewer):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    incident = make_incident(code="ADM-1", title="Published")
    changelist = reverse("admin:reports_incident_changelist") + "?state=all"
    selected = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [incident.pk]}
    page = login(client, reviewer).post(changelist, {**selected, "index": "0"}).content.decode()
    seen = dict(re.findall(r'name="(seen_\d+)" value="([^"]*)"', page))
    change_by(analyst, incident, title="Sneaky")  # proposed after the confirmation page was shown
    client.post(changelist, {**selected, **seen, "confirm": "yes", "comment": ""})
    assert Incident.objects.get(pk=incident.pk).title == "Published"
    statement = make_statement(created_by=analyst, approved_at=None)
    statements = reverse("admin:reports_officialstatement_changelist")
    client.post(statements, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [statement.pk], "confirm": "yes"})
    statement.refresh_from_db()
    assert statement.approved_at is None  # nothing said what the reviewer saw


# --- Sources named by assessments ---------------------------------------------------------------------------


def test_an_edit_cannot_delete_a_source_its_assessment_names(client, analyst):
    from tests.test_entry import edit_form, edit_url

    incident = draft_of(analyst, code="SRC-1")
    source = incident.sources.get()
    assessment = incident.assessments.get()
    assessment.source = source
    assessment.save()
    form = edit_form(incident, **{"sources-0-DELETE": "on", "assessments-0-killed_max": "9"})
    response = login(client, analyst).post(edit_url(incident), form)
    assert response.status_code == 200 and "This source is deleted in this same edit" in response.content.decode()
    assert incident.sources.exists()


def test_a_page_whose_history_names_a_deleted_source_still_renders(client, analyst):
    incident = make_incident(code="SRC-2")
    first, second = make_source(incident, title="First"), make_source(incident, title="Second")
    assessment = make_assessment(incident, source=first)
    assessment.source = second
    assessment.save()
    first.delete()
    assert client.get(reverse("reports:public_incident", args=["SRC-2"])).status_code == 200
    assert login(client, analyst).get(reverse("reports:work_incident", args=["SRC-2"])).status_code == 200


def test_approving_a_change_whose_source_was_deleted_since_is_refused_with_a_reason(analyst, reviewer):
    from reports.models import InvalidTransition

    incident = make_incident(code="SRC-3")
    source = make_source(incident, title="Named")
    make_source(incident, title="Other")
    assessment = make_assessment(incident)
    revision = change_by(analyst, Incident.objects.get(pk=incident.pk), **{"assessments-0-source": str(source.pk)})
    assert revision.change_set["assessments"] == [{"id": assessment.pk, "fields": {"source": source.pk}}]
    source.delete()
    with pytest.raises(InvalidTransition, match="no longer passes validation"):
        Incident.objects.get(pk=incident.pk).approve(reviewer, seen=revision.version_token)


# --- Two analysts, one suggested code ----------------------------------------------------------------------


def test_a_suggested_code_taken_meanwhile_becomes_the_next_free_one(client, analyst, monkeypatch):
    from reports.forms import IncidentForm
    from tests.factories import west_mosul_form

    make_incident(code="INC-00001")
    make_incident(code="INC-00002")
    # The other analyst's INC-00002 was saved after this form was validated: the checks did not see it.
    monkeypatch.setattr(IncidentForm, "clean_code", lambda form: form.cleaned_data["code"])
    monkeypatch.setattr(IncidentForm, "validate_unique", lambda form: None)
    form = west_mosul_form(code="INC-00002", suggested_code="INC-00002")
    response = login(client, analyst).post(reverse("reports:incident_create"), form)
    assert response.status_code == 302 and response.url == reverse("reports:work_incident", args=["INC-00003"])
    typed = west_mosul_form(code="INC-00003", place_name="Elsewhere", latitude="", longitude="")
    response = client.post(reverse("reports:incident_create"), {**typed, "not_a_duplicate": "1"})
    assert response.status_code == 200 and "took the code INC-00003 a moment ago" in response.content.decode()


def test_the_admin_refuses_to_delete_a_source_an_assessment_names(client, reviewer):
    """(The analysts' form refuses it too: test_an_edit_cannot_delete_a_source_its_assessment_names.)"""
    incident = make_incident(code="SRC-4", review_state=ReviewState.DRAFT)
    source = make_source(incident)
    make_assessment(incident, source=source)
    url = reverse("admin:reports_incident_change", args=[incident.pk])
    page = login(client, reviewer).get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: "" if value is None else value for name, value in form.initial.items() if not isinstance(value, list)}
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data |= {
            f"{fs.prefix}-TOTAL_FORMS": fs.total_form_count(),
            f"{fs.prefix}-INITIAL_FORMS": fs.initial_form_count(),
        }
        for row in fs.forms:
            for name in row.fields:
                value = row[name].value()
                if value is not None and not isinstance(value, list):
                    data[row.add_prefix(name)] = value.pk if hasattr(value, "pk") else value
        if fs.model.__name__ == "Source":
            data[f"{fs.prefix}-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the reason
    assert "would require deleting the following protected related objects" in response.content.decode()
    assert incident.sources.filter(pk=source.pk).exists()


@pytest.mark.parametrize("kind", ["incident", "statement"])
def test_approving_from_a_record_page_in_the_admin_approves_what_that_page_showed(client, analyst, reviewer, kind):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    if kind == "incident":
        record = pending_of(analyst, code="ADM-2", title="As submitted")
        page_url = reverse("admin:reports_incident_change", args=[record.pk])
        changelist = reverse("admin:reports_incident_changelist") + "?state=all"
    else:
        record = make_statement(created_by=analyst, approved_at=None, quote="We regret 100 deaths.")
        page_url = reverse("admin:reports_officialstatement_change", args=[record.pk])
        changelist = reverse("admin:reports_officialstatement_changelist") + "?state=all"
    page = login(client, reviewer).get(page_url).content.decode()
    seen = dict(re.findall(r'name="(seen_\d+)" value="([^"]*)"', page))
    assert list(seen) == [f"seen_{record.pk}"]
    record.title, record._history_user = "Changed after the reviewer read it", analyst
    record.save_checked(record.version) if kind == "incident" else record.save()
    selected = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [record.pk], **seen}
    confirmation = client.post(changelist, {**selected, "index": "0"}).content.decode()
    assert dict(re.findall(r'name="(seen_\d+)" value="([^"]*)"', confirmation)) == seen  # passed through
    client.post(changelist, {**selected, "confirm": "yes", "comment": ""})
    record.refresh_from_db()
    assert record.review_state == ReviewState.PENDING


def test_a_new_assessment_cannot_name_a_source_the_analysts_pending_change_deletes(client, analyst):
    from tests.factories import official_assessor

    incident = make_incident(code="SRC-5")
    kept, dropped = make_source(incident, title="Kept"), make_source(incident, title="Dropped")
    make_assessment(incident)
    change = proposed_change(incident, **{"sources-1-DELETE": "on"})
    revision = incident.propose_revision(change, incident.version, by=analyst, reason="Drop the duplicate source")
    url = reverse("reports:assessment_create", args=["SRC-5"]) + f"?assessor={official_assessor().pk}"
    form = login(client, analyst).get(url).context["form"]
    assert list(form.fields["source"].queryset) == [kept]
    data = {
        "assessor": official_assessor().pk,
        "verdict": "credible",
        "assessed_on": "2017-05-25",
        "source": dropped.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    client.post(url, {**data, "source": kept.pk})
    revision.refresh_from_db()
    assert revision.reason == "Drop the duplicate source; New assessment by CJTF-OIR"


def test_a_returned_statement_goes_to_its_author_and_back_to_the_queue_once_edited(client, analyst, reviewer):
    statement = make_statement(created_by=analyst, approved_at=None, civilians_killed=350)
    url = reverse("reports:review_statement", args=[statement.pk])
    response = login(client, reviewer).post(url, {"decision": "request_changes", "comment": ""})
    assert "Say what needs to change." in response.content.decode()
    client.post(url, {"decision": "request_changes", "comment": "The figure is 352."})
    statement.refresh_from_db()
    assert statement.get_review_state_display() == "Returned to its author"
    assert review_queue()[0] == []  # not awaiting a decision while its author has it
    seen = seen_on(client.get(url))
    client.post(url, {"decision": "approve", "seen": seen})
    statement.refresh_from_db()
    assert statement.approved_at is None  # returned: it is edited first
    returned = section(login(client, analyst).get(WORK).content.decode(), "Returned to me", "Drafts")
    assert "The figure is 352." in returned
    edit = reverse("reports:statement_edit", args=[statement.pk])
    form = client.get(edit).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    client.post(edit, {**data, "civilians_killed": "352", "edit_token": statement.edit_token()})
    statement.refresh_from_db()
    assert statement.get_review_state_display() == "Awaiting approval"
    assert [item.record for item in review_queue()[0]] == [statement]
