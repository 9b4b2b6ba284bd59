"""Settings for the casualty report tracker, all read from the environment.

Variables (see `.env.example`): DATABASE_URL, DATABASE_REPLICA_URL, CACHE_URL (or REDIS_URL), SECRET_KEY or
SECRET_KEY_FILE, DEBUG, ALLOWED_HOSTS, HTTPS, BEHIND_PROXY, STAFF_IDLE_MINUTES, PUBLIC_PAGE_MAX_AGE,
PUBLIC_PAGE_STALE_WHILE_REVALIDATE, FIGURES_RECOUNT_GRACE, LOG_LEVEL, LOG_FORMAT. Production is the default:
DEBUG is off unless asked for, and the app refuses to start with DEBUG off and a missing or weak secret key.
A local checkout may keep its own values in `.env` beside manage.py (`make run` writes one); the environment
wins over it.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def read_env_file(path):
    """This checkout's local settings, so that every command works without exporting anything: `make run` and
    `make test` write `.env` (loopback-only values) when it is missing. KEY=VALUE lines; blank lines and `#`
    comments are ignored. A variable already in the environment wins, even when empty: a deployment sets its
    own environment (and has no .env), and nothing in a stray file overrides it."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return
    except OSError as error:
        raise ImproperlyConfigured(f"{path} cannot be read: {error}") from error
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name.isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected KEY=VALUE, found {line!r}.")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ.setdefault(name, value)


read_env_file(BASE_DIR / ".env")


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use on/off, true/false, yes/no or 1/0.")


def env_list(name, default):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


def is_weak_secret_key(key):
    """The same rule as Django's own deploy check (security.W009)."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


def read_secret_key(debug):
    key = os.environ.get("SECRET_KEY", "")
    key_file = os.environ.get("SECRET_KEY_FILE", "")
    if not key and key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE={key_file!r} cannot be read: {error}") from error
    if debug:
        return key or "django-insecure-local-development-only"
    if is_weak_secret_key(key):
        raise ImproperlyConfigured(
            "Refusing to start: DEBUG is off and SECRET_KEY is missing or insecure. Set SECRET_KEY (or "
            "SECRET_KEY_FILE) to a random value of 50+ characters, e.g. the output of "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`, or set DEBUG=on for local '
            "development. `make run` creates and keeps a local key in var/secret_key."
        )
    return key


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = read_secret_key(DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs' Swagger UI, served from our own static files
    "reports",
    "api",
]

MIDDLEWARE = [
    "reports.middleware.RequestLogMiddleware",  # outermost: logs every response, with its time
    "django.middleware.security.SecurityMiddleware",
    "reports.middleware.ContentSecurityPolicyMiddleware",
    "reports.middleware.StaffPagesNotCachedMiddleware",  # outside every layer that may answer a staff URL
    "reports.middleware.NulInQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "reports.middleware.LanguageFromPathMiddleware",  # before the page cache: a kept page is kept per language
    "reports.middleware.PublicPageCacheMiddleware",  # before the session: a kept page needs none
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reports.middleware.PublicReadsFromReplicaMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # attributes each history row to the request's user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reports.middleware.StaffIdleTimeoutMiddleware",
    "reports.middleware.DatabaseUnavailableMiddleware",  # a database outage is a 503 page, not a traceback
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "casualties.urls"
WSGI_APPLICATION = "casualties.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL in production and CI; a SQLite file under var/ when DATABASE_URL is unset or empty.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    VAR_DIR.mkdir(exist_ok=True)


def database(url):
    """Persistent connections, checked before reuse (so a restarted server costs one failed check, not a
    failed request), a short connect timeout (so an unreachable server is a quick 503, not a hang), and TCP
    keepalives (so a connection to a server that vanished without closing it is found dead in ~20 s). JIT off:
    compiling a summary read's expressions took longer (~65 ms) than running them."""
    settings = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if settings["ENGINE"] == "django.db.backends.postgresql":
        settings.setdefault("OPTIONS", {}).update(
            connect_timeout=3,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=3,
            keepalives_count=3,
            options="-c jit=off",
        )
    return settings


