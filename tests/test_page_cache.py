"""The public pages' shared cache (reports.page_cache), on both backends: a visible change of every kind is on
the next response; a 304 only for an unchanged version; no cookie, no Vary: Cookie, nothing of a logged-in
user's in a page or the cache; figures recounted by the worker, the previous ones served meanwhile."""

import datetime
import os
import pickle
from unittest import mock

import pytest
from django.core import signals
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from reports import page_cache
from reports.figures import tallies
from reports.models import (
    Belligerent,
    Incident,
    OfficialStatement,
    ReviewState,
    StatementItem,
    StrikeType,
    TallySnapshot,
)
from reports.page_cache import KEY_PREFIX
from reports.views import public
from tests.factories import (
    make_assessment,
    make_incident,
    make_source,
    make_statement,
    monitor_assessor,
    official_assessor,
    proposed_change,
)
from tests.test_import_csv import csv_text, import_text, incident_row

PUBLIC_URLS = ["/", "/incidents/", "/methodology/", "/tallies.json", "/incidents.csv", "/incidents.json"]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


def redis_cache_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):  # .ci/run: the Redis run must not be skipped
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (start it, or set TEST_REDIS_URL)")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}


@pytest.fixture(params=["database", "redis"])
def backend(request, settings, db):
    """The shared cache as deployed: the database's table (the default) or Redis (CACHE_URL)."""
    if request.param == "redis":
        settings.CACHES = {**settings.CACHES, "default": redis_cache_or_skip()}
    for cache in caches.all():
        cache.clear()
    return request.param


@pytest.fixture
def incident(db):
    incident = make_incident(code="KEPT-1", title="Strike on the old bridge")
    make_assessment(incident, killed_min=3, killed_max=7)
    make_assessment(incident, official_assessor(), verdict="credible", killed_min=1, killed_max=1)
    tallies.refresh_snapshot()  # as the worker would: the first reader finds the figures up to date
    return incident


def page(client, url, **headers):
    response = client.get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode()


def test_a_kept_page_is_served_with_one_row_read_and_validators(client, backend, incident, django_assert_num_queries):
    first, html = page(client, "/")
    assert first.status_code == 200 and "KEPT-1" in html
    with django_assert_num_queries(1):  # the data version; the page itself from the cache
        again, cached = page(client, "/")
    assert cached == html
    assert again["ETag"] == first["ETag"] and again["ETag"].startswith('W/"')
    assert again["Cache-Control"] == "public, max-age=30, stale-while-revalidate=300"


def test_the_query_is_normalised_and_unknown_parameters_never_reach_the_page(client, backend, incident):
    _response, html = page(client, "/incidents/?sort=code&country=Syria&utm_source=x&q=&evil=%3Cscript%3E")
    assert "utm_source" not in html and "evil" not in html and "&lt;script" not in html
    keys = kept_keys()
    assert len(keys) == 1
    page(client, "/incidents/?country=Syria&sort=code")
    page(client, "/incidents/?sort=code&country=Syria&ref=newsletter")
    page(client, "/incidents/?sort=-date&sort=code&country=Syria")  # the value the view reads: the last one
    assert kept_keys() == keys  # one page, kept once


def kept_keys():
    return set(caches["local"]._cache)  # LocMem's own store: every key the workers' copies are under


