from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reports.importing import batches
from reports.importing.report import ImportFileError
from reports.models import InvalidTransition
from reports.models.imports import ImportBatch, ImportStatus


class Command(BaseCommand):
    help = (
        "Approve or reject an import that publishes (held by import_csv or import_airwars --state published, or "
        "the admin's import page), as a reviewer other than the one who imported it. Without --approve or "
        "--reject, lists the imports awaiting a decision."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", nargs="?", type=int, help="the import's number")
        decision = parser.add_mutually_exclusive_group()
        decision.add_argument("--approve", action="store_true", help="run the import now and publish it")
        decision.add_argument("--reject", metavar="REASON", help="refuse it, saying why")
        parser.add_argument("--user", help="the deciding reviewer")
        parser.add_argument("--comment", default="", help="a comment kept with the decision")

    def handle(self, *args, **options):
        if not (options["approve"] or options["reject"]):
            return self.list_waiting()
        if options["number"] is None or not options["user"]:
            raise CommandError("Name the import and the deciding reviewer: decide_import N --approve --user NAME.")
        user = get_user_model().objects.filter(username=options["user"]).first()
        batch = ImportBatch.objects.filter(pk=options["number"]).first()
        if user is None or batch is None:
            raise CommandError("No such user or import.")
        try:
            if options["approve"]:
                report = batches.approve(batch, user, options["comment"], progress=self.stderr.write)
                for line in report.summary_lines():
                    self.stdout.write(self.style.SUCCESS(line))
            else:
                batches.reject(batch, user, options["reject"])
                self.stdout.write(self.style.SUCCESS(f"Import {batch.pk} rejected."))
        except (InvalidTransition, ImportFileError) as refused:
            raise CommandError(str(refused)) from None

    def list_waiting(self):
        waiting = ImportBatch.objects.filter(status=ImportStatus.AWAITING_APPROVAL).select_related("created_by")
        for batch in waiting.order_by("created_at"):
            self.stdout.write(f"{batch} by {batch.created_by} at {batch.created_at:%Y-%m-%d %H:%M}")
            self.stdout.write(batch.report)
        if not waiting.exists():
            self.stdout.write("No import awaits a decision.")
