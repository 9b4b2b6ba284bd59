"""Airwars' Syria records (the three files described in ../shared/data/PROVENANCE.md).

- incidents file: each row an incident (key: `airwars_id`, unique, unlike the incident code: a repeated code
  gets Airwars' own suffix, "TS631-2"), with Airwars' own grading and counts as an assessment by the
  independent monitor Airwars. The export keeps only the latest version of each record, so that assessment is
  dated as *revised* on `last_modified`: it stands for the incident from the start, and as-of views say so.
- belligerent assessments file: each row one belligerent's recorded response to the incident. A real verdict
  (open, credible, non-credible, duplicate) becomes an official assessment by the assessor that published its
  statement (CJTF-OIR for a statement on its site, whichever belligerent Airwars filed it under; otherwise
  that belligerent's official assessor, "<belligerent> (official)" created as needed), dated by the statement
  that first made it, or *undated* (counted from when Airwars' record had it) when no statement date is
  known. A "not yet assessed" row is a placeholder: it attributes the incident to the belligerent, and
  records no verdict.
- sources file: each row a source the incident cites.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.text import slugify

from reports.importing import reference
from reports.importing.values import BadValue, convert, parse_count, parse_date, read_csv
from reports.importing.writer import Part, Record, valid_point
from reports.models import (
    Assessment,
    Assessor,
    AssessorKind,
    Belligerent,
    BelligerentRole,
    DatePrecision,
    Dating,
    Grading,
    Incident,
    LocationPrecision,
    NonCredibleReason,
    OfficialVerdict,
    Source,
    StrikeStatus,
    StrikeType,
)

MONITOR = "airwars"
EXTERNAL_PREFIX = "airwars:"
INCIDENT_COLUMNS = ["sequence", "incident_code", "airwars_id", "incident_date", "belligerents", "airwars_grading"]
INCIDENT_COLUMNS += ["latitude", "longitude", "civilians_killed_min", "civilians_killed_max", "country"]
ASSESSMENT_COLUMNS = ["airwars_id", "belligerent", "belligerent_assessment", "civilian_deaths_conceded_min"]
ASSESSMENT_COLUMNS += ["civilian_deaths_conceded_max", "last_statement_date"]
SOURCE_COLUMNS = ["incident_sequence", "airwars_id", "source_order", "source_url", "source_name"]
EARLIEST_PLAUSIBLE_YEAR = 1990  # 1970-01-01 is a missing date in disguise (a zero timestamp)
SYRIA_BOUNDS = ((32.0, 37.5), (35.5, 42.5))  # latitude, longitude: a generous box around the country

# Airwars spells governorates many ways (its `governorate` column especially); `region` is the cleanest, and
# these variants of it, or of the other columns where it is empty, read as one name, so filters and the
# breakdown by governorate show each place once.
GOVERNORATE_NAMES = {
    "ar raqqah": "Raqqa", "ar raqqa": "Raqqa", "raqqah": "Raqqa", "deir ez-zor": "Deir Ezzor",
    "deir ez zor": "Deir Ezzor", "deir ez-zour": "Deir Ezzor", "al hassakah": "Al-Hasakah",
    "al-hassakah": "Al-Hasakah", "al hasakah": "Al-Hasakah", "hasakah": "Al-Hasakah", "hassakah": "Al-Hasakah",
    "al hasaka": "Al-Hasakah", "hasaka": "Al-Hasakah", "hassaka": "Al-Hasakah", "al suwayda": "As-Suwayda",
    "al-suwayda": "As-Suwayda", "sweida": "As-Suwayda", "tartous": "Tartus", "lattakia": "Latakia",
    "dara'a": "Daraa", "rural damascus": "Rif Dimashq", "al anbar": "Anbar", "quneitra district": "Quneitra",
}  # fmt: skip

# Airwars' names (incidents file) and codes (assessments file) for belligerents: (our slug, name if new).
BELLIGERENT_NAMES = {
    "U.S.-led Coalition": "us-led-coalition", "Russian Military": "russian-military",
    "Syrian Regime": "syrian-regime", "Turkish Military": "turkish-military", "Israeli Military": "israeli-military",
    "Iranian Military": "iranian-military", "YPG": "sdf-ypg", "Syrian Democratic Forces": "sdf-ypg",
    "Unknown": "unknown", "Jordanian Military": "jordanian-military", "UK Military": "uk-military",
    "Kurdish Forces": "kurdish-forces", "Tribal Forces": "tribal-forces",
}  # fmt: skip
BELLIGERENT_CODES = {
    "coalition": "us-led-coalition", "russian_forces": "russian-military", "russia": "russian-military",
    "syrian_regime": "syrian-regime", "turkey": "turkish-military", "israeli_forces": "israeli-military",
    "iranian_forces": "iranian-military", "syrian_democratic_forces": "sdf-ypg", "ypg_forces": "sdf-ypg",
    "isis": "islamic-state", "unknown": "unknown", "free_syrian_army": "free-syrian-army",
    "united_states": "us-military", "united_kingdom": "uk-military", "jordan": "jordanian-military",
    "kurdish_forces": "kurdish-forces", "rebel_forces": "rebel-forces", "iraq": "iraqi-military",
    "iraq_government_forces": "iraqi-government-forces", "iraq_irregular_forces": "iraqi-irregular-forces",
}  # fmt: skip
NEW_BELLIGERENTS = {
    "jordanian-military": "Jordanian military", "uk-military": "UK military", "kurdish-forces": "Kurdish forces",
    "tribal-forces": "Tribal forces", "free-syrian-army": "Free Syrian Army", "us-military": "US military",
    "rebel-forces": "Rebel forces", "iraqi-military": "Iraqi military",
    "iraqi-government-forces": "Iraqi government forces", "iraqi-irregular-forces": "Iraqi irregular forces",
}  # fmt: skip
STRIKE_STATUSES = {
    "Declared strike": StrikeStatus.DECLARED, "Likely strike": StrikeStatus.LIKELY,
    "Contested strike": StrikeStatus.CONTESTED, "Single source claim": StrikeStatus.SINGLE_SOURCE,
}  # fmt: skip
LOCATION_PRECISIONS = {
    "exact_location": LocationPrecision.EXACT, "exact_location_other": LocationPrecision.EXACT,
    "exact_location_coalition": LocationPrecision.EXACT, "within_1m": LocationPrecision.EXACT,
    "within_100m": LocationPrecision.WITHIN_100M, "street": LocationPrecision.STREET,
    "neighbourhood_area": LocationPrecision.NEIGHBOURHOOD, "nearby_landmark": LocationPrecision.NEIGHBOURHOOD,
    "village": LocationPrecision.TOWN, "town": LocationPrecision.TOWN, "city": LocationPrecision.TOWN,
    "subdistrict": LocationPrecision.DISTRICT, "district": LocationPrecision.DISTRICT,
    "province_governorate": LocationPrecision.GOVERNORATE,
}  # fmt: skip
VERDICTS = {"open_incident": "under_review"}  # the others are spelled as ours
PLACEHOLDER = OfficialVerdict.NOT_YET_ASSESSED
UNKNOWN = "unknown"  # a belligerent nobody speaks for: a verdict filed under it is attributable only by its publisher
# Official assessors known by where they publish: a statement there is theirs, whatever row Airwars filed it in.
PUBLISHERS = {"inherentresolve.mil": "cjtf-oir"}
NON_CREDIBLE_REASONS = {
    "no_coalition_strikes": NonCredibleReason.NO_STRIKE,
    "insufficient_information": NonCredibleReason.INSUFFICIENT_EVIDENCE,
    "insufficient_evidence": NonCredibleReason.INSUFFICIENT_EVIDENCE,
    "other": NonCredibleReason.OTHER,
}
PLATFORMS = {"twitter": "Twitter", "facebook": "Facebook", "telegram": "Telegram", "video": "Video"}
# Columns with no field of their own, kept in external_data.
KEPT_COLUMNS = [
    "sequence", "date_type", "published_date", "last_modified", "region", "province", "geolocation_accuracy",
    "geolocation_status", "incident_status", "source_count", "media_count", "detail_page_captured", "victim_count",
    "coalition_assessment", "coalition_deaths_conceded_min", "coalition_deaths_conceded_max",
]  # fmt: skip
MONITOR_COUNTS = {
    "killed": "civilians_killed", "injured": "civilians_injured", "children_killed": "children_killed",
    "women_killed": "women_killed", "men_killed": "men_killed", "combatants_killed": "militants_killed",
}  # fmt: skip


def read(incidents_file, assessments_file=None, sources_file=None, report=None, user=None):
    """Records for the writer, from open files (names are taken from their `name` for the report). Belligerents
    and official assessors the tracker lacks are created only if `user`, the importing user, may add them
    (reference.may_create); otherwise the import stops, saying which."""
    reader = AirwarsReader(report, user)
    records = reader.incidents(incidents_file)
    if assessments_file is not None:
        reader.assessments(assessments_file, records)
    if sources_file is not None:
        reader.sources(sources_file, records)
    return records


def file_name(file):
    return Path(getattr(file, "name", "") or "upload.csv").name


def governorate(row):
    """The incident's governorate under one spelling: `region`, else `governorate`, else `province`."""
    name = (row.get("region") or row.get("governorate") or row.get("province") or "").strip()
    name = re.sub(r"\s+governorate$", "", name, flags=re.IGNORECASE)
    return GOVERNORATE_NAMES.get(name.lower(), name)


