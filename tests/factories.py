"""Test data built in code. Each function makes a valid record; keyword arguments override any field."""

import datetime
import itertools

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
from reports.roles import create_user_in_role

PASSWORD = "a-long-Test-passw0rd"
_numbers = itertools.count(1)


def make_user(username, role):
    user, _created = create_user_in_role(username, role, PASSWORD)
    return user


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


def make_statement(**fields):
    values = {
        "assessor": official_assessor(),
        "published_on": datetime.date(2017, 4, 30),
        "civilians_killed": 352,
        "reports_under_review": 42,
    }
    values.update(fields)
    return OfficialStatement.objects.create(**values)
