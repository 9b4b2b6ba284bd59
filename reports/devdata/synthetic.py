"""Synthetic data at scale, for benchmarks and load tests: published incidents shaped like Airwars' Syria and
Iraq records, with their attributions, dated monitor and official assessments, sources, and the official
assessor's monthly cumulative statements.

Everything written is marked as synthetic: incident codes start with SYN-, titles and summaries say so, every
source link points at example.org, every statement's title and note say so. Governorates and towns are real
(the pages being measured group and filter by them) but no record describes a real event.

Rows are written in bulk, never with save(): COPY on PostgreSQL, bulk_create elsewhere. What save() would
have done is done here: each assessment's `superseded_on` is computed from the history generated (an UPDATE
of a million rows afterwards would rewrite the whole table on PostgreSQL), then `records_written()` runs as
the authority (it rewrites only rows that differ) and marks the dashboard's figures stale.
"""

import bisect
import calendar
import contextlib
import datetime
import io
import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from reports.figures import summary
from reports.figures.receivers import records_written
from reports.models import (
    Assessment,
    Assessor,
    Belligerent,
    BelligerentRole,
    DatePrecision,
    Dating,
    Grading,
    Incident,
    IncidentBelligerent,
    LocationPrecision,
    NonCredibleReason,
    OfficialStatement,
    OfficialVerdict,
    ReviewState,
    Source,
    StrikeStatus,
    StrikeType,
)
from reports.models.search import search_text_of

CODE_PREFIX = "SYN-"
CODE_DIGITS = 7
FIRST_DAY = datetime.date(2014, 8, 8)  # the coalition's first strikes in Iraq
LAST_DAY = datetime.date(2024, 12, 31)
CHUNK_SIZE = 20_000  # incidents built and written at a time: bounds memory whatever the total
MONITOR_SLUG, OFFICIAL_SLUG, COALITION_SLUG = "airwars", "cjtf-oir", "us-led-coalition"
STATEMENT_MONTHS = [(2017, month) for month in range(1, 13)]  # the year of Mosul and Raqqa

StrikeTypeLink = Incident.strike_types.through

# --- Shape of the data ---------------------------------------------------------------------------------

# Incidents per year, roughly the shape of the Syria and Iraq campaigns (peak in 2017).
YEAR_WEIGHTS = {2014: 4, 2015: 10, 2016: 16, 2017: 25, 2018: 10, 2019: 8, 2020: 7, 2021: 5, 2022: 5, 2023: 5, 2024: 5}

