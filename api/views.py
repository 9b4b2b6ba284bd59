"""The read-only API (README, "API"). It reads what the public pages read, through the same doors: published
incidents only (`Incident.public`), approved statements only (`OfficialStatement.public`), the pages' FilterSet,
the dashboard's figures and the public change log. Every response is validated by the public data's version,
as the pages are (ETag, Last-Modified, 304), after the client's throttle is counted."""

import functools
import hashlib
from pathlib import Path

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, serializers
from reports.figures import statements, tallies
from reports.history import public_change_log
from reports.models import (
    Assessment,
    Assessor,
    Belligerent,
    Incident,
    IncidentBelligerent,
    OfficialStatement,
    PublicVersion,
    ReviewDecision,
    ReviewState,
)
from reports.page_cache import Validators

BAD_REQUEST = {400: OpenApiTypes.OBJECT}
OLDEST_FIRST = Assessment.objects.select_related("assessor").order_by("assessed_on", "id")
ATTRIBUTIONS = IncidentBelligerent.objects.select_related("belligerent").order_by("belligerent__name")  # as listed


@functools.cache
def api_code_stamp():
    """The API's own code, hashed once per process: a deployment that changes what it returns changes its ETags
    (the pages' code stamp, in every ETag too, covers the templates and reports/)."""
    digest = hashlib.blake2s(digest_size=6)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def current_version():
    """The public data's version, once the figures are counted for it (as the pages do: reports.page_cache), so
    that a response is validated by the version it was made from."""
    version = PublicVersion.read()
    if tallies.recount_overdue(version):  # the recount worker is not running: this reader recounts
        tallies.unfiltered()
        version = PublicVersion.read()
    return version


class Unchanged(Exception):  # noqa: N818 (not an error: the client's copy is current)
    def __init__(self, response):
        self.response = response


class ValidatedByDataVersion:
    """ETag and Last-Modified from the public data's version (reports.page_cache.Validators), and a 304 when the
    client's copy is that version. Checked after the throttle: a 304 counts as a request."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.validators = Validators(current_version(), f"api-{api_code_stamp()}")
        unchanged = get_conditional_response(
            request, etag=self.validators.etag, last_modified=self.validators.last_modified
        )
        if unchanged is not None:
            raise Unchanged(unchanged)

    def handle_exception(self, exc):
        if isinstance(exc, Unchanged):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (200, 304) and hasattr(self, "validators"):
            self.validators.apply(response)
        return response


class Cursor(CursorPagination):
    """DRF's cursor, with a 400 naming the parameter for a cursor or page size it cannot read (DRF answers a 404
    for the one and ignores the other)."""

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError({self.cursor_query_param: [error.detail]}) from error

    def get_page_size(self, request):
        asked = request.query_params.get(self.page_size_query_param) if self.page_size_query_param else None
        if asked is not None and not (asked.isdigit() and int(asked) > 0):
            raise ValidationError({self.page_size_query_param: ["A whole number of at least 1."]})
        return super().get_page_size(request)


class PublicOrder(Cursor):
    """The incident list's order (newest strike first, then code), which an index serves; a cursor rather than
    page numbers, so that a page never repeats or skips a record when records are added meanwhile."""

    ordering = ("-date_start", "code")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class NewestStatementsFirst(Cursor):
    ordering = ("-published_on", "-id")
    page_size = 20


class OldestDecisionFirst(Cursor):
    ordering = ("decided_at", "id")
    page_size = 200


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    OpenApiParameter.QUERY,
    description="Only incidents published, changed or newly assessed since this date or moment (ISO 8601).",
)


@extend_schema_view(
    list=extend_schema(
        parameters=[*filters.incident_filter_parameters(), UPDATED_SINCE],
        responses={200: serializers.IncidentSerializer(many=True), **BAD_REQUEST},
    ),
)
class IncidentViewSet(ValidatedByDataVersion, viewsets.ReadOnlyModelViewSet):
    """Published incidents. The list takes the pages' filters; its rows hold the assessments current on `as_of`
    (default: today). The detail holds every assessment, the sources and the public change log."""

    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9][A-Za-z0-9._-]*"  # what an incident code can be (reports/urls.py)
    pagination_class = PublicOrder

    def get_serializer_class(self):
        return serializers.IncidentDetailSerializer if self.action == "retrieve" else serializers.IncidentSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return Incident.public.prefetch_related(
                "strike_types",
                Prefetch("attributions", queryset=ATTRIBUTIONS),
                Prefetch("assessments", queryset=OLDEST_FIRST),
                "sources",
            )
        filterset = filters.incident_filter(self.request, "cursor", "page_size", "updated_since")
        incidents = filterset.qs
        moment = filters.since(self.request, "updated_since")
        if moment is not None:
            assessed = Assessment.objects.filter(incident=OuterRef("pk"), created_at__gte=moment)
            incidents = incidents.filter(Q(updated_at__gte=moment) | Q(published_at__gte=moment) | Exists(assessed))
        return incidents.with_summary_relations(filterset.as_of_date)

    def get_object(self):
        """The incident with what the detail adds, from rows read once: its current assessments are those of
        all its assessments that nothing superseded (Assessment.objects.current(), as known today)."""
        incident = super().get_object()
        incident.current_assessments = [row for row in incident.assessments.all() if row.superseded_on is None]
        incident.changes = public_change_log(incident)
        return incident


class FiguresView(ValidatedByDataVersion, APIView):
    """The dashboard's figures for the filters given: the same content as `tallies.json` with the same query."""

    @extend_schema(parameters=filters.incident_filter_parameters(), responses={200: OpenApiTypes.OBJECT, **BAD_REQUEST})
    def get(self, request):
        filterset = filters.incident_filter(request)
        chosen = {name: value for name, value in request.query_params.items() if name in filterset.filters and value}
        return Response({"filters": chosen, **tallies.dashboard(filterset)})


