"""The tables of a release: each column's name, where its value comes from, its Frictionless type and what it
means. The incidents table is the `/incidents.csv` download (reports.exports), described here column for column;
the others are read through published incidents and approved statements only. Private fields (notes, who
entered what) are never listed."""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Case, F, Value, When

from reports import exports
from reports.models import ReviewState

# Text cells of the CSV are made safe for spreadsheets as in the downloads; JSON keeps them as they are.
TYPES = {"string", "integer", "number", "date", "boolean"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    lookup: object = None  # the queryset's field or expression; the name when None
    required: bool = False  # never empty (an identifier, a key): so the Data Package and the API schema say

    def __post_init__(self):
        if self.type not in TYPES:  # a programming error in the table below
            raise ValueError(f"Column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple
    order: tuple = ()

    @cached_property  # read for every row
    def names(self):
        return [column.name for column in self.columns]

    @cached_property
    def lookups(self):
        return [column.lookup or column.name for column in self.columns]

    def schema_fields(self):
        return [
            {
                "name": c.name,
                "type": c.type,
                "description": c.description,
                **({"constraints": {"required": True}} if c.required else {}),
            }
            for c in self.columns
        ]

    def positions(self, kind):
        return [index for index, column in enumerate(self.columns) if column.type == kind]

    @cached_property
    def text_positions(self):
        return self.positions("string")

    @cached_property
    def flag_positions(self):
        return self.positions("boolean")

    @cached_property
    def date_positions(self):
        return self.positions("date")

    def csv_row(self, row):
        """As the incidents' CSV writes a row: empty for unknown (the csv module writes None so), ISO dates (a
        date's str), true/false, text made safe for spreadsheets. Only the columns that need it are touched."""
        row = list(row)
        for index in self.text_positions:
            row[index] = exports.safe_cell(row[index])
        for index in self.flag_positions:
            if row[index] is not None:
                row[index] = "true" if row[index] else "false"
        return row

    def json_row(self, row):
        """The row as an object: ISO dates, and null for unknown (an empty text, as an empty CSV cell)."""
        row = list(row)
        for index in self.date_positions:
            if row[index] is not None:
                row[index] = row[index].isoformat()
        for index in self.text_positions:
            if row[index] == "":
                row[index] = None
        return dict(zip(self.names, row, strict=True))


def counts(prefix, what):
    return (
        Column(f"{prefix}_min", "integer", f"{what}: the lowest figure given; empty when unknown."),
        Column(f"{prefix}_max", "integer", f"{what}: the highest figure given; empty when unknown or not stated."),
    )


INCIDENT_COLUMNS = {
    "code": Column("code", "string", "The incident's permanent identifier (its page: /incidents/<code>/)."),
    "title": Column("title", "string", "A short description of the incident."),
    "date_start": Column("date_start", "date", "The day of the incident, or the first day of its date range."),
    "date_end": Column("date_end", "date", "The last day of the date range; empty for a single day."),
    "date_precision": Column("date_precision", "string", "How precisely the date is known: day, range, week, …"),
    "country": Column("country", "string", "The country, in English."),
    "governorate": Column("governorate", "string", "The governorate or province."),
    "district": Column("district", "string", "The district or subdistrict."),
    "place_name": Column("place_name", "string", "The place's name, in English."),
    "place_name_ar": Column("place_name_ar", "string", "The place's name, in Arabic."),
    "latitude": Column("latitude", "number", "Latitude in decimal degrees (WGS 84); empty when not recorded."),
    "longitude": Column("longitude", "number", "Longitude in decimal degrees (WGS 84); empty when not recorded."),
    "location_precision": Column("location_precision", "string", "How precisely the location is known."),
    "strike_status": Column("strike_status", "string", "Declared, likely, contested or single-source claim."),
    "grading": Column("grading", "string", "The independent monitor's grading: confirmed, fair, weak, …"),
    "belligerents": Column("belligerents", "string", "The belligerents the incident is attributed to (slugs, ';')."),
    "assessor": Column("assessor", "string", "Who made the assessment on this row (slug); empty: none."),
    "assessor_kind": Column("assessor_kind", "string", "official or monitor."),
    "verdict": Column("verdict", "string", "The assessor's verdict or grading."),
    "assessed_on": Column("assessed_on", "date", "When the assessor said it."),
    "dating": Column("dating", "string", "What the assessment's date says (stated, revised, …)."),
    **{c.name: c for c in counts("killed", "Civilians killed")},
    **{c.name: c for c in counts("injured", "Civilians injured")},
    **{c.name: c for c in counts("children_killed", "Children killed")},
    **{c.name: c for c in counts("women_killed", "Women killed")},
    "source_url": Column("source_url", "string", "The assessment's source."),
    "killed_max_open": Column(
        "killed_max_open", "boolean", "true: “at least” killed_min, no upper bound stated; empty: no assessment."
    ),
    **{c.name: c for c in counts("missing", "Missing or unaccounted for")},
    "caveat": Column("caveat", "string", "What readers should know about these figures."),
}
INCIDENTS = Table(
    "incidents",
    "The published incidents, one row per current assessment (one row with empty assessment columns for an "
    "incident without any), as the /incidents.csv download gives them.",
    tuple(INCIDENT_COLUMNS[name] for name in exports.CSV_COLUMNS),
)


def published_code(relation):
    """The code of the incident `relation` names, only while that incident is published (empty otherwise): a
    duplicate's original or a statement's detail names a public record, never a draft or a retracted one."""
    return Case(
        When(**{f"{relation}__review_state": ReviewState.PUBLISHED}, then=F(f"{relation}__code")), default=Value("")
    )


ASSESSMENTS = Table(
    "assessments",
    "Every dated assessment of the published incidents, past and current: an incident's assessments by one "
    "assessor replace each other over time.",
    (
        Column("id", "integer", "The assessment's identifier.", required=True),
        Column("incident", "string", "The incident's code.", "incident__code", required=True),
        Column("assessor", "string", "Who made the assessment (slug).", "assessor__slug", required=True),
        Column("assessor_kind", "string", "official or monitor.", "assessor__kind", required=True),
        Column("verdict", "string", "The assessor's verdict (official) or grading (monitor)."),
        Column("non_credible_reason", "string", "Why an official assessor found the report non-credible."),
        Column(
            "duplicate_of",
            "string",
            "The incident it duplicates, in the assessor's word.",
            published_code("duplicate_of"),
        ),
        Column("assessed_on", "date", "When the assessor said it."),
        Column("dating", "string", "What the date says (stated, revised, …)."),
        Column("superseded_on", "date", "When the same assessor's next assessment replaced it; empty: current."),
        *counts("killed", "Civilians killed"),
        Column("killed_max_open", "boolean", "true: “at least” killed_min, no upper bound stated."),
        *counts("injured", "Civilians injured"),
        *counts("children_killed", "Children killed"),
        *counts("women_killed", "Women killed"),
        *counts("men_killed", "Men killed"),
        *counts("combatants_killed", "Combatants killed"),
        *counts("missing", "Missing or unaccounted for"),
        Column("source_url", "string", "The assessment's source."),
        Column("quote", "string", "The assessor's words."),
        Column("caveat", "string", "What readers should know about these figures."),
    ),
    ("incident__code", "assessor__slug", "assessed_on", "id"),
)
SOURCES = Table(
    "sources",
    "The reports each published incident cites.",
    (
        Column("incident", "string", "The incident's code.", "incident__code", required=True),
        Column("position", "integer", "The source's place among the incident's sources, from 1.", required=True),
        Column("url", "string", "The link."),
        Column("archive_url", "string", "An archived copy."),
        Column("publisher", "string", "The publisher."),
        Column("author", "string", "The author."),
        Column("title", "string", "The title."),
        Column("language", "string", "The language."),
        Column("platform", "string", "The platform (Twitter, Facebook, …)."),
        Column("published_on", "date", "When it was published."),
        Column("media_count", "integer", "How many media items it holds."),
        Column("has_video", "boolean", "Whether it holds a video."),
    ),
    ("incident__code", "position", "id"),
)
STATEMENTS = Table(
    "statements",
    "The cumulative figures official assessors published, as approved (retracted ones left out).",
    (
        Column("id", "integer", "The statement's identifier.", required=True),
        Column("assessor", "string", "The official assessor (slug).", "assessor__slug", required=True),
        Column("published_on", "date", "When it was published.", required=True),
        Column("title", "string", "Its title."),
        Column("countries", "string", "The countries it covers, ';'-separated; empty: not stated."),
        Column("period_start", "date", "The day it counts from."),
        Column("period_start_precision", "string", "How precisely that day is known."),
        Column("period_end", "date", "The day it counts to; empty: to the day it was published."),
        Column("civilians_killed", "integer", "Civilians killed to date."),
        Column("reports_received", "integer", "Reports received."),
        Column("reports_credible", "integer", "Reports assessed credible."),
        Column("reports_non_credible", "integer", "Reports assessed non-credible."),
        Column("reports_under_review", "integer", "Reports still under review."),
        Column("url", "string", "The link to the statement."),
        Column("quote", "string", "The statement's words."),
        Column("caveats", "string", "What it says it leaves out or qualifies."),
    ),
    ("published_on", "id"),
)
STATEMENT_ITEMS = Table(
    "statement_items",
    "The details each statement gives beside its cumulative figure: the deaths of a period, strikes it counts, "
    "incidents it excludes, deaths newly disclosed or found not attributable.",
    (
        Column("id", "integer", "The detail's identifier.", required=True),
        Column("statement", "integer", "The statement's identifier (statements.id).", "statement_id", required=True),
        Column(
            "role",
            "string",
            "What it says: period, included, excluded, newly_disclosed or not_attributable.",
            required=True,
        ),
        Column("description", "string", "The statement's words for it."),
        Column(
            "incident", "string", "The published incident it names (its code); empty: none.", published_code("incident")
        ),
        Column("civilians_killed", "integer", "Civilians killed it gives."),
        Column("strikes", "integer", "Strikes it counts."),
        Column("period_start", "date", "The first day it covers."),
        Column("period_end", "date", "The last day it covers."),
    ),
    ("statement__published_on", "statement_id", "id"),
)
# Every table of a release, in the order its Data Package lists them.
TABLES = (INCIDENTS, ASSESSMENTS, SOURCES, STATEMENTS, STATEMENT_ITEMS)