# country: [(governorate, weight, [(town, town in Arabic, latitude, longitude)])]
PLACES = {
    "Syria": [
        ("Raqqa", 20, [("Raqqa", "الرقة", 35.950, 39.010), ("Tabqa", "الطبقة", 35.836, 38.548),
                       ("Mansoura", "المنصورة", 35.827, 38.757), ("Ain Issa", "عين عيسى", 36.385, 38.862),
                       ("Karama", "الكرامة", 35.928, 39.245)]),
        ("Deir ez-Zor", 20, [("Deir ez-Zor", "دير الزور", 35.336, 40.141), ("Mayadin", "الميادين", 35.019, 40.452),
                             ("Albu Kamal", "البوكمال", 34.453, 40.918), ("Hajin", "هجين", 34.697, 40.834),
                             ("Baghuz", "الباغوز", 34.462, 40.947)]),
        ("Aleppo", 18, [("Aleppo", "حلب", 36.202, 37.134), ("Manbij", "منبج", 36.528, 37.955),
                        ("Al-Bab", "الباب", 36.371, 37.517), ("Jarablus", "جرابلس", 36.818, 38.012),
                        ("Atarib", "الأتارب", 36.138, 36.830)]),
        ("Idlib", 22, [("Idlib", "إدلب", 35.930, 36.634), ("Maarat al-Numan", "معرة النعمان", 35.648, 36.674),
                       ("Saraqib", "سراقب", 35.864, 36.806), ("Khan Shaykhun", "خان شيخون", 35.440, 36.651),
                       ("Ariha", "أريحا", 35.812, 36.609)]),
        ("Hasakah", 8, [("Hasakah", "الحسكة", 36.502, 40.747), ("Qamishli", "القامشلي", 37.051, 41.227),
                        ("Al-Shaddadi", "الشدادي", 36.056, 40.731), ("Al-Hawl", "الهول", 36.383, 41.150)]),
        ("Homs", 7, [("Homs", "حمص", 34.731, 36.709), ("Palmyra", "تدمر", 34.560, 38.267),
                     ("Al-Qaryatayn", "القريتين", 34.229, 37.240)]),
        ("Hama", 5, [("Hama", "حماة", 35.132, 36.758), ("Latamneh", "اللطامنة", 35.320, 36.620),
                     ("Kafr Zita", "كفر زيتا", 35.375, 36.602)]),
    ],
    "Iraq": [
        ("Nineveh", 45, [("Mosul", "الموصل", 36.340, 43.130), ("Tal Afar", "تلعفر", 36.377, 42.449),
                         ("Qayyarah", "القيارة", 35.800, 43.290), ("Hammam al-Alil", "حمام العليل", 36.160, 43.260),
                         ("Sinjar", "سنجار", 36.322, 41.876)]),
        ("Anbar", 25, [("Ramadi", "الرمادي", 33.426, 43.300), ("Fallujah", "الفلوجة", 33.350, 43.783),
                       ("Hit", "هيت", 33.637, 42.827), ("Al-Qaim", "القائم", 34.369, 41.094),
                       ("Rawa", "راوة", 34.470, 41.917)]),
        ("Salahuddin", 15, [("Tikrit", "تكريت", 34.607, 43.679), ("Baiji", "بيجي", 34.929, 43.493),
                            ("Shirqat", "الشرقاط", 35.510, 43.230), ("Samarra", "سامراء", 34.198, 43.874)]),
        ("Kirkuk", 10, [("Hawija", "الحويجة", 35.322, 43.765), ("Kirkuk", "كركوك", 35.468, 44.392)]),
        ("Diyala", 5, [("Baqubah", "بعقوبة", 33.746, 44.643), ("Jalawla", "جلولاء", 34.272, 45.160)]),
    ],
}  # fmt: skip
COUNTRY_WEIGHTS = {"Syria": 60, "Iraq": 40}

BELLIGERENT_WEIGHTS = {
    "Syria": {
        "us-led-coalition": 40, "russian-military": 25, "syrian-regime": 15, "turkish-military": 6,
        "israeli-military": 2, "iranian-military": 1, "sdf-ypg": 2, "islamic-state": 3, "unknown": 6,
    },
    "Iraq": {"us-led-coalition": 75, "islamic-state": 8, "turkish-military": 5, "iranian-military": 4, "unknown": 8},
}  # fmt: skip
# Campaigns that started after FIRST_DAY; an earlier incident is attributed to the fallback instead.
CAMPAIGN_STARTS = {
    ("Syria", "us-led-coalition"): (datetime.date(2014, 9, 23), "syrian-regime"),
    ("Syria", "russian-military"): (datetime.date(2015, 9, 30), "syrian-regime"),
    ("Syria", "turkish-military"): (datetime.date(2016, 8, 24), "unknown"),
}
SECOND_BELLIGERENT_SHARE = 0.15

