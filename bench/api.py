"""Benchmark: the API's reads on an existing database (say the million incidents bench/public_pages.py builds),
each requested once to warm up (and count its queries) and `--repeats` times more: status, queries, first
request, p50 and p95 in milliseconds. The list is timed on its first page, filtered, and far down its cursor.

It reads only. Give it a cache of its own (CACHE_URL, a Redis database nobody else uses) so that the
throttle's counts are not written into the database being measured.

    CACHE_URL=redis://127.0.0.1:6379/12 DATABASE_URL=postgres://… .venv/bin/python bench/api.py --existing bench1m
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casualties.settings")
os.environ.setdefault("HTTPS", "off")
os.environ["API_ANON_RATE"] = "1000000/min"  # one client, many requests: the throttle is counted, never reached
if "SECRET_KEY" not in os.environ and (ROOT / "var" / "secret_key").exists():
    os.environ.setdefault("SECRET_KEY_FILE", str(ROOT / "var" / "secret_key"))

import django  # noqa: E402

django.setup()
logging.getLogger("reports.request").setLevel(logging.WARNING)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from reports.models import Assessment, OfficialVerdict  # noqa: E402

HEADER = f"{'request':<34} {'status':>6} {'queries':>7} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", metavar="DATABASE", required=True)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    connection.settings_dict["NAME"] = args.existing
    connection.close()
    client = Client(raise_request_exception=False)
    print(f"database: {args.existing} ({connection.vendor}); {args.repeats} requests each after one warm-up")
    print(HEADER)
    for name, url in requests(client):
        print(row(name, time_request(client, url, args.repeats)), flush=True)


def requests(client):
    code = Assessment.objects.filter(verdict=OfficialVerdict.CREDIBLE).values_list("incident__code", flat=True)[0]
    deep = "/api/v1/incidents/"
    for _ in range(20):  # twenty pages down the cursor
        deep = client.get(deep).json()["next"]
    return [
        ("list, first page", "/api/v1/incidents/"),
        ("list, 2 filters", "/api/v1/incidents/?country=Syria&belligerent=us-led-coalition"),
        ("list, official verdict", "/api/v1/incidents/?official_verdict=credible"),
        ("list, as_of + grading", "/api/v1/incidents/?as_of=2017-04-30&grading=fair"),
        ("list, as_of + verdict", "/api/v1/incidents/?as_of=2017-04-30&official_verdict=credible"),
        ("list, at least 50 killed", "/api/v1/incidents/?min_killed=50"),
        ("list, text search", "/api/v1/incidents/?q=mosul"),
        ("list, 21st page (cursor)", deep),
        ("list, page_size=500", "/api/v1/incidents/?page_size=500"),
        ("incident detail", f"/api/v1/incidents/{code}/"),
        ("figures", "/api/v1/figures/"),
        ("figures, as_of", "/api/v1/figures/?as_of=2017-04-30"),
        ("statements", "/api/v1/statements/"),
    ]


def time_request(client, url, repeats):
    queries = []  # counted by a wrapper: the query log is emptied when each request starts

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        status = client.get(url).status_code
        first = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(repeats if status == 200 else 0):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return status, len(queries), first, timings


def row(name, result):
    status, queries, first, timings = result
    line = f"{name:<34} {status:>6} {queries:>7} {first:>9.1f}"
    if timings:
        cuts = statistics.quantiles(timings, n=20, method="inclusive")
        line += f" {statistics.median(timings):>8.1f} {cuts[18]:>8.1f}"
    return line


if __name__ == "__main__":
    main()
