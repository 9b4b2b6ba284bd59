from reports.importing import formats
from reports.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a CSV: the project's own export format (matched on incident code), or any CSV with --mapping "
        "(a JSON file naming which column feeds which field; see docs/mappings/tbij_afghanistan.json)."
    )

    def add_format_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--mapping", help="a mapping JSON file, for a CSV not in the project's format")

    def files(self, options):
        if options["mapping"]:
            return formats.MAPPED, {"file": options["file"], "mapping": options["mapping"]}
        return formats.PROJECT, {"file": options["file"]}
