"""Benchmark: what the admin's import page does with an upload of a given size (this tracker's CSV format):
the dry run, then the confirmed import, each in one web request. Prints seconds per step, for the sizes around
the upload limit (IMPORT_UPLOAD_MAX_MB), which must leave each request well within the web server's timeout.

Runs in a throwaway database (never the one DATABASE_URL names: on PostgreSQL, "<its name>_bench_upload").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casualties .venv/bin/python bench/admin_upload.py
"""

import argparse
import csv
import io
import os
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casualties.settings")
os.environ.setdefault("HTTPS", "off")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from reports.exports import CSV_COLUMNS  # noqa: E402
from reports.importing import batches  # noqa: E402
from reports.models import ReviewState  # noqa: E402
from reports.roles import create_user_in_role  # noqa: E402


def project_csv(megabytes, prefix):
    """A CSV in this tracker's format of about `megabytes`: one incident, a monitor's assessment and a source
    per row, as a monitor's export would give them."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS)
    writer.writeheader()
    number = 0
    while buffer.tell() < megabytes * 1024 * 1024:
        number += 1
        writer.writerow(
            {column: "" for column in CSV_COLUMNS}
            | {
                "code": f"{prefix}-{number}",
                "title": f"Strike on a residential building, report {number}",
                "date_start": f"2017-{1 + number % 12:02d}-{1 + number % 28:02d}",
                "country": "Syria",
                "governorate": "Raqqa",
                "place_name": f"Place {number % 500}",
                "belligerents": "us-led-coalition",
                "assessor": "airwars",
                "assessor_kind": "monitor",
                "verdict": "fair",
                "assessed_on": "2018-01-01",
                "killed_min": str(number % 7),
                "killed_max": str(number % 7 + 3),
                "source_url": f"https://example.org/reports/{number}",
            }
        )
    return buffer.getvalue().encode(), number


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.5, 1, 2, 4], help="megabytes")
    args = parser.parse_args()
    setup_test_environment()
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench_upload"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        user, _created = create_user_in_role("bench-uploader", "reviewer", "a-long-Bench-passw0rd")
        print(f"database: {connection.vendor}")
        print(f"{'MB':>5} {'rows':>7} {'dry run s':>10} {'import s':>9}")
        for number, megabytes in enumerate(args.sizes):
            content, rows = project_csv(megabytes, f"UP{number}")
            batch = batches.hold("project", ReviewState.PENDING, user, {"file": ("upload.csv", content)})
            started = time.perf_counter()
            batches.dry_run(batch)
            dry_run = time.perf_counter() - started
            started = time.perf_counter()
            batches.confirm(batch, user)
            imported = time.perf_counter() - started
            print(f"{megabytes:>5} {rows:>7,} {dry_run:>10.1f} {imported:>9.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
