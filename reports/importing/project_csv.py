"""The project's own CSV export (reports/exports.py): one row per current assessment, the incident's fields
repeated; an incident without assessments is one row with empty assessment columns. Incidents are matched on
their code, assessments on assessor and date, so export → import into an empty database → export gives the
same rows."""

from pathlib import Path

from reports.exports import ASSESSMENT_FIELDS, CSV_COLUMNS, INCIDENT_FIELDS, unsafe_cell
from reports.importing.values import BadValue, convert, read_csv
from reports.importing.writer import Part, Record
from reports.models import Assessment, Assessor, Belligerent, BelligerentRole, Dating, Incident

# Columns added since the first exports: a file without them still imports (an assessment's date then reads as
# stated, its maximum as not open-ended, and its missing count and caveat as not given, as before they existed).
OPTIONAL_COLUMNS = {"dating", "killed_max_open", "missing_min", "missing_max", "caveat"}


def read(file, report):
    name = Path(getattr(file, "name", "") or "upload.csv").name
    _header, rows = read_csv(file, [column for column in CSV_COLUMNS if column not in OPTIONAL_COLUMNS], name)
    assessors = dict(Assessor.objects.values_list("slug", "id"))
    belligerents = set(Belligerent.objects.values_list("slug", flat=True))
    records = {}
    for number, row in rows:
        row = {column: unsafe_cell(text) for column, text in row.items()}  # the export's formula protection
        try:
            fields = incident_fields(row)
            slugs = [slug for slug in row["belligerents"].split(";") if slug]
            unknown = [slug for slug in slugs if slug not in belligerents]
            if unknown:
                raise BadValue(f"unknown value {', '.join(unknown)!r} for belligerents")
        except BadValue as error:
            report.problem(name, number, row["code"], str(error))
            report.count("incidents", "skipped")
            continue
        record = records.get(fields["code"])
        if record is None:
            record = records[fields["code"]] = Record(name, number, fields["code"], fields)
            record.belligerents = {slug: BelligerentRole.SUSPECTED for slug in slugs}
        elif record.fields != fields:
            reason = f"incident values differ from its first row ({record.row}): the first row's are used"
            report.problem(name, number, row["code"], reason, skipped=False)
        part = assessment(name, number, row, assessors, report)
        if part is not None:
            record.assessments.append(part)
    report.rows_read += len(rows)
    return list(records.values())


def incident_fields(row):
    fields = {}
    for column in INCIDENT_FIELDS:
        fields[column] = convert(Incident._meta.get_field(column), row[column])
    if fields["date_precision"] == "":
        fields["date_precision"] = Incident._meta.get_field("date_precision").default
    return fields


def assessment(name, number, row, assessors, report):
    if not row["assessor"]:
        return None
    if row["assessor"] not in assessors:
        report.problem(name, number, row["code"], f"unknown value {row['assessor']!r} for assessor")
        report.count("assessments", "skipped")
        return None
    try:
        fields = {
            column: convert(Assessment._meta.get_field(column), row.get(column, "")) for column in ASSESSMENT_FIELDS
        }
    except BadValue as error:
        report.problem(name, number, row["code"], str(error))
        report.count("assessments", "skipped")
        return None
    fields["dating"] = fields["dating"] or Dating.STATED
    fields["killed_max_open"] = bool(fields["killed_max_open"])
    fields["assessor_id"] = assessors[row["assessor"]]
    return Part(name, number, f"{row['assessor']}:{row['assessed_on']}", fields)
