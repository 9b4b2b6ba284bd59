import time

from django.core.management.base import BaseCommand, CommandError

from reports.devdata import synthetic


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic published incidents (codes SYN-…) and their attributions, assessments, "
        "sources and official statements, for benchmarks and load tests. Never run it on a real database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, required=True, help="How many incidents to add.")
        parser.add_argument("--seed", type=int, help="Random seed, for the same data set again (codes aside).")

    def handle(self, *args, incidents, seed, **options):
        if incidents < 1:
            raise CommandError("--incidents must be at least 1.")
        started = time.perf_counter()
        written = synthetic.generate(incidents, seed=seed, stdout=self.stdout)
        elapsed = time.perf_counter() - started
        rows = sum(written.values())
        details = ", ".join(f"{count:,} {table}" for table, count in written.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {written['incidents']:,} synthetic incidents in {elapsed:.1f} s "
                f"({written['incidents'] / elapsed:,.0f} incidents/s, {rows / elapsed:,.0f} rows/s): {details}."
            )
        )
