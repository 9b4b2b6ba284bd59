"""Benchmark: importing Airwars' three Syria files (../shared/data, or $SHARED_DATA) into an empty database,
then the same files again (nothing changes), a dry run, and a newer export that changes every incident.
Prints seconds, rows/s and what was written.

Runs in a throwaway database (never the one DATABASE_URL names: on PostgreSQL, "<its name>_bench_import").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casualties .venv/bin/python bench/import_airwars.py
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casualties.settings")
os.environ.setdefault("HTTPS", "off")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from reports.importing import airwars  # noqa: E402
from reports.importing.report import ImportReport  # noqa: E402
from reports.importing.writer import Options, run_import  # noqa: E402
from reports.models import Assessment, Incident, ReviewState, Source  # noqa: E402

FILES = ("airwars_syria_incidents.csv", "airwars_syria_belligerent_assessments.csv", "airwars_syria_sources.csv")


def run(paths, user, dry_run=False):
    report = ImportReport(dry_run=dry_run)
    files = [open(path, encoding="utf-8", newline="") for path in paths]  # noqa: SIM115
    try:
        # (approved_by: the benchmark times the import a second reviewer's approval runs)
        options = Options(user, ReviewState.PUBLISHED, "Imported (benchmark)", dry_run=dry_run, approved_by=user)
        started = time.perf_counter()
        run_import(lambda: airwars.read(*files, report=report, user=user), options, report)
        return time.perf_counter() - started, report
    finally:
        for file in files:
            file.close()


def renamed_copy(path):
    """The incidents file with every place name changed: a newer export that updates all 8,114 incidents."""
    target = Path(tempfile.mkdtemp(prefix="bench-import-")) / path.name
    with open(path, encoding="utf-8", newline="") as source, open(target, "w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, reader.fieldnames)
        writer.writeheader()
        writer.writerows({**row, "location": row["location"] + " (renamed)"} for row in reader)
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("SHARED_DATA") or REPOSITORY.parent / "shared" / "data")
    args = parser.parse_args()
    paths = [Path(args.data) / name for name in FILES]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        sys.exit(f"Data files not found: {', '.join(missing)} (give --data or SHARED_DATA).")

    setup_test_environment()
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench_import"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        user = get_user_model().objects.create_superuser("bench-importer")  # creates reference rows: may add them
        print(f"database: {connection.vendor}; files: {', '.join(FILES)}")
        print(f"{'run':<22} {'seconds':>8} {'rows/s':>8}  outcome")
        newer = [renamed_copy(paths[0]), *paths[1:]]
        runs = [
            ("first import", paths, False),
            ("same files again", paths, False),
            ("dry run", paths, True),
            ("every incident renamed", newer, False),
        ]
        for label, files, dry_run in runs:
            seconds, report = run(files, user, dry_run)
            outcome = "; ".join(
                line for line in report.summary_lines() if line.startswith(("incidents", "assess", "sources"))
            )
            print(f"{label:<22} {seconds:>8.1f} {report.rows_read / seconds:>8,.0f}  {outcome}")
        counts = [
            (model.__name__, model.objects.count(), model.history.count()) for model in (Incident, Assessment, Source)
        ]
        print(
            "stored (rows, history rows): "
            + ", ".join(f"{name} {rows:,} / {history:,}" for name, rows, history in counts)
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
