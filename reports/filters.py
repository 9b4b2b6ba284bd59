"""The one FilterSet of the public pages. The dashboard's tallies, the incident list and every export read
`IncidentFilter(request.GET).qs`, so what a reader sees is what is counted is what they download."""

import datetime

import django_filters as filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reports.figures import tallies
from reports.models import (
    Assessor,
    Belligerent,
    ComparisonCell,
    ComparisonChange,
    Grading,
    Incident,
    OfficialVerdict,
    StrikeType,
    TallyCell,
    TallyChange,
    normalize_search_text,
)
from reports.models.summary import ALL
from reports.models.vocabulary import LARGEST_COUNT, validate_date_in_range

# The filters the figures' summary can answer (dates only when they cover whole months; as_of from its history).
SUMMARY_FILTERS = {"country", "governorate", "belligerent", "date_from", "date_to", "as_of"}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlainSelect(forms.Select):
    """Django's select, written in Python: Django renders each option through a template of its own, which made
    the filter form a fifth of the time of every public page. Its HTML is Django's (tests/test_public.py)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = (option for _group, group_options, _index in widget["optgroups"] for option in group_options)
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option["value"], flatatt(option["attrs"]), option["label"]) for option in options),
            ),
        )


class DateInRangeFilter(filters.DateFilter):
    """A date in the range the tracker handles (a field error otherwise, as in the forms): the figures compute
    from the day after `date_to` and the months between the dates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validators=[validate_date_in_range], widget=DATE, **kwargs)


class IncidentFilter(filters.FilterSet):
    date_from = DateInRangeFilter(field_name="date_start", lookup_expr="gte", label=_("From"))
    date_to = DateInRangeFilter(field_name="date_start", lookup_expr="lte", label=_("To"))
    # Choices are the places of the published incidents, set in __init__ (exact matches: the database can
    # estimate and index them, which a case-insensitive match over a million rows defeats).
    country = filters.ChoiceFilter(label=_("Country"), widget=PlainSelect)
    governorate = filters.ChoiceFilter(label=_("Governorate / province"), widget=PlainSelect)
    belligerent = filters.ModelChoiceFilter(
        field_name="belligerents",
        to_field_name="slug",
        queryset=Belligerent.objects.all(),
        label=_("Belligerent"),
        widget=PlainSelect,
    )
    assessor = filters.ModelChoiceFilter(
        to_field_name="slug",
        queryset=Assessor.objects.all(),
        method="assessed_by",
        label=_("Assessed by"),
        widget=PlainSelect,
    )
    official_verdict = filters.ChoiceFilter(
        choices=OfficialVerdict.choices, method="with_current_verdict", label=_("Official verdict"), widget=PlainSelect
    )
    grading = filters.ChoiceFilter(
        choices=Grading.choices, method="with_current_verdict", label=_("Monitor grading"), widget=PlainSelect
    )
    strike_type = filters.ModelChoiceFilter(
        field_name="strike_types",
        to_field_name="slug",
        queryset=StrikeType.objects.all(),
        label=_("Strike type"),
        widget=PlainSelect,
    )
    q = filters.CharFilter(method="search", label=_("Search"), help_text=_("Code, place, title or summary."))
    min_killed = filters.NumberFilter(
        method="killed_at_least", min_value=0, max_value=LARGEST_COUNT, label=_("At least … killed")
    )
    as_of = DateInRangeFilter(method="known_by", label=_("As known on"))

    class Meta:
        model = Incident
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, Incident.public.all(), *args, **kwargs)
        # The unfiltered figures, read once: they list the places, and serve an unfiltered dashboard as is.
        self.unfiltered_figures = tallies.unfiltered()
        for dimension in ("country", "governorate"):
            self.filters[dimension].extra["choices"] = tallies.place_choices(self.unfiltered_figures, dimension)
        self.form.fields["min_killed"].widget.attrs.update(min=0, step=1)

    @property
    def as_of_date(self):
        """The date every figure is computed as of (None: today)."""
        self.is_valid()
        return self.form.cleaned_data.get("as_of")

    def is_filtered(self):
        """Whether any filter (as_of included) narrows the published set."""
        self.is_valid()
        return any(value not in (None, "") for value in self.form.cleaned_data.values())

    def active(self):
        """The filters in use, for the page's chips: [{label, value shown, the query string without it}]."""
        self.is_valid()
        chips = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            field = self.form.fields[name]
            if isinstance(value, datetime.date):
                shown = value.isoformat()
            elif isinstance(field, forms.ModelChoiceField) or not hasattr(field, "choices"):
                shown = value  # a record (its name), a number, a text
            else:
                shown = dict(field.choices).get(value, value)
            rest = self.data.copy()
            for dropped in (name, "page"):
                rest.pop(dropped, None)
            chips.append({"label": field.label, "value": str(shown), "query": rest.urlencode()})
        return chips

    def summary_cells(self, compared=False):
        """The summary's cells holding exactly this view's figures (its changes, TallyChange, for a date in
        the past), or None when a filter cuts finer than the summary does: text, verdicts, assessors, strike
        types, deaths, part of a month. `compared`: the headline comparisons' cells (ComparisonCell, or
        ComparisonChange), filtered alike."""
        self.is_valid()
        chosen = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")}
        if not set(chosen) <= SUMMARY_FILTERS:
            return None
        first, last = chosen.get("date_from"), chosen.get("date_to")
        if (first and first.day != 1) or (last and (last + datetime.timedelta(days=1)).day != 1):
            return None
        belligerent = chosen.get("belligerent")
        cell, change = (ComparisonCell, ComparisonChange) if compared else (TallyCell, TallyChange)
        model = change if chosen.get("as_of") else cell
        cells = model.objects.filter(attributed_to=belligerent.slug if belligerent else ALL)
        for name in ("country", "governorate"):
            if name in chosen:
                cells = cells.filter(**{name: chosen[name]})
        if first:
            cells = cells.filter(month__gte=first)
        if last:
            cells = cells.filter(month__lte=last)
        return cells

    # --- Filter methods --------------------------------------------------------------------------------

    def known_by(self, queryset, name, value):
        # An incident that had not happened yet cannot be in the record as of that date.
        return queryset.filter(date_start__lte=value)

    def assessed_by(self, queryset, name, value):
        return queryset.assessed(assessor=value, as_of=self.as_of_date)

    def with_current_verdict(self, queryset, name, value):
        return queryset.assessed(verdict=value, as_of=self.as_of_date)

    def killed_at_least(self, queryset, name, value):
        """Incidents where some assessor's current figure reaches `value` (its maximum, or its minimum when no
        maximum is given)."""
        reaching = Q(killed_max__gte=value) | Q(killed_max__isnull=True, killed_min__gte=value)
        return queryset.assessed(reaching, as_of=self.as_of_date)

    def search(self, queryset, name, value):
        """A part of the code, place names, title or summary, compared in normal form (Arabic with or without
        vowel marks or article, any alef; see normalize_search_text), so a whole code finds its incident too.
        One LIKE on the stored normal form, which PostgreSQL's trigram index serves: `contains`, as the form is
        already casefolded, and no other condition OR-ed to it (an exact match on `code` beside it made
        PostgreSQL read every incident)."""
        normalized = normalize_search_text(value)
        if not normalized:  # blank: no filter, as when it is left empty; vowel marks alone: nothing to find
            return queryset if not value.strip() else queryset.none()
        return queryset.filter(search_text__contains=normalized)
