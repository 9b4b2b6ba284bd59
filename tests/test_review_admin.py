"""Reviewers in the admin: the pending queue, its filters, bulk decisions with a confirmation page that skip
(and say why) what the four-eyes rule refuses, the review panel, and what analysts may not do there."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from reports.models import Assessment, Incident, InvalidTransition, ReviewDecision, ReviewState
from tests.factories import (
    confirm_in_admin,
    make_assessment,
    make_incident,
    make_source,
    official_assessor,
    proposed_change,
)
from tests.test_admin import logged_in, queries_for

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reports_incident_changelist")


def pending_by(author, days_waiting=1, **fields):
    incident = make_incident(review_state=ReviewState.DRAFT, created_by=author, last_edited_by=author, **fields)
    make_source(incident, url=f"https://example.org/{incident.code}")
    make_assessment(incident)
    incident.submit(by=author)
    Incident.objects.filter(pk=incident.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=days_waiting))
    return incident


def listed_codes(response):
    return [incident.code for incident in response.context["cl"].result_list]


def act(client, action, incidents, **form):
    """Choose an admin action for `incidents`; with `form`, also confirm it on the intermediate page."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [incident.pk for incident in incidents]}
    if not form:
        return client.post(CHANGELIST + "?state=all", {**data, "index": "0"})
    data.update(confirm="yes", **form)
    if any(name.startswith("seen_") for name in form):  # the test says what the reviewer saw
        return client.post(CHANGELIST + "?state=all", data)
    return confirm_in_admin(client, CHANGELIST + "?state=all", data)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The queue ---------------------------------------------------------------------------------------------


def test_reviewers_land_on_the_pending_queue_oldest_first(client, analyst, reviewer):
    newer = pending_by(analyst, days_waiting=1)
    older = pending_by(analyst, days_waiting=9)
    make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    published = make_incident()
    with_change = make_incident()
    with_change.propose_revision(proposed_change(with_change), with_change.version, by=analyst)

    response = logged_in(client, reviewer).get(CHANGELIST)

    assert listed_codes(response) == [older.code, newer.code, with_change.code]
    page = response.content.decode()
    assert "1\xa0week, 2\xa0days" in page  # the age of the oldest case
    assert "Published, change pending" in page
    assert published.code not in listed_codes(response)
    # Every state stays one click away, with its count.
    assert "?state=all" in page
    assert "Draft (1)" in page


def test_queue_filters_and_search(client, analyst, other_analyst, reviewer):
    by_anna = pending_by(analyst, country="Iraq")
    by_omar = pending_by(other_analyst, country="Syria")
    make_assessment(by_omar, official_assessor(), verdict="under_review")
    logged_in(client, reviewer)
    assert listed_codes(client.get(CHANGELIST, {"country": "Iraq"})) == [by_anna.code]
    assert listed_codes(client.get(CHANGELIST, {"submitted_by__id__exact": other_analyst.pk})) == [by_omar.code]
    assert listed_codes(client.get(CHANGELIST, {"verdict": "under_review"})) == [by_omar.code]
    assert listed_codes(client.get(CHANGELIST, {"q": f"https://example.org/{by_anna.code}"})) == [by_anna.code]


def test_the_verdict_filter_reads_each_assessors_current_verdict(client, reviewer):
    """The filter's "current" is the queryset's: a verdict since replaced (on a later day, or later the same
    day) no longer lists its incident."""
    replaced = make_incident()
    first = make_assessment(replaced, official_assessor(), verdict="under_review")
    make_assessment(replaced, official_assessor(), verdict="credible", assessed_on=first.assessed_on)
    reopened = make_incident()
    make_assessment(reopened, official_assessor(), verdict="credible")
    make_assessment(reopened, official_assessor(), verdict="reopened", assessed_on=datetime.date(2019, 1, 1))
    logged_in(client, reviewer)
    for verdict in ("under_review", "credible", "reopened"):
        current = Assessment.objects.current().filter(verdict=verdict).values_list("incident__code", flat=True)
        listed = listed_codes(client.get(CHANGELIST, {"state": "all", "verdict": verdict}))
        assert sorted(listed) == sorted(current), verdict
    assert listed_codes(client.get(CHANGELIST, {"state": "all", "verdict": "credible"})) == [replaced.code]


