"""The public pages' shared cache and conditional requests (README, "Caching and serving").

A view marked `@public_page(...)` is the same for every reader: it is rendered without the reader's cookies
(so it cannot hold anything of a logged-in user's), for its own query parameters only, sorted (so that
`?b=1&a=2&utm_source=x` and `?a=2&b=1` are one page). Every response carries an ETag and Last-Modified naming
the version of the public data (`PublicVersion`, one row read per request) and of the deployed code; a request
that already holds that version gets a 304 before anything is rendered. A rendered page is kept under the same
versions, the language and the query, in the worker's memory and in the shared cache (the database's or Redis,
settings.CACHES): a change readers can see moves the data version in its own transaction, so the next request
renders the new page; nothing has to be deleted, and the app never serves a page older than the data (a proxy
or browser may keep one for `PUBLIC_PAGE_MAX_AGE` seconds, as Cache-Control allows it)."""

import dataclasses
import datetime
import functools
import hashlib
import logging
import math
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from reports import db_router, releases
from reports.figures import tallies
from reports.models import PublicVersion
from reports.views.errors import is_outage

KEY_PREFIX = "page"
log = logging.getLogger("reports.page_cache")


@dataclasses.dataclass(frozen=True)
class PublicPage:
    params: frozenset  # the query parameters the view reads: the others are dropped before it runs
    stored: bool  # False for streamed downloads: validated (ETag, 304), never stored
    cites: bool = False  # it shows a citation: it depends on the latest release and the access date too


def public_page(params=(), stored=True, cites=False):
    """Mark a view as a public page: the same for every reader, cached and validated by the data version (and,
    for a page that `cites` the data, by the latest release and today's date)."""

    def mark(view):
        view.public_page = PublicPage(frozenset(params), stored, cites)
        return view

    return mark


def page_of(request):
    """The PublicPage of the view this GET or HEAD request goes to, or None."""
    if request.method not in ("GET", "HEAD") or getattr(request, "urlconf", None) is not None:
        return None
    return page_at(request.path_info, get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=4096)
def page_at(path, urlconf):
    """Resolved once per address: resolving took a fifth of a kept page's time."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return getattr(match.func, "public_page", None)


def as_anonymous(request):
    """Drop the reader's cookies: the page is rendered as for a reader who has none (no session, so no user and
    no messages; no CSRF token), so it is the same for everyone and may be shared."""
    request.COOKIES = {}
    request.META.pop("HTTP_COOKIE", None)


def normalise_query(request, params):
    """Keep only the parameters the view reads, sorted, each with the one value the view reads (the last), and
    none left empty; the view sees the same."""
    pairs = [(name, request.GET[name]) for name in sorted(params.intersection(request.GET))]
    pairs = [(name, value) for name, value in pairs if value.strip()]
    query = urlencode(pairs)
    request.GET = QueryDict(query)
    request.META["QUERY_STRING"] = query


@dataclasses.dataclass(frozen=True)
class Code:
    stamp: str  # a hash of what renders pages
    modified_at: float  # when the newest of those files was written (seconds since the epoch)


@functools.cache
def deployed_code():
    """The deployed code's version: a hash of the templates, the app's code and translations, and the static
    files' manifest (the names pages link to), and the time of the newest. A deployment renders every page
    anew, and browsers revalidate. Read once per process, at start (`ReportsConfig.ready`)."""
    digest, newest = hashlib.blake2s(digest_size=6), 0.0
    base = Path(settings.BASE_DIR)
    files = [
        *base.glob("templates/**/*"),
        *base.glob("reports/**/*"),
        *base.glob("locale/**/*"),
        *base.glob("casualties/*.py"),
    ]
    files.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    for path in sorted(files):
        if path.is_file() and path.suffix in {".py", ".html", ".txt", ".mo", ".json"}:
            digest.update(str(path.relative_to(base) if path.is_relative_to(base) else path).encode())
            digest.update(path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
    return Code(digest.hexdigest(), newest)


def code_stamp():
    return deployed_code().stamp


@dataclasses.dataclass(frozen=True)
class Citing:
    """What a page citing the data shows beside the data: the latest release, and today as the access date. A
    new release or a new day is a new page, though the data has not moved."""

    release: str
    day: datetime.date
    since: float  # seconds since the epoch: when this began (the release was made, or the day began)

    @classmethod
    def now(cls):
        release = releases.latest_release()
        day = timezone.localdate()
        began = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
        made = release.created_at.timestamp() if release else 0
        return cls(release.name if release else "", day, max(began.timestamp(), made))

    @property
    def stamp(self):
        release = hashlib.blake2s(self.release.encode(), digest_size=4).hexdigest()
        return f"{self.day.isoformat()}.{release}"


@dataclasses.dataclass(frozen=True)
class Validators:
    """What a public response is validated and kept by."""

    version: PublicVersion
    language: str
    citing: Citing | None = None

    @property
    def data_stamp(self):
        return f"{self.version.stamp}-{self.citing.stamp}" if self.citing else self.version.stamp

    @property
    def etag(self):
        return f'W/"{code_stamp()}-{self.data_stamp}-{self.language}"'

    @property
    def last_modified(self):
        """Seconds since the epoch (HTTP dates have no finer grain): the data's version's date or the code's,
        whichever is later. Each new version of the data is dated at least a whole second after the one
        before (`next_moment`), so a reader's copy of an earlier one never looks unmodified."""
        moment = self.version.last_modified
        data = moment.timestamp() if moment else 0
        cited = self.citing.since if self.citing else 0
        return math.floor(max(data, cited, deployed_code().modified_at)) or None

    def key(self, request):
        """The page's key: the versions, the language and the address (hashed: an address can be long)."""
        address = hashlib.blake2s(request.get_full_path().encode(), digest_size=16).hexdigest()
        return f"{KEY_PREFIX}:{code_stamp()}:{self.data_stamp}:{self.language}:{address}"

    def apply(self, response):
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified)
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_PAGE_MAX_AGE,
            stale_while_revalidate=settings.PUBLIC_PAGE_STALE_WHILE_REVALIDATE,
        )
        return response