class AirwarsReader:
    def __init__(self, report, user=None):
        self.report, self.user = report, user
        self.monitor = Assessor.objects.get(slug=MONITOR)
        self.strike_types = {name.lower(): slug for name, slug in StrikeType.objects.values_list("name", "slug")}
        self.official_assessors = {}
        self.publishers = {}
        self.chosen = {}  # {id: the official assessors verdicts went to}

    # --- incidents

    def incidents(self, file):
        name = file_name(file)
        _header, rows = read_csv(file, INCIDENT_COLUMNS, name)
        self.ensure_belligerents()
        records, codes = [], {}  # codes: {code: [(identifier, row) of the records given it]}
        for number, row in rows:
            record = self.incident(name, number, row)
            if record is not None:
                self.distinct_code(record, codes)
                records.append(record)  # a repeated identifier is reported by the writer
            if number % 2000 == 0:
                self.report.progress(f"{name}: {number - 1:,} rows read")
        self.report.rows_read += len(rows)
        return records

    def incident(self, name, number, row):
        label = row_label(row)
        warn = lambda reason: self.report.problem(name, number, label, reason, skipped=False)  # noqa: E731
        date = self.date(row["incident_date"])
        if date is not None and date.year < EARLIEST_PLAUSIBLE_YEAR:
            self.report.problem(name, number, label, f"implausible date {date} (a placeholder for a missing one)")
            self.report.count("incidents", "skipped")
            return None
        fields = {
            "code": row["incident_code"],
            "date_start": date,
            "date_end": self.date(row.get("incident_date_end", "")),
            "date_precision": DatePrecision.RANGE if row.get("date_type") == "date_range" else DatePrecision.DAY,
            "time_of_day": row.get("local_time", "")[:50],
            "country": row["country"],
            "governorate": governorate(row),
            "district": row.get("district", ""),
            "place_name": row.get("location", ""),
            "place_name_ar": row.get("location_ar", ""),
            "latitude": self.value(Incident, "latitude", row["latitude"], warn),
            "longitude": self.value(Incident, "longitude", row["longitude"], warn),
            "location_precision": self.translated(LOCATION_PRECISIONS, row, "geolocation_accuracy", warn),
            "strike_status": self.translated(STRIKE_STATUSES, row, "strike_status", warn),
            "strike_count": self.value(Incident, "strike_count", row.get("total_strikes", ""), warn),
            "grading": self.grading(row["airwars_grading"], warn),
            "civilian_harm_reported": self.value(
                Incident, "civilian_harm_reported", row.get("civilian_harm_reported", ""), warn
            ),
            "cause_of_harm": row.get("cause_of_injury_death", "")[:255],
            "infrastructure": row.get("infrastructure", "")[:255],
            "first_reported_on": self.date(row.get("first_report_date", "")),
            "external_id": EXTERNAL_PREFIX + row["airwars_id"],
            "external_url": row.get("airwars_url", ""),
            "external_data": {column: row[column] for column in KEPT_COLUMNS if row.get(column)},
        }
        if valid_point(fields["latitude"], fields["longitude"]) and outside_syria(fields):
            warn(f"coordinates ({fields['latitude']}, {fields['longitude']}) outside Syria: kept as given")
        record = Record(name, number, fields["external_id"], fields)
        record.belligerents = self.belligerents(row["belligerents"], warn)
        record.strike_types = self.strike_type_slugs(row.get("strike_type", ""), warn)
        record.assessments.append(self.monitor_assessment(name, number, row, fields, warn))
        record.assessments = [part for part in record.assessments if part is not None]
        return record

    def distinct_code(self, record, codes):
        """Airwars gives two records one code now and then (TS631, TS633: distinct airwars_ids, places and
        gradings); its own addresses tell them apart with a suffix ("…-2023-2/"), and so does this, taking the
        suffix from the address (the order of the rows may change between exports) or else counting."""
        code = record.fields["code"]
        given = codes.setdefault(code, [])
        if given and record.key not in [key for key, _row in given]:
            suffix = re.search(r"\d{4}-(\d{1,2})/?$", record.fields.get("external_url", ""))
            distinct = f"{code}-{suffix.group(1) if suffix else len(given) + 1}"
            reason = f"code {code} is also row {given[0][1]}'s (another airwars_id): stored as {distinct}"
            self.report.problem(record.file, record.row, record.label, reason, skipped=False)
            record.fields["code"] = distinct
        given.append((record.key, record.row))

    def date(self, text):
        try:
            return parse_date(text) if text else None
        except BadValue:
            return None  # reported by the writer as a missing date (start) or ignored (optional dates)

    def value(self, model, field, text, warn):
        try:
            return convert(model._meta.get_field(field), text)
        except BadValue as error:
            warn(f"{error}: left out")
            return None

    def translated(self, table, row, column, warn):
        text = row.get(column, "")
        if text and text not in table:
            warn(f"unknown value {text!r} for {column}: left out")
        return table.get(text, "")

    def grading(self, text, warn):
        grades = [grade.strip().lower() for grade in text.split(",") if grade.strip()]
        if len(grades) > 1:
            warn(f"several gradings {text!r}: the first, {grades[0]}, is used")
        return grades[0] if grades else ""

    def belligerents(self, text, warn):
        found = {}
        for name in (part.strip() for part in text.split(",")):
            if name and name not in BELLIGERENT_NAMES:
                warn(f"unknown value {name!r} for belligerents: left out")
            elif name:
                found[BELLIGERENT_NAMES[name]] = BelligerentRole.SUSPECTED
        return found

    def strike_type_slugs(self, text, warn):
        slugs = []
        for name in (part.strip() for part in text.split(",")):
            if name and name.lower() not in self.strike_types:
                warn(f"unknown value {name!r} for strike_type: left out")
            elif name and self.strike_types[name.lower()] not in slugs:
                slugs.append(self.strike_types[name.lower()])
        return slugs

    def monitor_assessment(self, name, number, row, incident, warn):
        """Airwars' own assessment: its grading and counts as last revised (the export keeps no earlier
        version), dated when Airwars last changed the record."""
        if not incident["grading"] and (row["civilians_killed_min"] or row["civilians_killed_max"]):
            warn("no Airwars grading: its deaths count in Airwars' range of all grades, not in likely")
        fields = {
            "assessor_id": self.monitor.pk,
            "verdict": incident["grading"] or Grading.UNGRADED,
            "source_url": incident["external_url"],
            "dating": Dating.REVISED,
        }
        fields["assessed_on"] = record_date(row) or incident["date_start"]
        for ours, theirs in MONITOR_COUNTS.items():
            for end in ("min", "max"):
                fields[f"{ours}_{end}"] = self.value(Assessment, f"{ours}_{end}", row.get(f"{theirs}_{end}", ""), warn)
        return Part(name, number, "airwars", fields)

    # --- belligerents' own assessments

    def ensure_belligerents(self):
        """The belligerents Airwars names that the reference table lacks, created (and listed in the report)."""
        existing = set(Belligerent.objects.values_list("slug", flat=True))
        missing = {slug: label for slug, label in NEW_BELLIGERENTS.items() if slug not in existing}
        reference.check_may_create(self.user, Belligerent, list(missing.values()), "Airwars' files")
        for slug, label in missing.items():
            reference.create(self.user, Belligerent, "Airwars' files", slug=slug, name=label)
            self.report.reference_rows.append(f"belligerent {label}")

    def official_assessor(self, slug):
        """The assessor that speaks for the belligerent: an existing official one, else one created for it."""
        if slug not in self.official_assessors:
            belligerent = Belligerent.objects.get(slug=slug)
            assessor = Assessor.objects.filter(kind=AssessorKind.OFFICIAL, speaks_for=belligerent).first()
            if assessor is None:
                assessor = reference.create(
                    self.user,
                    Assessor,
                    "Airwars' verdicts",
                    name=f"{belligerent.name} (official)",
                    slug=slugify(f"{slug}-official")[:50],
                    kind=AssessorKind.OFFICIAL,
                )
                assessor.speaks_for.add(belligerent)
                self.report.reference_rows.append(f"official assessor {assessor.name}")
            self.official_assessors[slug] = assessor
        return self.official_assessors[slug]

    def publisher(self, row):
        """The official assessor whose site published the row's statement, if it is one we know by its site."""
        host = urlsplit(row.get("last_statement_url", "")).hostname or ""
        for site, slug in PUBLISHERS.items():
            if host == site or host.endswith("." + site):
                if slug not in self.publishers:
                    self.publishers[slug] = Assessor.objects.filter(slug=slug, kind=AssessorKind.OFFICIAL).first()
                return self.publishers[slug]
        return None

    def assessments(self, file, records):
        name = file_name(file)
        _header, rows = read_csv(file, ASSESSMENT_COLUMNS, name)
        by_id = first_by_id(records)
        seen, verdicts = {}, {}
        for number, row in rows:
            label = row_label(row)
            record = by_id.get(EXTERNAL_PREFIX + row["airwars_id"])
            key = (row["airwars_id"], row["belligerent"])
            problem = self.assessment_problem(row, record, seen.get(key))
            seen.setdefault(key, (number, row))
            if problem:
                self.report.problem(name, number, label, problem)
                self.report.count("assessments", "skipped")
                continue
            self.attribute(row, record)
            if row["belligerent_assessment"] == PLACEHOLDER:
                self.report.count("assessments", "placeholders (no verdict)")
                continue
            if BELLIGERENT_CODES[row["belligerent"]] == UNKNOWN and self.publisher(row) is None:
                self.report.problem(name, number, label, "a verdict filed under 'unknown' with no known publisher")
                self.report.count("assessments", "skipped")
                continue
            part = self.official_assessment(name, number, row, record, label)
            earlier = verdicts.setdefault((row["airwars_id"], part.fields["assessor_id"]), number)
            if earlier != number:
                assessor = self.chosen[part.fields["assessor_id"]].name
                reason = f"{assessor}'s verdict on this incident is in row {earlier} already"
                self.report.problem(name, number, label, reason)
                self.report.count("assessments", "skipped")
                continue
            self.report_if_moved(row, part, label)
            record.assessments.append(part)
        self.report.rows_read += len(rows)

    def report_if_moved(self, row, part, label):
        """Say so when a verdict counts for its statement's publisher, which does not speak for the belligerent
        of its row."""
        assessor = self.chosen[part.fields["assessor_id"]]
        if BELLIGERENT_CODES[row["belligerent"]] in {belligerent.slug for belligerent in assessor.speaks_for.all()}:
            return
        publisher = assessor.name
        reason = f"{publisher}'s statement, filed under {row['belligerent']!r}: counted as {publisher}'s verdict"
        self.report.problem(part.file, part.row, label, reason, skipped=False)
        self.report.count("assessments", f"moved to {publisher}")

    def assessment_problem(self, row, record, earlier):
        if record is None:
            return f"no incident with airwars_id {row['airwars_id']} was imported"
        if row["belligerent"] not in BELLIGERENT_CODES:
            return f"unknown value {row['belligerent']!r} for belligerent"
        if earlier is not None:
            same = "the same values" if earlier[1] == row else "different values"
            return f"duplicate of row {earlier[0]} (same incident and belligerent, {same})"
        return ""

    def attribute(self, row, record):
        """A belligerent answering for the incident, or suspected of it, is party to it, listed in the incidents
        file or not (the UK conceded deaths in strikes Airwars attributes to the coalition as a whole)."""
        slug = BELLIGERENT_CODES[row["belligerent"]]
        if row.get("belligerent_type") == "known":
            record.belligerents[slug] = BelligerentRole.DECLARED
        else:
            record.belligerents.setdefault(slug, BelligerentRole.SUSPECTED)

    def official_assessment(self, name, number, row, record, label):
        warn = lambda reason: self.report.problem(name, number, label, reason, skipped=False)  # noqa: E731
        # The assessor whose site published the statement, else the belligerent's own (created only then).
        assessor = self.publisher(row) or self.official_assessor(BELLIGERENT_CODES[row["belligerent"]])
        if assessor.pk not in self.chosen:  # (with whom it speaks for, read once per assessor)
            self.chosen[assessor.pk] = Assessor.objects.prefetch_related("speaks_for").get(pk=assessor.pk)
        verdict = row["belligerent_assessment"]
        reasons = reason_codes(row.get("reason_non_credible", ""))
        stated_on = self.date(row.get("first_statement_date", "")) or self.date(row["last_statement_date"])
        fields = {
            "assessor_id": assessor.pk,
            "verdict": VERDICTS.get(verdict, verdict),
            "non_credible_reason": next((NON_CREDIBLE_REASONS[c] for c in reasons if c in NON_CREDIBLE_REASONS), ""),
            # The verdict counts from the statement that first made it. Without one its date is unknown: it is
            # on record from when Airwars' record had it (never the strike's own date).
            "assessed_on": stated_on or record_date(record.fields["external_data"]) or timezone.localdate(),
            "dating": Dating.STATED if stated_on else Dating.UNDATED,
            "killed_min": self.value(Assessment, "killed_min", row["civilian_deaths_conceded_min"], warn),
            "killed_max": self.value(Assessment, "killed_max", row["civilian_deaths_conceded_max"], warn),
            "injured_min": self.value(Assessment, "injured_min", row.get("civilian_injuries_conceded_min", ""), warn),
            "injured_max": self.value(Assessment, "injured_max", row.get("civilian_injuries_conceded_max", ""), warn),
            "source_url": row.get("last_statement_url", "")[:1000],
            "quote": row.get("last_statement", ""),
            "strike_report_url": row.get("strike_report_url", "")[:1000],
            "location_description": location_description(row),
            "note": assessment_note(row, reasons),
        }
        return Part(name, number, row["belligerent"], fields)

    # --- sources

    def sources(self, file, records):
        name = file_name(file)
        _header, rows = read_csv(file, SOURCE_COLUMNS, name)
        by_id = first_by_id(records)
        for number, row in rows:
            record = by_id.get(EXTERNAL_PREFIX + row["airwars_id"])
            label = row_label(row)
            if record is None:
                self.report.problem(
                    name, number, label, f"no incident with airwars_id {row['airwars_id']} was imported"
                )
                self.report.count("sources", "skipped")
                continue
            warn = lambda reason, n=number, lb=label: self.report.problem(name, n, lb, reason, skipped=False)  # noqa: E731
            language, platform = language_and_platform(row.get("language_platform", ""))
            fields = {
                "url": row["source_url"][:2000],
                "archive_url": row.get("archive_url", "")[:2000],
                "publisher": row["source_name"][:255],
                "author": row.get("author", "")[:255],
                "language": language,
                "platform": platform,
                "published_on": self.date(row.get("source_date", "")),
                "media_count": self.value(Source, "media_count", row.get("media_count", ""), warn),
                "has_video": row.get("has_video", "").lower() == "yes",
                "position": parse_position(row["source_order"]),
            }
            record.sources.append(Part(name, number, f"{row['source_order']}", fields))
            if number % 10000 == 0:
                self.report.progress(f"{name}: {number - 1:,} rows read")
        self.report.rows_read += len(rows)