def test_the_queue_takes_the_same_number_of_queries_for_2_or_20_cases(client, analyst, reviewer):
    logged_in(client, reviewer)
    for _ in range(2):
        pending_by(analyst)
    few = queries_for(client, CHANGELIST)
    for _ in range(18):
        pending_by(analyst)
    assert queries_for(client, CHANGELIST) == few


def test_analysts_see_published_incidents_and_their_own_only(client, analyst, other_analyst):
    own = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    others = make_incident(review_state=ReviewState.DRAFT, created_by=other_analyst)
    published = make_incident()
    response = logged_in(client, analyst).get(CHANGELIST)
    assert sorted(listed_codes(response)) == sorted([own.code, published.code])
    change_page = client.get(reverse("admin:reports_incident_change", args=[others.pk]))
    assert change_page.status_code == 302  # the admin's "does not exist" redirect
    assert others.title not in client.get(change_page.url).content.decode()


# --- Bulk decisions ----------------------------------------------------------------------------------------


def test_an_action_first_asks_for_confirmation_and_changes_nothing(client, analyst, reviewer):
    incident = pending_by(analyst)
    response = act(logged_in(client, reviewer), "approve_selected", [incident])
    assert response.status_code == 200
    assert "Approve 1 incident" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).review_state == ReviewState.PENDING


def test_approving_a_mixed_selection_skips_own_work_and_says_why(client, analyst, reviewer):
    others = [pending_by(analyst) for _ in range(3)]
    own = pending_by(reviewer)
    draft = make_incident(review_state=ReviewState.DRAFT, created_by=analyst)
    logged_in(client, reviewer)

    confirmation = act(client, "approve_selected", [*others, own, draft]).content.decode()
    assert "Will be skipped: You created or last edited it" in confirmation
    assert "Will be skipped: It is Draft" in confirmation

    response = act(client, "approve_selected", [*others, own, draft], comment="Checked")
    assert response.status_code == 302
    assert set(Incident.objects.published().values_list("code", flat=True)) == {i.code for i in others}
    assert ReviewDecision.objects.filter(to_state=ReviewState.PUBLISHED).count() == 3
    success, skipped = messages_of(response)
    assert success.startswith("Approve: 3 incidents")
    assert own.code in skipped and "another reviewer must decide" in skipped
    assert draft.code in skipped and "A draft incident cannot become published" in skipped


def test_requesting_changes_needs_a_comment_and_records_it_per_incident(client, analyst, reviewer):
    incidents = [pending_by(analyst) for _ in range(2)]
    logged_in(client, reviewer)
    refused = act(client, "request_changes_selected", incidents, comment="")
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    assert not ReviewDecision.objects.filter(to_state=ReviewState.CHANGES_REQUESTED).exists()

    act(client, "request_changes_selected", incidents, comment="Add the Arabic place name")
    returned = ReviewDecision.objects.filter(to_state=ReviewState.CHANGES_REQUESTED)
    assert sorted(returned.values_list("incident__code", flat=True)) == sorted(i.code for i in incidents)
    assert set(returned.values_list("comment", flat=True)) == {"Add the Arabic place name"}


def test_reject_and_retract(client, analyst, reviewer):
    pending = pending_by(analyst)
    published = make_incident()
    logged_in(client, reviewer)
    act(client, "reject_selected", [pending], comment="Duplicate of CS1548")
    act(client, "retract_selected", [published], comment="Misattributed")
    assert Incident.objects.get(pk=pending.pk).review_state == ReviewState.REJECTED
    assert Incident.objects.get(pk=published.pk).review_state == ReviewState.RETRACTED


