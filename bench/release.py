"""Benchmark: building a release of N synthetic incidents. Prints the seconds, the release's size and the
process's resident memory (sampled every half second: its peak, and where it stood at each quarter of the
build) for a first release, then the same and the peak of Python's own memory (tracemalloc) for a second one,
with its changelog against the first.

Runs in a throwaway database (never the one DATABASE_URL names: on PostgreSQL, "<its name>_bench_release") and
writes the releases to a temporary folder. tracemalloc slows Python down, so the time is measured on a build
without it and the memory on the second build. `--existing NAME` instead releases a database that exists
already (say one of a million incidents, which takes a quarter of an hour to generate), writing nothing to it;
`--no-second` skips the second build.

    .venv/bin/python bench/release.py --incidents 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/release.py --existing bench1m
"""

import argparse
import os
import sys
import tempfile
import threading
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


def resident_mb():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


class MemorySampler(threading.Thread):
    """The process's resident memory every half second while a release is built (Linux only)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.done = [], threading.Event()

    def run(self):
        while not self.done.wait(0.5):
            self.samples.append(resident_mb())

    def summary(self):
        if not self.samples:
            return "no sample"
        quarters = [self.samples[min(len(self.samples) - 1, len(self.samples) * q // 4)] for q in (1, 2, 3, 4)]
        quartered = " / ".join(f"{mb:.0f}" for mb in quarters)
        return f"resident peak {max(self.samples):.0f} MB, at each quarter {quartered}"


def timed(name):
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    release = releases.make_release(name)
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    print(f"  {name}: {sampler.summary()} MB")
    return release, seconds


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
    parser.add_argument("--existing", metavar="DATABASE", help="Release this existing database, generating nothing.")
    parser.add_argument("--no-second", action="store_true", help="Build the first release only.")
    args = parser.parse_args()
    if args.existing:
        connection.settings_dict["NAME"] = args.existing
        print(f"database: {connection.vendor} {args.existing}, existing")
        build(args.no_second)
        return
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
        build()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def build(no_second=False):
    with tempfile.TemporaryDirectory() as folder:
        settings.RELEASES_DIR = Path(folder)
        first, seconds = timed("first")
        counts = ", ".join(f"{count:,} {table}" for table, count in first.manifest["counts"].items())
        print(
            f"first release:  {seconds:8.1f} s, {first.size / 1e6:8.1f} MB, "
            f"{first.manifest['counts']['incidents'] / seconds:,.0f} incidents/s ({counts})"
        )
        if not no_second:
            second, peak = measured("second")
            log = second.changelog
            print(
                f"second release: peak Python memory {peak / 1e6:.1f} MB (tracemalloc); changelog: "
                f"{log['added']} added, {log['changed']} changed, {log['retracted']} retracted"
            )
        for path in Path(folder).iterdir():  # read-only: let the cleanup delete them
            path.chmod(0o755)


if __name__ == "__main__":
    main()