# A response's parts that a stored copy keeps: the outer middleware adds the security headers on every response.
def frozen(response):
    return response.status_code, response.content, list(response.items())


def thawed(stored):
    status, content, headers = stored
    return HttpResponse(content, status=status, headers=dict(headers))


def may_store(response):
    """Only a whole, successful page that nothing of the reader's went into: no cookie set, not varying on
    one (a view that read the session would say so), not private."""
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",")}
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "cookie" not in vary
        and "private" not in response.get("Cache-Control", "")
    )


def read(key):
    local = caches["local"].get(key)
    if local is not None:
        return local
    shared = shared_cache("get", key)
    if shared is not None:
        caches["local"].set(key, shared)
    return shared


def keep(key, stored):
    caches["local"].set(key, stored)
    shared_cache("set", key, stored, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)


def kept_fragment(key, render):
    """A part of a page that depends on less than the page (its own `key`, which must name everything it
    depends on), rendered once and kept like pages: in this worker's memory and the shared cache."""
    key = f"{KEY_PREFIX}:{code_stamp()}:{key}"
    fragment = read(key)
    if fragment is None:
        fragment = render()
        keep(key, fragment)
    return fragment


def shared_cache(method, *args, **kwargs):
    """The shared cache's answer, or None when it is unreachable (Redis down, the table locked): the page is
    then rendered and served without it, and the log says so, rather than failing. After a failure this
    worker leaves it alone for SHARED_CACHE_RETRY seconds, so an unreachable Redis costs one timeout, not one
    per request."""
    global shared_cache_retry_at
    if time.monotonic() < shared_cache_retry_at:
        return None
    try:
        return getattr(caches["default"], method)(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 (a cache backend's errors are its driver's: any of them)
        shared_cache_retry_at = time.monotonic() + SHARED_CACHE_RETRY
        log.warning(
            "shared cache unavailable (%s), not used for %s s: %s",
            method,
            SHARED_CACHE_RETRY,
            str(error).strip().splitlines()[0] if str(error) else type(error).__name__,
        )
        return None


SHARED_CACHE_RETRY = 10  # seconds
shared_cache_retry_at = 0.0


def serve(request, page, get_response):
    """Answer a public page's request: a 304, a kept copy, or the view's own response (kept if it may be).
    With a read replica, the version is read where the page's data will be (a replica's version names the
    replica's data, however far behind the primary it is)."""
    request.get_host()  # ALLOWED_HOSTS, checked here as for any page (a kept page is answered before Django does)
    as_anonymous(request)
    normalise_query(request, page.params)
    token = db_router.read_from_replica()
    try:
        return serve_version(request, page, get_response)
    finally:
        db_router.reset(token)


def serve_version(request, page, get_response):
    try:
        version = PublicVersion.read()
    except DatabaseError as error:
        if is_outage(error):  # the view answers with the outage page
            return get_response(request)
        raise
    request.public_version = version
    if tallies.recount_overdue(version):  # the recount worker is not running: see that one reader recounts
        tallies.unfiltered()
        version = request.public_version = PublicVersion.read()
    citing = Citing.now() if page.cites else None
    validators = Validators(version, translation.get_language(), citing)  # the URL's language is active already
    not_modified = get_conditional_response(request, etag=validators.etag, last_modified=validators.last_modified)
    if not_modified is not None:
        return validators.apply(not_modified) if not_modified.status_code == 304 else not_modified
    if not page.stored:
        return validated(validators, get_response(request))
    key = validators.key(request)
    stored = read(key)
    if stored is not None:
        response = thawed(stored)
    else:
        response = get_response(request)
        if not may_store(response):
            return response
        keep(key, frozen(response))
    if request.method == "HEAD":  # the GET's headers (its Content-Length too: set by the common middleware)
        response.content = b""
    return validators.apply(response)


def validated(validators, response):
    """A download's response, with the version's validators if it is the data (an error, a 503 during an
    outage, must not be kept by a browser or proxy, nor revalidated as if it were)."""
    return validators.apply(response) if response.status_code == 200 else response
