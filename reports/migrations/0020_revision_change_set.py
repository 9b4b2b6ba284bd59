"""Proposed changes (IncidentRevision) store a change set instead of the edit form's POST (the format is in
IncidentRevision's docstring).

Each stored POST is read as the edit form read it when the change was proposed (the field names and form fields
below, frozen here), against the incident as it stands: the incident's fields and rows that approving the form
would have changed become the change set, each row added, changed or deleted. What cannot be converted (a value
that no longer reads, a row that no longer exists, a duplicate's code that no published incident has) is listed
under "problems" and the rest is converted: such a change is never approved as it stands (approval refuses it
with the problems), and the reviewer returns it to its author, who edits it again on the current form.

Closed revisions (approved, rejected) are converted the same way, for the record; an approved one's content is in
the incident's history. `updated_at` is kept (a reviewer's confirmation page still matches). Going back to
0019 restores no form data: pending changes then fail validation there, and are returned to their authors.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import migrations, models
from django.utils.text import capfirst

# The analysts' edit form (reports/forms.py) as it was when revisions stored its POST: its fields, by row set
# ("incident" for the incident's own form, the others being formset prefixes), and the form-only field that
# stood for a model field.
FORM_FIELDS = {
    "incident": [
        *["code", "title", "summary", "date_start", "date_end", "date_precision", "time_of_day", "country"],
        *["governorate", "district", "place_name", "place_name_ar", "latitude", "longitude", "location_precision"],
        *["strike_types", "strike_status", "strike_count", "grading", "civilian_harm_reported", "cause_of_harm"],
        *["infrastructure", "first_reported_on"],
    ],
    "belligerents": ["belligerent", "role"],
    "sources": ["url", "publisher", "author", "title", "language", "published_on", "archive_url"],
    "assessments": [
        *["assessor", "verdict", "non_credible_reason", "assessed_on", "killed_min", "killed_max", "injured_min"],
        *["injured_max", "children_killed_min", "children_killed_max", "women_killed_min", "women_killed_max"],
        *["source_url", "quote", "note", "duplicate_of_code"],
    ],
}
ROW_MODELS = {"belligerents": "IncidentBelligerent", "sources": "Source", "assessments": "Assessment"}
STANDS_FOR = {"duplicate_of_code": "duplicate_of"}


def encode(value):
    """A value as change sets (format 1) hold it."""
    if isinstance(value, (list, tuple, models.QuerySet)):
        return [encode(item) for item in value]
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def ticked(data, name):
    # As a checkbox reads a post: "false" and nothing are unticked, anything else ticked.
    value = (data.get(name) or [""])[-1]
    return bool({"true": True, "false": False}.get(value.lower(), value))


class FormReader:
    """Reads one stored POST ({name: [values]}) of the edit form of `incident`."""

    def __init__(self, apps, incident, data):
        self.apps, self.incident = apps, incident
        self.data = {name: values if isinstance(values, list) else [values] for name, values in data.items()}
        self.problems = []

    def change_set(self):
        change_set = {"format": 1, "incident": {}, **{key: [] for key in ROW_MODELS}}
        incident_model = self.apps.get_model("reports", "Incident")
        change_set["incident"] = self.changed_values(incident_model, "", "incident", self.incident, "")
        for key, model_name in ROW_MODELS.items():
            model = self.apps.get_model("reports", model_name)
            stored = {row.pk: row for row in model.objects.filter(incident_id=self.incident.pk)}
            try:
                total = int((self.data.get(f"{key}-TOTAL_FORMS") or ["0"])[-1])
            except ValueError:
                total = 0
            for number in range(total):
                entry = self.row(model, key, number, stored)
                if entry is not None:
                    change_set[key].append(entry)
        if self.problems:
            change_set["problems"] = self.problems
        return change_set

    def row(self, model, key, number, stored):
        prefix = f"{key}-{number}-"
        label = f"{capfirst(model._meta.verbose_name)} {number + 1} — "
        deleted = ticked(self.data, prefix + "DELETE")
        row_id = (self.data.get(prefix + "id") or [""])[-1]
        if not row_id:
            if deleted or not self.row_changed(model, prefix, key):
                return None  # an empty row, or one added and removed again
            values = self.values(model, prefix, key, label)
            return {"id": None, "fields": {name: encode(value) for name, value in values.items()}}
        row = stored.get(int(row_id)) if row_id.isdigit() else None
        if row is None:
            if not deleted:
                self.problems.append(f"{label}this row no longer exists.")
            return None
        if deleted:
            return {"id": row.pk, "delete": True}
        values = self.changed_values(model, prefix, key, row, label)
        return {"id": row.pk, "fields": values} if values else None

    def row_changed(self, model, prefix, key):
        """Whether a new row was filled in (the form left rows that were not aside)."""
        for name in FORM_FIELDS[key]:
            raw = self.raw(prefix, name, False)
            if name in STANDS_FOR:
                if (raw or "").strip():
                    return True
                continue
            field = model._meta.get_field(name)
            initial = field.get_default() if field.has_default() else None
            if self.form_field(field).has_changed(initial, raw):
                return True
        return False

    def values(self, model, prefix, key, label):
        """{model field: value} of every field of a row's form, as the form cleaned it (a related record as its
        id, many-to-many fields as lists of ids)."""
        values = {}
        for name in FORM_FIELDS[key]:
            model_name = STANDS_FOR.get(name, name)
            field = model._meta.get_field(model_name)
            try:
                value = self.cleaned(field, prefix, name)
            except ValidationError as invalid:
                self.problems.append(f"{label}{capfirst(field.verbose_name)}: {' '.join(invalid.messages)}")
                continue
            if field.many_to_many:
                value = sorted(item.pk for item in value)
            elif isinstance(value, models.Model):
                value = value.pk
            values[model_name] = value
        return values

    def changed_values(self, model, prefix, key, stored, label):
        """The values of `values()` that differ from the `stored` row's, as change sets hold them."""
        changed = {}
        for model_name, value in self.values(model, prefix, key, label).items():
            field = model._meta.get_field(model_name)
            if field.many_to_many:
                now = sorted(getattr(stored, model_name).values_list("pk", flat=True))
            else:
                now = getattr(stored, field.attname)
            if value != now:
                changed[model_name] = encode(value)
        return changed

    def raw(self, prefix, name, many):
        values = self.data.get(prefix + name) or []
        return values if many else (values[-1] if values else None)

    def cleaned(self, field, prefix, name):
        raw = self.raw(prefix, name, field.many_to_many)
        if name == "duplicate_of_code":
            code = (raw or "").strip()
            if not code:
                return None
            incidents = self.apps.get_model("reports", "Incident").objects
            duplicate = incidents.filter(review_state="published", code__iexact=code).first()
            if duplicate is None:
                raise ValidationError(f"No published incident has the code {code}.")
            return duplicate.pk
        return self.form_field(field).clean(raw)

    @staticmethod
    def form_field(field):
        return field.formfield(**({"assume_scheme": "https"} if isinstance(field, models.URLField) else {}))


def change_set_from_form(apps, incident, data):
    """The change set of a revision of `incident` stored as the edit form's POST `data` ({name: [values]})."""
    return FormReader(apps, incident, data).change_set()


def convert_revisions(apps, schema_editor):
    IncidentRevision = apps.get_model("reports", "IncidentRevision")
    Incident = apps.get_model("reports", "Incident")
    for revision in IncidentRevision.objects.order_by("pk").iterator():
        incident = Incident.objects.get(pk=revision.incident_id)
        change_set = change_set_from_form(apps, incident, revision.data or {})
        # An update, not a save: `updated_at` (what a reviewer saw) stays as it was.
        IncidentRevision.objects.filter(pk=revision.pk).update(change_set=change_set)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0019_review_imports_and_statements"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentrevision",
            name="change_set",
            field=models.JSONField(default=dict, verbose_name="proposed change"),
            preserve_default=False,
        ),
        # A default for the field 0021 removes, so that going back can restore it on existing rows.
        migrations.AlterField(
            model_name="incidentrevision",
            name="data",
            field=models.JSONField(default=dict, verbose_name="submitted form"),
        ),
        migrations.RunPython(convert_revisions, migrations.RunPython.noop),
    ]