def test_a_reviewer_clears_a_queue_of_50_without_publishing_their_own(client, analyst, other_analyst, reviewer):
    queue = [pending_by(analyst if n % 2 else other_analyst) for n in range(45)]
    own = [pending_by(reviewer) for _ in range(5)]
    response = act(logged_in(client, reviewer), "approve_selected", queue + own, comment="Batch checked")
    assert response.status_code == 302
    assert Incident.objects.published().count() == 45
    assert ReviewDecision.objects.filter(to_state=ReviewState.PUBLISHED).count() == 45  # one per incident
    assert not Incident.objects.published().filter(created_by=reviewer).exists()
    assert listed_codes(client.get(CHANGELIST)) == sorted(i.code for i in own)


def test_an_admin_overrides_the_four_eyes_rule_only_with_a_reason(client, admin_user):
    own = pending_by(admin_user)
    logged_in(client, admin_user)
    act(client, "approve_selected", [own], comment="")
    assert Incident.objects.get(pk=own.pk).review_state == ReviewState.PENDING
    act(client, "approve_selected", [own], comment="", override_reason="Only admin on the night shift")
    assert Incident.objects.get(pk=own.pk).is_published
    assert ReviewDecision.objects.get(to_state=ReviewState.PUBLISHED).override_reason == "Only admin on the night shift"


def test_analysts_cannot_use_the_review_actions(client, analyst, other_analyst):
    incident = pending_by(other_analyst)
    make_incident(review_state=ReviewState.PUBLISHED)
    logged_in(client, analyst)
    page = client.get(CHANGELIST).content.decode()
    assert "approve_selected" not in page
    act(client, "approve_selected", [incident], comment="Looks fine")
    assert Incident.objects.get(pk=incident.pk).review_state == ReviewState.PENDING


# --- Editing and the review panel --------------------------------------------------------------------------


def test_a_reviewers_edit_makes_them_an_author_of_the_case(client, analyst, reviewer):
    incident = pending_by(analyst)
    logged_in(client, reviewer)
    page = client.get(reverse("admin:reports_incident_change", args=[incident.pk]))
    assert 'name="title"' in page.content.decode()  # reviewers can fix a pending case
    incident.last_edited_by = reviewer
    incident.save_checked(incident.version)
    assert "another reviewer" in incident.review_refusal(reviewer, "approve")


def test_published_incidents_are_read_only_in_the_admin(client, reviewer, admin_user):
    incident = make_incident()
    for user in (reviewer, admin_user):
        page = logged_in(client, user).get(reverse("admin:reports_incident_change", args=[incident.pk]))
        assert page.status_code == 200
        assert 'name="title"' not in page.content.decode()


def test_the_review_panel_shows_assessments_decisions_history_and_a_pending_change(
    client, analyst, other_analyst, reviewer
):
    incident = pending_by(other_analyst, title="Strike on the market")
    make_assessment(incident, official_assessor(), verdict="non_credible", killed_min=0, killed_max=0)
    make_assessment(incident, verdict="confirmed", killed_min=12, killed_max=15)
    incident.approve(reviewer, "Sources check out")
    change_set = proposed_change(incident, title="Strike on the old market")
    incident.propose_revision(change_set, Incident.objects.get(pk=incident.pk).version, by=analyst, reason="Place")

    page = logged_in(client, reviewer).get(reverse("admin:reports_incident_change", args=[incident.pk]))
    html = page.content.decode()
    panel = html[html.index('class="review-panel"') :]
    for text in (
        "a change is awaiting review",
        'Strike on the market</td><td dir="auto">Strike on the old market',  # the diff against what is published
        "Non-credible",
        "12–15",
        "Sources check out",
        "approved by rita-reviewer",
        'value="approve_selected"',
    ):
        assert text in panel, text


def test_the_author_sees_the_reviewers_comment_on_my_work(client, analyst, reviewer):
    incident = pending_by(analyst)
    incident.request_changes(reviewer, "Add the second source")
    published = make_incident()
    published.propose_revision(proposed_change(published), published.version, by=analyst)
    published.request_changes(reviewer, "Cite the statement")
    page = logged_in(client, analyst).get(reverse("reports:my_work")).content.decode()
    assert "Add the second source" in page
    assert "Cite the statement" in page


