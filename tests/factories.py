"""Test data built in code. Each function makes a valid record; keyword arguments override any field."""

import datetime
import itertools

from django.utils import timezone

from reports.models import (
    Assessment,
    Assessor,
    AssessorKind,
    Belligerent,
    Grading,
    Incident,
    IncidentBelligerent,
    OfficialStatement,
    OfficialVerdict,
    ReviewState,
    Source,
)
from reports.models.changes import changes_collected
from reports.roles import create_user_in_role

PASSWORD = "a-long-Test-passw0rd"
_numbers = itertools.count(1)


def make_user(username, role):
    user, _created = create_user_in_role(username, role, PASSWORD)
    return user


def import_approver():
    """The second reviewer whose approval lets an import publish (reports.importing.batches)."""
    return make_user("ivo-approver", "reviewer")


def official_assessor():
    """CJTF-OIR, created by the reference-data migration."""
    return Assessor.objects.get(slug="cjtf-oir")


def monitor_assessor():
    return Assessor.objects.get(slug="airwars")


def make_incident(belligerents=("us-led-coalition",), **fields):
    number = next(_numbers)
    values = {
        "code": f"T{number:05d}",
        "title": f"Test incident {number}",
        "date_start": datetime.date(2017, 3, 1) + datetime.timedelta(days=number % 300),
        "country": "Syria",
        "governorate": "Raqqa",
        "place_name": f"Place {number}",
        "review_state": ReviewState.PUBLISHED,
    }
    values.update(fields)
    with changes_collected():  # the incident and its belligerents counted together, once
        incident = Incident.objects.create(**values)
        for slug in belligerents:
            IncidentBelligerent.objects.create(incident=incident, belligerent=Belligerent.objects.get(slug=slug))
    return incident


def make_assessment(incident, assessor=None, **fields):
    assessor = assessor or monitor_assessor()
    values = {
        "verdict": OfficialVerdict.CREDIBLE if assessor.kind == AssessorKind.OFFICIAL else Grading.FAIR,
        "assessed_on": incident.date_start + datetime.timedelta(days=10),
        "killed_min": 2,
        "killed_max": 5,
    }
    values.update(fields)
    return Assessment.objects.create(incident=incident, assessor=assessor, **values)


def make_source(incident, **fields):
    values = {"url": "https://example.org/report", "publisher": "Example News"}
    values.update(fields)
    return Source.objects.create(incident=incident, **values)


def proposed_change(incident, **changes):
    """The change set the analysts' edit form makes of `incident` with `changes` typed in ({name: value or
    [values]}, as posted; e.g. `title="New"` or `**{"sources-0-DELETE": "on"}`)."""
    from reports.forms import IncidentEntry

    incident = Incident.objects.get(pk=incident.pk)  # validating the form changes the instance it edits
    data = IncidentEntry.data_for(incident)
    data.update({name: value if isinstance(value, list) else [value] for name, value in changes.items()})
    entry = IncidentEntry(data, instance=incident)
    assert entry.is_valid(), [entry.form.errors, *(formset.errors for formset in entry.formsets.values())]
    return entry.change_set()


def make_statement(**fields):
    values = {
        "assessor": official_assessor(),
        "published_on": datetime.date(2017, 4, 30),
        "civilians_killed": 352,
        "reports_under_review": 42,
        "approved_at": timezone.now(),
    }
    values.update(fields)
    return OfficialStatement.objects.create(**values)


def west_mosul_form(**overrides):
    """The new-incident form as a browser posts it: the 17 March 2017 west Mosul strike as the April 2017
    statement describes it (official: under investigation; monitors: over 100 killed), two sources."""
    from reports.models import Belligerent

    data = {
        "code": "IQ-MOSUL-0317",
        "title": "Strike on al-Jadida, west Mosul",
        "summary": "A coalition strike collapsed a building where families sheltered.",
        "date_start": "2017-03-17",
        "date_end": "",
        "date_precision": "day",
        "time_of_day": "",
        "first_reported_on": "",
        "country": "Iraq",
        "governorate": "Nineveh",
        "district": "Mosul",
        "place_name": "Al-Jadida",
        "place_name_ar": "الجديدة",
        "latitude": "36.347000",
        "longitude": "43.108000",
        "location_precision": "neighbourhood",
        "strike_status": "declared",
        "strike_count": "",
        "grading": "fair",
        "civilian_harm_reported": "true",
        "cause_of_harm": "",
        "infrastructure": "Residential",
        "version": "",
        "belligerents-TOTAL_FORMS": "1",
        "belligerents-INITIAL_FORMS": "0",
        "belligerents-0-belligerent": str(Belligerent.objects.get(slug="us-led-coalition").pk),
        "belligerents-0-role": "declared",
        "sources-TOTAL_FORMS": "2",
        "sources-INITIAL_FORMS": "0",
        "sources-0-url": "https://example.org/mosul-al-jadida",
        "sources-0-publisher": "Example Wire",
        "sources-1-url": "https://example.org/mosul-rescuers",
        "sources-1-publisher": "Example Monitor",
        "sources-1-language": "Arabic",
        "assessments-TOTAL_FORMS": "2",
        "assessments-INITIAL_FORMS": "0",
        "assessments-0-assessor": str(official_assessor().pk),
        "assessments-0-verdict": "under_review",
        "assessments-0-assessed_on": "2017-04-30",
        "assessments-1-assessor": str(monitor_assessor().pk),
        "assessments-1-verdict": "fair",
        "assessments-1-assessed_on": "2017-03-25",
        "assessments-1-killed_min": "105",
        "assessments-1-killed_max": "141",
    }
    data.update(overrides)
    return data


def confirm_in_admin(client, url, data):
    """Post an admin review action as a browser does: to its confirmation page first, then confirmed with what
    that page showed of each record (its hidden `seen_<id>` fields: see Incident.review_token)."""
    import html
    import re

    first = {name: value for name, value in data.items() if name not in ("confirm", "comment", "override_reason")}
    page = client.post(url, {**first, "index": "0"}).content.decode()
    seen = {name: html.unescape(value) for name, value in re.findall(r'name="(seen_\d+)" value="([^"]*)"', page)}
    return client.post(url, {**seen, **data})
