"""Releases through the API (README, "API"): every release, one release's manifest, and each of its tables as
the JSON file the release holds, byte for byte (reports.releases). A release never changes, so neither do these
answers, whatever happens to the records afterwards: they are read from the release's files, never from the
database, and each carries the file's SHA-256 (the manifest's) as its ETag."""

import hashlib

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api.views import api_code_stamp
from reports import releases
from reports.release_tables import INCIDENTS, TABLES
from reports.views.releases import validated

NOT_FOUND = {404: OpenApiTypes.OBJECT}
NAME = OpenApiParameter(
    "name",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The release's name, as `releases/` lists it.",
    examples=[OpenApiExample("a release", value="2026-12")],
)
JSON_TYPES = {
    "string": {"type": "string", "nullable": True},
    "integer": {"type": "integer", "nullable": True},
    "number": {"type": "number", "nullable": True},
    "date": {"type": "string", "format": "date", "nullable": True},
    "boolean": {"type": "boolean", "nullable": True},
}


def column_schema(column):
    schema = {**JSON_TYPES[column.type], "description": column.description}
    if column.required:
        del schema["nullable"]
    return schema


def row_schema(table):
    """A table's JSON row as its columns describe it (reports.release_tables), every column present."""
    return {
        "type": "object",
        "properties": {column.name: column_schema(column) for column in table.columns},
        "required": table.names,
    }


# An object of the /incidents.json download: the incident's fields, its belligerents and current assessments.
INCIDENT_OBJECT = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "belligerents": {"type": "array", "items": {"type": "string"}},
        "assessments": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["code", "belligerents", "assessments"],
}


def table_schema(table):
    if table is INCIDENTS:  # the /incidents.json download: a header, then an object per incident
        return {
            "type": "object",
            "properties": {"incidents": {"type": "array", "items": INCIDENT_OBJECT}},
            "required": ["incidents"],
        }
    return {"type": "array", "items": row_schema(table)}


class FileSerializer(serializers.Serializer):
    name = serializers.CharField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.URLField(help_text="The file as stored, on the site's releases page.")


class ReleaseSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()
    created_at = serializers.DateTimeField()
    bytes = serializers.IntegerField(help_text="The size of all its files.")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="The rows of each table.")
    changelog = serializers.DictField(help_text="What changed since the previous release.")


class ReleaseDetailSerializer(ReleaseSerializer):
    tables = serializers.DictField(child=serializers.URLField(), help_text="Each table's data as JSON, here.")
    files = FileSerializer(many=True)


def described(release, request):
    """What the API says of a release: its manifest, with links."""
    return {
        "name": release.name,
        "url": request.build_absolute_uri(reverse("api:release-detail", args=[release.name])),
        "created_at": release.manifest["created_at"],
        "bytes": release.size,
        "counts": release.manifest["counts"],
        "changelog": release.changelog,
    }


def file_url(request, name, filename):
    """The file on the site's releases pages, at its address without a language (the API has none)."""
    with translation.override(settings.LANGUAGE_CODE):
        return request.build_absolute_uri(reverse("reports:release_file", args=[name, filename]))


def found(name):
    release = releases.read_release(name)
    if release is None:
        raise NotFound("No release of that name.")
    return release


def revalidated(request, etag, respond):
    """A list or manifest, kept briefly like the API's other answers (its links and shape follow the code; only
    a table's bytes are kept for good). Checked after the throttle, as in api.views."""
    return validated(request, etag, respond, max_age=settings.PUBLIC_PAGE_MAX_AGE)


class ReleaseListView(APIView):
    """Every release, the latest first."""

    @extend_schema(responses={200: ReleaseSerializer(many=True)})
    def get(self, request):
        listed = releases.all_releases()
        digest = hashlib.blake2s("\n".join(f"{r.name} {r.manifest['created_at']}" for r in listed).encode())
        etag = f'W/"releases-{api_code_stamp()}-{digest.hexdigest()[:16]}"'
        return revalidated(
            request,
            etag,
            lambda: Response(ReleaseSerializer([described(release, request) for release in listed], many=True).data),
        )


class ReleaseDetailView(APIView):
    """One release: its manifest (files with their sizes and checksums, counts, changelog) and its tables."""

    @extend_schema(parameters=[NAME], responses={200: ReleaseDetailSerializer, **NOT_FOUND})
    def get(self, request, name):
        release = found(name)
        # what it describes never changes; how it says it changes with the API's code
        created = hashlib.blake2s(release.manifest["created_at"].encode()).hexdigest()[:16]
        etag = f'"{release.name}-{api_code_stamp()}-{created}"'
        return revalidated(request, etag, lambda: Response(ReleaseDetailSerializer(manifest(release, request)).data))


def manifest(release, request):
    """A release's manifest as the API gives it: its description, links to its tables and its files."""
    listed = {entry["name"] for entry in release.files}
    name = release.name
    return {
        **described(release, request),
        "tables": {
            table.name: request.build_absolute_uri(reverse(f"api:release-{table.name}", args=[name]))
            for table in TABLES
            if f"{table.name}.json" in listed  # a table later releases added is not in an earlier one
        },
        "files": [{**entry, "url": file_url(request, name, entry["name"])} for entry in release.files],
    }


class ReleaseTableView(APIView):
    """One table of a release: its JSON file, exactly as released."""

    table = None

    def serve(self, request, name):
        release = found(name)
        stored = release.file(f"{self.table.name}.json")
        if stored is None:
            raise NotFound("This release has no such table.")
        entry, path = stored
        return validated(
            request, f'"{entry["sha256"]}"', lambda: FileResponse(path.open("rb"), content_type="application/json")
        )


def table_view(table):
    """The view of one table, with its rows described in the schema."""

    @extend_schema(
        parameters=[NAME],
        responses={200: table_schema(table), **NOT_FOUND},
        description=f"{table.description} The release's `{table.name}.json`, byte for byte.",
        operation_id=f"releases_{table.name}_retrieve",
    )
    def get(self, request, name):
        return self.serve(request, name)

    name = f"Release{table.name.title().replace('_', '')}View"
    return type(name, (ReleaseTableView,), {"table": table, "get": get}).as_view()
