from reports.importing import airwars
from reports.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import Airwars' Syria files: incidents (with Airwars' grading and counts), each belligerent's recorded "
        "response as an official assessment, and sources. Matched on airwars_id: importing again updates."
    )
    change_reason_file = "incidents"

    def add_format_arguments(self, parser):
        parser.add_argument("--incidents", required=True, help="airwars_syria_incidents.csv")
        parser.add_argument("--assessments", required=True, help="airwars_syria_belligerent_assessments.csv")
        parser.add_argument("--sources", help="airwars_syria_sources.csv (optional)")

    def read(self, options, report):
        with self.opened(options["incidents"]) as incidents, self.opened(options["assessments"]) as assessments:
            if options["sources"]:
                with self.opened(options["sources"]) as sources:
                    return airwars.read(incidents, assessments, sources, report=report)
            return airwars.read(incidents, assessments, report=report)