STRIKE_TYPE_WEIGHTS = {"airstrike": 70, "drone-strike": 15, "airstrike-or-artillery": 10, "artillery": 5}
GRADING_WEIGHTS = {
    Grading.CONFIRMED: 8, Grading.FAIR: 35, Grading.WEAK: 30, Grading.CONTESTED: 14, Grading.DISCOUNTED: 13,
}  # fmt: skip
STRIKE_STATUS_BY_GRADING = {
    Grading.CONFIRMED: StrikeStatus.DECLARED,
    Grading.FAIR: StrikeStatus.LIKELY,
    Grading.WEAK: StrikeStatus.SINGLE_SOURCE,
    Grading.CONTESTED: StrikeStatus.CONTESTED,
    Grading.DISCOUNTED: StrikeStatus.LIKELY,
}
DATE_PRECISION_WEIGHTS = {DatePrecision.DAY: 85, DatePrecision.RANGE: 5, DatePrecision.WEEK: 5, DatePrecision.MONTH: 5}
LOCATED_SHARE = 0.7
POINT_PRECISION_WEIGHTS = {
    LocationPrecision.EXACT: 15, LocationPrecision.WITHIN_100M: 10, LocationPrecision.STREET: 10,
    LocationPrecision.NEIGHBOURHOOD: 25, LocationPrecision.TOWN: 40,
}  # fmt: skip
AREA_PRECISION_WEIGHTS = {LocationPrecision.TOWN: 50, LocationPrecision.DISTRICT: 30, LocationPrecision.GOVERNORATE: 20}
# What the coalition finally said of an allegation: credible, non-credible, or nothing yet.
OFFICIAL_OUTCOME_WEIGHTS = {OfficialVerdict.CREDIBLE: 25, OfficialVerdict.NON_CREDIBLE: 55, None: 20}
NON_CREDIBLE_REASON_WEIGHTS = {
    NonCredibleReason.INSUFFICIENT_EVIDENCE: 60, NonCredibleReason.NO_STRIKE: 20,
    NonCredibleReason.COMBATANTS_ONLY: 10, NonCredibleReason.DUPLICATE: 5, NonCredibleReason.OTHER: 5,
}  # fmt: skip
PUBLISHERS = ["Local news (synthetic)", "Civil defence (synthetic)", "Monitoring network (synthetic)",
              "Wire service (synthetic)", "Social media post (synthetic)"]  # fmt: skip
SOURCE_COUNT_WEIGHTS = {1: 50, 2: 35, 3: 15}
PLATFORMS = ["", "", "Facebook", "Twitter", "Telegram"]
SUMMARY = "Synthetic record generated for testing and benchmarks; it describes no real event."
CREDIBLE_QUOTE = "Synthetic: the strike was assessed to have unintentionally killed civilians."

INCIDENT_COLUMNS = (
    "id",
    "code",
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "governorate",
    "place_name",
    "place_name_ar",
    "latitude",
    "longitude",
    "location_precision",
    "strike_status",
    "grading",
    "civilian_harm_reported",
    "review_state",
    "published_at",
    "search_text",  # what Incident.save() would set (see reports.models.search)
)
STATED = Dating.STATED.value
ATTRIBUTION_COLUMNS = ("incident_id", "belligerent_id", "role")
STRIKE_TYPE_COLUMNS = ("incident_id", "striketype_id")
ASSESSMENT_COLUMNS = (
    "incident_id",
    "assessor_id",
    "verdict",
    "non_credible_reason",
    "assessed_on",
    "dating",
    "counts_from",  # every one dated as stated: it counts from its date
    "superseded_on",
    "killed_min",
    "killed_max",
    "injured_min",
    "injured_max",
    "children_killed_min",
    "children_killed_max",
    "quote",
)
SOURCE_COLUMNS = ("incident_id", "position", "url", "publisher", "title", "language", "platform", "published_on")
# Written in this order, parents first.
TABLES = [
    ("incidents", Incident, INCIDENT_COLUMNS),
    ("attributions", IncidentBelligerent, ATTRIBUTION_COLUMNS),
    ("strike types", StrikeTypeLink, STRIKE_TYPE_COLUMNS),
    ("assessments", Assessment, ASSESSMENT_COLUMNS),
    ("sources", Source, SOURCE_COLUMNS),
]


def _weighted(weights):
    """(values, cumulative weights): what ChunkBuilder.pick() draws from, by bisection."""
    values = list(weights)
    cumulative, total = [], 0
    for value in values:
        total += weights[value]
        cumulative.append(total)
    return values, cumulative


# --- Entry point -----------------------------------------------------------------------------------------


