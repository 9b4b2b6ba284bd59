"""Request-level wiring: the request log, the Content-Security-Policy header, a 400 for a NUL in the address,
no caching of staff pages, the language from the address, the public pages' shared cache, the staff idle
timeout, a friendly 503 page while the database is unreachable, and anonymous reads from the replica (if there
is one)."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty
from django.utils.translation import get_language_from_path

from reports import db_router, page_cache, security
from reports.views.errors import database_unavailable, is_outage

request_log = logging.getLogger("reports.request")
db_log = logging.getLogger("reports.database")


def loaded_username(request):
    """The user's name if an earlier layer loaded the user: logging itself must not query the database."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", empty) is empty:
        return None
    return user.get_username() if user.is_authenticated else None


class RequestLogMiddleware:
    """One line per request (method, path, status, duration, user, client address); refused requests
    (401/403) also go to the security log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        status = response.status_code
        request_log.log(
            logging.ERROR if status >= 500 and status != 503 else logging.INFO,
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user": loaded_username(request),
                "client_ip": security.client_ip(request),
            },
        )
        if status in (401, 403):
            security.refused(request, status)
        return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response (no inline script or style allowed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class NulInQueryMiddleware:
    """A query string holding a NUL character is a 400: no database stores text with one (PostgreSQL refuses
    it with an error), and no honest link carries one. Forms refuse it in posted fields themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest("A NUL character in the address.", content_type="text/plain")
        return self.get_response(request)


class StaffPagesNotCachedMiddleware:
    """Every response under STAFF_PATH (the analysts' pages, reports/urls.py) is private and not stored, as
    the admin's are, so no shared cache or browser keeps a draft. Keyed on the path, so a new staff view, a
    redirect to log in, a 403, 404 or 500 cannot forget it."""

    STAFF_PATH = "/work/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if without_language(request.path_info).startswith(self.STAFF_PATH):
            add_never_cache_headers(response)
        return response


def without_language(path):
    """The path without its language prefix: /ar/work/ is /work/."""
    language = get_language_from_path(path)
    return path.removeprefix(f"/{language}") if language else path


class LanguageFromPathMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, without its `Vary: Accept-Language`: with `i18n_patterns` and no prefix for
    English, the language is the address's alone (a bare path is English whatever the browser asks), so a page
    is the same for every reader and stays shareable (reports.page_cache)."""

    def process_response(self, request, response):
        vary_before = response.get("Vary")
        response = super().process_response(request, response)
        if vary_before is None:
            del response["Vary"]
        else:
            response["Vary"] = vary_before
        return response


class PublicPageCacheMiddleware:
    """The public pages (views marked `@public_page`) are rendered without the reader's cookies, validated by
    the data's version (304) and kept in the shared cache (`reports.page_cache`). Placed before the session
    middleware: a page found in the cache costs one row read and no session, user or CSRF work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = page_cache.page_of(request)
        if page is None:
            return self.get_response(request)
        return page_cache.serve(request, page, self.get_response)


def has_session_cookie(request):
    """Whether the request may belong to a logged-in user: without a session cookie it cannot, and nothing
    needs to read the session (which would make the response vary on cookies)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class StaffIdleTimeoutMiddleware:
    """Logs staff out after settings.STAFF_IDLE_TIMEOUT seconds without a request. The last-seen time is
    written at most once a minute, so an active user does not cost a session write per request."""

    KEY = security.LAST_SEEN  # set at login

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not has_session_cookie(request):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.is_staff:
            now = int(time.time())
            last_seen = request.session.get(self.KEY)
            if last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT:
                logout(request)  # flushes the session: a new key, nothing of the old one kept
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - last_seen >= 60:
                request.session[self.KEY] = now
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with a short page and Retry-After, in a few
    seconds (the connect timeout), and logs one line instead of a traceback. The next request reconnects:
    Django's health check drops a dead persistent connection, so the app recovers without a restart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            first_line = (str(exception).strip().splitlines() or [type(exception).__name__])[0]
            db_log.warning("database unavailable: %s", first_line, extra={"path": request.path})
            return database_unavailable(request)
        return None


class PublicReadsFromReplicaMiddleware:
    """With a replica configured (reports/db_router.py), an anonymous GET or HEAD reads from it; staff and
    every write use the primary, so staff read their own writes at once. Without a replica it changes
    nothing. A streamed export runs after this returns, so it reads the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or (has_session_cookie(request) and request.user.is_authenticated):
            return self.get_response(request)
        token = db_router.read_from_replica()
        try:
            return self.get_response(request)
        finally:
            db_router.reset(token)
