from reports.importing import formats
from reports.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import Airwars' Syria files: incidents (with Airwars' grading and counts), each belligerent's recorded "
        "response as an official assessment, and sources. Matched on airwars_id: importing again updates."
    )

    def add_format_arguments(self, parser):
        parser.add_argument("--incidents", required=True, help="airwars_syria_incidents.csv")
        parser.add_argument("--assessments", required=True, help="airwars_syria_belligerent_assessments.csv")
        parser.add_argument("--sources", help="airwars_syria_sources.csv (optional)")

    def files(self, options):
        paths = {"file": options["incidents"], "assessments": options["assessments"], "sources": options["sources"]}
        return formats.AIRWARS, {role: path for role, path in paths.items() if path}
