"""Analysts' forms. Each lists its fields explicitly; the rules themselves are the models' (`clean()` and
field validators), so a form, the admin and an import all refuse the same input with the same message."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms import inlineformset_factory
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reports.models import (
    Assessment,
    Assessor,
    DatePrecision,
    Incident,
    IncidentBelligerent,
    OfficialStatement,
    Source,
    StatementItem,
)
from reports.models.assessments import VERDICT_GROUPS
from reports.models.queue import COMMENT_NEEDED
from reports.models.review import assign_values, changeable_fields, empty_change_set, encode_value
from reports.models.vocabulary import validate_date_in_range

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER_INPUT = forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"})


def model_form_field(model_field, **kwargs):
    """Form fields as the model defines them; a link typed without a scheme is taken as https://, and a date
    must lie in the range the tracker handles (as in the filters and the imports)."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    form_field = model_field.formfield(**kwargs)
    if isinstance(form_field, forms.DateField):
        form_field.validators.append(validate_date_in_range)
    return form_field


def posted_row_count(text, maximum):
    """A row set's posted TOTAL_FORMS plus one (the no-JavaScript "add a row" button), at most `maximum`; None
    for a count that is no plain number, which is left as posted for the formset to report as tampered with."""
    text = (text or "0").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        return None
    return min(int(text) + 1, maximum)


class IncidentForm(forms.ModelForm):
    # The version the editor loaded: the save is refused if the incident has moved on since (no lost updates).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        formfield_callback = model_form_field
        fields = [
            "code",
            "title",
            "summary",
            "date_start",
            "date_end",
            "date_precision",
            "time_of_day",
            "country",
            "governorate",
            "district",
            "place_name",
            "place_name_ar",
            "latitude",
            "longitude",
            "location_precision",
            "strike_types",
            "strike_status",
            "strike_count",
            "grading",
            "civilian_harm_reported",
            "cause_of_harm",
            "infrastructure",
            "first_reported_on",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "date_start": DATE_INPUT,
            "date_end": DATE_INPUT,
            "first_reported_on": DATE_INPUT,
            "place_name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "strike_types": forms.CheckboxSelectMultiple,
            "civilian_harm_reported": forms.NullBooleanSelect,
        }

    # The code this form suggested to a new incident (Incident.objects.next_free_code()).
    suggested_code = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)
        elif not self.is_bound:
            code = Incident.objects.next_free_code()
            self.initial.setdefault("code", code)
            self.initial.setdefault("suggested_code", code)
        self.fields["code"].help_text = _(
            "A new incident gets the next free code in the project's format (INC- and a number); keep it, or type "
            "the code a source gives it (e.g. Airwars' CS1548). Never reused."
        )

    def clean_code(self):
        code = self.cleaned_data["code"]
        suggested = self.data.get(self.add_prefix("suggested_code"), "")
        # The analyst kept the suggestion, which someone else took meanwhile: the next free code is as good.
        if self.instance.pk is None and code and code == suggested and Incident.objects.filter(code=code).exists():
            return Incident.objects.next_free_code()
        return code


class AssessorSelect(forms.Select):
    """The assessor list, each option carrying its assessor's kind (data-kind), which assessments.js reads to
    offer only that kind's verdicts."""

    def __init__(self, attrs=None):
        super().__init__({"data-verdicts-follow": "", **(attrs or {})})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if getattr(value, "instance", None) is not None:
            option["attrs"]["data-kind"] = value.instance.kind
        return option


def verdict_choices(kind=None):
    """The verdict list for an assessor of `kind`: its kind's verdicts only, or both groups when not known."""
    groups = [(label, verdicts.choices) for group_kind, label, verdicts in VERDICT_GROUPS if kind in (None, group_kind)]
    return [*BLANK_CHOICE_DASH, *groups]


