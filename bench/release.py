"""Benchmark: building a release of N synthetic incidents. Prints the seconds and the peak of Python's memory
(tracemalloc) for a first release, then for a second one (with its changelog against the first), and the
release's size.

Runs in a throwaway database (never the one DATABASE_URL names: on PostgreSQL, "<its name>_bench_release") and
writes the releases to a temporary folder. tracemalloc slows Python down, so the time is measured on a build
without it and the memory on the second build.

    .venv/bin/python bench/release.py --incidents 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casualties .venv/bin/python bench/release.py --incidents 1000000
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casualties.settings")
os.environ.setdefault("HTTPS", "off")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from reports import releases  # noqa: E402
from reports.devdata import synthetic  # noqa: E402


def timed(name):
    started = time.perf_counter()
    release = releases.make_release(name)
    return release, time.perf_counter() - started


def measured(name):
    tracemalloc.start()
    try:
        release, _seconds = timed(name)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return release, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=20_000)
    args = parser.parse_args()
    setup_test_environment()
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench_release"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        written = synthetic.generate(args.incidents, seed=1)
        print(
            f"database: {connection.vendor}; generated {written['incidents']:,} incidents, "
            f"{written.get('assessments', 0):,} assessments, {written.get('sources', 0):,} sources "
            f"in {time.perf_counter() - started:.1f} s"
        )
        with tempfile.TemporaryDirectory() as folder:
            settings.RELEASES_DIR = Path(folder)
            first, seconds = timed("first")
            print(
                f"first release:  {seconds:8.1f} s, {first.size / 1e6:8.1f} MB, "
                f"{first.manifest['counts']['incidents'] / seconds:,.0f} incidents/s"
            )
            second, peak = measured("second")
            log = second.changelog
            print(
                f"second release: peak Python memory {peak / 1e6:.1f} MB (tracemalloc); changelog: "
                f"{log['added']} added, {log['changed']} changed, {log['retracted']} retracted"
            )
            for path in (Path(folder) / "first", Path(folder) / "second"):  # read-only: let the cleanup delete
                path.chmod(0o755)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
