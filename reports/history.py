"""An incident's change log, read from the history rows django-simple-history writes on every save and
delete of the incident, its attributions, assessments and sources (from forms, the admin and commands alike).
"""

import functools
from dataclasses import dataclass, field, replace

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db.models import Exists, Model, QuerySet
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reports.models import Assessment, Incident, IncidentBelligerent, Source
from reports.models.review import decode_values, row_changes

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
    private: bool = False  # a field readers never see (a model's PRIVATE_FIELDS), left out of the public log


@dataclass
class Change:
    when: object
    who: object
    what: str
    action: str
    reason: str
    version: int | None
    fields: list = field(default_factory=list)


def change_log(incident, tracked=TRACKED):
    """Every recorded change to `incident` and its rows (of the `tracked` models), newest first, with field-level
    before and after."""
    changes = []
    for model, link, related in tracked:
        records = model.history.filter(**{link: incident.pk}).select_related("history_user", *related)
        previous = {}
        for record in records.order_by("history_date", "history_id"):
            before = previous.get(record.id)
            previous[record.id] = record
            if not completes_creation(model, record, before):
                changes.append(_describe(model, record, before))
    return sorted(changes, key=lambda change: change.when, reverse=True)


def completes_creation(model, record, before):
    """Whether `record` only adds the many-to-many values (strike types) of the creation just before it: a new
    incident is saved before its links can be, which leaves a second history row that is part of creating it."""
    if before is None or before.history_type != "+" or record.history_type != "~":
        return False
    if record.history_user_id != before.history_user_id or getattr(record, "version", None) != getattr(
        before, "version", None
    ):
        return False
    delta = record.diff_against(before, excluded_fields=NOT_CONTENT)
    return bool(delta.changes) and all(model._meta.get_field(c.field).many_to_many for c in delta.changes)


def public_change_log(incident):
    """What changed in the published record since it was first published, for readers: when and what, not
    who (staff are not named on public pages). Review-state moves are left out: they are not content."""
    if incident.published_at is None:
        return []
    state = str(Incident._meta.get_field("review_state").verbose_name)
    changes = []
    for change in change_log(incident, tracked_changed_after(incident, incident.published_at)):
        fields = [field for field in change.fields if field.label != state and not field.private]
        if change.when <= incident.published_at or (change.action == ACTIONS["~"] and not fields):
            continue
        changes.append(replace(change, fields=fields, who=None, reason=""))
    return changes


@functools.cache
def historical(model):
    """The history model of `model` (reading `model.history` builds a manager class each time)."""
    return model.history.model


def tracked_changed_after(incident, moment):
    """The TRACKED models with a history row of `incident` after `moment`, asked in one query: most published
    incidents never change after publication (whose own history row falls just after `moment`), and their log
    then reads the incident's history only, not every model's."""
    checks = {
        f"changed_{index}": Exists(historical(model).objects.filter(**{link: incident.pk}, history_date__gt=moment))
        for index, (model, link, _related) in enumerate(TRACKED)
    }
    changed = Incident.objects.filter(pk=incident.pk).values(**checks).first() or {}
    return [tracked for index, tracked in enumerate(TRACKED) if changed.get(f"changed_{index}")]


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
                private=c.field in getattr(model, "PRIVATE_FIELDS", ()),
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
        return _("by %(assessor)s on %(date)s") % {"assessor": record.assessor, "date": date_format(record.assessed_on)}
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
        try:
            value = getattr(record, name)
        except ObjectDoesNotExist:  # e.g. an assessment's source, deleted since
            value = _("a %(record)s deleted since") % {"record": model_field.related_model._meta.verbose_name}
    return _present(model, name, value)


# --- What a pending change (revision) would change -------------------------------------------------------


def proposed_changes(revision):
    """What approving `revision` would change in the incident as it stands, as (changes, problem): field-level
    changes like change_log()'s, read from its change set, and why it could not be approved as it stands (see
    IncidentRevision.problems; empty if nothing is known against it)."""
    incident = revision.incident
    changes = []
    fields = _value_changes(incident, revision.change_set.get("incident", {}))
    if fields:
        changes.append(_proposed(revision, Incident, incident, "~", fields))
    for row in row_changes(incident, revision.change_set):
        if row.is_gone:
            continue  # one of the problems
        if row.delete:
            changes.append(_proposed(revision, row.model, row.stored, "-", []))
        elif row.is_new:
            changes.append(_proposed(revision, row.model, None, "+", _value_changes(row.model(), row.values)))
        elif fields := _value_changes(row.stored, row.values):
            changes.append(_proposed(revision, row.model, row.stored, "~", fields))
    return changes, "; ".join(revision.problems())


def _proposed(revision, model, stored, action, fields):
    return Change(
        when=revision.updated_at,
        who=revision.created_by,
        what=f"{model._meta.verbose_name} {_label(model, stored)}" if stored is not None else model._meta.verbose_name,
        action=ACTIONS[action],
        reason=revision.reason,
        version=None,
        fields=fields,
    )


def _value_changes(stored, values):
    """The fields of a change set's `values` that differ from the `stored` row's (for a new row, that are not
    empty), with their values before and after as a reader would say them. Values that no longer read are left
    out (IncidentRevision.problems names them)."""
    model = type(stored)
    changes = []
    for name, value in values.items():
        try:
            new = decode_values(model, {name: value})[name]
        except ValidationError:
            continue
        field = model._meta.get_field(name)
        if field.many_to_many:
            old = list(getattr(stored, name).all()) if stored.pk else []
            if {item.pk for item in old} == set(new):
                continue
            new = list(field.related_model._base_manager.filter(pk__in=new))
        else:
            if stored.pk is not None and getattr(stored, field.attname) == new:
                continue
            old = getattr(stored, name) if stored.pk is not None else None
            if field.is_relation and new is not None:
                new = field.related_model._base_manager.filter(pk=new).first()
        if stored.pk is None and new in (None, "", []):
            continue
        label = capfirst(field.verbose_name)
        changes.append(FieldChange(str(label), _present(model, name, old), _present(model, name, new)))
    return changes


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
