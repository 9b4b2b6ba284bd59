"""Official statements with a scope, beside the records within it (reports/figures/statements.py): countries
the records hold only in part, a period given to the month, the details a statement gives, incidents it
excludes; entered through the analyst form and the admin, approved by another person, shown to readers."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from reports.figures import statements
from reports.models import DatePrecision, Dating, OfficialStatement, StatementItem, StatementItemRole
from tests.factories import make_assessment, make_incident, make_statement, monitor_assessor, official_assessor

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def syria():
    """Coalition incidents in Syria only. As known on 30 April 2017:
    A (2014-08-05) credible 3 (stated 2016-01-10); B (2016-12-01) credible 2–4, its date unknown (on record
    2024-05-01); C (2017-03-17) under review (2017-03-25) — the statement excludes it; D (2017-02-01)
    non-credible (2017-04-01); E (2017-04-02) no verdict; F (2017-05-03): after the statement; G (2014-07-30):
    before it counts; H (2017-01-15) attributed to Russia only."""
    cjtf = official_assessor()
    a = make_incident(code="A", date_start=D(2014, 8, 5))
    make_assessment(a, cjtf, verdict="credible", killed_min=3, killed_max=3, assessed_on=D(2016, 1, 10))
    b = make_incident(code="B", date_start=D(2016, 12, 1))
    make_assessment(
        b, cjtf, verdict="credible", killed_min=2, killed_max=4, assessed_on=D(2024, 5, 1), dating=Dating.UNDATED
    )
    c = make_incident(code="C", date_start=D(2017, 3, 17))
    make_assessment(c, cjtf, verdict="under_review", killed_min=None, killed_max=None, assessed_on=D(2017, 3, 25))
    d = make_incident(code="D", date_start=D(2017, 2, 1))
    make_assessment(d, cjtf, verdict="non_credible", killed_min=None, killed_max=None, assessed_on=D(2017, 4, 1))
    make_incident(code="E", date_start=D(2017, 4, 2))
    f = make_incident(code="F", date_start=D(2017, 5, 3))
    make_assessment(f, cjtf, verdict="credible", killed_min=50, killed_max=50, assessed_on=D(2017, 5, 4))
    g = make_incident(code="G", date_start=D(2014, 7, 30))
    make_assessment(g, cjtf, verdict="credible", killed_min=7, killed_max=7, assessed_on=D(2015, 1, 1))
    h = make_incident(code="H", date_start=D(2017, 1, 15), belligerents=("russian-military",))
    make_assessment(h, monitor_assessor(), verdict="fair", killed_min=9, killed_max=9)
    return {"C": c}


def april_statement(**fields):
    values = {
        "title": "Monthly civilian casualty report",
        "countries": "Iraq; Syria",
        "period_start": D(2014, 8, 20),  # "since August 2014"
        "period_start_precision": DatePrecision.MONTH,
        "caveats": "Does not include the 17 March strike in west Mosul, still under investigation.",
    }
    return make_statement(**{**values, **fields})


@pytest.mark.parametrize(
    "period",
    [
        # "since August 2014": from its first day (G, 30 July, is out); summed from the summary's history
        {"period_start": D(2014, 8, 20), "period_start_precision": DatePrecision.MONTH},
        # a period the summary does not key (from a day mid-month): aggregated from the records
        {"period_start": D(2014, 8, 2), "period_start_precision": DatePrecision.DAY},
    ],
)
def test_the_records_within_the_statements_scope_line_by_line(syria, period):
    statement = april_statement(**period)
    StatementItem.objects.create(statement=statement, role=StatementItemRole.EXCLUDED, incident=syria["C"])
    served_by_summary = statements.lines_from_summary(statement, [syria["C"]]) is not None
    assert served_by_summary == (period["period_start_precision"] == DatePrecision.MONTH)
    row = statements.reconciled(statement)
    assert (row["countries_held"], row["countries_not_held"]) == (["Syria"], ["Iraq"])
    assert row["incidents"] == 4  # A B D E; C excluded by the statement, F later, G earlier, H not coalition
    assert (row["credible_incidents"], row["credible_low"], row["credible_high"]) == (1, 3, 3)  # A
    assert (row["credible_undated_incidents"], row["credible_undated_low"], row["credible_undated_high"]) == (1, 2, 4)
    assert (row["open_incidents"], row["non_credible_incidents"], row["no_verdict_incidents"]) == (0, 1, 2)  # B, E
    assert row["excluded"] == ["C"]  # shown as excluded, not as awaiting a verdict
    assert (row["difference_low"], row["difference_high"]) == (352 - 3, 352 - 3)


def test_the_page_shows_the_statement_its_caveats_and_the_part_the_records_hold(syria, client):
    statement = april_statement(quote="352 civilians have been unintentionally killed")
    StatementItem.objects.create(
        statement=statement,
        role=StatementItemRole.NEWLY_DISCLOSED,
        description="Found by an audit",
        civilians_killed=80,
    )
    StatementItem.objects.create(statement=statement, role=StatementItemRole.EXCLUDED, incident=syria["C"])
    page = client.get("/").content.decode()
    assert "These records cover <bdi>Syria</bdi>; the statement covers <bdi>Iraq, Syria</bdi>." in page
    statement_part = page.split('id="reconciliation"')[1].split('id="latest"')[0]
    assert statement_part.count('href="/incidents/C/"') == 2  # in its details, and as excluded beside the records
    assert "Does not include the 17 March strike in west Mosul" in page
    assert "352 civilians have been unintentionally killed" in page
    assert "Newly disclosed (not announced before)" in page and "80 civilians killed" in page
    assert "counting since 2014-08" in page


def test_one_assessor_may_publish_several_statements_a_day_when_their_scope_differs(syria):
    april_statement()
    april_statement(countries="Syria")
    april_statement(period_start=D(2016, 11, 1), period_end=D(2017, 3, 9), period_start_precision=DatePrecision.DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        april_statement()
    duplicate = OfficialStatement(
        assessor=official_assessor(),
        published_on=D(2017, 4, 30),
        countries="Syria; Iraq",
        period_start=D(2014, 8, 20),
        period_start_precision=DatePrecision.MONTH,
    )
    with pytest.raises(Exception, match="same countries and period"):
        duplicate.full_clean()  # the countries are normalised first: "Syria; Iraq" is "Iraq; Syria"


def statement_form(**overrides):
    form = {
        "assessor": str(official_assessor().pk),
        "published_on": "2017-04-30",
        "title": "CJTF-OIR monthly civilian casualty report",
        "countries": "Syria; Iraq",
        "period_start": "2014-08-01",
        "period_start_precision": "month",
        "civilians_killed": "352",
        "reports_under_review": "42",
        "reports_received": "396",
        "reports_credible": "102",
        "url": "https://example.org/cjtf-oir-april-2017",
        "caveats": "The west Mosul strike of 17 March 2017 is not included: still under investigation.",
        "items-TOTAL_FORMS": "5",
        "items-INITIAL_FORMS": "0",
        "items-0-role": "excluded",
        "items-0-description": "West Mosul, 17 March 2017",
        "items-1-role": "newly_disclosed",
        "items-1-description": "Not previously announced, found by an audit",
        "items-1-civilians_killed": "80",
        "items-2-role": "not_attributable",
        "items-2-description": "Reported earlier, found not attributable to the coalition",
        "items-2-civilians_killed": "2",
        "items-3-role": "period",
        "items-3-description": "Killed from November 2016 to 9 March 2017",
        "items-3-civilians_killed": "45",
        "items-3-period_start": "2016-11-01",
        "items-3-period_end": "2017-03-09",
        "items-4-role": "included",
        "items-4-description": "Three strikes near Mosul in early March 2017",
        "items-4-civilians_killed": "26",
        "items-4-strikes": "3",
    }
    form.update(overrides)
    return form


def test_an_analyst_records_the_april_2017_statement_with_every_detail_and_a_reviewer_approves_it(
    client, analyst, reviewer, syria
):
    client.force_login(analyst)
    assert client.post(reverse("reports:statement_create"), statement_form()).status_code == 302
    statement = OfficialStatement.objects.get()
    assert statement.countries == "Iraq; Syria" and statement.counted_from == D(2014, 8, 1)
    assert [item.role for item in statement.items.order_by("pk")] == [
        "excluded",
        "newly_disclosed",
        "not_attributable",
        "period",
        "included",
    ]
    assert statement.history.first().history_user == analyst
    assert "West Mosul" not in client.get("/").content.decode()  # not public before a second person approves
    statement.approve(reviewer)
    page = client.get("/").content.decode()
    assert "West Mosul, 17 March 2017" in page and "45 civilians killed" in page and "3 strikes" in page


def test_the_analyst_form_refuses_bad_details_with_field_errors(client, analyst, syria):
    client.force_login(analyst)
    draft = make_incident(code="SECRET-DRAFT", review_state="draft")
    for overrides, message in [
        ({"items-0-description": ""}, "Say what it is"),
        ({"items-0-incident": "NO-SUCH-CODE"}, "No published incident has this code."),
        ({"items-0-incident": draft.code}, "No published incident has this code."),  # a draft is not confirmed
        ({"items-3-period_end": "2016-01-01"}, "The period ends before it starts."),
        ({"period_end": "2014-01-01"}, "The counting period ends before it starts."),
    ]:
        response = client.post(reverse("reports:statement_create"), statement_form(**overrides))
        assert response.status_code == 200 and message in response.content.decode(), overrides
    assert not OfficialStatement.objects.exists()


def test_the_admin_records_a_statement_with_its_details(client, reviewer, syria):
    client.force_login(reviewer)
    form = {
        key.replace("items-", "items-", 1): value
        for key, value in statement_form().items()
        if not key.startswith("items-") or key.startswith(("items-0-", "items-TOTAL", "items-INITIAL"))
    }
    form.update({"items-TOTAL_FORMS": "1", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000", "note": ""})
    form["items-0-incident"] = str(syria["C"].pk)
    response = client.post(reverse("admin:reports_officialstatement_add"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    statement = OfficialStatement.objects.get()
    assert statement.created_by == reviewer
    assert statement.items.get().incident == syria["C"]


def test_a_statement_names_only_published_incidents_to_readers(syria, reviewer, client):
    from django.core.exceptions import ValidationError

    draft = make_incident(code="SECRET-DRAFT", review_state="draft")
    item = StatementItem(statement=april_statement(), role=StatementItemRole.EXCLUDED, incident=draft)
    with pytest.raises(ValidationError, match="published incident"):
        item.full_clean()  # the admin's inline and the form refuse it
    # A published incident named, then retracted: no longer named to readers.
    item.incident = syria["C"]
    item.save()
    syria["C"].review_state = "retracted"
    syria["C"].save()
    row = statements.reconciled(OfficialStatement.objects.get())
    assert row["excluded"] == [] and row["items"][0]["incident"] is None
    assert 'href="/incidents/C/"' not in client.get("/").content.decode()


def test_the_add_a_row_button_takes_any_count_without_an_error(client, analyst, syria):
    client.force_login(analyst)
    for total in ("abc", "99999999999999999999", "-3"):
        form = {**statement_form(), "items-TOTAL_FORMS": total, "add_row": "items"}
        response = client.post(reverse("reports:statement_create"), form)
        assert response.status_code == 200, total
        assert response.content.decode().count('name="items-') < 60 * 12  # at most 50 rows are drawn
    assert not OfficialStatement.objects.exists()