def generate(count, seed=None, stdout=None, chunk_size=CHUNK_SIZE):
    """Write `count` synthetic published incidents and everything attached to them, in one transaction.
    Codes continue after the highest SYN- code, so it can run again. Progress lines go to `stdout`.
    Returns {table: rows written}."""
    started = time.perf_counter()
    rng = random.Random(seed)  # reproducible data, no secret  # nosec B311
    writer = CopyWriter() if connection.vendor == "postgresql" else BulkCreateWriter()
    written = Counter()
    with transaction.atomic():
        builder = ChunkBuilder(rng, Reference.load(), timezone.now())
        first_number, first_id = Incident.objects.next_code_number(CODE_PREFIX), reserve_incident_ids(count)
        chunks = [(offset, min(chunk_size, count - offset)) for offset in range(0, count, chunk_size)]

        def prepared(chunk):
            offset, size = chunk
            tables = builder.build(first_number + offset, first_id + offset, size)
            return {name: writer.prepare(model, columns, tables[name]) for name, model, columns in TABLES}

        with writer.loading():
            for (offset, size), tables in _built_ahead(prepared, chunks):
                for name, model, _columns in TABLES:
                    written[name] += writer.write(model, tables[name])
                _report(stdout, offset + size, count, written, started)
        written["statements"] = write_statements(builder.official_timeline, builder.reference.official_id)
        # Fresh planner statistics, before the summary is built from these tables: without them its statements
        # (and the first pages after a million-row load) are planned for the tables as they were.
        summary.analyze(*(model for _name, model, _columns in TABLES))
        # What the saves that never ran would have done. (Readers already wait: the load locks the records.)
        records_written(range(first_id, first_id + count), readers_locked_out=True)
    return dict(written)


