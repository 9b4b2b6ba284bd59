"""The downloadable data: the filtered incidents, one CSV row per current assessment ("long" format, so any
number of assessors fits without losing one) or one JSON object per incident with its assessments nested.

Rows are streamed from a server-side cursor and written a chunk at a time (the chunk's belligerents, and for
JSON its current assessments, in one query each), so memory stays flat whatever the number of incidents.
"""

import csv
import io
import json
from collections import defaultdict
from itertools import islice

from django.db import transaction
from django.db.models import FilteredRelation

from reports.models import Assessment, IncidentBelligerent
from reports.models.assessments import current_condition

CHUNK = 5_000
INCIDENT_FIELDS = [
    "code",
    "title",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "governorate",
    "district",
    "place_name",
    "place_name_ar",
    "latitude",
    "longitude",
    "location_precision",
    "strike_status",
    "grading",
]
ASSESSMENT_FIELDS = [
    "verdict",
    "assessed_on",
    "killed_min",
    "killed_max",
    "injured_min",
    "injured_max",
    "children_killed_min",
    "children_killed_max",
    "women_killed_min",
    "women_killed_max",
    "source_url",
]
CSV_COLUMNS = [*INCIDENT_FIELDS, "belligerents", "assessor", "assessor_kind", *ASSESSMENT_FIELDS]
# A cell a spreadsheet would run as a formula starts with one of these (OWASP's list). Every text cell is
# checked, links included: an imported record's link is whatever its source file held.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def incident_chunks(incidents, as_of=None):
    """Yield lists of (incident values, belligerent slugs, current assessments as dicts), CHUNK at a time, in
    the list's order."""
    fields = ["id", *INCIDENT_FIELDS]
    # In a transaction, PostgreSQL streams the rows from a server-side cursor as they are fetched; outside
    # one, Django declares the cursor WITH HOLD, which first copies the whole result (seconds at a million).
    with transaction.atomic():
        rows = incidents.order_by("-date_start", "code").values(*fields).iterator(chunk_size=CHUNK)
        for batch in batched(rows, CHUNK):
            yield with_relations(batch, as_of)


def with_relations(batch, as_of):
    ids = [row["id"] for row in batch]
    belligerents = belligerent_slugs(ids)
    assessments = defaultdict(list)
    current = (
        Assessment.objects.current(as_of)
        .filter(incident_id__in=ids)
        .order_by("assessor__kind", "assessor__slug")
        .values("incident_id", "assessor__slug", "assessor__kind", *ASSESSMENT_FIELDS)
    )
    for assessment in current:
        incident_id = assessment.pop("incident_id")
        assessment["assessor"] = assessment.pop("assessor__slug")
        assessment["assessor_kind"] = assessment.pop("assessor__kind")
        assessments[incident_id].append(assessment)
    return [(row, belligerents[row["id"]], assessments[row["id"]]) for row in batch]


def csv_chunks(incidents, as_of=None):
    """The CSV text, CHUNK rows at a time: the header, then one row per current assessment of each incident
    (an incident without any: one row with empty assessment columns). Empty cells are unknowns.

    One streamed query joins each incident to its current assessments (a LEFT JOIN, so incidents without any
    stay); the belligerents of each chunk's incidents come in one more query."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)  # sent with the first chunk, or alone when nothing matches
    for chunk in batched(joined_rows(incidents, as_of), CHUNK):
        belligerents = belligerent_slugs({row[0] for row in chunk})
        for incident_id, *row in chunk:
            row = [safe_cell(value) if isinstance(value, str) else value for value in row]
            row.insert(len(INCIDENT_FIELDS), ";".join(belligerents[incident_id]))
            writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def batched(rows, size):
    """Lists of `size` items (itertools.batched, which Python 3.11 lacks)."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def joined_rows(incidents, as_of):
    """(incident id, incident fields…, assessor, kind, assessment fields…) per current assessment, streamed
    from a server-side cursor inside a transaction (outside one, PostgreSQL's WITH HOLD cursor would first
    copy the whole result)."""
    current = FilteredRelation("assessments", condition=current_condition(as_of, prefix="assessments__"))
    columns = ["id", *INCIDENT_FIELDS, "current__assessor__slug", "current__assessor__kind"]
    columns += [f"current__{name}" for name in ASSESSMENT_FIELDS]
    rows = (
        incidents.annotate(current=current)
        .order_by("-date_start", "code", "current__assessor_id")
        .values_list(*columns)
    )
    with transaction.atomic():
        yield from rows.iterator(chunk_size=CHUNK)


def belligerent_slugs(incident_ids):
    slugs = defaultdict(list)
    for incident_id, slug in (
        IncidentBelligerent.objects.filter(incident_id__in=incident_ids)
        .order_by("belligerent__slug")
        .values_list("incident_id", "belligerent__slug")
    ):
        slugs[incident_id].append(slug)
    return slugs


def safe_cell(value):
    """Free text a spreadsheet would run as a formula, prefixed with an apostrophe so it stays text."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def json_chunks(incidents, as_of=None, figures_url=""):
    """A JSON document, streamed: {"as_of": …, "incidents": [{…, "belligerents": […], "assessments": […]}]}."""
    header = {"as_of": as_of.isoformat() if as_of else None, "tallies": figures_url}
    yield json.dumps(header)[:-1] + ', "incidents": ['  # the header object, left open for the list
    first = True
    for chunk in incident_chunks(incidents, as_of):
        parts = []
        for incident, belligerents, assessments in chunk:
            incident = {key: value for key, value in incident.items() if key != "id"}
            document = {**incident, "belligerents": belligerents, "assessments": assessments}
            parts.append(json.dumps(document, default=str, ensure_ascii=False))
        yield ("" if first else ",") + ",".join(parts)
        first = False
    yield "]}"
