"""Analysts' pages: entering, editing, submitting, new assessments and statements, validation that keeps the
analyst's input, duplicate warnings, permissions, history, and no lost updates."""

import pytest
from django.urls import reverse

from reports.forms import IncidentEntry
from reports.models import (
    Assessment,
    Incident,
    IncidentRevision,
    OfficialStatement,
    ReviewDecision,
    ReviewState,
    Source,
)
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    official_assessor,
    proposed_change,
    west_mosul_form,
)

pytestmark = pytest.mark.django_db

CREATE = reverse("reports:incident_create")


def login(client, user):
    client.force_login(user)
    return client


def draft_of(user, **fields):
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=user, **fields)
    make_source(incident)
    make_assessment(incident)
    return incident


def edit_url(incident):
    return reverse("reports:incident_edit", args=[incident.code])


def edit_form(incident, **changes):
    """The edit form of `incident` as the browser shows it, with `changes` typed in."""
    data = {key: values[0] if len(values) == 1 else values for key, values in IncidentEntry.data_for(incident).items()}
    data.update(changes)
    return data


# --- Permissions --------------------------------------------------------------------------------------


def work_urls(incident):
    return [
        reverse("reports:my_work"),
        CREATE,
        reverse("reports:work_incident", args=[incident.code]),
        edit_url(incident),
        reverse("reports:assessment_create", args=[incident.code]),
        reverse("reports:statement_create"),
    ]


def test_anonymous_users_are_sent_to_log_in(client, analyst):
    for url in work_urls(draft_of(analyst)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_users_without_a_role_are_refused(client, analyst, reader):
    client.force_login(reader)
    for url in work_urls(draft_of(analyst)):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("reports:incident_submit", args=[draft_of(analyst).code])).status_code == 403


def test_another_analyst_cannot_see_or_touch_a_draft(client, analyst, other_analyst):
    draft = draft_of(analyst)
    login(client, other_analyst)
    for url in work_urls(draft)[2:5]:
        assert client.get(url).status_code == 404, url
    assert client.post(edit_url(draft), edit_form(draft, title="Hijacked")).status_code == 404
    assert client.post(reverse("reports:incident_submit", args=[draft.code])).status_code == 404
    draft.refresh_from_db()
    assert draft.title != "Hijacked"
    assert draft.review_state == ReviewState.DRAFT


def test_a_reviewer_can_open_and_edit_any_draft(client, analyst, reviewer):
    draft = draft_of(analyst)
    login(client, reviewer)
    assert client.get(reverse("reports:work_incident", args=[draft.code])).status_code == 200
    assert client.post(edit_url(draft), edit_form(draft, title="Tidied")).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Tidied"


def test_pending_incidents_are_locked(client, analyst):
    incident = draft_of(analyst)
    incident.submit(by=analyst)
    response = login(client, analyst).post(edit_url(incident), edit_form(incident, title="Late change"))
    assert response.status_code == 403
    assert "cannot be edited in its current state" in response.content.decode()


# --- Creating ------------------------------------------------------------------------------------------


def test_analyst_enters_an_incident_with_sources_and_both_kinds_of_assessment(client, analyst):
    response = login(client, analyst).post(CREATE, west_mosul_form())
    incident = Incident.objects.get(code="IQ-MOSUL-0317")
    assert response.status_code == 302
    assert response.url == reverse("reports:work_incident", args=[incident.code])
    assert (incident.review_state, incident.created_by, incident.version) == (ReviewState.DRAFT, analyst, 1)
    assert incident.place_name_ar == "الجديدة"
    assert incident.sources.count() == 2
    verdicts = {a.assessor.slug: (a.verdict, a.killed_min, a.killed_max) for a in incident.assessments.all()}
    assert verdicts == {"cjtf-oir": ("under_review", None, None), "airwars": ("fair", 105, 141)}
    assert all(a.created_by == analyst for a in incident.assessments.all())
    assert incident.attributions.get().role == "declared"