def test_a_conditional_request_gets_304_only_for_the_version_it_holds(
    client, backend, incident, reviewer, django_assert_num_queries
):
    first, _html = page(client, "/incidents/")
    with django_assert_num_queries(1):  # nothing rendered
        not_modified, body = page(client, "/incidents/", if_none_match=first["ETag"])
    assert not_modified.status_code == 304 and body == ""
    assert not_modified["ETag"] == first["ETag"] and "public" in not_modified["Cache-Control"]

    incident.retract(reviewer, reason="Duplicate of another record.")
    changed, html = page(client, "/incidents/", if_none_match=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"] and "KEPT-1" not in html


def test_if_modified_since_gets_304_only_until_the_next_version_even_within_one_second(
    client, backend, incident, reviewer, monkeypatch
):
    first, _html = page(client, "/methodology/")
    assert page(client, "/methodology/", if_modified_since=first["Last-Modified"])[0].status_code == 304
    for change in range(3):  # versions made within the same second are dated a whole second apart
        make_incident(code=f"SAME-SECOND-{change}")
        response, _html = page(client, "/methodology/", if_modified_since=first["Last-Modified"])
        assert response.status_code == 200, change
        first = response

    deployed = page_cache.deployed_code()  # a deployment: newer code renders the same data anew
    later = page_cache.Code("another-stamp", parse_http_date(first["Last-Modified"]) + 10)
    monkeypatch.setattr(page_cache, "deployed_code", lambda: later)
    response, _html = page(client, "/methodology/", if_modified_since=first["Last-Modified"])
    assert response.status_code == 200 and response["ETag"] != first["ETag"]
    assert deployed.stamp != later.stamp


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_responses_set_no_cookie_and_do_not_vary_on_one(client, backend, incident, analyst, url):
    client.force_login(analyst)  # a logged-in reader: the same page as anyone's
    client.cookies["csrftoken"] = "x" * 32
    for _attempt in ("rendered", "from the cache"):
        response, _body = page(client, url)
        assert response.status_code == 200
        assert not response.cookies, url
        assert "cookie" not in response.get("Vary", "").lower(), url
        assert response["ETag"] and "public" in response["Cache-Control"]


def test_a_cached_page_holds_nothing_of_a_logged_in_users(client, backend, incident, reviewer):
    client.force_login(reviewer)
    for url in ["/", "/incidents/", f"/incidents/{incident.code}/", "/methodology/", "/tallies.json"]:
        _response, html = page(client, url)
        assert "rita-reviewer" not in html and "csrfmiddlewaretoken" not in html, url
        assert "Log out" not in html and reverse("admin:index") not in html, url
    keys = [key.split(":", 2)[2] for key in kept_keys()]  # as given to the cache, without its prefix
    stored = [caches[alias].get(key) for key in keys for alias in ("local", "default")]
    assert stored and all(item is not None for item in stored)  # in this worker's memory and the shared cache
    for item in stored:
        raw = pickle.dumps(item)
        assert b"rita-reviewer" not in raw and b"csrf" not in raw.lower() and b"sessionid" not in raw


def test_staff_pages_are_never_kept(client, backend, incident, analyst):
    client.force_login(analyst)
    response = client.get(reverse("reports:my_work"))
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    assert not kept_keys()


def test_a_head_request_gets_the_pages_headers_and_no_body(backend, incident):
    """Through the WSGI handler, as a server calls it (the test client would drop a HEAD's body itself), keeping
    the test's database connection open as the test client does."""
    handler = WSGIHandler()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        for attempt in ("rendered", "kept"):
            started = {}
            environ = RequestFactory().head("/").environ
            body = handler(environ, lambda status, headers, kept=started: kept.update(headers, status=status))
            assert started["status"] == "200 OK" and b"".join(body) == b"", attempt
            assert int(dict(started)["Content-Length"]) > 1000, attempt
            body.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_a_request_for_another_host_is_refused_even_when_the_page_is_kept(client, backend, incident):
    page(client, "/")
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_an_invalid_filters_errors_never_reach_the_kept_front_page(client, backend, incident):
    _response, html = page(client, "/?country=Figures+here+are+fake&min_killed=abc")
    assert "Figures here are fake" in html  # its own page says what was wrong
    for _attempt in ("rendered", "kept"):
        assert "Figures here are fake" not in page(client, "/")[1]
        caches["local"].clear()


# --- Every kind of visible change is on the next response ---------------------------------------------------


def served_twice(client, url):
    """The page as served, and as served again from the shared cache, as another worker would get it (so that
    a stale copy is what a later request would see)."""
    first = page(client, url)[1]
    caches["local"].clear()
    with CaptureQueriesContext(connection) as queries:
        assert page(client, url)[1] == first
    assert len(queries) <= 2, queries.captured_queries  # the version, and the database cache's row: not rendered
    return first


def test_a_publication_is_on_the_next_response(client, backend, incident, analyst, reviewer):
    pending = make_incident(code="NEW-PUB", review_state=ReviewState.PENDING, title="The night market strike")
    pending.history.update(history_user=analyst)  # written by an analyst, approved by a reviewer
    assert "NEW-PUB" not in served_twice(client, "/incidents/")
    assert client.get("/incidents/NEW-PUB/").status_code == 404
    assert "NEW-PUB" not in served_twice(client, "/")
    pending.approve(reviewer)
    assert "NEW-PUB" in page(client, "/incidents/")[1]
    assert "NEW-PUB" in page(client, "/")[1]
    assert "The night market strike" in page(client, "/incidents/NEW-PUB/")[1]


def test_a_publication_is_in_both_of_the_dashboards_latest_lists_on_the_next_response(
    client, backend, incident, analyst, reviewer
):
    """The figures' part of the front page is kept per recount; the two lists below it are the page's own,
    rendered for each version of the data."""
    pending = make_incident(
        code="NEW-PUB", review_state=ReviewState.PENDING, date_start=datetime.date.today() - datetime.timedelta(days=1)
    )
    pending.history.update(history_user=analyst)
    assert "NEW-PUB" not in served_twice(client, "/")
    pending.approve(reviewer)
    html = page(client, "/")[1]
    for heading in ("latest", "recently-published"):
        start = html.index(f'id="{heading}"')
        assert "NEW-PUB" in html[start : html.index("</section>", start)], heading


def test_a_retraction_is_on_the_next_response(client, backend, incident, reviewer):
    assert "KEPT-1" in served_twice(client, "/incidents/")
    assert '"incidents": 1' in served_twice(client, "/tallies.json")
    incident.retract(reviewer, reason="Duplicate of another record.")
    assert "KEPT-1" not in page(client, "/incidents/")[1]
    assert '"incidents": 0' in page(client, "/tallies.json")[1]
    assert client.get(f"/incidents/{incident.code}/").status_code == 404


def test_an_approved_change_is_on_the_next_response(client, backend, incident, analyst, reviewer):
    assert "Strike on the old bridge" in served_twice(client, f"/incidents/{incident.code}/")
    change_set = proposed_change(incident, title="Strike on the old bridge, revised")
    revision = Incident.objects.get(pk=incident.pk).propose_revision(change_set, incident.version, by=analyst)
    assert "revised" not in page(client, f"/incidents/{incident.code}/")[1]  # proposed is not published
    revision.approve(reviewer)
    assert "Strike on the old bridge, revised" in page(client, f"/incidents/{incident.code}/")[1]


def test_a_source_added_to_a_published_incident_is_on_the_next_response(client, backend, incident):
    served_twice(client, f"/incidents/{incident.code}/")
    make_source(incident, url="https://example.org/the-witness", publisher="The Witness")
    assert "The Witness" in page(client, f"/incidents/{incident.code}/")[1]


def test_an_import_is_on_the_next_response(client, backend, incident, reviewer):
    assert "IMPORTED-7" not in served_twice(client, "/incidents/")
    report = import_text(csv_text([incident_row("IMPORTED-7", title="Imported strike")]), reviewer)
    assert not report.problems
    assert "IMPORTED-7" in page(client, "/incidents/")[1]


def test_a_reference_edit_is_on_the_next_response(client, backend, incident):
    assert "US-led coalition" in served_twice(client, f"/incidents/{incident.code}/")
    coalition = Belligerent.objects.get(slug="us-led-coalition")
    coalition.name = "Combined Joint Task Force coalition"
    coalition.save()
    assert "Combined Joint Task Force coalition" in page(client, f"/incidents/{incident.code}/")[1]


def test_a_strike_type_and_a_deleted_source_are_on_the_next_response(client, backend, incident):
    source = make_source(incident, url="https://example.org/gone", publisher="The Vanishing Gazette")
    incident.strike_types.add(StrikeType.objects.create(name="Test strike", slug="test-strike"))
    assert "The Vanishing Gazette" in served_twice(client, f"/incidents/{incident.code}/")
    source.delete()
    strike_type = StrikeType.objects.get(slug="test-strike")
    strike_type.name = "Uncrewed aircraft strike"
    strike_type.save()
    html = page(client, f"/incidents/{incident.code}/")[1]
    assert "The Vanishing Gazette" not in html and "Uncrewed aircraft strike" in html


def test_an_assessor_renamed_is_on_the_next_response(client, backend, incident):
    assert "Airwars" in served_twice(client, f"/incidents/{incident.code}/")
    monitor = monitor_assessor()
    monitor.name = "Airwars (renamed)"
    monitor.save()
    assert "Airwars (renamed)" in page(client, f"/incidents/{incident.code}/")[1]


def test_a_draft_statement_moves_nothing_readers_see(client, backend, incident):
    version = TallySnapshot.get().data_version
    statement = make_statement(approved_at=None)
    StatementItem.objects.create(statement=statement, role="period", description="August 2014 to April 2017")
    assert TallySnapshot.get().data_version == version  # every kept page still good


def test_a_statement_approval_is_on_the_next_response(client, backend, incident, analyst, reviewer):
    statement = make_statement(approved_at=None)
    statement.history.update(history_user=analyst)
    # (in the reconciliation's section: the map's coordinates hold any number)
    assert "352" not in served_twice(client, "/").split('id="reconciliation"')[1]
    OfficialStatement.objects.get(pk=statement.pk).approve(reviewer)
    assert "352" in page(client, "/")[1].split('id="reconciliation"')[1]


# --- The recount worker --------------------------------------------------------------------------------------


def test_readers_get_the_previous_figures_marked_until_the_worker_recounts(client, backend, incident, settings):
    settings.FIGURES_RECOUNT_GRACE = 600  # as deployed: the worker recounts, readers never do
    before = page(client, "/")[1]
    assert "Counted at" in before and "being counted" not in before
    version = TallySnapshot.get().data_version

    newer = make_incident(code="NEWER-2")
    make_assessment(newer, killed_min=40, killed_max=50)
    with mock.patch.object(public, "render_figures", side_effect=AssertionError("figures rendered again")):
        during = page(client, "/")[1]  # a new page, with the figures' part as kept for their version
    assert "NEWER-2" in during  # the records are new at once
    assert f"from version {version} of the data" in during and "Changes made since are being counted" in during
    assert not TallySnapshot.get().is_fresh  # no reader recounted

    call_command("recount_figures", "--once")
    after = page(client, "/")[1]
    assert TallySnapshot.get().is_fresh and "being counted" not in after
    assert f"from version {TallySnapshot.get().data_version} of the data" in after


def test_without_the_worker_one_reader_recounts_once_the_grace_is_over(client, backend, incident, settings):
    settings.FIGURES_RECOUNT_GRACE = 30
    page(client, "/")
    make_incident(code="NEWER-3")
    TallySnapshot.objects.filter(pk=1).update(changed_at=timezone.now() - datetime.timedelta(seconds=31))
    assert "being counted" not in page(client, "/")[1]
    assert TallySnapshot.get().is_fresh


def test_a_kept_front_page_does_not_outlive_a_dead_worker(client, backend, incident, settings):
    settings.FIGURES_RECOUNT_GRACE = 30
    make_incident(code="NEWER-4")
    assert "being counted" in served_twice(client, "/")  # within the grace: the previous figures, kept
    TallySnapshot.objects.filter(pk=1).update(changed_at=timezone.now() - datetime.timedelta(seconds=31))
    assert "being counted" not in page(client, "/")[1]  # past it: one reader recounted, the page is new
    assert TallySnapshot.get().is_fresh


def test_the_worker_recounts_a_new_day_and_a_fresh_snapshot_not_at_all(db, incident):
    call_command("recount_figures", "--once")
    assert TallySnapshot.get().is_fresh
    computed_at = TallySnapshot.get().computed_at
    call_command("recount_figures", "--once")
    assert TallySnapshot.get().computed_at == computed_at  # nothing changed: nothing recounted
    snapshot = TallySnapshot.get()
    snapshot.figures["as_of"] = "2000-01-01"
    snapshot.save()
    call_command("recount_figures", "--once")
    assert TallySnapshot.get().figures["as_of"] != "2000-01-01"


def test_keys_name_the_page_version_language_and_address(client, backend, incident):
    page(client, "/")
    assert "Active filters" in page(client, "/?country=Syria")[1]  # its own page, its own figures
    pages = {key for key in kept_keys() if "dashboard-figures" not in key}
    assert len(pages) == 2 and all(f":{KEY_PREFIX}:" in key and ":en:" in key for key in pages)
    (figures,) = kept_keys() - pages  # the unfiltered figures' part, kept per recount: the filtered one is not
    assert f":{TallySnapshot.get().computed_version}:" in figures


def test_an_unreachable_shared_cache_serves_pages_uncached_and_logs_it(client, settings, incident, caplog, monkeypatch):
    monkeypatch.setattr(page_cache, "shared_cache_retry_at", 0.0)  # restored after: other tests use the cache
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    for attempt in ("first", "second"):
        caches["local"].clear()
        response, html = page(client, "/incidents/")
        assert response.status_code == 200 and "KEPT-1" in html, attempt
    assert caplog.text.count("shared cache unavailable") == 1  # then left alone for a while, not tried again
