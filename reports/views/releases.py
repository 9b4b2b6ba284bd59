"""The releases for readers: a page listing every release with its files' sizes and checksums and its changelog,
and the files themselves, served exactly as stored."""

import mimetypes

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control

from reports import releases
from reports.page_cache import public_page

IMMUTABLE = 365 * 24 * 3600  # a release's file never changes: a browser or proxy may keep it for a year
CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json"}


@public_page(cites=True)
def release_list(request):
    return render(request, "public/releases.html", {"releases": releases.all_releases()})


def release_file(request, name, filename):
    """One of a release's files, if its manifest lists it (no other path can be asked for), with its SHA-256 as
    its ETag."""
    release = releases.read_release(name)
    found = release.file(filename) if release else None
    if found is None:
        raise Http404
    entry, path = found
    etag = f'"{entry["sha256"]}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return cached_forever(not_modified, etag)
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain; charset=utf-8"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    return cached_forever(response, etag)


def cached_forever(response, etag):
    """A file's 200 or 304, kept for a year; any other answer (a 412 to a failed If-Match) is never kept."""
    response["ETag"] = etag
    if response.status_code in (200, 304):
        patch_cache_control(response, public=True, max_age=IMMUTABLE, immutable=True)
    else:
        patch_cache_control(response, no_store=True)
    return response
