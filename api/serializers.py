"""What the API says of each record. Field names are the contract of v1: add fields, never rename or drop one
(the committed api/schema.yaml and tests/test_api.py hold them). Private fields (an assessment's team note, who
entered or reviewed a record) are never listed."""

import copy

from django.db import models
from django.urls import reverse
from rest_framework import serializers

from reports.models import COUNT_RANGES, Assessment, Assessor, Belligerent, Incident, Source

COUNT_FIELDS = [f"{name}_{end}" for name in COUNT_RANGES for end in ("min", "max")]
BUILT_FIELDS = {}  # ModelSerializer subclass: its unbound fields (ModelSerializer.get_fields)
PLACE_AND_DATE = [
    *["code", "title", "date_start", "date_end", "date_precision"],
    *["country", "governorate", "district", "place_name", "place_name_ar"],
    *["latitude", "longitude", "location_precision", "strike_status", "grading"],
]


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        """The fields, built from the model once per class and copied for each serializer: DRF builds them anew
        for every instance, most of an incident's serialization time. Nothing here varies by request."""
        built = BUILT_FIELDS.get(type(self))
        if built is None:
            built = BUILT_FIELDS[type(self)] = super().get_fields()
        return copy.deepcopy(built)

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.IntegerField):
            # The database's own bound (SQLite's differs from PostgreSQL's), which the schema must not depend on.
            kwargs.pop("max_value", None)
        return field_class, kwargs


class BelligerentSerializer(ModelSerializer):
    class Meta:
        model = Belligerent
        fields = ["slug", "name"]


class AssessorSerializer(ModelSerializer):
    speaks_for = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Assessor
        fields = ["slug", "name", "kind", "url", "speaks_for"]


class AssessmentSerializer(ModelSerializer):
    assessor = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assessor_kind = serializers.CharField(source="assessor.kind", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            *["assessor", "assessor_kind", "verdict", "non_credible_reason", "assessed_on", "dating"],
            *["counts_from", "superseded_on", *COUNT_FIELDS, "killed_max_open"],
            *["source_url", "quote", "strike_report_url", "location_description", "caveat"],
        ]


class SourceSerializer(ModelSerializer):
    class Meta:
        model = Source
        fields = [
            *["position", "url", "archive_url", "publisher", "author", "title", "language", "platform"],
            *["published_on", "media_count", "has_video"],
        ]


class IncidentSerializer(ModelSerializer):
    """A list's row: the incident, its belligerents and the assessments current on the list's `as_of`."""

    url = serializers.SerializerMethodField()
    belligerents = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    current_assessments = AssessmentSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["url", *PLACE_AND_DATE, "belligerents", "current_assessments", "published_at", "updated_at"]

    def get_url(self, incident) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:incident-detail", args=[incident.code]))


class AttributionSerializer(serializers.Serializer):
    belligerent = serializers.CharField(source="belligerent.slug")
    role = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class ChangeSerializer(serializers.Serializer):
    """One entry of the public change log (reports.history.public_change_log): when and what, never who."""

    when = serializers.DateTimeField()
    what = serializers.CharField()
    action = serializers.CharField()
    fields = FieldChangeSerializer(many=True)


class IncidentDetailSerializer(IncidentSerializer):
    """The whole published record: every assessment (current and past, oldest first), sources, attributions
    with their roles, and what changed since publication."""

    belligerents = serializers.SerializerMethodField()
    strike_types = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    attributions = AttributionSerializer(many=True, read_only=True)
    assessments = AssessmentSerializer(many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)
    changes = ChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "url",
            *PLACE_AND_DATE,
            *["summary", "time_of_day", "strike_types", "strike_count", "civilian_harm_reported"],
            *["cause_of_harm", "infrastructure", "first_reported_on", "external_url"],
            *["belligerents", "attributions", "current_assessments", "assessments", "sources", "changes"],
            *["published_at", "updated_at"],
        ]

    def get_belligerents(self, incident) -> list[str]:
        return [attribution.belligerent.slug for attribution in incident.attributions.all()]


class DeletedSerializer(serializers.Serializer):
    """An incident readers can no longer see: taken out of the published record on `at`."""

    code = serializers.CharField(source="incident.code")
    state = serializers.CharField(source="to_state")
    at = serializers.DateTimeField(source="decided_at")


class StatementItemSerializer(serializers.Serializer):
    role = serializers.CharField()
    description = serializers.CharField()
    incident = serializers.CharField(allow_null=True)
    civilians_killed = serializers.IntegerField(allow_null=True)
    strikes = serializers.IntegerField(allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)


def optional_integer():
    return serializers.IntegerField(allow_null=True)


class StatementSerializer(serializers.Serializer):
    """An approved official statement and its reconciliation against the records in its scope, as the dashboard
    shows it (reports.figures.statements.reconciled)."""

    statement_id = serializers.IntegerField()
    assessor = serializers.CharField()
    speaks_for = serializers.ListField(child=serializers.CharField())
    published_on = serializers.DateField()
    title = serializers.CharField()
    url = serializers.CharField()
    quote = serializers.CharField()
    caveats = serializers.CharField()
    countries = serializers.ListField(child=serializers.CharField())
    countries_held = serializers.ListField(child=serializers.CharField())
    countries_not_held = serializers.ListField(child=serializers.CharField())
    counted_from = serializers.DateField(allow_null=True)
    counted_from_precision = serializers.CharField()
    counted_to = serializers.DateField()
    stated_civilians_killed = optional_integer()
    stated_reports_received = optional_integer()
    stated_reports_credible = optional_integer()
    stated_reports_non_credible = optional_integer()
    stated_reports_under_review = optional_integer()
    items = StatementItemSerializer(many=True)
    incidents = serializers.IntegerField()
    credible_low = serializers.IntegerField()
    credible_high = serializers.IntegerField()
    credible_incidents = serializers.IntegerField()
    credible_undated_low = serializers.IntegerField()
    credible_undated_high = serializers.IntegerField()
    credible_undated_incidents = serializers.IntegerField()
    open_incidents = serializers.IntegerField()
    non_credible_incidents = serializers.IntegerField()
    no_verdict_incidents = serializers.IntegerField()
    excluded = serializers.ListField(child=serializers.CharField())
    difference_low = serializers.IntegerField(required=False)
    difference_high = serializers.IntegerField(required=False)
