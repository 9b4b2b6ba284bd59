"""Proposed changes stored as change sets: made on the analysts' pages, shown to reviewers, applied on approval
through the models' rules; and revisions stored before change sets (the edit form's POST), converted by the
migration that introduced them."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from reports.forms import IncidentEntry
from reports.history import proposed_changes
from reports.models import (
    Assessment,
    Belligerent,
    Incident,
    IncidentBelligerent,
    IncidentRevision,
    InvalidTransition,
    RevisionState,
    Source,
    StrikeType,
)
from reports.models.review import CHANGE_SET_FORMAT, empty_change_set
from tests.factories import make_assessment, make_incident, make_source, monitor_assessor, official_assessor
from tests.test_review_admin import act, messages_of

pytestmark = pytest.mark.django_db

migration = importlib.import_module("reports.migrations.0020_revision_change_set")


def published_with_rows(**fields):
    """A published incident with one belligerent (the coalition), two sources and an assessment."""
    incident = make_incident(title="Strike on the market", **fields)
    kept = make_source(incident, url="https://example.org/kept", publisher="Kept")
    dropped = make_source(incident, url="https://example.org/dropped", publisher="Dropped")
    assessment = make_assessment(incident, killed_min=2, killed_max=5)
    return incident, kept, dropped, assessment


def edit_form(incident, **changes):
    """The edit form of `incident` as a browser posts it, with `changes` typed in."""
    data = {key: values[0] if len(values) == 1 else values for key, values in IncidentEntry.data_for(incident).items()}
    data.update(changes)
    return data


def reloaded(incident):
    return Incident.objects.get(pk=incident.pk)


# --- Made on the analysts' page, approved by a reviewer ------------------------------------------------------


def test_a_change_made_on_the_analysts_page_is_a_change_set_that_approves(client, analyst, reviewer):
    incident, kept, dropped, assessment = published_with_rows()
    airstrike = StrikeType.objects.get(slug="airstrike")
    russian = Belligerent.objects.get(slug="russian-military")
    form = edit_form(
        incident,
        title="Strike on the old market",
        strike_types=[str(airstrike.pk)],
        **{
            "sources-1-DELETE": "on",
            "assessments-0-killed_max": "9",
            "belligerents-1-belligerent": str(russian.pk),
            "reason": "Second look at the sources",
        },
    )
    client.force_login(analyst)
    assert client.post(reverse("reports:incident_edit", args=[incident.code]), form).status_code == 302

    revision = IncidentRevision.objects.get()
    assert revision.change_set == {
        "format": CHANGE_SET_FORMAT,
        "incident": {"title": "Strike on the old market", "strike_types": [airstrike.pk]},
        "belligerents": [{"id": None, "fields": {"belligerent": russian.pk, "role": "suspected"}}],
        "sources": [{"id": dropped.pk, "delete": True}],
        "assessments": [{"id": assessment.pk, "fields": {"killed_max": 9}}],
    }
    assert reloaded(incident).title == "Strike on the market"  # readers see the published record meanwhile

    client.force_login(reviewer)
    confirmation = act(client, "approve_selected", [incident]).content.decode()
    for shown in (
        'Strike on the market</td><td dir="auto">Strike on the old market',
        "Airstrike",
        "<bdi>source https://example.org/dropped</bdi> deleted",
        "Russian military",
        '<td dir="auto">5</td><td dir="auto">9</td>',
    ):
        assert shown in confirmation, shown
    response = act(
        client, "approve_selected", [incident], comment="", **{f"seen_{incident.pk}": revision.version_token}
    )
    assert messages_of(response)[-1].startswith("Approve: 1 incident")

    incident = reloaded(incident)
    assert (incident.title, incident.last_edited_by, incident.version) == ("Strike on the old market", analyst, 2)
    assert list(incident.strike_types.all()) == [airstrike]
    assert list(incident.sources.all()) == [kept]
    assert Assessment.objects.get(pk=assessment.pk).killed_max == 9
    assert {a.belligerent.slug for a in incident.attributions.all()} == {"us-led-coalition", "russian-military"}
    for history in (
        incident.history.latest(),
        Assessment.history.filter(id=assessment.pk).latest(),
        Source.history.filter(id=dropped.pk).latest(),
        IncidentBelligerent.history.filter(belligerent=russian).latest(),
    ):
        assert (history.history_user, history.history_change_reason) == (analyst, "Second look at the sources")
    revision.refresh_from_db()
    assert revision.state == RevisionState.APPROVED


def test_the_author_continues_their_change_where_they_left_it(client, analyst):
    incident, _kept, dropped, assessment = published_with_rows()
    change_set = {
        **empty_change_set(),
        "incident": {"title": "Strike on the old market"},
        "sources": [{"id": dropped.pk, "delete": True}],
        "assessments": [
            {"id": assessment.pk, "fields": {"killed_max": 9}},
            {
                "id": None,
                "fields": {"assessor": official_assessor().pk, "verdict": "credible", "assessed_on": "2017-05-25"},
            },
        ],
    }
    revision = incident.propose_revision(change_set, incident.version, by=analyst)
    Incident.objects.filter(pk=incident.pk).update(title="Saved by someone else")  # (without a new version)

    entry = IncidentEntry.for_revision(revision)
    assert entry.is_valid()
    assert entry.change_set()["incident"] == {"title": "Strike on the old market"}
    assert entry.form["version"].value() == str(revision.base_version)
    client.force_login(analyst)
    html = client.get(reverse("reports:incident_edit", args=[incident.code])).content.decode()
    assert 'value="Strike on the old market"' in html
    assert 'name="sources-1-DELETE" id="id_sources-1-DELETE" checked' in html
    assert 'name="assessments-0-killed_max" value="9"' in html
    assert 'name="assessments-1-assessed_on" value="2017-05-25"' in html

    # Saved again unchanged, the page proposes the same change.
    form = {key: values[0] if len(values) == 1 else values for key, values in entry.form.data.lists()}
    client.post(reverse("reports:incident_edit", args=[incident.code]), form)
    revision.refresh_from_db()
    assert revision.change_set["sources"] == change_set["sources"]
    assert revision.change_set["assessments"][0] == change_set["assessments"][0]
    assert revision.change_set["assessments"][1]["fields"]["verdict"] == "credible"


def test_a_new_assessment_on_a_published_incident_approves_attributed_to_the_analyst(client, analyst, reviewer):
    incident, *_rows = published_with_rows()
    client.force_login(analyst)
    form = {
        "assessor": str(official_assessor().pk),
        "verdict": "credible",
        "assessed_on": "2017-05-25",
        "killed_min": "105",
        "killed_max": "105",
    }
    assert client.post(reverse("reports:assessment_create", args=[incident.code]), form).status_code == 302
    incident.approve(reviewer)
    official = Assessment.objects.get(incident=incident, assessor=official_assessor())
    assert (official.verdict, official.killed_min, official.created_by) == ("credible", 105, analyst)


# --- Refused when it no longer validates -----------------------------------------------------------------


def test_a_change_that_no_longer_validates_is_refused_with_its_problems_and_changes_nothing(analyst, reviewer):
    incident, _kept, _dropped, assessment = published_with_rows()
    change_set = {
        **empty_change_set(),
        "incident": {"title": "Renamed", "headline": "a field renamed since"},
        "assessments": [{"id": assessment.pk, "fields": {"killed_min": 50}}],
    }
    revision = incident.propose_revision(change_set, incident.version, by=analyst)
    shown, problem = proposed_changes(revision)
    assert "Headline" in problem or "headline" in problem
    assert "The maximum (5) is below the minimum (50)." in problem
    assert [field.new for change in shown for field in change.fields] == ["Renamed", "50"]

    with pytest.raises(InvalidTransition, match="return it to its author") as refused:
        incident.approve(reviewer)
    assert "headline" in str(refused.value)
    assert reloaded(incident).title == "Strike on the market"
    assert IncidentRevision.objects.get().state == RevisionState.PENDING

    # The rows' own rule, and one between rows (an incident names a belligerent once), once the incident is fine.
    coalition = incident.attributions.get()
    change_set = {
        **empty_change_set(),
        "incident": {"title": "Renamed"},
        "belligerents": [{"id": None, "fields": {"belligerent": coalition.belligerent_id, "role": "declared"}}],
    }
    incident.propose_revision(change_set, incident.version, by=analyst)
    with pytest.raises(InvalidTransition, match="return it to its author"):
        incident.approve(reviewer)
    assert reloaded(incident).title == "Strike on the market"  # the incident's part was undone with the rest


def test_rows_are_deleted_before_others_are_added_as_a_formset_saves_them(analyst, reviewer):
    incident, *_rows = published_with_rows()
    coalition = incident.attributions.get()
    change_set = {
        **empty_change_set(),
        "belligerents": [
            {"id": None, "fields": {"belligerent": coalition.belligerent_id, "role": "declared"}},
            {"id": coalition.pk, "delete": True},
        ],
    }
    incident.propose_revision(change_set, incident.version, by=analyst)
    incident.approve(reviewer)
    assert [(a.belligerent_id, a.role) for a in incident.attributions.all()] == [(coalition.belligerent_id, "declared")]


def test_a_revision_cannot_store_form_data(analyst):
    incident = make_incident()
    with pytest.raises(ValueError, match="change set"):
        incident.propose_revision(IncidentEntry.data_for(incident), incident.version, by=analyst)


# --- Revisions stored before change sets (migration 0020) -------------------------------------------------


def old_form_post(incident, attribution, source, assessment, **changes):
    """An edit of `incident` as the analysts' form posted it, and revisions stored it, before change sets:
    {name: [values]}, every row of every formset and one empty row each."""
    data = {
        **{"code": incident.code, "title": incident.title, "summary": "", "date_start": "2017-03-17"},
        **{"date_end": "", "date_precision": "day", "time_of_day": "", "country": "Syria", "governorate": "Raqqa"},
        **{"district": "", "place_name": incident.place_name, "place_name_ar": "", "latitude": "36.200000"},
        **{"longitude": "38.900000", "location_precision": "", "strike_types": [], "strike_status": ""},
        **{"strike_count": "", "grading": "", "civilian_harm_reported": "unknown", "cause_of_harm": ""},
        **{"infrastructure": "", "first_reported_on": "", "version": str(incident.version)},
    }
    rows = {
        "belligerents": [
            {"id": attribution.pk, "belligerent": attribution.belligerent_id, "role": attribution.role},
            {"id": "", "belligerent": "", "role": "suspected"},
        ],
        "sources": [
            {"id": source.pk, "url": source.url, "publisher": source.publisher, "author": "", "title": ""},
            {"id": "", "url": "", "publisher": "", "author": "", "title": ""},
        ],
        "assessments": [
            {
                **{"id": assessment.pk, "assessor": assessment.assessor_id, "verdict": assessment.verdict},
                **{"assessed_on": assessment.assessed_on.isoformat(), "killed_min": "2", "killed_max": "5"},
            },
            {"id": "", "assessor": "", "verdict": "", "assessed_on": ""},
        ],
    }
    for prefix, forms in rows.items():
        data.update({f"{prefix}-TOTAL_FORMS": str(len(forms)), f"{prefix}-INITIAL_FORMS": str(len(forms) - 1)})
        data.update({f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
        for number, form in enumerate(forms):
            form = {"incident": incident.pk, "DELETE": "", **form}
            data.update({f"{prefix}-{number}-{name}": value for name, value in form.items()})
    data.update(changes)
    return {name: value if isinstance(value, list) else [str(value)] for name, value in data.items()}


def test_a_revision_stored_as_form_data_is_converted_and_approves(analyst, reviewer):
    incident, source, dropped, assessment = published_with_rows(
        date_start=datetime.date(2017, 3, 17), latitude=Decimal("36.2"), longitude=Decimal("38.9")
    )
    dropped.delete()
    attribution = incident.attributions.get()
    airstrike = StrikeType.objects.get(slug="airstrike")
    post = old_form_post(
        incident,
        attribution,
        source,
        assessment,
        title="  Strike on the old market ",  # the form stripped text
        strike_types=[str(airstrike.pk)],
        civilian_harm_reported="true",
        **{
            "sources-0-DELETE": "on",
            "assessments-0-killed_max": "9",
            "assessments-1-assessor": str(monitor_assessor().pk),
            "assessments-1-verdict": "fair",
            "assessments-1-assessed_on": "2017-03-25",
            "assessments-1-source_url": "example.org/airwars",  # the form took a link without a scheme as https
        },
    )

    change_set = migration.change_set_from_form(apps, reloaded(incident), post)

    assert change_set["incident"] == {
        "title": "Strike on the old market",
        "strike_types": [airstrike.pk],
        "civilian_harm_reported": True,
    }
    assert change_set["belligerents"] == []  # unchanged, and an empty row
    assert change_set["sources"] == [{"id": source.pk, "delete": True}]
    assert change_set["assessments"][0] == {"id": assessment.pk, "fields": {"killed_max": 9}}
    added = change_set["assessments"][1]
    assert added["id"] is None
    assert {name: added["fields"][name] for name in ("assessor", "verdict", "assessed_on", "source_url")} == {
        "assessor": monitor_assessor().pk,
        "verdict": "fair",
        "assessed_on": "2017-03-25",
        "source_url": "https://example.org/airwars",
    }
    assert "problems" not in change_set

    incident.propose_revision(change_set, incident.version, by=analyst)
    incident.approve(reviewer)
    incident = reloaded(incident)
    assert (incident.title, incident.civilian_harm_reported) == ("Strike on the old market", True)
    assert list(incident.strike_types.all()) == [airstrike]
    assert not incident.sources.exists()
    assert Assessment.objects.get(pk=assessment.pk).killed_max == 9
    assert incident.assessments.filter(assessor=monitor_assessor(), verdict="fair", created_by=analyst).count() == 1


def test_what_cannot_be_converted_is_marked_and_the_change_returned_to_its_author(analyst, reviewer):
    incident, source, dropped, assessment = published_with_rows(
        date_start=datetime.date(2017, 3, 17), latitude=Decimal("36.2"), longitude=Decimal("38.9")
    )
    attribution = incident.attributions.get()
    post = old_form_post(
        incident,
        attribution,
        source,
        assessment,
        title="Strike on the old market",
        date_end="2017-02-30",
        **{"sources-0-id": str(dropped.pk), "assessments-0-duplicate_of_code": "NO-SUCH-CODE"},
    )
    dropped.delete()  # after the change was proposed

    change_set = migration.change_set_from_form(apps, reloaded(incident), post)

    assert change_set["incident"] == {"title": "Strike on the old market"}  # converted as far as possible
    assert change_set["sources"] == []
    problems = " · ".join(change_set["problems"])
    assert "End date: Enter a valid date." in problems
    assert "Source 1 — this row no longer exists." in problems
    assert "Assessment 1 — Duplicate of: No published incident has the code NO-SUCH-CODE." in problems

    revision = incident.propose_revision(change_set, incident.version, by=analyst)
    assert proposed_changes(revision)[1].startswith("End date: Enter a valid date.")
    with pytest.raises(InvalidTransition, match="no longer passes validation .*End date.*return it to its author"):
        incident.approve(reviewer)
    assert reloaded(incident).title == "Strike on the market"
    incident.request_changes(reviewer, "Please redo it on the current form")
    revision.refresh_from_db()
    assert revision.state == RevisionState.CHANGES_REQUESTED
