"""Settings come from the environment and fail loudly: each case starts a fresh process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARIABLES = [
    *["SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "HTTPS", "DATABASE_URL", "ALLOWED_HOSTS", "CACHE_URL", "REDIS_URL"],
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests, refused by the deploy check
]


def manage(*args, **env):
    """Each case sees only its own values: the configuration variables are set empty (as unset to the settings),
    which also keeps out a local .env's values, since a variable in the environment wins over the file."""
    clean_env = {**os.environ, **dict.fromkeys(CONFIG_VARIABLES, ""), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


STRONG_KEY = secrets.token_urlsafe(50)


@pytest.mark.parametrize("key", [None, "too-short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_to_start_without_a_strong_secret_key(key):
    result = manage("check", **({"SECRET_KEY": key} if key else {}))
    assert result.returncode == 1
    assert "Refusing to start: DEBUG is off and SECRET_KEY is missing or insecure" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_file_is_read(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(STRONG_KEY + "\n")
    assert manage("check", SECRET_KEY_FILE=str(key_file)).returncode == 0
    missing = manage("check", SECRET_KEY_FILE=str(tmp_path / "missing"))
    assert "cannot be read" in missing.stderr


def test_debug_runs_without_a_key():
    assert manage("check", DEBUG="on").returncode == 0


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="casualties.example.org"
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_unclear_booleans_are_refused():
    result = manage("check", DEBUG="maybe")
    assert result.returncode == 1
    assert "DEBUG='maybe': use on/off" in result.stderr


@pytest.mark.parametrize("database_url", [None, "", " "])
def test_without_database_url_the_database_is_sqlite_under_var(database_url):
    code = "from django.db import connection as c; print(c.settings_dict['ENGINE'], c.settings_dict['NAME'])"
    unset_or_empty = {} if database_url is None else {"DATABASE_URL": database_url}
    result = manage("shell", "--no-imports", "-c", code, DEBUG="on", **unset_or_empty)
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "var" / "db.sqlite3"


def test_database_url_selects_postgresql():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = manage(
        "shell", "--no-imports", "-c", code, DEBUG="on", DATABASE_URL="postgres://postgres@127.0.0.1:5432/casualties"
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_the_app_keeps_no_state_in_its_process():
    """Several app hosts can share the load: sessions and login-failure counts are in the database, and the
    PostgreSQL connection fails fast and is health-checked."""
    code = (
        "from django.conf import settings as s; import json; d = s.DATABASES['default']; "
        "from django.utils.module_loading import import_string; "
        "from axes.handlers.database import AxesDatabaseHandler; "
        "in_database = issubclass(import_string(s.AXES_HANDLER), AxesDatabaseHandler); "
        "print(json.dumps([s.SESSION_ENGINE, in_database, d['CONN_HEALTH_CHECKS'], d['CONN_MAX_AGE'], "
        "d['OPTIONS']['connect_timeout']]))"
    )
    result = manage(
        "shell", "--no-imports", "-c", code, DEBUG="on", DATABASE_URL="postgres://postgres@127.0.0.1:5432/casualties"
    )
    assert json.loads(result.stdout) == [
        "django.contrib.sessions.backends.db",
        True,  # the login lockout's handler keeps its counts in the database
        True,
        600,
        3,
    ]


@pytest.mark.parametrize(
    ("variables", "backend"),
    [
        ({}, "django.core.cache.backends.db.DatabaseCache"),
        ({"CACHE_URL": "redis://127.0.0.1:6379/0"}, "django.core.cache.backends.redis.RedisCache"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_the_shared_cache_is_the_databases_unless_redis_is_named(variables, backend):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = manage("shell", "--no-imports", "-c", code, DEBUG="on", **variables)
    assert result.stdout.strip() == backend


def test_a_cache_url_that_is_not_redis_is_refused():
    result = manage("check", DEBUG="on", CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode == 1 and "give a redis://" in result.stderr
