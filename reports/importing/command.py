"""What the import commands share: options, the user, the transaction, progress and the report's printing."""

import contextlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reports.importing.report import ImportFileError, ImportReport
from reports.importing.writer import Options, run_import
from reports.models import ReviewState

STATES = [ReviewState.PENDING, ReviewState.PUBLISHED, ReviewState.DRAFT]
SHOWN_PROBLEMS = 200


class ImportCommand(BaseCommand):
    change_reason_file = "file"  # the option naming the file the history's change reason cites

    def add_arguments(self, parser):
        self.add_format_arguments(parser)
        parser.add_argument("--user", required=True, help="the importing user: new records are attributed to them")
        parser.add_argument(
            "--state",
            choices=STATES,
            default=ReviewState.PENDING,
            help="review state of new incidents (default: pending; published for trusted monitor data)",
        )
        parser.add_argument("--dry-run", action="store_true", help="the full report, nothing written")
        parser.add_argument(
            "--all-problems", action="store_true", help=f"list every problem (default: {SHOWN_PROBLEMS})"
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r} (create one with manage.py create_user).")
        report = ImportReport(dry_run=options["dry_run"], progress=lambda message: self.stderr.write(message))
        reason = f"Imported from {Path(options[self.change_reason_file]).name}"
        settings = Options(user, options["state"], reason, self.match_on(options), options["dry_run"])
        try:
            run_import(lambda: self.read(options, report), settings, report)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            raise CommandError("Interrupted: nothing was written.") from None
        self.print_report(report, options["all_problems"])

    def match_on(self, options):
        """How stored incidents are found: by external identifier, or by code for the project's own format."""
        return "external_id"

    @contextlib.contextmanager
    def opened(self, path):
        try:
            file = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise CommandError(f"Cannot open {path}: {error.strerror}.") from None
        with file:
            yield file

    def print_report(self, report, all_problems):
        problems = report.sorted_problems()
        shown = problems if all_problems else problems[:SHOWN_PROBLEMS]
        for problem in shown:
            self.stdout.write(str(problem))
        if len(shown) < len(report.problems):
            self.stdout.write(f"… and {len(report.problems) - len(shown):,} more (--all-problems lists them)")
        for line in report.summary_lines():
            self.stdout.write(self.style.SUCCESS(line))
