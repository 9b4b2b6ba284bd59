"""The assessment form holds what the sources say: a verdict list that follows the assessor's kind, an
open-ended maximum ("at least N"), people missing, the assessment's source among its incident's, and a caveat
for readers beside a note that stays private."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from reports.figures import tallies
from reports.filters import IncidentFilter
from reports.forms import AssessmentForm, IncidentEntry
from reports.models import Assessment, Incident, IncidentRevision, ReviewState
from reports.models.vocabulary import Grading, OfficialVerdict
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    monitor_assessor,
    official_assessor,
    proposed_change,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def login(client, user):
    client.force_login(user)
    return client


def draft_of(user, **fields):
    return make_incident(review_state=ReviewState.DRAFT, created_by=user, **fields)


def new_assessment_url(incident):
    return reverse("reports:assessment_create", args=[incident.code])


def select_html(page, name):
    match = re.search(rf'<select name="{re.escape(name)}".*?</select>', page, re.S)
    assert match, f"no select {name}"
    return match.group(0)


def offered(page, name):
    """The values a select offers (its blank choice left out)."""
    return set(re.findall(r'<option value="([^"]+)"', select_html(page, name)))


def assessment_post(assessor, **overrides):
    return {
        "assessor": str(assessor.pk),
        "verdict": "credible",
        "assessed_on": "2017-05-25",
        "killed_min": "4",
        **overrides,
    }


# --- The verdict list follows the assessor ----------------------------------------------------------------


def test_without_an_assessor_the_page_first_asks_whose_assessment_it_is(client, analyst):
    incident = draft_of(analyst)
    page = login(client, analyst).get(new_assessment_url(incident)).content.decode()
    assert '<form method="get"' in page and "Continue" in page
    assert 'name="verdict"' not in page
    # Each assessor carries its kind, for the script.
    assert f'<option value="{official_assessor().pk}" data-kind="official">' in page


@pytest.mark.parametrize(
    ("assessor", "verdicts"), [(official_assessor, OfficialVerdict.values), (monitor_assessor, Grading.values)]
)
def test_with_the_assessor_chosen_only_its_kind_of_verdict_is_offered(client, analyst, assessor, verdicts):
    incident = draft_of(analyst)
    url = new_assessment_url(incident)
    page = login(client, analyst).get(url, {"assessor": assessor().pk}).content.decode()
    assert offered(page, "verdict") == set(verdicts)
    assert f'<option value="{assessor().pk}" selected data-kind="{assessor().kind}">' in page
    # Every verdict, with the kind that gives it, follows for the script (a <template> is never posted).
    assert '<template class="every-verdict">' in page and 'data-kind="monitor">Fair</option>' in page


@pytest.mark.parametrize("bad", ["abc", "999999", "", "1' OR 1=1"])
def test_an_unknown_assessor_in_the_address_asks_again(client, analyst, bad):
    incident = draft_of(analyst)
    response = login(client, analyst).get(new_assessment_url(incident), {"assessor": bad})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="verdict"' not in page and 'class="error"' in page


def test_a_monitor_grade_for_an_official_assessor_is_refused_with_the_reason(client, analyst):
    incident = draft_of(analyst)
    post = assessment_post(official_assessor(), verdict="fair")
    response = login(client, analyst).post(new_assessment_url(incident), post)
    page = response.content.decode()
    assert response.status_code == 200 and not incident.assessments.exists()
    assert "CJTF-OIR is an official assessor" in page and "choose one of Not yet assessed, Open / under review" in page
    assert offered(page, "verdict") == set(OfficialVerdict.values)  # the bound form offers the official list


def test_the_model_refuses_a_verdict_of_the_other_kind():
    incident = make_incident()
    for assessor, verdict in ((official_assessor(), "fair"), (monitor_assessor(), "credible")):
        assessment = Assessment(incident=incident, assessor=assessor, verdict=verdict, assessed_on=D(2017, 4, 1))
        with pytest.raises(ValidationError) as refused:
            assessment.full_clean()
        assert "verdict" in refused.value.message_dict


def test_entry_rows_offer_the_verdicts_of_a_known_assessor_and_both_for_a_new_row(analyst):
    incident = draft_of(analyst)
    make_assessment(incident, official_assessor(), verdict="under_review")
    page = render_entry(IncidentEntry(instance=incident))
    assert offered(page, "assessments-0-verdict") == set(OfficialVerdict.values)  # stored
    assert offered(page, "assessments-1-verdict") == set(OfficialVerdict.values + Grading.values)  # blank
    data = IncidentEntry.data_for(incident)
    data["assessments-1-assessor"] = [str(monitor_assessor().pk)]
    page = render_entry(IncidentEntry(data, instance=incident))
    assert offered(page, "assessments-1-verdict") == set(Grading.values)  # bound


def test_an_entry_row_with_a_verdict_of_the_other_kind_is_refused(analyst):
    incident = draft_of(analyst)
    data = IncidentEntry.data_for(incident)
    data.update({"assessments-0-assessor": [str(monitor_assessor().pk)], "assessments-0-verdict": ["credible"]})
    data["assessments-0-assessed_on"] = ["2017-04-01"]
    entry = IncidentEntry(data, instance=incident)
    assert not entry.is_valid()
    assert "Airwars is an independent monitor" in entry.formsets["assessments"].forms[0].errors["verdict"][0]


def render_entry(entry):
    from django.template.loader import render_to_string

    return render_to_string("work/incident_form.html", {"entry": entry, "incident": entry.form.instance})


# --- An open-ended maximum ---------------------------------------------------------------------------------


def test_an_open_ended_figure_is_stored_and_shown_as_n_plus(client, analyst):
    incident = draft_of(analyst)
    post = assessment_post(official_assessor(), killed_min="4", killed_max_open="on")
    assert login(client, analyst).post(new_assessment_url(incident), post).status_code == 302
    stored = incident.assessments.get()
    assert (stored.killed_min, stored.killed_max, stored.killed_max_open) == (4, None, True)
    staff = client.get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    assert "<td>4+</td>" in staff


def test_readers_see_an_open_ended_figure_as_n_plus(client):
    incident = make_incident()
    make_assessment(incident, official_assessor(), killed_min=4, killed_max=None, killed_max_open=True)
    public = client.get(reverse("reports:public_incident", args=[incident.code])).content.decode()
    assert "4+ civilians killed" in public and "<td>4+</td>" in public


def test_the_edit_form_keeps_an_open_ended_figure_as_it_is(analyst):
    incident = make_incident()
    make_assessment(incident, official_assessor(), killed_min=4, killed_max=None, killed_max_open=True)
    entry = IncidentEntry(IncidentEntry.data_for(incident), instance=incident)
    assert entry.is_valid()
    assert entry.change_set()["assessments"] == []


@pytest.mark.parametrize(
    ("low", "high", "field"), [("4", "9", "killed_max"), ("", "", "killed_min"), ("", "9", "killed_max")]
)
def test_an_open_ended_figure_has_a_minimum_and_no_maximum(client, analyst, low, high, field):
    incident = draft_of(analyst)
    post = assessment_post(official_assessor(), killed_min=low, killed_max=high, killed_max_open="on")
    response = login(client, analyst).post(new_assessment_url(incident), post)
    assert response.status_code == 200 and not incident.assessments.exists()
    assert field in response.context["form"].errors


def test_the_database_refuses_an_open_ended_figure_with_a_maximum():
    assessment = make_assessment(make_incident(), killed_min=4, killed_max=None, killed_max_open=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(killed_max=9)


def test_an_open_ended_figure_counts_as_its_minimum_at_both_ends():
    incident = make_incident(date_start=D(2017, 3, 1))
    make_assessment(
        incident, official_assessor(), verdict="credible", killed_min=4, killed_max=None, killed_max_open=True
    )
    make_assessment(incident, monitor_assessor(), verdict="fair", killed_min=10, killed_max=None, killed_max_open=True)
    incident_filter = IncidentFilter({})
    figures = tallies.compute(tallies.LiveFigures(incident_filter.qs), incident_filter.qs)
    conceded = figures["comparisons"][0]["total"]
    assert (conceded["conceded_low"], conceded["conceded_high"]) == (4, 4)
    (airwars,) = figures["monitors"]
    assert (airwars["likely_low"], airwars["likely_high"]) == (10, 10)
    assert list(IncidentFilter({"min_killed": "10"}).qs) == [incident]
    assert list(IncidentFilter({"min_killed": "11"}).qs) == []


# --- Missing or unaccounted for ------------------------------------------------------------------------------


def test_missing_people_are_a_range_shown_on_both_pages(client, analyst):
    incident = draft_of(analyst)
    post = assessment_post(official_assessor(), missing_min="3", missing_max="2")
    page = login(client, analyst).post(new_assessment_url(incident), post).content.decode()
    assert "The maximum (2) is below the minimum (3)." in page
    post.update(missing_min="2", missing_max="3")
    assert client.post(new_assessment_url(incident), post).status_code == 302
    assert "<td>2–3</td>" in client.get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    published = make_incident()
    make_assessment(published, official_assessor(), missing_min=2, missing_max=3)
    public = client.get(reverse("reports:public_incident", args=[published.code])).content.decode()
    assert "2–3 missing or unaccounted for" in public and "<td>2–3</td>" in public


def test_the_database_refuses_a_missing_range_upside_down():
    assessment = make_assessment(make_incident())
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(missing_min=5, missing_max=1)


# --- The assessment's source, among its incident's -----------------------------------------------------------


def test_the_source_is_chosen_among_the_incidents_own_sources(client, analyst):
    incident = draft_of(analyst)
    own = make_source(incident, title="CJTF-OIR press release", url="https://example.org/own")
    other = make_source(make_incident(), title="Another incident's report")
    page = login(client, analyst).get(new_assessment_url(incident), {"assessor": official_assessor().pk})
    page = page.content.decode()
    assert offered(page, "source") == {str(own.pk)}
    refused = client.post(new_assessment_url(incident), assessment_post(official_assessor(), source=str(other.pk)))
    assert "source" in refused.context["form"].errors and not incident.assessments.exists()
    assert client.post(new_assessment_url(incident), assessment_post(official_assessor(), source=str(own.pk)))
    assert incident.assessments.get().source == own
    staff = client.get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    assert '<a href="https://example.org/own" rel="noopener noreferrer"><bdi>CJTF-OIR press release</bdi></a>' in staff


def test_the_model_refuses_another_incidents_source():
    incident = make_incident()
    assessment = make_assessment(incident)
    assessment.source = make_source(make_incident())
    with pytest.raises(ValidationError) as refused:
        assessment.full_clean()
    assert "source" in refused.value.message_dict


def test_a_new_incident_has_no_source_to_choose_and_keeps_the_link_field():
    form = IncidentEntry().formsets["assessments"].forms[0]
    assert list(form.fields["source"].queryset) == [] and "source_url" in form.fields


def test_a_source_an_assessment_names_is_not_deleted_under_it_but_goes_with_its_incident():
    from django.db.models import RestrictedError

    incident = make_incident()
    source = make_source(incident)
    make_assessment(incident, source=source)
    with pytest.raises(RestrictedError):
        source.delete()
    incident.delete()
    assert not Assessment.objects.exists()


def test_a_proposed_change_carrying_the_source_round_trips(client, analyst, reviewer):
    incident = make_incident()
    source = make_source(incident, title="Statement")
    assessment = make_assessment(incident, official_assessor(), verdict="credible", killed_min=4, killed_max=4)
    data = IncidentEntry.data_for(incident)
    data["assessments-0-source"] = [str(source.pk)]
    data["assessments-0-caveat"] = ["Counts only the first strike."]
    data["reason"] = ["Cite the statement"]
    assert login(client, analyst).post(reverse("reports:incident_edit", args=[incident.code]), data).status_code == 302
    revision = IncidentRevision.objects.get()
    fields = revision.change_set["assessments"][0]["fields"]
    assert fields == {"source": source.pk, "caveat": "Counts only the first strike."}
    # The author's form shows it again as left, and a reviewer's approval applies it.
    again = IncidentEntry.for_revision(revision)
    assert again.formsets["assessments"].forms[0]["source"].value() == str(source.pk)
    assert revision.problems() == []
    revision.approve(by=reviewer, seen=revision.version_token)
    assessment.refresh_from_db()
    assert (assessment.source, assessment.caveat) == (source, "Counts only the first strike.")


# --- The caveat is public, the note private ----------------------------------------------------------------------


def test_the_caveat_is_shown_to_readers_and_the_note_never(client):
    incident = make_incident()
    make_assessment(
        incident,
        official_assessor(),
        verdict="credible",
        caveat="تشمل الحصيلة الضربة الأولى فقط",
        note="Private lead: call the source back on Tuesday",
    )
    detail = client.get(reverse("reports:public_incident", args=[incident.code])).content.decode()
    assert "<bdi>تشمل الحصيلة الضربة الأولى فقط</bdi>" in detail
    for name in ("incidents_csv", "incidents_json"):
        assert "تشمل الحصيلة الضربة الأولى فقط" in b"".join(client.get(reverse(f"reports:{name}"))).decode()
    for url in (
        reverse("reports:home"),
        reverse("reports:incident_list"),
        reverse("reports:public_incident", args=[incident.code]),
        reverse("reports:incidents_csv"),
        reverse("reports:incidents_json"),
        reverse("reports:tallies_json"),
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and b"call the source back" not in body, url


def test_a_note_changed_after_publication_stays_out_of_the_public_change_log(client, analyst, reviewer):
    incident = make_incident(created_by=analyst)
    Incident.objects.filter(pk=incident.pk).update(published_at=timezone.now() - datetime.timedelta(days=1))
    incident.refresh_from_db()
    make_assessment(incident, official_assessor(), verdict="credible", note="Old lead")
    change = proposed_change(
        incident, **{"assessments-0-note": "Call the source back", "assessments-0-caveat": "First strike only"}
    )
    revision = incident.propose_revision(change, incident.version, by=analyst, reason="Caveat")
    revision.approve(by=reviewer, seen=revision.version_token)
    html = client.get(reverse("reports:public_incident", args=[incident.code])).content.decode()
    changes = html[html.index("Changes since publication") :]
    assert "First strike only" in changes
    assert "Call the source back" not in html and "Old lead" not in html


def test_the_note_says_it_is_private_and_staff_see_it(client, analyst):
    incident = draft_of(analyst)
    make_assessment(incident, note="Private lead")
    assert "never shown to readers" in str(AssessmentForm().fields["note"].help_text)
    staff = login(client, analyst).get(reverse("reports:work_incident", args=[incident.code])).content.decode()
    assert "<bdi>Private lead</bdi>" in staff


# --- Downloads ---------------------------------------------------------------------------------------------------


def test_the_new_columns_come_last_in_the_downloads_and_import_back(client):
    incident = make_incident(code="CS4000")
    make_assessment(
        incident,
        official_assessor(),
        verdict="credible",
        killed_min=4,
        killed_max=None,
        killed_max_open=True,
        missing_min=1,
        missing_max=2,
        caveat="=Counts the first strike only",
    )
    make_incident(code="CS4001")  # no assessment: empty cells, not "false"
    header, *rows = b"".join(client.get(reverse("reports:incidents_csv"))).decode().splitlines()
    assert header.endswith("source_url,killed_max_open,missing_min,missing_max,caveat")
    by_code = {row.split(",")[0]: row for row in rows}
    assert by_code["CS4000"].endswith(",true,1,2,'=Counts the first strike only")
    assert by_code["CS4001"].endswith(",,,,")
    document = b"".join(client.get(reverse("reports:incidents_json"))).decode()
    assert '"killed_max_open": true, "missing_min": 1, "missing_max": 2' in document


def test_a_file_exported_before_the_new_columns_still_imports(analyst):
    from reports.exports import CSV_COLUMNS
    from tests.test_import_csv import import_text

    old_columns = CSV_COLUMNS[: CSV_COLUMNS.index("source_url") + 1]
    row = {"code": "OLD-1", "date_start": "2017-03-17", "country": "Iraq", "belligerents": "us-led-coalition"}
    row |= {"assessor": "cjtf-oir", "assessor_kind": "official", "verdict": "credible", "assessed_on": "2017-04-01"}
    text = ",".join(old_columns) + "\n" + ",".join(row.get(column, "") for column in old_columns) + "\n"
    report = import_text(text, analyst, state=ReviewState.DRAFT)
    assert report.counts["assessments"]["created"] == 1, report.problems
    stored = Assessment.objects.get(incident__code="OLD-1")
    assert (stored.killed_max_open, stored.missing_min, stored.caveat) == (False, None, "")
