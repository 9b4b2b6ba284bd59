"""Benchmark: the public pages an anonymous reader uses, as the number of synthetic incidents grows.

For each size it grows the data with the synthetic generator (reports/devdata/synthetic.py: published SYN- incidents
with attributions, monitor and official assessment histories and sources), then requests each page once to
warm up (and count its queries) and `--repeats` times more, each rendered (the caches emptied before it), and
prints the status, queries, first request and p50 / p95 in milliseconds. Every dashboard row includes the map
(its dots aggregated from the incidents in view at each render; `map=` only changes the shading). The CSV
export is streamed to the end: rows/s, then a second pass under tracemalloc for the peak Python memory while
streaming, which stays flat when the export really streams. Last, what a writer waits for: saves of published
assessments, each recounting the summary.
A page that does not exist yet shows as "missing (404)"; an error shows its status code.

Everything happens in a throwaway test database (never the one DATABASE_URL names), dropped at the end.
`--existing NAME` instead reads the pages of a database that exists already (one built before, say at a
million incidents, which takes a quarter of an hour to generate), and writes nothing: no generation, no saves.

    .venv/bin/python bench/public_pages.py --sizes 2000                            # SQLite, quick
    DATABASE_URL=postgres://… .venv/bin/python bench/public_pages.py --sizes 10000 1000000
    DATABASE_URL=postgres://… .venv/bin/python bench/public_pages.py --existing bench1m --repeats 5
"""

import argparse
import logging
import math
import os
import random
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casualties.settings")
os.environ.setdefault("HTTPS", "off")
if "SECRET_KEY" not in os.environ and (ROOT / "var" / "secret_key").exists():
    os.environ.setdefault("SECRET_KEY_FILE", str(ROOT / "var" / "secret_key"))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()
# Pages are timed without collectstatic: static URLs come from the source folders, not a manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise, about the uncollected STATIC_ROOT
logging.getLogger("reports.request").setLevel(logging.WARNING)  # a log line per request would bury the table

from django.core.cache import caches  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from reports.devdata import synthetic  # noqa: E402
from reports.models import Assessment, Incident, OfficialVerdict  # noqa: E402

PAGES = [
    ("dashboard", "/"),
    ("dashboard, 2 filters", "/?country=Syria&belligerent=us-led-coalition"),
    ("dashboard as of", "/?as_of=2017-04-30"),
    ("as of, mid-month", "/?as_of=2021-06-17"),
    ("as of + belligerent", "/?as_of=2019-03-09&belligerent=us-led-coalition"),
    ("dashboard, map=gap", "/?map=gap"),
    ("map=official, filtered", "/?country=Syria&map=official"),
    ("incident list", "/incidents/"),
    ("dashboard, q=موصل", "/?q=موصل"),
    ("list, q=الموصل", "/incidents/?q=الموصل"),
    ("Arabic dashboard", "/ar/"),
    ("Arabic, 2 filters", "/ar/?country=Syria&belligerent=us-led-coalition"),
    ("Arabic, map=gap", "/ar/?map=gap"),
    ("Arabic list", "/ar/incidents/"),
]
CSV_URL = "/incidents.csv"
HEADER = f"{'incidents':>10}  {'page':<22} {'status':<14} {'queries':>7} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=20, help="Timed requests per page, after one warm-up.")
    parser.add_argument(
        "--csv-passes",
        type=int,
        choices=(0, 1, 2),
        default=2,
        help="CSV export: 0 skips it, 1 times it, 2 also measures peak memory in a second pass (default).",
    )
    parser.add_argument("--existing", metavar="DATABASE", help="Read the pages of this existing database only.")
    args = parser.parse_args()

    setup_test_environment()  # (the test client's host allowed, emails kept in memory)
    if args.existing:
        connection.settings_dict["NAME"] = args.existing
        connection.close()
        reader = Client(raise_request_exception=False)
        print(f"database: {args.existing} ({connection.vendor}); {args.repeats} requests per page after one warm-up")
        print(HEADER)
        measure(reader, Incident.objects.count(), args.repeats, args.csv_passes, saves=False)
        return
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(sorted(set(args.sizes)), args.repeats, args.csv_passes)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(sizes, repeats, csv_passes):
    # Errors become responses with their status code, so a page still being built does not end the run.
    reader = Client(raise_request_exception=False)
    print(f"database: {connection.vendor}; {repeats} requests per page after one warm-up; anonymous reader")
    created = 0
    for size in sizes:
        print()
        print(generate(size - created, size))
        created = size
        print(HEADER)
        measure(reader, size, repeats, csv_passes)


