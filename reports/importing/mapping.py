"""Any CSV, read through a mapping: a JSON file naming which column feeds which field and how values translate.
docs/mappings/tbij_afghanistan.json is the worked example; README.md ("Importing data") documents the format.

A field's spec is a column name, or {"column": …} with optional "values" (a table translating cell values; a
value mapped to null is unknown; values not listed are read as they are), "date_format" (strptime, e.g.
"%m-%d-%Y"; default ISO dates) and "prefix" (put before the value); or {"value": …}, a constant.

A mapping is checked against SCHEMA (at the end) before anything is read: a wrong one stops the import with a
message naming its key, e.g. "mapping: create.belligerents[0]: slug is missing"."""

import json
import math
from pathlib import Path

from reports.importing import reference
from reports.importing.report import ImportFileError
from reports.importing.values import BadValue, convert, read_csv
from reports.importing.writer import Part, Record
from reports.models import Assessment, Assessor, AssessorKind, Belligerent, BelligerentRole, Incident, StrikeType

REQUIRED_INCIDENT_FIELDS = ("date_start", "country")
SHOWN_PROBLEMS = 10


def from_file(path):
    """The mapping in the JSON file at `path`, checked; ImportFileError says what is wrong with it."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            spec = json.load(file, parse_constant=not_a_number)
    except OSError as error:
        raise ImportFileError(f"mapping: cannot open {Path(path).name}: {error.strerror}.") from None
    except RecursionError:
        raise ImportFileError("mapping: nested too deeply to be a mapping.") from None
    except ValueError as error:  # not JSON, or not UTF-8 text
        raise ImportFileError(f"mapping: not readable as JSON: {error}.") from None
    return Mapping(spec)


def not_a_number(name):
    raise ValueError(f"{name} is not a number JSON allows")


class Mapping:
    def __init__(self, spec):
        problems = SCHEMA(spec, "")
        if problems:
            more = [f"… and {len(problems) - SHOWN_PROBLEMS} more"] if len(problems) > SHOWN_PROBLEMS else []
            raise ImportFileError(f"mapping: {'; '.join(problems[:SHOWN_PROBLEMS] + more)}.")
        self.spec = spec
        self.date_format = spec.get("date_format")
        self.incident = {name: normal(field) for name, field in spec["incident"].items()}
        self.assessment = spec.get("assessment")

    def columns(self):
        """Every column the mapping reads: a file lacking one stops at once."""
        specs = [normal(self.spec["identifier"]), normal(self.spec.get("code", self.spec["identifier"]))]
        specs += list(self.incident.values())
        specs += [normal(self.spec[name]) for name in ("belligerents", "strike_types") if name in self.spec]
        if self.assessment:
            specs += [normal(field) for field in self.assessment.get("fields", {}).values()]
        return list(dict.fromkeys(spec["column"] for spec in specs if "column" in spec))

    def read(self, file, report, user=None):
        """Records for the writer. The reference rows the mapping declares are created if missing, when `user`
        (the importing user) may add them (ImportFileError otherwise)."""
        name = Path(getattr(file, "name", "") or "upload.csv").name
        _header, rows = read_csv(file, self.columns(), name)
        self.create_reference_rows(report, user)
        records = []
        for number, row in rows:
            record = self.record(name, number, row, report)
            if record is not None:
                records.append(record)
        report.rows_read += len(rows)
        return records

    def create_reference_rows(self, report, user):
        """The belligerents and assessors the mapping declares under "create", if missing: refused, before any
        is created, unless `user` may add them (reference.may_create)."""
        create, missing = self.spec.get("create", {}), {}
        for key, model in (("belligerents", Belligerent), ("assessors", Assessor)):
            existing = set(model.objects.values_list("slug", flat=True))
            missing[key] = [(n, item) for n, item in enumerate(create.get(key, [])) if item["slug"] not in existing]
            names = [item["name"] for _n, item in missing[key]]
            reference.check_may_create(user, model, names, f"mapping: create.{key}")
        for number, item in missing["belligerents"]:
            where = f"mapping: create.belligerents[{number}]"
            reference.create(user, Belligerent, where, slug=item["slug"], name=item["name"])
            report.reference_rows.append(f"belligerent {item['name']}")
        for number, item in missing["assessors"]:
            where = f"mapping: create.assessors[{number}]"
            kind = item.get("kind", AssessorKind.MONITOR)
            fields = {"slug": item["slug"], "name": item["name"], "kind": kind, "url": item.get("url", "")}
            assessor = reference.create(user, Assessor, where, **fields)
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
        if text in (None, "") and field.has_default():
            return field.get_default()  # unknown: what a new record holds (an assessment's date "as stated")
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
        return None if spec["value"] is None else str(spec["value"])
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


# --- The schema: each check takes a value and where it is ("create.belligerents[0]"), and returns its problems.


def describe(value):
    kinds = {dict: "an object", list: "a list", str: "text", bool: "true or false", type(None): "null"}
    return kinds.get(type(value), "a number")


def at(where, problem):
    return f"{where}: {problem}" if where else problem


def any_text(value, where):
    if not isinstance(value, str):
        return [at(where, f"must be text, not {describe(value)}")]
    return [at(where, "holds a NUL character")] if "\x00" in value else []


def some_text(value, where):
    """Text that is not empty: a column, a slug, a name."""
    return any_text(value, where) or ([] if value.strip() else [at(where, "is empty")])


def a_constant(value, where):
    """A value a cell can be given: text, a number, true or false, or null (unknown)."""
    if value is None or isinstance(value, bool | int):
        return []
    if isinstance(value, float):
        return [] if math.isfinite(value) else [at(where, "is not a finite number")]
    return any_text(value, where)


def one_of(values):
    def check(value, where):
        if isinstance(value, str) and value in values:
            return []
        shown = repr(value) if isinstance(value, str) else describe(value)
        return [at(where, f"must be one of {', '.join(values)}, not {shown}")]

    return check


def list_of(check_item):
    def check(value, where):
        if not isinstance(value, list):
            return [at(where, f"must be a list, not {describe(value)}")]
        return [problem for number, item in enumerate(value) for problem in check_item(item, f"{where}[{number}]")]

    return check


def object_with(checks, required=()):
    """An object with only the keys of `checks`, each checked by its own, and the `required` ones present."""

    def check(value, where):
        if not isinstance(value, dict):
            return [at(where, f"must be an object, not {describe(value)}")]
        problems = [at(where, f"{key} is missing") for key in required if key not in value]
        problems += [at(where, f"unknown key {key!r}") for key in value if key not in checks]
        for key, check_value in checks.items():
            if key in value:
                problems += check_value(value[key], f"{where}.{key}" if where else key)
        return problems

    return check


def table_of(check_value):
    """An object translating cell values: any keys, each value checked."""

    def check(value, where):
        if not isinstance(value, dict):
            return [at(where, f"must be an object, not {describe(value)}")]
        return [problem for key, item in value.items() for problem in check_value(item, f"{where}[{key!r}]")]

    return check


def field_spec(value, where):
    """A field's spec: a column name, or {"column": …} or {"value": …} with its options."""
    if isinstance(value, str):
        return some_text(value, where)
    if not isinstance(value, dict):
        return [at(where, f"must be a column name or an object, not {describe(value)}")]
    problems = object_with(FIELD_OPTIONS)(value, where)
    if not problems and ("column" in value) == ("value" in value):
        problems.append(at(where, 'needs either "column" or "value"'))
    return problems