def _built_ahead(build, chunks):
    """Yields (chunk, build(chunk)) for each chunk in order, building the next one in a thread while the
    caller writes this one: Python builds rows on one core while the database writes them on the other
    (the builder is used by one thread at a time, so its random sequence stays the same)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(build, chunks[0]) if chunks else None
        for index, chunk in enumerate(chunks):
            built = upcoming.result()  # (re-raises what the build raised)
            if index + 1 < len(chunks):
                upcoming = pool.submit(build, chunks[index + 1])
            yield chunk, built


def _report(stdout, done, count, written, started):
    if stdout is None:
        return
    rows = sum(written.values())
    rate = rows / max(time.perf_counter() - started, 1e-9)
    stdout.write(f"  {done:,} / {count:,} incidents, {rows:,} rows ({rate:,.0f} rows/s)\n")


def reserve_incident_ids(count):
    """The first of `count` consecutive free incident ids. Children rows need their incident's id before
    it is written, and COPY returns none."""
    table = Incident._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite: writes are serialised and an explicit id moves the AUTOINCREMENT counter past it.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608  # nosec B608
            return cursor.fetchone()[0]
        # Concurrent inserts wait for the lock, so none takes an id from the block in between.
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return first


# --- Building rows ---------------------------------------------------------------------------------------


@dataclass
class Reference:
    """Ids of the reference rows the migrations created."""

    belligerents: dict
    strike_types: dict
    monitor_id: int
    official_id: int

    @classmethod
    def load(cls):
        return cls(
            belligerents=dict(Belligerent.objects.values_list("slug", "id")),
            strike_types=dict(StrikeType.objects.values_list("slug", "id")),
            monitor_id=Assessor.objects.get(slug=MONITOR_SLUG).id,
            official_id=Assessor.objects.get(slug=OFFICIAL_SLUG).id,
        )


@dataclass
class OfficialTimeline:
    """When the official assessor received each allegation and decided it: the stuff of its statements."""

    received: list
    credible: list  # (decided on, civilians conceded)
    non_credible: list


class ChunkBuilder:
    """Builds the rows of a chunk of incidents as plain tuples, in the column orders above."""

    def __init__(self, rng, reference, now):
        self.rng = rng
        self.reference = reference
        self.now = now
        self.today = timezone.localdate(now)
        self.last_day = min(LAST_DAY, self.today)
        self.official_timeline = OfficialTimeline([], [], [])
        self.years = _weighted({y: w for y, w in YEAR_WEIGHTS.items() if datetime.date(y, 1, 1) <= self.last_day})
        self.countries = _weighted(COUNTRY_WEIGHTS)
        self.governorates = {c: _weighted({g: w for g, w, _t in places}) for c, places in PLACES.items()}
        self.towns = {g: towns for places in PLACES.values() for g, _w, towns in places}
        self.belligerents = {c: _weighted(weights) for c, weights in BELLIGERENT_WEIGHTS.items()}
        self.strike_types = _weighted({s: w for s, w in STRIKE_TYPE_WEIGHTS.items() if s in reference.strike_types})
        self.gradings = _weighted(GRADING_WEIGHTS)
        self.date_precisions = _weighted(DATE_PRECISION_WEIGHTS)
        self.point_precisions = _weighted(POINT_PRECISION_WEIGHTS)
        self.area_precisions = _weighted(AREA_PRECISION_WEIGHTS)
        self.outcomes = _weighted(OFFICIAL_OUTCOME_WEIGHTS)
        self.reasons = _weighted(NON_CREDIBLE_REASON_WEIGHTS)
        self.source_counts = _weighted(SOURCE_COUNT_WEIGHTS)

    def pick(self, weighted):
        # random.choices() does the same, at twice the cost: this runs a dozen times per incident.
        values, cumulative = weighted
        return values[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def build(self, first_number, first_id, size):
        self.tables = {name: [] for name, _model, _columns in TABLES}
        for index in range(size):
            self.add_incident(first_id + index, f"{CODE_PREFIX}{first_number + index:0{CODE_DIGITS}d}")
        return self.tables

    def add_incident(self, incident_id, code):
        rng = self.rng
        day = self.random_day()
        country = self.pick(self.countries)
        governorate = self.pick(self.governorates[country])
        town, town_ar, latitude, longitude = rng.choice(self.towns[governorate])
        located = rng.random() < LOCATED_SHARE
        grading = self.pick(self.gradings)
        precision = self.pick(self.date_precisions)
        end = min(day + datetime.timedelta(days=rng.randint(1, 6)), self.last_day) if precision == "range" else None
        title = f"Synthetic incident near {town}"
        self.tables["incidents"].append(
            (
                incident_id,
                code,
                title,
                SUMMARY,
                day,
                end,
                precision,
                country,
                governorate,
                town,
                town_ar,
                _jitter(rng, latitude) if located else None,
                _jitter(rng, longitude) if located else None,
                self.pick(self.point_precisions if located else self.area_precisions),
                STRIKE_STATUS_BY_GRADING[grading],
                grading,
                grading != Grading.DISCOUNTED,
                ReviewState.PUBLISHED,
                self.now,
                search_text_of(code, town, town_ar, title, SUMMARY),
            )
        )
        slugs = self.add_attributions(incident_id, country, day, grading)
        self.tables["strike types"].append((incident_id, self.reference.strike_types[self.pick(self.strike_types)]))
        killed = self.add_monitor_assessments(incident_id, day, grading)
        if COALITION_SLUG in slugs:
            self.add_official_assessments(incident_id, day, killed)
        self.add_sources(incident_id, code, day)

    def random_day(self):
        year = self.pick(self.years)
        first = max(datetime.date(year, 1, 1), FIRST_DAY)
        last = min(datetime.date(year, 12, 31), self.last_day)
        return first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))

    def add_attributions(self, incident_id, country, day, grading):
        slugs = [self.belligerent(country, day)]
        if self.rng.random() < SECOND_BELLIGERENT_SHARE:
            other = self.belligerent(country, day)
            if other != slugs[0]:
                slugs.append(other)
        for position, slug in enumerate(slugs):
            declared = position == 0 and grading == Grading.CONFIRMED
            role = BelligerentRole.DECLARED if declared else BelligerentRole.SUSPECTED
            self.tables["attributions"].append((incident_id, self.reference.belligerents[slug], role))
        return slugs

    def belligerent(self, country, day):
        slug = self.pick(self.belligerents[country])
        started, fallback = CAMPAIGN_STARTS.get((country, slug), (FIRST_DAY, slug))
        return slug if day >= started else fallback

    def add_monitor_assessments(self, incident_id, day, grading):
        """The monitor's current grading and range; for some, an earlier single-source grading it replaced.
        Returns the current (min, max) killed."""
        rng, monitor = self.rng, self.reference.monitor_id
        killed = _killed_range(rng, grading)
        injured = _injured_range(rng, killed)
        children = (killed[0] // 3, killed[1] // 3) if rng.random() < 0.3 else (None, None)
        assessed_on = self.on_or_before_today(day + datetime.timedelta(days=rng.randint(1, 30)))
        if rng.random() < 0.15 and assessed_on > day:
            first_on = day + datetime.timedelta(days=rng.randint(0, (assessed_on - day).days - 1))
            first_killed = (killed[0], killed[0])
            self.assessment(incident_id, monitor, Grading.WEAK, first_on, assessed_on, killed=first_killed)
        self.assessment(incident_id, monitor, grading, assessed_on, killed=killed, injured=injured, children=children)
        return killed

    def add_official_assessments(self, incident_id, day, monitor_killed):
        """Received (under review, or not yet assessed) weeks after the incident, then for most decided months
        later; a decision that would fall after today has not been made yet."""
        rng, official = self.rng, self.reference.official_id
        received_on = self.on_or_before_today(day + datetime.timedelta(days=rng.randint(14, 70)))
        outcome = self.pick(self.outcomes)
        decided_on = received_on + datetime.timedelta(days=rng.randint(60, 720))
        if decided_on > self.today:
            outcome = None
        first_verdict = OfficialVerdict.UNDER_REVIEW if rng.random() < 0.8 else OfficialVerdict.NOT_YET_ASSESSED
        self.official_timeline.received.append(received_on)
        self.assessment(incident_id, official, first_verdict, received_on, decided_on if outcome else None)
        if outcome == OfficialVerdict.CREDIBLE:
            conceded = rng.randint(1, max(monitor_killed[0], 1))
            high = rng.choices([conceded, None, conceded + rng.randint(1, 5)], cum_weights=[50, 85, 100])[0]
            injured = (rng.randint(0, 5), None) if rng.random() < 0.3 else (None, None)
            self.official_timeline.credible.append((decided_on, conceded))
            self.assessment(
                incident_id,
                official,
                outcome,
                decided_on,
                killed=(conceded, high),
                injured=injured,
                quote=CREDIBLE_QUOTE,
            )
        elif outcome == OfficialVerdict.NON_CREDIBLE:
            self.official_timeline.non_credible.append(decided_on)
            self.assessment(incident_id, official, outcome, decided_on, reason=self.pick(self.reasons))

    def assessment(
        self,
        incident_id,
        assessor_id,
        verdict,
        assessed_on,
        superseded_on=None,
        *,
        killed=(None, None),
        injured=(None, None),
        children=(None, None),
        reason="",
        quote="",
    ):
        self.tables["assessments"].append(
            (
                incident_id,
                assessor_id,
                verdict,
                reason,
                assessed_on,
                STATED,
                assessed_on,  # counts_from
                superseded_on,
                *killed,
                *injured,
                *children,
                quote,
            )
        )

    def add_sources(self, incident_id, code, day):
        rng = self.rng
        for position in range(1, self.pick(self.source_counts) + 1):
            publisher = rng.choice(PUBLISHERS)
            self.tables["sources"].append(
                (
                    incident_id,
                    position,
                    f"https://example.org/synthetic/{code.lower()}/source-{position}",
                    publisher,
                    f"Synthetic report {position} on {code}",
                    "ar" if rng.random() < 0.6 else "en",
                    rng.choice(PLATFORMS),
                    self.on_or_before_today(day + datetime.timedelta(days=rng.randint(0, 3))),
                )
            )

    def on_or_before_today(self, day):
        return min(day, self.today)


def _jitter(rng, degrees):
    """A point within about 4 km of the town centre, to the model's 6 decimals."""
    return Decimal(f"{degrees + rng.uniform(-0.04, 0.04):.6f}")


