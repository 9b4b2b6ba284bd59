"""The downloadable data: the filtered incidents, one CSV row per current assessment ("long" format, so any
number of assessors fits without losing one) or one JSON object per incident with its assessments nested.

Both are streamed a chunk at a time, so memory stays flat whatever the number of incidents. On PostgreSQL the
CSV is written by the database itself (COPY); the JSON, and the CSV elsewhere, come from a server-side cursor
with each chunk's belligerents (and for JSON its current assessments) in one query each.
"""

import contextlib
import csv
import io
import json
import queue
import threading
from collections import defaultdict

from django.db import connection, connections, transaction
from django.db.models import FilteredRelation

from reports.iterables import batched
from reports.models import Assessor, Belligerent, Incident, IncidentBelligerent
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
    "dating",
    "killed_min",
    "killed_max",
    "injured_min",
    "injured_max",
    "children_killed_min",
    "children_killed_max",
    "women_killed_min",
    "women_killed_max",
    "source_url",
    # Added later, so at the end: columns are never moved.
    "killed_max_open",
    "missing_min",
    "missing_max",
    "caveat",
]
CSV_COLUMNS = [*INCIDENT_FIELDS, "belligerents", "assessor", "assessor_kind", *ASSESSMENT_FIELDS]
# A cell a spreadsheet would run as a formula starts with one of these (OWASP's list). Every text cell is
# checked, links included: an imported record's link is whatever its source file held.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FIELDS = {"date_start", "date_end", "assessed_on"}
FLAG_FIELDS = {"killed_max_open"}  # written true or false (empty: no assessment)
NUMBER_FIELDS = {"latitude", "longitude"} | {name for name in ASSESSMENT_FIELDS if name.endswith(("_min", "_max"))}
CHUNK_BYTES = 256 * 1024  # of CSV text handed from the COPY thread at a time
QUEUED_CHUNKS = 8  # how far the COPY may run ahead of the reader: bounds memory
COPY_DONE = object()
EXPORT_TABLES = {
    "incident": Incident,
    "attribution": IncidentBelligerent,
    "belligerent": Belligerent,
    "assessor": Assessor,
}


def incident_chunks(incidents, as_of=None):
    """Yield lists of (incident values, belligerent slugs, current assessments as dicts), CHUNK at a time, in
    the list's order."""
    fields = ["id", *INCIDENT_FIELDS]
    # In a transaction, PostgreSQL streams the rows from a server-side cursor as they are fetched; outside
    # one, Django declares the cursor WITH HOLD, which first copies the whole result before the first row.
    with transaction.atomic():
        rows = incidents.order_by("-date_start", "code").values(*fields).iterator(chunk_size=CHUNK)
        for batch in batched(rows, CHUNK):
            yield with_relations(batch, as_of)