def fields_of(names, required=()):
    """An object naming model fields, each with its spec."""

    def check(value, where):
        if not isinstance(value, dict):
            return [at(where, f"must be an object, not {describe(value)}")]
        unknown = [key for key in value if key not in names]
        missing = [key for key in required if key not in value]
        problems = [at(where, f"unknown fields: {', '.join(unknown)}")] if unknown else []
        problems += [at(where, f"missing fields: {', '.join(missing)}")] if missing else []
        return problems + [
            problem for key in value if key in names for problem in field_spec(value[key], f"{where}.{key}")
        ]

    return check


FIELD_OPTIONS = {
    "column": some_text,
    "value": a_constant,
    "values": table_of(a_constant),
    "prefix": any_text,
    "date_format": any_text,
}
SCHEMA = object_with(
    {
        "description": any_text,
        "identifier": field_spec,
        "code": field_spec,
        "date_format": any_text,
        "incident": fields_of(INCIDENT_NAMES, REQUIRED_INCIDENT_FIELDS),
        "belligerents": field_spec,
        "strike_types": field_spec,
        "assessment": object_with(
            {"assessor": some_text, "fields": fields_of(ASSESSMENT_NAMES)}, required=["assessor"]
        ),
        "create": object_with(
            {
                "belligerents": list_of(object_with({"slug": some_text, "name": some_text}, required=["slug", "name"])),
                "assessors": list_of(
                    object_with(
                        {
                            "slug": some_text,
                            "name": some_text,
                            "kind": one_of(AssessorKind.values),
                            "url": any_text,
                            "speaks_for": list_of(some_text),
                            "belligerent": any_text,
                        },
                        required=["slug", "name"],
                    )
                ),
            }
        ),
    },
    required=["identifier", "incident"],
)