def _killed_range(rng, grading):
    """A heavy-tailed (min, max): most incidents kill one or a few, a few kill dozens or more."""
    if grading == Grading.DISCOUNTED and rng.random() < 0.5:
        return 0, rng.randint(0, 2)
    low = min(int(rng.paretovariate(1.2)), 300)
    return low, low + int(rng.expovariate(1.0) * (1 + low / 2))


def _injured_range(rng, killed):
    if rng.random() < 0.4:
        return None, None  # unknown, which is not zero
    low = int(killed[0] * rng.random() * 1.5)
    return low, (low + rng.randint(0, 5) if rng.random() < 0.8 else None)


# --- Official statements ---------------------------------------------------------------------------------


def write_statements(timeline, assessor_id):
    """The official assessor's month-end statements of STATEMENT_MONTHS, with cumulative figures of the
    allegations generated in this run. Skips dates that already have one. Returns the number written."""
    month_ends = [datetime.date(y, m, calendar.monthrange(y, m)[1]) for y, m in STATEMENT_MONTHS]
    existing = set(OfficialStatement.objects.filter(assessor_id=assessor_id).values_list("published_on", flat=True))
    dates = [d for d in month_ends if d not in existing and d <= timezone.localdate()]
    received = sorted(timeline.received)
    credible = sorted(timeline.credible)
    credible_on = [decided_on for decided_on, _conceded in credible]
    killed_to_date = _running_totals(conceded for _decided_on, conceded in credible)
    non_credible = sorted(timeline.non_credible)
    statements = []
    for published_on in dates:
        reports = bisect.bisect_right(received, published_on)
        credible_count = bisect.bisect_right(credible_on, published_on)
        non_credible_count = bisect.bisect_right(non_credible, published_on)
        statements.append(
            OfficialStatement(
                assessor_id=assessor_id,
                published_on=published_on,
                title="Synthetic monthly civilian casualty report",
                period_start=FIRST_DAY,
                period_start_precision=DatePrecision.MONTH,  # "since August 2014", as the real ones say
                civilians_killed=killed_to_date[credible_count],
                reports_received=reports,
                reports_credible=credible_count,
                reports_non_credible=non_credible_count,
                reports_under_review=reports - credible_count - non_credible_count,
                url=f"https://example.org/synthetic/statements/{published_on}",
                note="Synthetic: cumulative figures of the synthetic allegations generated with it.",
                approved_at=timezone.now(),
            )
        )
    OfficialStatement.objects.bulk_create(statements)
    return len(statements)


