from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the whole database to FILE (pg_dump custom format on PostgreSQL, a copy on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            path = backup(file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path} ({path.stat().st_size:,} bytes)."))