def measure(reader, size, repeats, csv_passes, saves=True):
    incident = incident_url()
    for name, url in [*PAGES, ("incident page", incident), ("Arabic incident page", "/ar" + incident)]:
        print(format_row(size, name, time_page(reader, url, repeats)), flush=True)
    if csv_passes:
        print(format_csv(size, time_csv(reader, csv_passes == 2)), flush=True)
    if saves:
        print(format_row(size, "save (recount)", time_saves(repeats)), flush=True)


def generate(count, size):
    started = time.perf_counter()
    written = synthetic.generate(count, seed=size)
    elapsed = time.perf_counter() - started
    rows = sum(written.values())
    return (
        f"generated {count:,} incidents ({rows:,} rows) in {elapsed:.1f} s: "
        f"{count / elapsed:,.0f} incidents/s, {rows / elapsed:,.0f} rows/s -> {size:,} incidents"
    )


def incident_url():
    """A synthetic incident with a full official history (received, then found credible)."""
    code = (
        Assessment.objects.filter(verdict=OfficialVerdict.CREDIBLE, incident__code__startswith=synthetic.CODE_PREFIX)
        .values_list("incident__code", flat=True)
        .first()
    )
    return f"/incidents/{code}/"


def time_page(client, url, repeats):
    """{status, queries, first, p50, p95} in ms; timings only for a page that answers 200. Each request is
    rendered: the caches are emptied before it (the page cache would answer the repeats otherwise)."""
    empty_caches()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        status = client.get(url).status_code
        first = (time.perf_counter() - started) * 1000
    result = {"status": status, "queries": len(queries), "first": first}
    if status != 200:
        return result
    timings = []
    for _ in range(repeats):
        empty_caches()
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return {**result, "p50": percentile(timings, 50), "p95": percentile(timings, 95)}


def empty_caches():
    for cache in caches.all():
        cache.clear()


def time_saves(repeats):
    """What a published record's change costs the writer: a current assessment of a random incident has its
    deaths raised by one and is saved in a transaction, as the forms do, and the save's receivers recount the
    summary. {status, queries, first, p50, p95} in ms, like a page's (status 200: every save went through)."""
    rng = random.Random(repeats)  # the same incidents for the same run  # nosec B311
    last_id = Assessment.objects.order_by("-pk").values_list("pk", flat=True).first()
    timings, queries = [], []
    current = Assessment.objects.published().filter(superseded_on__isnull=True).order_by("pk")
    for _ in range(repeats + 1):
        assessment = current.filter(pk__gte=rng.randint(1, last_id)).first() or current.first()
        assessment.killed_max = (assessment.killed_max or assessment.killed_min or 0) + 1
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            with transaction.atomic():
                assessment.save()
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
    first, timings = timings[0], timings[1:]
    return {
        "status": 200,
        "queries": max(queries),
        "first": first,
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
    }


def percentile(values, percent):
    """Nearest-rank percentile: a value actually measured."""
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def time_csv(client, measure_memory):
    """Stream the whole export: rows, seconds and queries, then (a second pass) the peak Python memory."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(CSV_URL)
        if response.status_code != 200 or not response.streaming:
            return {"status": response.status_code, "streaming": response.streaming}
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        elapsed = time.perf_counter() - started
    # Synthetic values hold no line breaks, so lines less the header are rows.
    result = {"status": 200, "streaming": True, "rows": lines - 1, "seconds": elapsed, "queries": len(queries)}
    if measure_memory:
        tracemalloc.start()
        try:
            sum(len(chunk) for chunk in client.get(CSV_URL).streaming_content)  # stream it all, keep nothing
            result["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()
    return result


def status_label(status):
    return "ok" if status == 200 else "missing (404)" if status == 404 else f"status {status}"


def format_row(size, name, result):
    line = (
        f"{size:>10,}  {name:<22} {status_label(result['status']):<14} {result['queries']:>7} {result['first']:>9.1f}"
    )
    if "p50" in result:
        line += f" {result['p50']:>8.1f} {result['p95']:>8.1f}"
    return line


def format_csv(size, result):
    if result["status"] != 200 or not result["streaming"]:
        label = status_label(result["status"]) if result["status"] != 200 else "not streamed"
        return f"{size:>10,}  {'CSV export':<22} {label:<14}"
    rate = result["rows"] / max(result["seconds"], 1e-9)
    line = (
        f"{size:>10,}  {'CSV export':<22} {'ok':<14} {result['queries']:>7} {result['seconds'] * 1000:>9.0f}"
        f"   {result['rows']:,} rows, {rate:,.0f} rows/s"
    )
    if "peak_mb" in result:
        line += f", peak Python memory {result['peak_mb']:.1f} MB"
    return line


if __name__ == "__main__":
    main()