def _running_totals(values):
    totals = [0]
    for value in values:
        totals.append(totals[-1] + value)
    return totals


# --- Writers ---------------------------------------------------------------------------------------------


class BulkCreateWriter:
    """Any database: model instances in batches, which Django fills with every default itself.

    Writers `prepare()` a chunk's rows in the building thread (no database access there) and `write()` them
    in the thread that owns the connection."""

    batch_size = 2_000

    def loading(self):
        return contextlib.nullcontext()

    def prepare(self, model, columns, rows):
        return [model(**dict(zip(columns, row, strict=True))) for row in rows]

    def write(self, model, objects):
        model.objects.bulk_create(objects, batch_size=self.batch_size)
        return len(objects)


class CopyWriter:
    """PostgreSQL: one COPY per table and chunk, through psycopg2: no statement per row, unlike INSERT."""

    def __init__(self):
        self.now = timezone.now()

    @contextlib.contextmanager
    def loading(self):
        """Check the written tables' foreign keys once, at the end, with one join per key.

        PostgreSQL otherwise checks every row's keys by trigger, at commit for Django's deferred keys: a large
        part of a big run. Dropping the keys for the load and adding them back with the same
        definitions is PostgreSQL's own advice for bulk loads ("Populating a Database"). It happens inside the
        run's transaction, so a failure restores them; other sessions wait for these tables meanwhile."""
        tables = [model._meta.db_table for _name, model, _columns in TABLES]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            keys = cursor.fetchall()
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        yield
        with connection.cursor() as cursor:
            for table, name, definition in keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")

    def prepare(self, model, columns, rows):
        """(column names, the rows in COPY's text format, how many)."""
        defaults = _unwritten_defaults(model, columns, self.now)
        attnames = {field.attname: field.column for field in model._meta.concrete_fields}
        names = ", ".join(connection.ops.quote_name(name) for name in [*map(attnames.get, columns), *defaults])
        suffix = "".join("\t" + _copy_cell(value) for value in defaults.values())
        text = "".join("\t".join(map(_copy_cell, row)) + suffix + "\n" for row in rows)
        return names, text, len(rows)

    def write(self, model, prepared):
        names, text, count = prepared
        with connection.cursor() as cursor:
            # Read in one piece: psycopg2 takes the GIL for each read, and would wait for the building thread.
            buffer = io.StringIO(text)
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer, size=max(len(text), 1))
        return count


def _unwritten_defaults(model, columns, now):
    """{column: value} for every column the generator leaves to Django's defaults (blank strings, empty
    JSON, auto_now timestamps), which COPY, unlike bulk_create, knows nothing of. The primary key is left to
    the database."""
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.attname in columns or field.primary_key:
            continue
        stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        defaults[field.column] = now if stamped else field.get_default()
    return defaults


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_cell(value):
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value).translate(COPY_ESCAPES)
    return str(value)