def test_the_form_has_no_date_filled_in_and_starts_as_a_draft(client, analyst):
    page = login(client, analyst).get(CREATE).content.decode()
    assert 'name="date_start"' in page
    assert 'name="date_start" value=' not in page
    assert 'name="review_state"' not in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"assessments-1-killed_min": "200"}, "The maximum (141) is below the minimum (200)."),
        ({"assessments-1-killed_max": "-3"}, "Ensure this value is greater than or equal to 0."),
        ({"assessments-1-killed_min": "over a hundred"}, "Enter a whole number."),
        ({"date_end": "2017-03-01"}, "The end date is before the start date."),
        ({"latitude": "200"}, "Ensure this value is less than or equal to 90."),
        ({"longitude": "999.5"}, "Ensure this value is less than or equal to 180."),
        ({"latitude": "", "longitude": "43.1"}, "Give both latitude and longitude, or neither."),
        ({"sources-0-url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"date_start": "2099-03-17"}, "This date is in the future."),  # (2999 is past the last date taken)
        ({"date_start": "17/03/2017x"}, "Enter a valid date."),
        ({"assessments-0-verdict": "confirmed"}, "CJTF-OIR is an official assessor"),
        ({"assessments-1-duplicate_of_code": "NOPE-1"}, "No published incident has the code NOPE-1."),
        ({"place_name": "x" * 300}, "Ensure this value has at most 255 characters (it has 300)."),
        ({"code": "has spaces"}, "Use letters, digits, dots, dashes and underscores only"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_lost(client, analyst, overrides, message):
    response = login(client, analyst).post(CREATE, west_mosul_form(**overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert not Incident.objects.exists()
    # everything typed is still in the form
    assert 'value="Strike on al-Jadida, west Mosul"' in page
    assert 'value="https://example.org/mosul-rescuers"' in page
    assert "الجديدة" in page


def test_a_duplicate_code_is_refused_with_a_message(client, analyst):
    make_incident(code="IQ-MOSUL-0317")
    page = login(client, analyst).post(CREATE, west_mosul_form()).content.decode()
    assert "Incident with this Code already exists." in page
    assert Incident.objects.count() == 1


def test_hostile_and_odd_text_is_kept_and_shown_escaped(client, analyst):
    script = '<script>alert("x")</script>'
    text_fields = ["title", "summary", "governorate", "district", "place_name", "cause_of_harm", "infrastructure"]
    form = west_mosul_form(**{name: script for name in text_fields})
    form.update({"summary": ("سوق " + script) * 500, "sources-0-title": script, "assessments-1-note": script})
    login(client, analyst).post(CREATE, form)
    incident = Incident.objects.get()
    assert incident.place_name == script
    page = client.get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_empty_rows_are_ignored(client, analyst):
    form = west_mosul_form(**{"sources-TOTAL_FORMS": "4", "assessments-TOTAL_FORMS": "3"})
    form.update({"sources-2-url": "", "sources-3-publisher": "  "})
    assert login(client, analyst).post(CREATE, form).status_code == 302
    assert Source.objects.count() == 2
    assert Assessment.objects.count() == 2


def test_add_a_row_without_javascript_keeps_input_and_saves_nothing(client, analyst):
    response = login(client, analyst).post(CREATE, {**west_mosul_form(), "add_row": "sources"})
    page = response.content.decode()
    assert 'name="sources-TOTAL_FORMS" value="3"' in page
    assert 'name="sources-2-url"' in page
    assert 'value="https://example.org/mosul-rescuers"' in page
    assert 'class="error"' not in page
    assert not Incident.objects.exists()


# --- Likely duplicates ---------------------------------------------------------------------------------


def test_a_likely_duplicate_is_flagged_with_a_link_and_can_still_be_saved(client, analyst):
    existing = make_incident(
        code="CS1548", date_start="2017-03-18", place_name="Jadida", latitude=36.36, longitude=43.1
    )
    login(client, analyst)
    page = client.post(CREATE, west_mosul_form()).content.decode()
    assert "This may be an incident already recorded" in page
    assert reverse("reports:work_incident", args=[existing.code]) in page
    assert not Incident.objects.filter(code="IQ-MOSUL-0317").exists()
    assert client.post(CREATE, west_mosul_form(not_a_duplicate="1")).status_code == 302
    assert Incident.objects.filter(code="IQ-MOSUL-0317").exists()


def near_west_mosul(code, **fields):
    return make_incident(
        code=code, date_start="2017-03-18", place_name="Jadida", latitude=36.36, longitude=43.1, **fields
    )


def test_the_warning_names_other_analysts_unpublished_incidents_only_to_reviewers(
    client, analyst, other_analyst, reviewer
):
    near_west_mosul("OMAR-DRAFT", review_state=ReviewState.DRAFT, created_by=other_analyst)
    near_west_mosul("OMAR-PENDING", review_state=ReviewState.PENDING, created_by=other_analyst)
    as_reviewer = login(client, reviewer).post(CREATE, west_mosul_form()).content.decode()
    assert "OMAR-DRAFT" in as_reviewer and "OMAR-PENDING" in as_reviewer
    assert login(client, analyst).post(CREATE, west_mosul_form()).status_code == 302  # no warning: saved at once
    near_west_mosul("CS1548")  # published: now the analyst is warned, of that one alone
    page = client.post(CREATE, west_mosul_form(code="IQ-MOSUL-0317B")).content.decode()
    assert "CS1548" in page
    assert "OMAR-" not in page


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
def test_the_warning_names_published_incidents_and_ones_own_drafts(client, analyst, reviewer, role):
    user = {"analyst": analyst, "reviewer": reviewer}[role]
    published = near_west_mosul("CS1548")
    own = near_west_mosul("MY-DRAFT", review_state=ReviewState.DRAFT, created_by=user)
    page = login(client, user).post(CREATE, west_mosul_form()).content.decode()
    assert "This may be an incident already recorded" in page
    for incident in (published, own):
        assert reverse("reports:work_incident", args=[incident.code]) in page


@pytest.mark.parametrize(
    "fields",
    [
        {"date_start": "2017-03-19"},  # two days apart
        {"belligerents": ("russian-military",)},  # another belligerent
        {"latitude": 36.6, "longitude": 43.1, "place_name": "Elsewhere"},  # ~28 km away
    ],
)
def test_different_incidents_are_not_flagged(client, analyst, fields):
    values = {
        "code": "OTHER1",
        "date_start": "2017-03-17",
        "place_name": "Other",
        "latitude": 36.347,
        "longitude": 43.108,
    }
    make_incident(**{**values, **fields})
    response = login(client, analyst).post(CREATE, west_mosul_form())
    assert response.status_code == 302


# --- Editing, history and conflicts --------------------------------------------------------------------


def test_editing_a_draft_records_who_what_when_and_why(client, analyst):
    draft = draft_of(analyst, place_name="Al-Jadida")
    login(client, analyst).post(edit_url(draft), edit_form(draft, place_name="Al-Jadida, west Mosul", reason="Fixed"))
    draft.refresh_from_db()
    assert (draft.place_name, draft.version) == ("Al-Jadida, west Mosul", 2)
    record = draft.history.latest()
    assert (record.history_user, record.history_change_reason) == (analyst, "Fixed")
    delta = record.diff_against(record.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "place_name"] == [
        ("place_name", "Al-Jadida", "Al-Jadida, west Mosul")
    ]
    page = client.get(reverse("reports:work_incident", args=[draft.code])).content.decode()
    assert "Al-Jadida, west Mosul" in page
    assert "Fixed" in page


def test_history_covers_every_row_kind_and_deletions(client, analyst):
    draft = draft_of(analyst)
    form = edit_form(draft, **{"sources-0-DELETE": "on", "assessments-0-killed_max": "9"})
    login(client, analyst).post(edit_url(draft), form)
    assert Source.history.filter(incident_id=draft.pk, history_type="-", history_user=analyst).exists()
    assert Assessment.history.filter(incident_id=draft.pk, history_type="~", killed_max=9).exists()


def test_the_second_of_two_simultaneous_edits_gets_a_conflict_page_and_keeps_its_input(client, analyst, reviewer):
    draft = draft_of(analyst, title="Original title", place_name="Al-Jadida")
    first, second = edit_form(draft, title="Title from the reviewer"), edit_form(draft, place_name="From the analyst")

    assert login(client, reviewer).post(edit_url(draft), first).status_code == 302
    client.logout()
    response = login(client, analyst).post(edit_url(draft), second)

    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this incident after you opened it" in page
    assert "Title from the reviewer" in page  # what changed in between
    assert 'value="From the analyst"' in page  # the analyst's input, kept
    draft.refresh_from_db()
    assert (draft.title, draft.place_name, draft.version) == ("Title from the reviewer", "Al-Jadida", 2)
    assert 'name="version" value="2"' in page

    # After merging, saving again applies on top of the current version.
    merged = edit_form(draft, place_name="From the analyst")
    assert client.post(edit_url(draft), merged).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.place_name, draft.version) == ("Title from the reviewer", "From the analyst", 3)


# --- Submitting --------------------------------------------------------------------------------------


def test_submit_needs_a_source_and_an_assessment(client, analyst):
    bare = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    response = login(client, analyst).post(reverse("reports:incident_submit", args=[bare.code]), follow=True)
    assert "Add a source and an assessment before submitting for review." in response.content.decode()
    bare.refresh_from_db()
    assert bare.review_state == ReviewState.DRAFT


def test_submit_sends_the_draft_to_review_with_a_decision_row(client, analyst):
    draft = draft_of(analyst)
    login(client, analyst).post(reverse("reports:incident_submit", args=[draft.code]))
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.PENDING
    decision = ReviewDecision.objects.get(incident=draft)
    assert (decision.from_state, decision.to_state, decision.decided_by) == ("draft", "pending", analyst)
    assert draft.history.latest().history_user == analyst


def test_submit_only_accepts_post(client, analyst):
    draft = draft_of(analyst)
    assert login(client, analyst).get(reverse("reports:incident_submit", args=[draft.code])).status_code == 405


# --- Published incidents change only through review ------------------------------------------------------


def test_editing_a_published_incident_waits_for_review_and_readers_see_no_change(client, analyst):
    published = make_incident(place_name="Al-Jadida")
    make_source(published)
    response = login(client, analyst).post(edit_url(published), edit_form(published, place_name="Changed place"))
    assert response.status_code == 302
    published.refresh_from_db()
    assert (published.place_name, published.version) == ("Al-Jadida", 1)
    revision = IncidentRevision.objects.get(incident=published)
    assert (revision.state, revision.created_by, revision.base_version) == ("pending", analyst, 1)
    assert "Changed place" not in client.get(reverse("reports:home")).content.decode()
    # The author continues their pending change where they left it.
    assert 'value="Changed place"' in client.get(edit_url(published)).content.decode()


def test_a_second_analyst_cannot_stack_a_change_on_a_pending_one(client, analyst, other_analyst):
    published = make_incident()
    published.propose_revision(proposed_change(published), published.version, by=analyst)
    response = login(client, other_analyst).post(edit_url(published), edit_form(published, title="Mine"), follow=True)
    assert "change to this incident is awaiting review" in response.content.decode()
    assert IncidentRevision.objects.get().created_by == analyst


# --- New assessments ----------------------------------------------------------------------------------


def official_verdict_change(**overrides):
    return {
        "assessor": str(official_assessor().pk),
        "verdict": "credible",
        "assessed_on": "2017-05-25",
        "killed_min": "105",
        "killed_max": "105",
        "source_url": "https://example.org/cjtf-oir-mosul-investigation",
        **overrides,
    }


def test_a_new_official_verdict_is_recorded_beside_the_earlier_one(client, analyst):
    login(client, analyst).post(CREATE, west_mosul_form())
    incident = Incident.objects.get()
    url = reverse("reports:assessment_create", args=[incident.code])
    assert client.post(url, official_verdict_change()).status_code == 302
    official = incident.assessments.filter(assessor=official_assessor()).order_by("assessed_on")
    assert [a.verdict for a in official] == ["under_review", "credible"]
    assert incident.official_assessments()[0].killed_min == 105
    history = client.get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    assert "<bdi>assessment by CJTF-OIR on 2017-05-25</bdi> created" in history


def test_a_bad_new_assessment_is_explained_and_kept(client, analyst):
    incident = draft_of(analyst)
    url = reverse("reports:assessment_create", args=[incident.code])
    page = login(client, analyst).post(url, official_verdict_change(killed_max="10")).content.decode()
    assert "The maximum (10) is below the minimum (105)." in page
    assert 'value="https://example.org/cjtf-oir-mosul-investigation"' in page
    assert incident.assessments.count() == 1


def test_a_new_assessment_on_a_published_incident_waits_for_review(client, analyst):
    published = make_incident()
    make_source(published)
    make_assessment(published, official_assessor(), verdict="under_review", killed_min=None, killed_max=None)
    url = reverse("reports:assessment_create", args=[published.code])
    assert login(client, analyst).post(url, official_verdict_change()).status_code == 302
    assert published.assessments.count() == 1
    revision = IncidentRevision.objects.get(incident=published)
    new_rows = [row for row in revision.change_set["assessments"] if row["id"] is None]
    assert [(row["fields"]["verdict"], row["fields"]["killed_min"]) for row in new_rows] == [("credible", 105)]
    assert revision.problems() == []


# --- My work and statements ----------------------------------------------------------------------------


def test_my_work_lists_my_unfinished_incidents_with_the_reviewers_comment(client, analyst, other_analyst, reviewer):
    mine = draft_of(analyst, code="MINE1")
    returned = draft_of(analyst, code="MINE2")
    returned.submit(by=analyst)
    returned.request_changes(by=reviewer, comment="Add the second monitor's range.")
    draft_of(other_analyst, code="THEIRS")
    make_incident(code="PUBLISHED1", created_by=analyst)
    page = login(client, analyst).get(reverse("reports:my_work")).content.decode()
    assert mine.code in page and returned.code in page
    assert "Add the second monitor&#x27;s range." in page
    assert "THEIRS" not in page
    published = page[page.index("My published incidents") : page.index("My official statements")]
    assert "PUBLISHED1" in published and mine.code not in published


def test_recording_the_april_2017_statement(client, analyst):
    form = {
        "assessor": str(official_assessor().pk),
        "published_on": "2017-04-30",
        "period_start": "2014-08-08",
        "civilians_killed": "352",
        "reports_under_review": "42",
        "url": "https://example.org/cjtf-oir-april-2017",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }
    response = login(client, analyst).post(reverse("reports:statement_create"), form)
    assert response.status_code == 302
    statement = OfficialStatement.objects.get()
    assert (statement.civilians_killed, statement.reports_under_review, statement.created_by) == (352, 42, analyst)
    page = client.post(reverse("reports:statement_create"), {**form, "civilians_killed": "-1"}).content.decode()
    assert "Ensure this value is greater than or equal to 0." in page


# --- History from every path --------------------------------------------------------------------------


def test_admin_edits_and_commands_are_in_the_history_too(client, admin_user):
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo = Incident.objects.filter(code__startswith="DEMO-", review_state=ReviewState.DRAFT).first()
    assert {record.history_user for record in demo.history.all()} == {None}  # written by a command
    client.force_login(admin_user)
    admin_form = {
        **edit_form(demo, summary="Edited in the admin"),
        "review_state": demo.review_state,
        "loaded_version": str(demo.version),
        "external_id": "",
        "external_url": "",
        "external_data": "{}",
    }
    for prefix in ("attributions", "sources"):
        admin_form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    admin_form.update({"assessments-TOTAL_FORMS": "0", "assessments-INITIAL_FORMS": "0"})
    response = client.post(reverse("admin:reports_incident_change", args=[demo.pk]), admin_form)
    assert response.status_code == 302
    assert demo.history.latest().history_user == admin_user
    assert demo.history.latest().summary == "Edited in the admin"


def test_a_duplicate_must_point_at_a_published_incident(client, analyst, other_analyst):
    make_incident(code="DRAFT-OF-OMAR", review_state=ReviewState.DRAFT, created_by=other_analyst)
    make_incident(code="CS0001")
    page = login(client, analyst).post(CREATE, west_mosul_form(**{"assessments-1-duplicate_of_code": "draft-of-omar"}))
    assert "No published incident has the code draft-of-omar." in page.content.decode()
    client.post(
        CREATE, west_mosul_form(**{"assessments-1-duplicate_of_code": "cs0001", "assessments-1-verdict": "fair"})
    )
    assert Assessment.objects.filter(duplicate_of__code="CS0001").exists()


def test_history_shows_any_kind_of_changed_value(client, analyst):
    incident = draft_of(analyst, external_data={"sequence": 1}, civilian_harm_reported=None)
    incident.external_data = {"sequence": 2}
    incident.civilian_harm_reported = True
    incident.save()
    page = login(client, analyst).get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    assert "{&#x27;sequence&#x27;: 2}" in page
    assert '<td dir="auto">Yes</td>' in page