def test_assessments_and_sources_change_only_on_their_incidents_page(client, analyst, other_analyst, reviewer):
    published = make_incident()
    assessment = make_assessment(published)
    others_draft = make_incident(review_state=ReviewState.DRAFT, created_by=other_analyst)
    hidden = make_assessment(others_draft)
    logged_in(client, analyst)
    listed = client.get(reverse("admin:reports_assessment_changelist")).context["cl"].result_list
    assert list(listed) == [assessment]  # not the assessment of another analyst's draft
    change_url = reverse("admin:reports_assessment_change", args=[assessment.pk])
    assert client.post(change_url, {"killed_min": "0"}).status_code == 403
    assert client.get(reverse("admin:reports_assessment_add")).status_code == 403
    assert client.get(reverse("admin:reports_source_add")).status_code == 403
    client.logout()
    logged_in(client, reviewer)
    listed = client.get(reverse("admin:reports_assessment_changelist")).context["cl"].result_list
    assert set(listed) == {assessment, hidden}


def test_history_pages_are_read_only_and_show_only_what_the_user_may_see(client, analyst, other_analyst):
    published = make_incident(title="Published title")
    assessment = make_assessment(published, killed_min=2, killed_max=5)
    draft = make_incident(review_state=ReviewState.DRAFT, created_by=other_analyst, title="Secret draft")
    logged_in(client, analyst)
    for model, record in (("incident", published), ("assessment", assessment)):
        version = record.history.latest().history_id
        url = reverse(f"admin:reports_{model}_simple_history", args=[record.pk, version])
        assert client.get(url).status_code == 200
        response = client.post(url, {"title": "HACKED", "killed_min": "500", "killed_max": "900"})
        assert response.status_code == 403
    assert Incident.objects.get(pk=published.pk).title == "Published title"
    assessment.refresh_from_db()
    assert (assessment.killed_min, assessment.killed_max) == (2, 5)
    draft_version = draft.history.latest().history_id
    assert client.get(reverse("admin:reports_incident_history", args=[draft.pk])).status_code == 404
    assert (
        client.get(reverse("admin:reports_incident_simple_history", args=[draft.pk, draft_version])).status_code == 404
    )


def test_a_change_is_approved_only_as_the_reviewer_saw_it(client, analyst, reviewer):
    incident = make_incident(title="Old title")
    incident.propose_revision(proposed_change(incident, title="Harmless fix"), incident.version, by=analyst)
    logged_in(client, reviewer)
    confirmation = act(client, "approve_selected", [incident])
    page = confirmation.content.decode()
    assert 'Old title</td><td dir="auto">Harmless fix' in page  # the diff is on the confirmation page
    seen = confirmation.context["rows"][0]["revision"].version_token

    # the proposer edits the change meanwhile
    incident.propose_revision(proposed_change(incident, title="Something else"), incident.version, by=analyst)
    response = act(client, "approve_selected", [incident], comment="", **{f"seen_{incident.pk}": seen})
    assert "edited after you looked at it" in messages_of(response)[-1]
    assert Incident.objects.get(pk=incident.pk).title == "Old title"


def test_a_statement_counts_publicly_only_once_another_reviewer_approves_it(client, analyst, reviewer):
    from reports.figures import tallies
    from reports.filters import IncidentFilter
    from reports.models import OfficialStatement
    from tests.factories import make_statement

    logged_in(client, analyst)
    client.post(
        reverse("reports:statement_create"),
        {"assessor": official_assessor().pk, "published_on": "2017-04-30", "civilians_killed": "99999"},
    )
    statement = OfficialStatement.objects.get(civilians_killed=99999)
    assert tallies.dashboard(IncidentFilter({}))["reconciliation"] == []
    with pytest.raises(InvalidTransition):
        statement.approve(analyst)  # not a reviewer
    own = make_statement(published_on=datetime.date(2017, 5, 31), created_by=reviewer, approved_at=None)
    with pytest.raises(InvalidTransition, match="another reviewer"):
        own.approve(reviewer)
    client.logout()
    logged_in(client, reviewer)
    url = reverse("admin:reports_officialstatement_changelist")
    selected = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [statement.pk, own.pk]}
    confirm_in_admin(client, url, {**selected, "confirm": "yes", "comment": ""})
    statement.refresh_from_db()
    assert statement.approved_by == reviewer
    assert [row["stated_civilians_killed"] for row in tallies.dashboard(IncidentFilter({}))["reconciliation"]] == [
        99999
    ]
    # Once public, it is corrected by a new statement, not edited.
    change = client.get(reverse("admin:reports_officialstatement_change", args=[statement.pk])).content.decode()
    assert 'name="civilians_killed"' not in change


