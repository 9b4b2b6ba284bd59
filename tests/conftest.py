import pytest

from tests.factories import make_user


@pytest.fixture(scope="session", autouse=True)
def empty_static_root(tmp_path_factory):
    """Tests need no collectstatic: WhiteNoise (also in the session-wide live server) gets an empty root."""
    from django.conf import settings

    settings.STATIC_ROOT = tmp_path_factory.mktemp("staticfiles")


@pytest.fixture(autouse=True)
def fast_and_self_contained(settings):
    # Tests read static files from the source folders, not a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No recount worker runs in tests: readers recount stale figures at once (tests of the worker set it back).
    settings.FIGURES_RECOUNT_GRACE = 0


@pytest.fixture(autouse=True)
def releases_dir(settings, tmp_path):
    """Each test's releases go to a folder of its own, never the checkout's var/releases."""
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches (the public pages, the login lockout's counts). The database's cache
    needs no emptying: its rows are the test database's, rolled back or flushed with it."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    for cache in caches.all():
        if not isinstance(cache, DatabaseCache):
            cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request to an /ar/ page leaves Arabic active in the thread (as
    Django's LocaleMiddleware does), and a later test's reverse() would give /ar/ addresses."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def analyst(db):
    return make_user("anna-analyst", "analyst")


@pytest.fixture
def other_analyst(db):
    return make_user("omar-analyst", "analyst")


@pytest.fixture
def reviewer(db):
    return make_user("rita-reviewer", "reviewer")


@pytest.fixture
def second_reviewer(db):
    return make_user("rafael-reviewer", "reviewer")


@pytest.fixture
def admin_user(db):
    return make_user("ada-admin", "admin")


@pytest.fixture
def reader(db):
    """A logged-in user with no role: sees what anonymous readers see."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("reza-reader", password="reader-Passw0rd-long")