DATABASES = {"default": database(DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Optional read replica: public, read-only pages read from it (reports/db_router.py); staff never do.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database(DATABASE_REPLICA_URL)
    DATABASE_ROUTERS = ["reports.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_backend(url):
    """The shared cache (public pages, login lockout counts): the database's own table by default, which every
    worker and machine shares with no new service; Redis when CACHE_URL (or REDIS_URL) names one."""
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_entries",  # created by `migrate` (reports.apps)
            "OPTIONS": {"MAX_ENTRIES": 5000, "CULL_FREQUENCY": 4},
        }
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # An unreachable Redis costs a page a second at most: it is then served uncached (reports.page_cache).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    raise ImproperlyConfigured(f"CACHE_URL={url!r}: give a redis://, rediss:// or unix:// address, or leave it unset.")


CACHE_URL = (os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "").strip()
CACHES = {
    "default": cache_backend(CACHE_URL),
    # Each worker's own copy of the pages it served last: a hit costs no round trip to the shared cache.
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-pages",
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
}
# Public pages (reports.page_cache): kept this long in the shared cache (a new data version makes new keys
# anyway), and what browsers and proxies are told: fresh for PUBLIC_PAGE_MAX_AGE seconds, then served while
# revalidated (a 304 costs one row read) for PUBLIC_PAGE_STALE_WHILE_REVALIDATE more.
PUBLIC_PAGE_CACHE_SECONDS = 24 * 60 * 60
PUBLIC_PAGE_MAX_AGE = int(os.environ.get("PUBLIC_PAGE_MAX_AGE", "30"))
PUBLIC_PAGE_STALE_WHILE_REVALIDATE = int(os.environ.get("PUBLIC_PAGE_STALE_WHILE_REVALIDATE", "300"))
# The recount worker (`manage.py recount_figures`, started beside gunicorn) keeps the public figures up to date;
# if it has not recounted them this many seconds after a change, a reader does (one, the others keep the
# previous figures). 0: readers recount at once (the tests' default, and a setup without the worker).
FIGURES_RECOUNT_GRACE = int(os.environ.get("FIGURES_RECOUNT_GRACE", "30"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out; must come first
    "django.contrib.auth.backends.ModelBackend",  # also refuses inactive users, so deactivating logs out
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:my_work"
LOGOUT_REDIRECT_URL = "reports:home"
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True  # history is a record; changes go through the forms and the review

LANGUAGE_CODE = "en"
# English at the bare paths, Arabic under /ar/ (casualties/urls.py): the language is the address's, never a
# cookie's or the browser's, so that one address is one page for everyone.
LANGUAGES = [("en", "English"), ("ar", "العربية")]  # each named in itself, as the switcher shows it
LOCALE_PATHS = [BASE_DIR / "locale"]  # read before Django's own catalogues (the months, reports/locale_formats)
FORMAT_MODULE_PATH = ["reports.locale_formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS defaults to on in production; `make run` and `make test` serve plain HTTP on loopback.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    # Only behind a proxy that sets this header itself; otherwise clients could spoof it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
X_FRAME_OPTIONS = "DENY"
# Sent on every response by reports.middleware.ContentSecurityPolicyMiddleware: no inline script or style
# anywhere (the pages, the admin and the forms' script are external files), nothing from another host.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The admin's import page takes uploads up to this size (all files together), so that an import finishes well
# within the web server's timeout; larger files are imported with the commands (README, "Importing data").
IMPORT_UPLOAD_MAX_BYTES = int(os.environ.get("IMPORT_UPLOAD_MAX_MB", "2")) * 1024 * 1024

# The read-only API (api/, README "API"): anonymous, JSON only, throttled per client address through the shared
# cache (API_ANON_RATE: requests per second, minute, hour or day, e.g. 60/min).
API_ANON_RATE = os.environ.get("API_ANON_RATE", "60/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],  # no keys and no session: every client is anonymous
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Civilian casualties API",
    "DESCRIPTION": "Published incidents, their assessments and sources, the figures and official statements. "
    "Read-only; field names are stable within v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Staff sessions end after this long without a request (reports.middleware.StaffIdleTimeoutMiddleware).
STAFF_IDLE_TIMEOUT = 60 * int(os.environ.get("STAFF_IDLE_MINUTES", "30"))

# Login brute-force protection (django-axes, reports.security.LoginLockoutHandler): after 5 failures of one
# username from one client address, that username is refused from that address for 15 minutes; after 50
# failures of one username from any addresses, or from one address with any usernames, it is refused from
# everywhere (or that address is refused for every username). An attacker elsewhere cannot lock a user out with
# a few tries. The address is REMOTE_ADDR, or behind our proxy the one it appended to X-Forwarded-For, never a
# value the client chose (reports.security.client_ip).
AXES_HANDLER = "reports.security.LoginLockoutHandler"
AXES_FAILURE_LIMIT = 5
LOGIN_FAILURE_LIMIT_WIDE = 50
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "reports.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # our own security log says it once (reports.security)

# One line per event on stdout, for the process manager: JSON by default (request lines carry method, path,
# status, duration, user and client address), or LOG_FORMAT=plain for reading in a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "reports.log.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Our request log replaces Django's own lines for 4xx/5xx (no duplicate, no traceback for a 404).
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Citable releases (README, "Releases and citation"): one read-only folder per release, never changed once made.
RELEASES_DIR = Path(os.environ.get("RELEASES_DIR") or VAR_DIR / "releases")
# The admin's "Make a release" page builds a release within one request, which the web server stops after 30 s:
# above this many published incidents it sends the reviewer to `manage.py make_release` (about 1,600 incidents
# a second on PostgreSQL, 600 on SQLite).
RELEASE_ADMIN_MAX_INCIDENTS = int(os.environ.get("RELEASE_ADMIN_MAX_INCIDENTS", "10000"))
# Who the citations name as the dataset's author and what they call it ("Cite this" on the public pages).
CITATION_AUTHOR = os.environ.get("CITATION_AUTHOR") or "Civilian casualty tracker"
CITATION_TITLE = os.environ.get("CITATION_TITLE") or "Civilian casualty records"