def test_the_confirmation_page_takes_the_same_number_of_queries_for_2_or_20_cases(client, analyst, reviewer):
    logged_in(client, reviewer)
    few_cases = [pending_by(analyst) for _ in range(2)]
    few = queries_for_action(client, few_cases)
    many_cases = few_cases + [pending_by(analyst) for _ in range(18)]
    assert queries_for_action(client, many_cases) == few


def queries_for_action(client, incidents):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert act(client, "approve_selected", incidents).status_code == 200
    return len(captured)


# --- Back to the queue after a decision ----------------------------------------------------------------------


def test_after_a_decision_the_reviewer_is_back_on_the_queue_with_their_filters(client, analyst, reviewer):
    incidents = [pending_by(analyst, country="Iraq") for _ in range(2)]
    logged_in(client, reviewer)
    data = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [i.pk for i in incidents], "confirm": "yes"}
    response = confirm_in_admin(client, CHANGELIST + "?state=all&country=Iraq&q=T&p=2", {**data, "comment": ""})
    assert response.status_code == 302
    assert_queue(response.url, CHANGELIST, country="Iraq", q="T")
    assert Incident.objects.published().count() == 2


def test_a_decision_on_an_incidents_page_returns_to_the_list_it_was_opened_from(client, analyst, reviewer):
    incident = pending_by(analyst)
    logged_in(client, reviewer)
    opened_from = "country=Syria&state=all&o=2"
    page = client.get(
        reverse("admin:reports_incident_change", args=[incident.pk]), {"_changelist_filters": opened_from}
    )
    assert 'name="_changelist_filters" value="country=Syria&amp;state=all&amp;o=2"' in page.content.decode()
    decision = {"action": "request_changes_selected", ACTION_CHECKBOX_NAME: [incident.pk]}
    decision["_changelist_filters"] = opened_from
    confirmation = client.post(CHANGELIST + "?state=all", decision).content.decode()
    assert 'name="_changelist_filters"' in confirmation  # carried through the confirmation page
    response = confirm_in_admin(
        client, CHANGELIST + "?state=all", {**decision, "confirm": "yes", "comment": "Name the source"}
    )
    assert_queue(response.url, CHANGELIST, country="Syria", o="2")
    assert Incident.objects.get(pk=incident.pk).review_state == ReviewState.CHANGES_REQUESTED


def assert_queue(url, changelist, **kept):
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    assert parts.path == changelist
    assert parse_qs(parts.query) == {"state": ["queue"], **{name: [value] for name, value in kept.items()}}


# --- Official statements ------------------------------------------------------------------------------------

STATEMENTS = reverse("admin:reports_officialstatement_changelist")


def awaiting_approval(author, **fields):
    from tests.factories import make_statement

    return make_statement(created_by=author, approved_at=None, **fields)


def listed_statements(response):
    return sorted(statement.pk for statement in response.context["cl"].result_list)


def test_reviewers_land_on_the_statements_awaiting_approval(client, analyst, reviewer):
    from tests.factories import make_statement

    pending = awaiting_approval(analyst)
    approved = make_statement(published_on=datetime.date(2017, 3, 31))
    retracted = make_statement(published_on=datetime.date(2017, 2, 28))
    retracted.retract(reviewer, "Superseded")
    logged_in(client, reviewer)
    landing = client.get(STATEMENTS)
    assert listed_statements(landing) == [pending.pk]
    assert "Awaiting approval" in landing.content.decode()
    assert listed_statements(client.get(STATEMENTS, {"state": "published"})) == [approved.pk]
    assert listed_statements(client.get(STATEMENTS, {"state": "retracted"})) == [retracted.pk]
    every = client.get(STATEMENTS, {"state": "all"})
    assert listed_statements(every) == sorted([pending.pk, approved.pk, retracted.pk])
    assert '<td class="field-state">Approved</td>' in every.content.decode()
    client.force_login(analyst)  # analysts, who have no queue, land on everything they may see
    assert listed_statements(client.get(STATEMENTS)) == sorted([pending.pk, approved.pk, retracted.pk])


