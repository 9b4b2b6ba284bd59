"""The pages' one FilterSet (reports.filters.IncidentFilter) in front of the API, and the API's own parameters.
A value the FilterSet refuses (a country the records do not hold, a malformed date) is a 400 naming the
parameter, never an empty list."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from reports.filters import IncidentFilter
from reports.models.vocabulary import validate_date_in_range

SCHEMA_TYPES = {
    django_filters.DateFilter: OpenApiTypes.DATE,
    django_filters.NumberFilter: OpenApiTypes.INT,
}


def incident_filter(request, *other_parameters):
    """The request's IncidentFilter, valid (a ValidationError, so a 400, otherwise). A parameter that is neither
    a filter nor one of `other_parameters` is refused too: a misspelt filter would otherwise give every record."""
    refuse_unknown(request, {*IncidentFilter.base_filters, *other_parameters})
    filterset = IncidentFilter(request.query_params)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset


def refuse_unknown(request, known):
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        raise ValidationError({name: ["Unknown parameter."] for name in unknown})


def incident_filter_parameters():
    """The FilterSet's filters as OpenAPI query parameters. Places and reference slugs are free text here (the
    values the records hold change with the data, and the schema must not); verdicts are the vocabulary's."""
    parameters = []
    for name, declared in IncidentFilter.base_filters.items():
        kind = next((schema for cls, schema in SCHEMA_TYPES.items() if isinstance(declared, cls)), OpenApiTypes.STR)
        choices = declared.extra.get("choices")
        enum = [value for value, _label in choices] if isinstance(choices, list | tuple) and choices else None
        parameters.append(
            OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=str(declared.label), enum=enum)
        )
    return parameters


def moment_in_range(moment):
    validate_date_in_range(moment.date())


class SinceForm(forms.Form):
    """A date or a moment (ISO 8601) from which changes are wanted."""

    since = forms.DateTimeField(validators=[moment_in_range])


def since(request, name, required=False):
    """The `name` parameter as an aware datetime (a date: its midnight, UTC), None if absent and not
    required; a 400 naming it when malformed."""
    value = request.query_params.get(name, "").strip()
    if not value and not required:
        return None
    form = SinceForm({"since": value})
    if not form.is_valid():
        raise ValidationError({name: form.errors["since"]})
    return form.cleaned_data["since"]