def with_relations(batch, as_of):
    ids = [row["id"] for row in batch]
    belligerents = belligerent_slugs(ids)
    assessments = defaultdict(list)
    current = (
        Incident.public.filter(pk__in=ids)
        .current_assessments(as_of)
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
    """The CSV text, a chunk at a time: the header, then one row per current assessment of each incident (an
    incident without any: one row with empty assessment columns), in the list's order. Empty cells are
    unknowns. PostgreSQL writes the rows itself (COPY), with no per-row work in Python; elsewhere Python
    writes the same text."""
    if connection.vendor == "postgresql":
        return copied_csv_chunks(incidents, as_of)
    return written_csv_chunks(incidents, as_of)


def csv_header():
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(CSV_COLUMNS)
    return buffer.getvalue()


def copied_csv_chunks(incidents, as_of):
    """The rows from one `COPY (…) TO STDOUT`: PostgreSQL writes the CSV itself, with no per-row work in
    Python (what makes a large export fast). COPY runs to completion inside one call, so to stream it
    runs in a thread of its own, on that thread's own connection, handing over chunks through a short queue:
    memory stays flat. A caller inside a transaction (a test) gets it in one piece from its own connection,
    the only one that sees its uncommitted rows."""
    yield csv_header()  # alone when nothing matches
    db = connections[incidents.db]
    with db.cursor() as cursor:
        statement = f"COPY ({copy_query(cursor, incidents, as_of)}) TO STDOUT WITH (FORMAT csv)"
        if db.in_atomic_block:
            rows = io.StringIO()
            cursor.copy_expert(statement, rows)
            yield rows.getvalue()
            return
    yield from copy_in_thread(incidents.db, statement)


def write_csv(incidents, file):
    """The text of `csv_chunks(incidents)` written into an open text file, in constant memory and on this
    connection, so inside the caller's transaction (a release reads every table from one snapshot): on
    PostgreSQL, COPY writes straight into the file."""
    if connection.vendor != "postgresql":
        file.writelines(written_csv_chunks(incidents, None))
        return
    file.write(csv_header())
    with connections[incidents.db].cursor() as cursor:
        cursor.copy_expert(f"COPY ({copy_query(cursor, incidents, None)}) TO STDOUT WITH (FORMAT csv)", file)


def copy_query(cursor, incidents, as_of):
    """The SELECT, with its values bound (COPY takes no parameters), giving cell for cell what
    `written_csv_chunks` writes: empty strings as empty cells (COPY would quote them), dates in ISO whatever
    the server's DateStyle, free text made safe like `safe_cell`."""
    tables = {name: model._meta.db_table for name, model in EXPORT_TABLES.items()}
    # Each value is bound once, by mogrify, and the results are put together as text: a second binding pass
    # over the whole would read a "%(" typed into a filter as a placeholder.
    chosen, params = incidents.order_by().values("id").query.sql_with_params()
    chosen = cursor.mogrify(chosen, params).decode()
    # The current assessments are the model's (AssessmentQuerySet.current), reached through the chosen
    # (published) incidents like every public read.
    current, params = (
        incidents.current_assessments(as_of)
        .order_by()
        .values("incident_id", "assessor_id", *ASSESSMENT_FIELDS)
        .query.sql_with_params()
    )
    current = cursor.mogrify(current, params).decode()
    formula_starts = cursor.mogrify("%s", [list(FORMULA_STARTS)]).decode()
    columns = [sql_cell(f"i.{name}", name, formula_starts) for name in INCIDENT_FIELDS]
    columns += [sql_cell(column, column, formula_starts) for column in ("bells.slugs", "s.slug", "s.kind")]
    columns += [sql_cell(f"a.{name}", name, formula_starts) for name in ASSESSMENT_FIELDS]
    # Only table and column names, fixed SQL and values bound above are interpolated.
    query = f"""SELECT {", ".join(columns)} FROM {tables["incident"]} i
        LEFT JOIN (SELECT ib.incident_id, string_agg(b.slug, ';' ORDER BY b.slug) AS slugs
                   FROM {tables["attribution"]} ib JOIN {tables["belligerent"]} b ON b.id = ib.belligerent_id
                   WHERE ib.incident_id IN ({chosen}) GROUP BY ib.incident_id) bells ON bells.incident_id = i.id
        LEFT JOIN ({current}) a ON a.incident_id = i.id
        LEFT JOIN {tables["assessor"]} s ON s.id = a.assessor_id
        WHERE i.id IN ({chosen})
        ORDER BY i.date_start DESC, i.code, a.assessor_id"""  # noqa: S608  # nosec B608
    return query


def sql_cell(column, name, formula_starts):
    """The SQL for one cell of `written_csv_chunks`' row: dates in ISO, numbers as they are, and text made safe
    like `safe_cell` (an empty string as an empty cell); `formula_starts`: FORMULA_STARTS as an SQL array."""
    if name in DATE_FIELDS:
        return f"to_char({column}, 'YYYY-MM-DD')"
    if name in NUMBER_FIELDS:
        return column
    if name in FLAG_FIELDS:
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
    formula = f"left({column}, 1) = ANY({formula_starts})"
    return f"CASE WHEN {formula} THEN '''' || {column} ELSE NULLIF({column}, '') END"


def copy_in_thread(alias, statement):
    """Yield the output of a COPY … TO STDOUT run in another thread. Closing the generator (the reader went
    away) stops the COPY, cancelling it in the database if it has not sent a row yet (a big sort); an error in
    the thread is raised here."""
    chunks = queue.Queue(maxsize=QUEUED_CHUNKS)
    stop = threading.Event()
    copying = {}  # the thread's database connection, once open: to cancel its statement from here
    thread = threading.Thread(
        target=copy_to_queue, args=(alias, statement, chunks, stop, copying), name="csv-copy", daemon=True
    )
    thread.start()
    try:
        while (chunk := chunks.get()) is not COPY_DONE:
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk
    finally:
        stop.set()
        thread.join(timeout=1)
        if thread.is_alive() and "connection" in copying:
            copying["connection"].cancel()  # psycopg2's cancel is made to be called from another thread
        thread.join()


def copy_to_queue(alias, statement, chunks, stop, copying):
    sink = QueueWriter(chunks, stop)
    try:
        with connections[alias].cursor() as cursor:  # this thread's own connection
            copying["connection"] = connections[alias].connection
            cursor.copy_expert(statement, sink)
        sink.flush()
        sink.put(COPY_DONE)
    except CopyStopped:
        pass  # the reader has gone: nobody to hand anything to
    except Exception as error:  # handed to the reading thread, which raises it
        with contextlib.suppress(CopyStopped):
            sink.put(error)
    finally:
        connections[alias].close()


class CopyStopped(Exception):
    """Raised inside the COPY when the reader has gone: it ends the statement."""


class QueueWriter:
    """The file COPY writes into, a row at a time: gathers rows into chunks of about CHUNK_BYTES for the
    queue, and stops the COPY (by raising) once the reader has gone."""

    def __init__(self, chunks, stop):
        self.chunks, self.stop = chunks, stop
        self.rows, self.size = [], 0

    def write(self, row):
        self.rows.append(row)
        self.size += len(row)
        if self.size >= CHUNK_BYTES:
            self.flush()

    def flush(self):
        if self.rows:
            self.put(b"".join(self.rows).decode())  # COPY writes bytes in the connection's encoding, UTF-8
            self.rows, self.size = [], 0

    def put(self, item):
        while not self.stop.is_set():
            with contextlib.suppress(queue.Full):
                self.chunks.put(item, timeout=0.5)
                return
        raise CopyStopped


def written_csv_chunks(incidents, as_of):
    """The same text as `copied_csv_chunks`, written by Python: one streamed query joins each incident to its
    current assessments (a LEFT JOIN, so incidents without any stay); the belligerents of each chunk's
    incidents come in one more query."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write(csv_header())
    for chunk in batched(joined_rows(incidents, as_of), CHUNK):
        belligerents = belligerent_slugs({row[0] for row in chunk})
        for incident_id, *row in chunk:
            row = [written_cell(value) for value in row]
            row.insert(len(INCIDENT_FIELDS), safe_cell(";".join(belligerents[incident_id])))
            writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


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
        Incident.public.filter(pk__in=incident_ids)
        .attributions()
        .order_by("belligerent__slug")
        .values_list("incident_id", "belligerent__slug")
    ):
        slugs[incident_id].append(slug)
    return slugs


def written_cell(value):
    """A cell as `sql_cell` writes it: text made safe, flags as true or false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value) if isinstance(value, str) else value


def safe_cell(value):
    """Free text a spreadsheet would run as a formula, prefixed with an apostrophe so it stays text."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unsafe_cell(text):
    """A cell of our CSV as it was before `safe_cell` (for re-importing it)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


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
