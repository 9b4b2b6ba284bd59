"""Benchmark: the home page, the admin review queue and incident list as the number of incidents grows, and
a reviewer approving 50 pending cases with one bulk action.

Builds its data in a throwaway test database (never the one DATABASE_URL names), then prints, for each size,
the bulk-insert rate, the queries per page and the median / worst time of repeated requests.

    make bench                                     # SQLite, 1k and 10k incidents
    DATABASE_URL=postgres://… make bench BENCH_ARGS="--sizes 1000 10000 100000"
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casualties.settings")
os.environ.setdefault("HTTPS", "off")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()
# Pages are timed without collectstatic: static URLs come from the source folders, not a manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from reports.models import Assessment, Assessor, Belligerent, Incident, IncidentBelligerent, ReviewState  # noqa: E402

BATCH = 5_000
STATE_BY_LAST_DIGIT = {0: ReviewState.DRAFT, 1: ReviewState.PENDING}


def add_incidents(start, count):
    """`count` incidents, 8 in 10 published, 1 pending review, 1 draft, each with a coalition attribution, a
    monitor range and an official verdict: the shape of the Airwars coalition records."""
    coalition = Belligerent.objects.get(slug="us-led-coalition")
    official, monitor = Assessor.objects.get(slug="cjtf-oir"), Assessor.objects.get(slug="airwars")
    now = timezone.now()
    for offset in range(start, start + count, BATCH):
        numbers = range(offset, min(offset + BATCH, start + count))
        incidents = Incident.objects.bulk_create(
            Incident(
                code=f"B{n:07d}",
                date_start=datetime.date(2014, 9, 1) + datetime.timedelta(days=n % 3000),
                country="Syria",
                governorate="Raqqa",
                place_name=f"Place {n % 500}",
                review_state=STATE_BY_LAST_DIGIT.get(n % 10, ReviewState.PUBLISHED),
                submitted_at=now - datetime.timedelta(minutes=n) if n % 10 == 1 else None,
            )
            for n in numbers
        )
        IncidentBelligerent.objects.bulk_create(
            IncidentBelligerent(incident=i, belligerent=coalition) for i in incidents
        )
        Assessment.objects.bulk_create(
            assessment
            for i in incidents
            for assessment in (
                Assessment(
                    incident=i, assessor=monitor, verdict="fair", assessed_on=i.date_start, killed_min=1, killed_max=4
                ),
                Assessment(incident=i, assessor=official, verdict="credible", assessed_on=i.date_start, killed_min=1),
            )
        )
        Assessment.objects.refresh_superseded([i.pk for i in incidents])  # bulk_create skips save()


def time_page(client, url, repeats):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    query_count = len(queries)  # now: later requests reset the log this counts from
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return query_count, statistics.median(timings), max(timings)


PAGES = [
    ("home", "/"),
    ("review queue", "/admin/reports/incident/"),
    ("admin list (all)", "/admin/reports/incident/?state=all"),
]


def time_bulk_approval(admin, count):
    """Approve the `count` oldest pending cases with one admin action, confirmed, as a reviewer would."""
    oldest = Incident.objects.filter(review_state=ReviewState.PENDING).order_by("submitted_at")[:count]
    data = {"action": "approve_selected", "_selected_action": [i.pk for i in oldest], "confirm": "yes"}
    data.update({f"seen_{i.pk}": i.review_token() for i in oldest})  # what the confirmation page showed
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = admin.post("/admin/reports/incident/", data)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.status_code
    print(f"bulk approval of {count} pending cases: {elapsed:.0f} ms, {len(queries)} queries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        staff = get_user_model().objects.create_superuser("bench")  # no password: force_login only
        reader, admin = Client(), Client()
        admin.force_login(staff)
        print(f"database: {connection.vendor}; {args.repeats} requests per page after one warm-up")
        print(f"{'incidents':>10} {'insert/s':>9} {'page':<16} {'queries':>7} {'median ms':>10} {'max ms':>8}")
        created = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            add_incidents(created, size - created)
            rate = (size - created) / (time.perf_counter() - started)
            created = size
            for name, url in PAGES:
                queries, median, worst = time_page(reader if name == "home" else admin, url, args.repeats)
                print(f"{size:>10} {rate:>9.0f} {name:<16} {queries:>7} {median:>10.1f} {worst:>8.1f}")
        time_bulk_approval(admin, 50)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
