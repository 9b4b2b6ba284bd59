import json

from django.core.management.base import CommandError

from reports.importing import mapping, project_csv
from reports.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a CSV: the project's own export format (matched on incident code), or any CSV with --mapping "
        "(a JSON file naming which column feeds which field; see docs/mappings/tbij_afghanistan.json)."
    )
    change_reason_file = "file"

    def add_format_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--mapping", help="a mapping JSON file, for a CSV not in the project's format")

    def match_on(self, options):
        return "external_id" if options["mapping"] else "code"

    def read(self, options, report):
        if options["mapping"]:
            try:
                with open(options["mapping"], encoding="utf-8") as file:
                    spec = mapping.Mapping(json.load(file))
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read the mapping {options['mapping']}: {error}") from None
            with self.opened(options["file"]) as file:
                return spec.read(file, report)
        with self.opened(options["file"]) as file:
            return project_csv.read(file, report)
