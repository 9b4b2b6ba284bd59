"""Any CSV, read through a mapping: a JSON file naming which column feeds which field and how values translate.
docs/mappings/tbij_afghanistan.json is the worked example; README.md ("Importing data") documents the format.

A field's spec is a column name, or {"column": …} with optional "values" (a table translating cell values; a
value mapped to null is unknown; values not listed are read as they are), "date_format" (strptime, e.g.
"%m-%d-%Y"; default ISO dates) and "prefix" (put before the value); or {"value": …}, a constant."""

from pathlib import Path

from reports.importing.report import ImportFileError
from reports.importing.values import BadValue, convert, read_csv
from reports.importing.writer import Part, Record
from reports.models import Assessment, Assessor, AssessorKind, Belligerent, BelligerentRole, Incident, StrikeType

REQUIRED_INCIDENT_FIELDS = ("date_start", "country")


class Mapping:
    def __init__(self, spec):
        if not isinstance(spec, dict) or "identifier" not in spec or "incident" not in spec:
            raise ImportFileError('A mapping needs at least "identifier" and "incident".')
        self.spec = spec
        self.date_format = spec.get("date_format")
        self.incident = {name: normal(field) for name, field in spec["incident"].items()}
        self.assessment = spec.get("assessment")
        self.check_fields()

    def check_fields(self):
        unknown = [name for name in self.incident if name not in INCIDENT_NAMES]
        if self.assessment:
            unknown += [name for name in self.assessment.get("fields", {}) if name not in ASSESSMENT_NAMES]
        missing = [name for name in REQUIRED_INCIDENT_FIELDS if name not in self.incident]
        if unknown or missing:
            problems = [f"unknown fields: {', '.join(unknown)}"] if unknown else []
            problems += [f"missing fields: {', '.join(missing)}"] if missing else []
            raise ImportFileError(f"The mapping has {'; '.join(problems)}.")

    def columns(self):
        """Every column the mapping reads: a file lacking one stops at once."""
        specs = [normal(self.spec["identifier"]), normal(self.spec.get("code", self.spec["identifier"]))]
        specs += list(self.incident.values())
        specs += [normal(self.spec[name]) for name in ("belligerents", "strike_types") if name in self.spec]
        if self.assessment:
            specs += [normal(field) for field in self.assessment.get("fields", {}).values()]
        return list(dict.fromkeys(spec["column"] for spec in specs if "column" in spec))

    def read(self, file, report):
        name = Path(getattr(file, "name", "") or "upload.csv").name
        _header, rows = read_csv(file, self.columns(), name)
        self.create_reference_rows(report)
        records = []
        for number, row in rows:
            record = self.record(name, number, row, report)
            if record is not None:
                records.append(record)
        report.rows_read += len(rows)
        return records

    def create_reference_rows(self, report):
        """The belligerents and assessors the mapping declares under "create", if missing."""
        create = self.spec.get("create", {})
        for item in create.get("belligerents", []):
            if not Belligerent.objects.filter(slug=item["slug"]).exists():
                Belligerent.objects.create(slug=item["slug"], name=item["name"])
                report.reference_rows.append(f"belligerent {item['name']}")
        for item in create.get("assessors", []):
            if not Assessor.objects.filter(slug=item["slug"]).exists():
                kind = item.get("kind", AssessorKind.MONITOR)
                assessor = Assessor.objects.create(
                    slug=item["slug"], name=item["name"], kind=kind, url=item.get("url", "")
                )
                # "speaks_for": the slugs of the belligerents an official assessor speaks for ("belligerent": one)
                slugs = item.get("speaks_for") or [item.get("belligerent", "")]
                assessor.speaks_for.set(Belligerent.objects.filter(slug__in=slugs))
                report.reference_rows.append(f"assessor {item['name']}")

    def record(self, name, number, row, report):
        key = text_of(normal(self.spec["identifier"]), row) or ""
        label = key or f"row {number}"
        warn = lambda reason: report.problem(name, number, label, reason, skipped=False)  # noqa: E731
        code = text_of(normal(self.spec.get("code", self.spec["identifier"])), row) or ""
        fields = {"code": code, "external_id": key}
        for field_name, spec in self.incident.items():
            try:
                fields[field_name] = self.value(Incident, field_name, spec, row)
            except BadValue as error:
                if field_name in REQUIRED_INCIDENT_FIELDS:
                    report.problem(name, number, label, str(error))
                    report.count("incidents", "skipped")
                    return None
                warn(f"{error}: left out")
                fields[field_name] = self.value(Incident, field_name, {"value": None}, row)
        record = Record(name, number, key, fields)
        record.belligerents = {
            slug: BelligerentRole.SUSPECTED for slug in self.slugs("belligerents", row, Belligerent, warn)
        }
        record.strike_types = self.slugs("strike_types", row, StrikeType, warn)
        if self.assessment:
            part = self.assessment_part(name, number, row, label, report)
            if part is not None:
                record.assessments.append(part)
        return record

    def value(self, model, field_name, spec, row):
        text = text_of(spec, row)
        field = model._meta.get_field(field_name)
        if text is None:
            return convert(field, "")
        return convert(field, str(text), spec.get("date_format", self.date_format))

    def slugs(self, name, row, model, warn):
        if name not in self.spec:
            return []
        text = text_of(normal(self.spec[name]), row) or ""
        slugs = [slug.strip() for slug in text.split(";") if slug.strip()]
        known = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        for slug in slugs:
            if slug not in known:
                warn(f"unknown value {slug!r} for {name}: left out")
        return [slug for slug in slugs if slug in known]

    def assessment_part(self, name, number, row, label, report):
        assessor = Assessor.objects.filter(slug=self.assessment.get("assessor", "")).first()
        if assessor is None:
            raise ImportFileError(f"The mapping's assessor {self.assessment.get('assessor')!r} does not exist.")
        fields = {"assessor_id": assessor.pk}
        try:
            for field_name, spec in self.assessment.get("fields", {}).items():
                fields[field_name] = self.value(Assessment, field_name, normal(spec), row)
        except BadValue as error:
            report.problem(name, number, label, f"{assessor}: {error}")
            report.count("assessments", "skipped")
            return None
        return Part(name, number, assessor.slug, fields)


def normal(spec):
    return {"column": spec} if isinstance(spec, str) else dict(spec)


def text_of(spec, row):
    """The spec's value for a row, translated, before conversion: a string, or None for unknown."""
    if "value" in spec:
        return spec["value"]
    text = row[spec["column"]]
    values = spec.get("values", {})
    if text in values:
        text = values[text]
    if text is None:
        return None
    return spec.get("prefix", "") + str(text) if text != "" else ""


def editable_names(model):
    return {field.name for field in model._meta.concrete_fields if field.editable and not field.primary_key}


INCIDENT_NAMES = editable_names(Incident) - {"code", "external_id", "review_state", "created_by", "version"}
ASSESSMENT_NAMES = editable_names(Assessment) - {"incident", "assessor", "external_id", "duplicate_of", "created_by"}