class StatementViewSet(ValidatedByDataVersion, viewsets.ReadOnlyModelViewSet):
    """Approved official statements, newest first, each reconciled against the records in its scope."""

    serializer_class = serializers.StatementSerializer
    pagination_class = NewestStatementsFirst

    def get_queryset(self):
        return (
            OfficialStatement.public.select_related("assessor")
            .prefetch_related("assessor__speaks_for", *statements.items_and_their_incidents())
            .order_by("-published_on", "-id")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = [statements.reconciled(statement) for statement in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(statements.reconciled(self.get_object())).data)


class BelligerentViewSet(ValidatedByDataVersion, viewsets.ReadOnlyModelViewSet):
    queryset = Belligerent.objects.order_by("name")
    serializer_class = serializers.BelligerentSerializer
    lookup_field = "slug"
    pagination_class = None  # a few dozen rows


class AssessorViewSet(ValidatedByDataVersion, viewsets.ReadOnlyModelViewSet):
    queryset = Assessor.objects.prefetch_related("speaks_for").order_by("name")
    serializer_class = serializers.AssessorSerializer
    lookup_field = "slug"
    pagination_class = None


@extend_schema(
    parameters=[
        OpenApiParameter(
            "since",
            OpenApiTypes.DATETIME,
            OpenApiParameter.QUERY,
            required=True,
            description="A date or moment (ISO 8601): incidents taken out of the published record since then.",
        )
    ],
    responses={200: serializers.DeletedSerializer(many=True), **BAD_REQUEST},
)
class DeletedView(ValidatedByDataVersion, generics.ListAPIView):
    """Incidents retracted or otherwise taken out of the published record since a date, oldest first, so that a
    mirror can delete them: the review decisions that moved a published incident out of `published`, for
    incidents not published again since."""

    serializer_class = serializers.DeletedSerializer
    pagination_class = OldestDecisionFirst

    def get_queryset(self):
        filters.refuse_unknown(self.request, {"since", "cursor"})
        moment = filters.since(self.request, "since", required=True)
        return (
            ReviewDecision.objects.filter(
                incident__isnull=False, revision__isnull=True, from_state=ReviewState.PUBLISHED, decided_at__gte=moment
            )
            .exclude(to_state=ReviewState.PUBLISHED)
            .exclude(incident__review_state=ReviewState.PUBLISHED)
            .select_related("incident")
        )
