"""The CSV export's two writers: on PostgreSQL the database writes the rows (COPY), elsewhere Python does.
Both must give the same text, cell for cell, whatever the data: quotes, line breaks, formula-like text,
empty strings and unknowns, several belligerents, incidents without assessments, superseded assessments.
And every export's assessments are the queryset's current ones, as of any date."""

import csv
import datetime
import io
import json
import threading

import pytest
from django.db import connection

from reports import exports
from reports.models import Assessment, Belligerent, Dating, Incident, IncidentBelligerent, ReviewState
from tests.factories import make_assessment, make_incident, monitor_assessor, official_assessor

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; elsewhere only the Python writer runs"
)


def awkward_records():
    """Incidents whose every text cell needs care, and assessments on either side of 2018-06-01."""
    quoted = make_incident(
        code="Q1",
        title='He said "stop", then\nleft; =1+1',
        place_name="-2 km, north\r\nof town",
        place_name_ar='قرية "الجديدة"',
        district="",
        governorate="@Raqqa",
        date_start=datetime.date(2017, 3, 4),
    )
    IncidentBelligerent.objects.create(incident=quoted, belligerent=Belligerent.objects.get(slug="russian-military"))
    make_assessment(
        quoted, monitor_assessor(), verdict="fair", killed_min=None, killed_max=None, source_url="=cmd|' /C calc'!A0"
    )
    make_assessment(quoted, official_assessor(), verdict="under_review", killed_min=0, killed_max=None)
    make_assessment(
        quoted,
        official_assessor(),
        verdict="credible",
        killed_min=3,
        killed_max=4,
        assessed_on=datetime.date(2019, 1, 2),
    )
    make_incident(
        code="B2",
        title="\tTabbed",
        latitude=None,
        longitude=None,
        date_start=datetime.date(2016, 1, 1),
        belligerents=(),
    )
    return Incident.objects.published()


def both_writers(incidents, as_of=None):
    copied = "".join(exports.copied_csv_chunks(incidents, as_of))
    written = "".join(exports.written_csv_chunks(incidents, as_of))
    return copied, written


@needs_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [None, datetime.date(2018, 6, 1)])
def test_copy_writes_what_python_writes(as_of):
    copied, written = both_writers(awkward_records(), as_of)
    assert copied == written
    assert copied.count("\n") > 3 and "'=1+1" not in copied  # only a cell's first character counts
    assert "'@Raqqa" in copied and "'=cmd|" in copied and "'\tTabbed" in copied and "'-2 km" in copied
    assert "russian-military;us-led-coalition" in copied


@needs_postgresql
@pytest.mark.django_db
def test_copy_of_an_empty_selection_is_the_header():
    awkward_records()
    copied, written = both_writers(Incident.objects.filter(code="nothing"))
    assert copied == written == exports.csv_header()


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the reference tables
def test_copy_streams_from_its_own_thread_and_stops_when_the_reader_goes():
    """Outside a transaction (a real download) the COPY runs on another connection, in a thread."""
    incidents = awkward_records()
    copied, written = both_writers(incidents)
    assert copied == written
    chunks = exports.copied_csv_chunks(incidents, None)
    assert next(chunks) == exports.csv_header()
    assert next(chunks).startswith("Q1,")
    chunks.close()  # the reader went away: the thread ends, its connection closes
    assert "csv-copy" not in [thread.name for thread in threading.enumerate()]


@needs_postgresql
@pytest.mark.django_db
def test_text_that_looks_like_a_placeholder_is_only_text():
    make_incident(code="P1", title="100%(as_of)s sure", place_name="%(x)s")
    for incidents in (Incident.objects.published(), Incident.objects.filter(title__contains="%(as_of)s")):
        copied, written = both_writers(incidents, datetime.date(2018, 1, 1))
        assert copied == written and "100%(as_of)s sure" in copied


# --- The exports' current assessments are the queryset's ------------------------------------------------------

DAY = datetime.date


def assessment_history():
    """Incidents whose assessors changed their minds: several assessments per assessor, two on one day (the one
    entered last is current), a revised one (it stands from the start), an undated one, one made after some
    as-of dates (its incident then has no current assessment), an incident without any, and a draft."""
    monitor, official = monitor_assessor(), official_assessor()
    changing = make_incident(code="H1", date_start=DAY(2017, 3, 1))
    make_assessment(changing, monitor, verdict="fair", assessed_on=DAY(2017, 3, 10), killed_min=1, killed_max=2)
    make_assessment(changing, monitor, verdict="confirmed", assessed_on=DAY(2017, 4, 1), killed_min=3, killed_max=3)
    make_assessment(changing, monitor, verdict="fair", assessed_on=DAY(2017, 5, 1), killed_min=4, killed_max=9)
    make_assessment(changing, monitor, verdict="confirmed", assessed_on=DAY(2017, 5, 1), killed_min=5, killed_max=5)
    make_assessment(changing, official, verdict="under_review", assessed_on=DAY(2017, 3, 15), killed_min=None)
    make_assessment(changing, official, verdict="credible", assessed_on=DAY(2018, 1, 1), killed_min=2, killed_max=2)
    dated = make_incident(code="H2", date_start=DAY(2017, 2, 1))
    make_assessment(dated, monitor, verdict="weak", assessed_on=DAY(2019, 1, 1), dating=Dating.REVISED)
    make_assessment(dated, official, verdict="non_credible", assessed_on=DAY(2018, 6, 1), dating=Dating.UNDATED)
    late = make_incident(code="H3", date_start=DAY(2017, 1, 1))
    make_assessment(late, monitor, verdict="fair", assessed_on=DAY(2017, 8, 1))
    make_incident(code="H4", date_start=DAY(2017, 1, 2))
    draft = make_incident(code="H5", review_state=ReviewState.DRAFT)
    make_assessment(draft, monitor)
    return Incident.objects.published()


def cell(value):
    return "" if value is None else str(value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "as_of", [None, DAY(2017, 3, 12), DAY(2017, 5, 1), DAY(2017, 6, 1), DAY(2018, 6, 1), DAY(2019, 1, 1)]
)
def test_the_exports_rows_are_the_querysets_current_assessments(as_of):
    """Whichever writer runs (COPY on PostgreSQL, Python elsewhere, the JSON), its assessments are exactly
    `Assessment.objects.current(as_of)`: one definition of "current", whatever the dates say."""
    incidents = assessment_history()
    columns = ["assessor", "verdict", "assessed_on", "killed_min", "killed_max"]
    current = Assessment.objects.current(as_of).filter(incident__in=incidents)
    expected = sorted(
        (code, *map(cell, values))
        for code, *values in current.values_list(
            "incident__code", "assessor__slug", "verdict", "assessed_on", "killed_min", "killed_max"
        )
    )
    assert len(expected) >= 2  # the fixture has something current on every date tested

    writers = {
        "csv": "".join(exports.csv_chunks(incidents, as_of)),
        "python csv": "".join(exports.written_csv_chunks(incidents, as_of)),
    }
    for name, text in writers.items():
        rows = list(csv.DictReader(io.StringIO(text)))
        exported = sorted((row["code"], *(row[column] for column in columns)) for row in rows if row["assessor"])
        assert exported == expected, name
        without = sorted(row["code"] for row in rows if not row["assessor"])
        assert without == sorted(set(incidents.values_list("code", flat=True)) - {row[0] for row in expected}), name

    document = json.loads("".join(exports.json_chunks(incidents, as_of)))
    exported = sorted(
        (incident["code"], *(cell(assessment[column]) for column in columns))
        for incident in document["incidents"]
        for assessment in incident["assessments"]
    )
    assert exported == expected
