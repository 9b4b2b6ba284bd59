"""What the import commands share: options, the user, the transaction, progress and the report's printing.
An import that publishes is not run: it is held, with its dry run's report, for a second reviewer to approve
(`decide_import`, or the admin's Imports list)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reports.importing import batches, formats
from reports.importing.report import ImportFileError, ImportReport
from reports.importing.writer import Options, run_import
from reports.models import InvalidTransition, ReviewState, can_review

STATES = [ReviewState.PENDING, ReviewState.PUBLISHED, ReviewState.DRAFT]
SHOWN_PROBLEMS = 200


class ImportCommand(BaseCommand):
    def add_arguments(self, parser):
        self.add_format_arguments(parser)
        parser.add_argument("--user", required=True, help="the importing user: new records are attributed to them")
        parser.add_argument(
            "--state",
            choices=STATES,
            default=ReviewState.PENDING,
            help="review state of new incidents (default: pending). published: held, with the dry run's report, "
            "until another reviewer approves the import (decide_import)",
        )
        parser.add_argument("--dry-run", action="store_true", help="the full report, nothing written")
        parser.add_argument(
            "--all-problems", action="store_true", help=f"list every problem (default: {SHOWN_PROBLEMS})"
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r} (create one with manage.py create_user).")
        format_name, paths = self.files(options)
        try:
            if options["state"] == ReviewState.PUBLISHED and not options["dry_run"]:
                return self.hold(format_name, paths, user, options)
            report = ImportReport(dry_run=options["dry_run"], progress=self.stderr.write)
            reason = f"Imported from {Path(paths['file']).name}"
            settings = Options(user, options["state"], reason, formats.MATCH_ON[format_name], options["dry_run"])
            run_import(formats.reader(format_name, paths, report, user=user), settings, report)
        except (ImportFileError, InvalidTransition) as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot open {error.filename}: {error.strerror}.") from None
        except KeyboardInterrupt:
            raise CommandError("Interrupted: nothing was written.") from None
        self.print_report(report, options["all_problems"])

    def hold(self, format_name, paths, user, options):
        """An import that publishes: its dry run, then held for a second reviewer."""
        if not can_review(user):
            raise CommandError("Only reviewers import records as published.")
        batch = batches.hold(format_name, ReviewState.PUBLISHED, user, batches.files_on_disk(paths))
        report = batches.dry_run(batch, progress=self.stderr.write)
        self.print_report(report, options["all_problems"])
        batches.confirm(batch, user)
        self.stdout.write(
            self.style.WARNING(
                f"Nothing is published yet: import {batch.pk} awaits another reviewer's approval "
                f"(manage.py decide_import {batch.pk} --approve --user <reviewer>, or the admin's Imports list)."
            )
        )

    def files(self, options):
        """(format, {role: path}) of the files named on the command line: each import command defines it."""
        raise NotImplementedError

    def print_report(self, report, all_problems):
        problems = report.sorted_problems()
        shown = problems if all_problems else problems[:SHOWN_PROBLEMS]
        for problem in shown:
            self.stdout.write(str(problem))
        if len(shown) < len(report.problems):
            self.stdout.write(f"… and {len(report.problems) - len(shown):,} more (--all-problems lists them)")
        for line in report.summary_lines():
            self.stdout.write(self.style.SUCCESS(line))
