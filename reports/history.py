"""An incident's change log, read from the history rows django-simple-history writes on every save and
delete of the incident, its attributions, assessments and sources (from forms, the admin and commands alike).
"""

from dataclasses import dataclass, field, replace

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from reports.forms import IncidentEntry
from reports.models import Assessment, Incident, IncidentBelligerent, Source

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
# What a history row of each model belongs to, and the fields a diff leaves out (bookkeeping, not content).
TRACKED = [
    (Incident, "id", []),
    (IncidentBelligerent, "incident_id", ["belligerent"]),
    (Assessment, "incident_id", ["assessor", "duplicate_of"]),
    (Source, "incident_id", []),
]
NOT_CONTENT = [
    *["version", "created_at", "created_by", "last_edited_by"],
    *["submitted_at", "submitted_by", "published_at", "published_by"],
]


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Change:
    when: object
    who: object
    what: str
    action: str
    reason: str
    version: int | None
    fields: list = field(default_factory=list)


def change_log(incident):
    """Every recorded change to `incident` and its rows, newest first, with field-level before and after."""
    changes = []
    for model, link, related in TRACKED:
        records = model.history.filter(**{link: incident.pk}).select_related("history_user", *related)
        previous = {}
        for record in records.order_by("history_date", "history_id"):
            before = previous.get(record.id)
            previous[record.id] = record
            changes.append(_describe(model, record, before))
    return sorted(changes, key=lambda change: change.when, reverse=True)


def public_change_log(incident):
    """What changed in the published record since it was first published, for readers: when and what, not
    who (staff are not named on public pages). Review-state moves are left out: they are not content."""
    if incident.published_at is None:
        return []
    state = str(Incident._meta.get_field("review_state").verbose_name)
    changes = []
    for change in change_log(incident):
        fields = [field for field in change.fields if field.label != state]
        if change.when <= incident.published_at or (change.action == ACTIONS["~"] and not fields):
            continue
        changes.append(replace(change, fields=fields, who=None, reason=""))
    return changes


def changes_since(incident, version):
    """The changes made after the editor loaded `version` of the incident: what an edit conflict is about."""
    loaded = incident.history.filter(version=version).order_by("history_date").last()
    if loaded is None:
        return change_log(incident)
    return [change for change in change_log(incident) if change.when > loaded.history_date]


def _describe(model, record, before):
    fields = []
    if before is not None and record.history_type == "~":
        delta = record.diff_against(before, excluded_fields=NOT_CONTENT)
        fields = [
            FieldChange(
                str(model._meta.get_field(c.field).verbose_name),
                _shown(model, before, c.field, c.old),
                _shown(model, record, c.field, c.new),
            )
            for c in delta.changes
        ]
    return Change(
        when=record.history_date,
        who=record.history_user,
        what=f"{model._meta.verbose_name} {_label(model, record)}",
        action=ACTIONS.get(record.history_type, record.history_type),
        reason=record.history_change_reason or "",
        version=getattr(record, "version", None),
        fields=fields,
    )


def _related(value):
    # An incident is named only once published: history is shown to readers, and to other analysts.
    if isinstance(value, Incident) and not value.is_published:
        return str(_("an unpublished incident"))
    return str(value)


def _label(model, record):
    if model is Incident:
        return record.code
    if model is Assessment:
        return f"by {record.assessor} on {record.assessed_on}"
    if model is IncidentBelligerent:
        return str(record.belligerent)
    return record.url or record.publisher or record.title


def _shown(model, record, name, value):
    """A history record's value as a reader would say it: its related records rather than their ids."""
    model_field = model._meta.get_field(name)
    if model_field.many_to_many:
        ids = [row[model_field.m2m_reverse_field_name()] for row in value]
        value = list(model_field.related_model.objects.filter(pk__in=ids))
    elif model_field.is_relation and value is not None:
        value = getattr(record, name)
    return _present(model, name, value)


# --- What a pending change (revision) would change -------------------------------------------------------

FORM_BOOKKEEPING = {"version", "id", "incident", "DELETE"}


def proposed_changes(revision):
    """What approving `revision` would change in the incident as it stands, as (changes, problem): field-level
    changes like change_log()'s, or a description of why the stored change no longer validates."""
    entry = IncidentEntry(revision.data, instance=revision.incident)
    if not entry.is_valid():
        return [], entry.error_summary()
    rows = [(entry.form, Incident)] + [
        (form, formset.model) for formset in entry.formsets.values() for form in formset.forms
    ]
    changes = []
    for form, model in rows:
        if not form.has_changed():
            continue
        # Validation has already copied the input onto form.instance: compare with the stored row.
        instance = model._base_manager.get(pk=form.instance.pk) if form.instance.pk else form.instance
        if instance.pk is None:
            action = "+"
        else:
            action = "-" if form.cleaned_data.get("DELETE") else "~"
        changes.append(
            Change(
                when=revision.updated_at,
                who=revision.created_by,
                what=f"{model._meta.verbose_name} {_label(model, instance)}"
                if instance.pk
                else model._meta.verbose_name,
                action=ACTIONS[action],
                reason=revision.reason,
                version=None,
                fields=[] if action == "-" else _form_changes(form, model, instance),
            )
        )
    return changes, ""


def _form_changes(form, model, stored):
    changes = []
    is_new = stored.pk is None
    for name in form.changed_data:
        if name in FORM_BOOKKEEPING:
            continue
        new = form.cleaned_data.get(name)
        if is_new and new in (None, "", []):
            continue
        old = None if is_new else _stored_value(form, stored, name)
        changes.append(
            FieldChange(str(form.fields[name].label), _present(model, name, old), _present(model, name, new))
        )
    return changes


def _stored_value(form, stored, name):
    try:
        model_field = stored._meta.get_field(name)
    except FieldDoesNotExist:
        return form.initial.get(name)  # a form-only field, e.g. a duplicate's code
    if model_field.many_to_many:
        return list(getattr(stored, name).all())
    return getattr(stored, name)


def _present(model, name, value):
    """A value as a reader would say it: choice labels, related records' names, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Model):
        return _related(value)
    if isinstance(value, (list, tuple, QuerySet)):
        return ", ".join(_related(item) for item in value) or "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)  # a form-only field
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)
