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
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain; charset=utf-8"
    return validated(
        request,
        f'"{entry["sha256"]}"',
        lambda: FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=content_type),
    )


def validated(request, etag, respond, max_age=IMMUTABLE):
    """`respond()`'s response, or the 304 (or 412) the client's conditional headers call for, with `etag`. A
    200 or 304 may be kept `max_age` seconds (a year, for a release's file: it never changes, so it is immutable
    too); any other answer is never kept."""
    response = get_conditional_response(request, etag=etag) or respond()
    response["ETag"] = etag
    if response.status_code not in (200, 304):
        patch_cache_control(response, no_store=True)
    elif max_age == IMMUTABLE:
        patch_cache_control(response, public=True, max_age=max_age, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=max_age)
    return response