def test_approving_a_statement_asks_for_confirmation_then_records_the_comment(client, analyst, reviewer):
    statement = awaiting_approval(analyst, title="Monthly report, May 2017")
    logged_in(client, reviewer)
    selected = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [statement.pk]}
    confirmation = client.post(STATEMENTS, selected)
    assert confirmation.status_code == 200
    assert "Approve 1 statement" in confirmation.content.decode()
    statement.refresh_from_db()
    assert statement.approved_at is None

    response = confirm_in_admin(
        client, STATEMENTS + "?assessor__id__exact=1", {**selected, "confirm": "yes", "comment": "Checked"}
    )
    assert_queue(response.url, STATEMENTS, assessor__id__exact="1")
    statement.refresh_from_db()
    assert statement.approved_by == reviewer
    decision = ReviewDecision.objects.get(statement=statement)
    assert (decision.decided_by, decision.comment, decision.to_state) == (reviewer, "Checked", ReviewState.PUBLISHED)
    assert messages_of(response)[-1].startswith("Approve: 1 statement")


def test_the_author_of_a_statement_cannot_approve_it_on_the_confirmation_page(client, reviewer, second_reviewer):
    own = awaiting_approval(reviewer)
    logged_in(client, reviewer)
    selected = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [own.pk]}
    assert "Will be skipped: You created or last edited it" in client.post(STATEMENTS, selected).content.decode()
    response = confirm_in_admin(client, STATEMENTS, {**selected, "confirm": "yes", "comment": ""})
    assert "another reviewer must decide" in messages_of(response)[-1]
    own.refresh_from_db()
    assert own.approved_at is None and not ReviewDecision.objects.filter(statement=own).exists()
    change = reverse("admin:reports_officialstatement_change", args=[own.pk])
    assert "Approve (make public)" not in client.get(change).content.decode()
    client.force_login(second_reviewer)
    assert "Approve (make public)" in client.get(change).content.decode()


def test_analysts_cannot_approve_statements(client, analyst, other_analyst):
    statement = awaiting_approval(other_analyst)
    logged_in(client, analyst)
    selected = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [statement.pk], "confirm": "yes"}
    confirm_in_admin(client, STATEMENTS + "?state=all", {**selected, "comment": ""})
    statement.refresh_from_db()
    assert statement.approved_at is None


# --- From the admin to the workbench -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "state", "may_propose"),
    [
        ("analyst", ReviewState.PUBLISHED, True),  # read-only here: the change is proposed in the workbench
        ("analyst", ReviewState.PENDING, False),
        ("reviewer", ReviewState.PUBLISHED, True),
        ("reviewer", ReviewState.REJECTED, False),
    ],
)
def test_the_incident_page_leads_to_the_workbench(client, request, analyst, who, state, may_propose):
    incident = make_incident(review_state=state, created_by=analyst)
    page = logged_in(client, request.getfixturevalue(who)).get(
        reverse("admin:reports_incident_change", args=[incident.pk])
    )
    html = page.content.decode()
    workbench = reverse("reports:work_incident", args=[incident.code])
    assert f'<a href="{workbench}">Open in the workbench</a>' in html
    edit = f'<a href="{reverse("reports:incident_edit", args=[incident.code])}">Propose a change</a>'
    assert (edit in html) is may_propose


def test_the_queue_shows_each_assessors_deaths(client, analyst, reviewer):
    incident = pending_by(analyst)
    make_assessment(incident, official_assessor(), killed_min=3, killed_max=3)
    response = logged_in(client, reviewer).get(CHANGELIST)
    html = response.content.decode()
    assert "<div>2–5 <small>Airwars</small></div><div>3 <small>CJTF-OIR</small></div>" in html