class VerdictSelect(forms.Select):
    """The verdict list, each option carrying the kind of assessor that gives it (data-kind). The full list
    follows the select in a <template>, from which assessments.js rebuilds the options when the assessor
    changes (the select itself may offer one kind only)."""

    KIND_OF = {value: kind for kind, _label, verdicts in VERDICT_GROUPS for value in verdicts.values}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.KIND_OF:
            option["attrs"]["data-kind"] = self.KIND_OF[value]
        return option

    def render(self, name, value, attrs=None, renderer=None):
        every_option = format_html_join(
            "",
            '<optgroup label="{}">{}</optgroup>',
            (
                (
                    label,
                    format_html_join("", '<option value="{}" data-kind="{}">{}</option>', verdicts_of(kind, verdicts)),
                )
                for kind, label, verdicts in VERDICT_GROUPS
            ),
        )
        every_verdict = format_html('<template class="every-verdict">{}</template>', every_option)
        return format_html("{}{}", super().render(name, value, attrs, renderer), every_verdict)


def verdicts_of(kind, verdicts):
    return ((value, kind, label) for value, label in verdicts.choices)


class AssessmentForm(forms.ModelForm):
    """An assessment. The verdict list offers the assessor's kind of verdict once the assessor is known (posted,
    stored, or given as `initial`); the model refuses a verdict of the other kind in any case.

    `assessor_kinds` ({assessor id as text: kind}) and `sources` (the incident's saved sources) may be given by
    a row set, to look them up once for all its rows."""

    # A form field that stands for a model field, in a change set (see change_values()).
    STANDS_FOR = {"duplicate_of_code": "duplicate_of"}

    duplicate_of_code = forms.CharField(
        label=_("Duplicate of (incident code)"), required=False, max_length=40, help_text=_("For a duplicate verdict.")
    )

    class Meta:
        model = Assessment
        formfield_callback = model_form_field
        fields = [
            "assessor",
            "verdict",
            "non_credible_reason",
            "assessed_on",
            "killed_min",
            "killed_max",
            "killed_max_open",
            "injured_min",
            "injured_max",
            "children_killed_min",
            "children_killed_max",
            "women_killed_min",
            "women_killed_max",
            "missing_min",
            "missing_max",
            "source",
            "source_url",
            "quote",
            "caveat",
            "note",
        ]
        widgets = {
            "assessor": AssessorSelect,
            "verdict": VerdictSelect,
            "assessed_on": DATE_INPUT,
            "quote": forms.Textarea(attrs={"rows": 2}),
            "caveat": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
            **{name: NUMBER_INPUT for name in fields if name.endswith(("_min", "_max"))},
        }

    def __init__(self, *args, assessor_kinds=None, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.duplicate_of_id:
            self.initial.setdefault("duplicate_of_code", self.instance.duplicate_of.code)
        if assessor_kinds is None:
            assessor_kinds = assessor_kinds_by_id()
        # Only the rendering is narrowed: the field takes either kind, for the model to refuse with its reason.
        self.fields["verdict"].widget.choices = verdict_choices(assessor_kinds.get(self.assessor_id()))
        if sources is None:
            sources = incident_sources(self.instance.incident_id)
        self.fields["source"].queryset = sources

    def assessor_id(self):
        """The assessor's id as text, as far as it is known: posted, given as initial, or stored."""
        if self.is_bound:
            return self.data.get(self.add_prefix("assessor"))
        assessor = self.get_initial_for_field(self.fields["assessor"], "assessor")
        return str(getattr(assessor, "pk", assessor) or "")

    def clean_duplicate_of_code(self):
        code = self.cleaned_data["duplicate_of_code"].strip()
        if not code:
            self.instance.duplicate_of = None
            return ""
        # Published incidents only: a duplicate points at the public record, and looking codes up among drafts
        # would tell an analyst which codes other analysts' drafts use.
        incident = Incident.objects.published().filter(code__iexact=code).first()
        if incident is None:
            raise forms.ValidationError(_("No published incident has the code %(code)s."), params={"code": code})
        self.instance.duplicate_of = incident
        return incident.code


def assessor_kinds_by_id():
    return {str(pk): kind for pk, kind in Assessor.objects.values_list("pk", "kind")}


def incident_sources(incident_id):
    """The sources an assessment of the incident may name: its own saved ones (none for a new incident)."""
    return Source.objects.filter(incident_id=incident_id) if incident_id else Source.objects.none()


class AssessorChoiceForm(forms.Form):
    """The first step of a new assessment without JavaScript: whose it is, so that the verdict list that
    follows offers that assessor's kind of verdict."""

    assessor = forms.ModelChoiceField(queryset=Assessor.objects.all(), label=_("Assessor"), widget=AssessorSelect)


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        formfield_callback = model_form_field
        fields = ["url", "publisher", "author", "title", "language", "published_on", "archive_url"]
        widgets = {"published_on": DATE_INPUT}


class StatementForm(forms.ModelForm):
    class Meta:
        model = OfficialStatement
        formfield_callback = model_form_field
        fields = [
            "assessor",
            "published_on",
            "title",
            "countries",
            "period_start",
            "period_start_precision",
            "period_end",
            "civilians_killed",
            "reports_received",
            "reports_credible",
            "reports_non_credible",
            "reports_under_review",
            "url",
            "quote",
            "caveats",
            "note",
        ]
        widgets = {
            "published_on": DATE_INPUT,
            "period_start": DATE_INPUT,
            "period_end": DATE_INPUT,
            "quote": forms.Textarea(attrs={"rows": 3}),
            "caveats": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start_precision"].required = False  # a day, unless said otherwise

    def clean_period_start_precision(self):
        return self.cleaned_data["period_start_precision"] or DatePrecision.DAY


class StatementItemForm(forms.ModelForm):
    # The incident by its code, as analysts and readers know it (a select of every incident would not scale);
    # a published one, since readers follow the link (and a draft's code must not be confirmed to anyone).
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.published(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput,
        label=_("Incident code in these records"),
        error_messages={"invalid_choice": _("No published incident has this code.")},
    )

    class Meta:
        model = StatementItem
        formfield_callback = model_form_field
        fields = ["role", "description", "incident", "civilians_killed", "strikes", "period_start", "period_end"]
        widgets = {"period_start": DATE_INPUT, "period_end": DATE_INPUT}


MAX_ITEMS = 50  # a statement's details; more is not a statement but an attack on the form
StatementItemFormSet = inlineformset_factory(
    OfficialStatement,
    StatementItem,
    form=StatementItemForm,
    extra=2,
    can_delete=True,
    max_num=MAX_ITEMS,
    absolute_max=MAX_ITEMS,
    validate_max=True,
)


AttributionFormSet = inlineformset_factory(
    Incident, IncidentBelligerent, fields=["belligerent", "role"], extra=1, can_delete=True
)
SourceFormSet = inlineformset_factory(Incident, Source, form=SourceForm, extra=1, can_delete=True)


class BaseAssessmentFormSet(forms.BaseInlineFormSet):
    """Assessment rows: the assessors' kinds and the incident's sources looked up once for all rows."""

    def get_form_kwargs(self, index):
        if not hasattr(self, "_shared_kwargs"):
            self._shared_kwargs = {
                "assessor_kinds": assessor_kinds_by_id(),
                "sources": incident_sources(self.instance.pk),
            }
        return {**super().get_form_kwargs(index), **self._shared_kwargs}


AssessmentFormSet = inlineformset_factory(
    Incident,
    Assessment,
    form=AssessmentForm,
    formset=BaseAssessmentFormSet,
    fk_name="incident",
    extra=1,
    can_delete=True,
)


def change_values(form, names):
    """{model field name: value as a change set holds it} of a validated model form's fields `names` (form field
    names; bookkeeping fields such as the row's id or the incident's version are not values)."""
    fields = changeable_fields(form._meta.model)
    values = {}
    for name in names:
        model_name = getattr(form, "STANDS_FOR", {}).get(name, name)
        field = fields.get(model_name)
        if field is None:
            continue
        value = form.cleaned_data[name] if field.many_to_many else getattr(form.instance, field.attname)
        values[model_name] = encode_value(value)
    return values


def added_row(form):
    """A validated row form (e.g. one new assessment) as a row a change set adds."""
    return {"id": None, "fields": change_values(form, form.fields)}


def posted_data(form):
    """The data a browser posts for `form` as shown, as {name: [values]}."""
    data = {}
    for bound_field in form:
        widget = bound_field.field.widget
        if isinstance(widget, forms.CheckboxInput):
            # A ticked box posts "on"; an unticked one, nothing (written "", which reads as unticked too).
            data[bound_field.html_name] = ["on" if widget.check_test(bound_field.value()) else ""]
            continue
        value = widget.format_value(bound_field.value())
        values = value if isinstance(value, list) else [value]
        data[bound_field.html_name] = ["" if item is None else str(item) for item in values]
    return data


class IncidentEntry:
    """The incident form with its belligerents, sources and assessments: validated and saved as one unit.

    `data` is a POST. Rows left empty are ignored; rows ticked for deletion are deleted; the incident's version
    is checked so that concurrent edits never overwrite each other. A published incident is not saved: what the
    entry changes waits for review as a change set (change_set()).
    """

    FORMSETS = {"belligerents": AttributionFormSet, "sources": SourceFormSet, "assessments": AssessmentFormSet}

    def __init__(self, data=None, instance=None):
        if data is not None and not isinstance(data, MultiValueDict):
            data = MultiValueDict(data)  # {name: [values]}, e.g. from data_for()
        self.form = IncidentForm(data, instance=instance)
        self.formsets = {
            prefix: formset_class(data, instance=self.form.instance, prefix=prefix)
            for prefix, formset_class in self.FORMSETS.items()
        }

    @classmethod
    def with_added_row(cls, data, prefix, instance=None):
        """The same input with one more empty row in one row set (the no-JavaScript "add a row" button)."""
        if prefix not in cls.FORMSETS:
            return cls(data, instance)
        total = f"{prefix}-TOTAL_FORMS"
        count = posted_row_count(data.get(total), cls.FORMSETS[prefix].absolute_max)
        if count is not None:
            data = data.copy()
            data[total] = str(count)
        return cls(data, instance)

    @classmethod
    def data_for(cls, incident):
        """The form data a browser would post to save `incident` unchanged, as {name: [values]}."""
        entry = cls(instance=incident)
        data = posted_data(entry.form)
        for formset in entry.formsets.values():
            for form in [formset.management_form, *formset.forms]:
                data.update(posted_data(form))
        return data

    @classmethod
    def for_revision(cls, revision):
        """The edit form of a proposed change as its author left it: the incident as the change would leave it,
        on the version the change was made on, and bound (so that a change that no longer validates says why)."""
        incident, change_set = revision.incident, revision.change_set
        data = cls.data_for(incident)
        data["version"] = [str(revision.base_version)]
        preview = copy.copy(incident)
        many = cls._assigned(preview, change_set.get("incident", {}))
        preview_form = IncidentForm(instance=preview, initial=many)
        data.update(posted_data(preview_form) | {"version": data["version"]})
        for prefix, formset_class in cls.FORMSETS.items():
            rows = list(formset_class(instance=incident, prefix=prefix).get_queryset())
            index = {row.pk: number for number, row in enumerate(rows)}
            # New rows take the place of the empty row that follows the stored ones, which moves after them.
            blank = f"{prefix}-{len(rows)}-"
            blank_row = {name.removeprefix(blank): values for name, values in data.items() if name.startswith(blank)}
            total = len(rows)
            for row_change in change_set.get(prefix, []):
                number = index.get(row_change.get("id"))
                if row_change.get("id") is not None and number is None:
                    continue  # a row deleted since: the reviewer is told (IncidentRevision.problems)
                if row_change.get("delete"):
                    data[f"{prefix}-{number}-DELETE"] = ["on"]
                    continue
                if number is None:
                    number, total = total, total + 1
                    row = formset_class.model(incident=incident)
                    data.update({f"{prefix}-{number}-{name}": values for name, values in blank_row.items()})
                else:
                    row = copy.copy(rows[number])
                many = cls._assigned(row, row_change.get("fields", {}))
                data.update(posted_data(formset_class.form(instance=row, initial=many, prefix=f"{prefix}-{number}")))
            data.update({f"{prefix}-{total}-{name}": values for name, values in blank_row.items()})
            data[f"{prefix}-TOTAL_FORMS"] = [str(total + 1)]
        return cls(data, instance=incident)

    @staticmethod
    def _assigned(row, values):
        # The change's values set on `row` in memory, as far as they still read; its many-to-many values.
        try:
            return assign_values(row, values)
        except ValidationError:
            return {}

    def change_set(self):
        """What this entry (validated: call is_valid() first) changes in its incident, as a change set (see
        IncidentRevision): the incident's changed fields, and the rows added, changed or deleted."""
        change_set = empty_change_set()
        change_set["incident"] = change_values(self.form, self.form.changed_data)
        for prefix, formset in self.formsets.items():
            deleted = formset.deleted_forms
            for form in formset.forms:
                row_id = form.instance.pk
                if form in deleted:
                    if row_id is not None:
                        change_set[prefix].append({"id": row_id, "delete": True})
                elif not form.has_changed():
                    continue
                elif row_id is None:
                    change_set[prefix].append(added_row(form))
                elif values := change_values(form, form.changed_data):
                    change_set[prefix].append({"id": row_id, "fields": values})
        return change_set

    def is_valid(self):
        results = [self.form.is_valid(), *(formset.is_valid() for formset in self.formsets.values())]
        return all(results) and not self._names_a_deleted_source()

    def _names_a_deleted_source(self):
        """Flag each kept assessment whose source this same entry deletes (saved, it would name a gone row)."""
        deleted = {form.instance.pk for form in self.formsets["sources"].deleted_forms if form.instance.pk}
        assessments = self.formsets["assessments"]
        flagged = False
        for form in assessments.forms:
            source = form.cleaned_data.get("source") if form not in assessments.deleted_forms else None
            if source is not None and source.pk in deleted:
                form.add_error("source", _("This source is deleted in this same edit: choose another, or none."))
                flagged = True
        return flagged

    @transaction.atomic
    def save(self, by, reason=""):
        """Save everything, attributed to `by` with `reason` in the history. Raises EditConflict if the incident
        was saved by someone else after this form was loaded (nothing is written then)."""
        incident = self.form.save(commit=False)
        incident.last_edited_by = by
        incident._change_reason, incident._history_user = reason, by
        if incident.pk is None:
            incident.created_by = by
            incident.save()
        else:
            incident.save_checked(self.form.cleaned_data["version"])
        self.form.save_m2m()
        for prefix, formset in self.formsets.items():
            formset.instance = incident
            for row in formset.save(commit=False):
                if row.pk is None and hasattr(row, "created_by_id"):
                    row.created_by = by
                row._change_reason, row._history_user = reason, by
                row.save()
            if prefix != "sources":
                self._delete(formset, by, reason)
        # Sources last: once the assessments saved above no longer name them.
        self._delete(self.formsets["sources"], by, reason)
        return incident

    @staticmethod
    def _delete(formset, by, reason):
        for row in formset.deleted_objects:
            row._change_reason, row._history_user = reason, by
            row.delete()

    def likely_duplicates(self, user):
        """Existing incidents that `user` may see and this new one may duplicate (call after is_valid())."""
        data = self.form.cleaned_data
        belligerents = [
            row["belligerent"]
            for row in self.formsets["belligerents"].cleaned_data
            if row and not row.get("DELETE") and row.get("belligerent")
        ]
        if not belligerents:
            return Incident.objects.none()
        duplicates = Incident.objects.likely_duplicates(
            user, data["date_start"], belligerents, data["place_name"], data["latitude"], data["longitude"]
        )
        return duplicates.exclude(pk=self.form.instance.pk) if self.form.instance.pk else duplicates


class ReviewDecisionForm(forms.Form):
    """A reviewer's decision on one record of the queue, with the comment its author will read."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment for the author"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to request changes or to reject: say what needs to change, or why."),
    )
    override_reason = forms.CharField(
        label=_("Four-eyes override: why you decide on your own work (admins only)"), required=False, max_length=1000
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, decisions, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = list(decisions.items())
        if not user.is_superuser:
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        needed = COMMENT_NEEDED.get(data.get("decision"))
        if needed and not data.get("comment", "").strip():
            self.add_error("comment", needed)
        data.setdefault("override_reason", "")
        return data