def row_label(row):
    """How the report names a row: as the writer names the record (its code and external identifier)."""
    return f"{row.get('incident_code', '')} / {EXTERNAL_PREFIX}{row['airwars_id']}"


def record_date(row):
    """When Airwars last changed its record of the incident (else first published it), or None."""
    for column in ("last_modified", "published_date"):
        try:
            if row.get(column):
                return parse_date(row[column])
        except BadValue:
            continue
    return None


def first_by_id(records):
    by_id = {}
    for record in records:
        by_id.setdefault(record.key, record)
    return by_id


def outside_syria(fields):
    (south, north), (west, east) = SYRIA_BOUNDS
    return not (south <= fields["latitude"] <= north and west <= fields["longitude"] <= east)


def reason_codes(text):
    """Airwars' `;`-joined reason codes; some cells hold a PHP-serialised array with `;` between every
    character (a:1:{i:0;s:20:"no_coalition_strikes";}), which is unscrambled first."""
    if not text:
        return []
    if all(len(piece) <= 1 for piece in text.split(";")):
        text = text[::2]  # every other character is a `;` inserted between the real ones
    quoted = re.findall(r'"([a-z_]+)"', text)
    return quoted or [code for code in text.split(";") if code]


def assessment_note(row, reasons):
    notes = []
    if row.get("reason_credible"):
        notes.append(f"Reasons given for credible: {'; '.join(reason_codes(row['reason_credible']))}")
    if reasons:
        notes.append(f"Reasons given for non-credible: {'; '.join(reasons)}")
    if row.get("statement_count") and row["statement_count"] != "0":
        notes.append(f"Statements recorded by Airwars: {row['statement_count']}")
    first, last = row.get("first_statement_date", ""), row.get("last_statement_date", "")
    if first and last and first != last:
        notes.append(f"First stated on {first}, last on {last}")
    if row.get("strike_report"):
        notes.append(f"Strike report: {row['strike_report']}")
    return "\n".join(notes)


def location_description(row):
    parts = [row.get("belligerent_location_description", ""), row.get("belligerent_mgrs_coordinate", "")]
    accuracy = row.get("belligerent_location_accuracy", "")
    text = " ".join(part for part in parts if part)
    return f"{text} (accuracy {accuracy})" if text and accuracy else text


def language_and_platform(text):
    """ "Twitter Arabic" → ("Arabic", "Twitter"); "Arabic" → ("Arabic", "")."""
    words = [word for word in text.split() if word not in {"—", "-"}]
    platform = PLATFORMS.get(words[0].lower(), "") if words else ""
    language = " ".join(words[1:] if platform else words)
    return language[:50], platform


def parse_position(text):
    """The source's place in the list (0, first, when the cell says nothing usable)."""
    try:
        return max(parse_count(text), 0)
    except BadValue:
        return 0
