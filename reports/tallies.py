"""Every public figure, computed in the database from the current assessments of published incidents.

The rules (the methodology page says the same in plain words):
- Each assessor's *current* assessment of an incident is its latest dated on or before `as_of` (today if
  none); incidents dated after `as_of` are left out. Earlier assessments are history, never summed.
- A count is a range. An assessment adds its minimum to the low end and its maximum to the high end; a
  missing maximum counts as the minimum ("at least N"), an unknown count adds nothing (and is not a zero:
  incidents with an unknown count are counted separately).
- **Official count**: the sum over current *credible* official assessments of the deaths they concede.
  **Still under official review**: incidents whose current official verdict is not yet assessed, under
  review or reopened, with the deaths the lead monitor records for them.
- **Independent count**, per monitor: all grades, and *likely* (Fair + Confirmed, Airwars' headline). Monitors
  are never added together (they assess the same incidents); the *lead monitor* is the one that assessed the
  most incidents in the filtered set, and the gap and the chart use it.
- **Gap**: the lead monitor's likely range minus the official count, end by end, and their ratio.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from reports.models import (
    LIKELY_GRADINGS,
    OPEN_VERDICTS,
    Assessment,
    Assessor,
    AssessorKind,
    Belligerent,
    Incident,
    OfficialStatement,
    OfficialVerdict,
    TallyCell,
    TallyChange,
    TallySnapshot,
)
from reports.models.summary import ALL, HIGH, LOW, PLACE, UNKNOWN, is_known_on, known_on

RECONCILED_STATEMENTS = 5
# Raised when the shape of the figures changes, so a snapshot stored by older code is recomputed.
FIGURES_FORMAT = 2
# The finest grain of the figures: every breakdown but the belligerents' is a roll-up of these groups.
PLACE_AND_MONTH = {
    "month": TruncMonth("incident__date_start"),
    "country": F("incident__country"),
    "governorate": F("incident__governorate"),
}
# An incident attributed to nobody counts under "", as in the summary's cells.
BY_BELLIGERENT = {"key": Coalesce(F("incident__belligerents__slug"), Value(""))}
BY_BELLIGERENT_OF_INCIDENT = {"key": Coalesce(F("belligerents__slug"), Value("")), "label": F("belligerents__name")}
# Breakdowns rolled up from the figures per month and place: (month, country, governorate).
ROLLUPS = {
    "year": lambda place: str(place[0].year),
    "country": lambda place: place[1],
    "governorate": lambda place: place[2],
}


# --- The figures ---------------------------------------------------------------------------------------------


def compute(source, as_of=None, known_reconciliation=()):
    """Every dashboard figure, as plain data (what /tallies.json serves and the snapshot stores), from
    `source`'s grouped rows: `LiveFigures` (any filter, any date) or `SummaryFigures` (the summary's cells,
    for the views it can serve).

    Either way the database does the grouping (per month, place, assessor and verdict, and per belligerent);
    the headline, the monthly series and the breakdowns are roll-ups of those few thousand grouped rows."""
    assessed, counted = source.assessed(), source.counted()
    officials = official_assessors()
    monitors = monitor_totals(assessed, officials)
    lead = monitors[0] if monitors else None
    sides = Sides(officials, lead["assessor_id"] if lead else None)
    official = sides.official_totals(assessed)
    official.update(source.open_deaths(officials, lead["assessor_id"]) if lead else NOTHING_OPEN)
    # Once per month and place, then rolled up from those (a few hundred rows, where the groups are thousands).
    by_place = sides.rollup(
        assessed, counted, lambda group: (group["month"], group["country"], group["governorate"]), "place"
    )
    return {
        "format": FIGURES_FORMAT,
        "as_of": (as_of or timezone.localdate()).isoformat(),
        "incidents": sum(group["incidents"] for group in counted),
        "official": official,
        "monitors": monitors,
        "lead_monitor": lead["assessor"] if lead else None,
        "gap": gap(official, lead),
        "by_month": cumulate(regroup(by_place, lambda place: place[0].strftime("%Y-%m"), "month")),
        "breakdowns": {
            **{name: regroup(by_place, key, "key") for name, key in ROLLUPS.items()},
            "belligerent": belligerent_breakdown(*source.by_belligerent(), sides),
        },
        "reconciliation": reconciliation(as_of, known_reconciliation),
    }


NOTHING_OPEN = {"open_monitor_low": 0, "open_monitor_high": 0}


class LiveFigures:
    """The grouped rows aggregated from the records: `incidents` (published, filtered) as known on `as_of`."""

    def __init__(self, incidents, as_of=None):
        self.incidents = incidents
        self.current = Assessment.objects.current(as_of).filter(incident__in=incidents)

    def assessed(self):
        """Current assessments per month, place, assessor and verdict: each row's `assessments` is also its
        number of incidents, since an assessor has one current assessment per incident."""
        return grouped_assessments(self.current, PLACE_AND_MONTH)

    def counted(self):
        return grouped_incidents(self.incidents, {"month": TruncMonth("date_start")}, ["country", "governorate"])

    def open_deaths(self, officials, lead_id):
        """What the lead monitor records for the incidents still awaiting an official verdict."""
        still_open = self.current.filter(assessor_id__in=officials, verdict__in=OPEN_VERDICTS).values("incident_id")
        return self.current.filter(assessor_id=lead_id, incident_id__in=still_open).aggregate(
            open_monitor_low=Sum(LOW, default=0), open_monitor_high=Sum(HIGH, default=0)
        )

    def by_belligerent(self):
        """(assessed, counted) per belligerent: an incident attributed to two counts under each."""
        assessed = grouped_assessments(self.current, BY_BELLIGERENT)
        # From a fresh queryset: a belligerent filter's join would otherwise hide the co-belligerents.
        incidents = Incident.objects.filter(pk__in=self.incidents.values("pk"))
        return assessed, grouped_incidents(incidents, BY_BELLIGERENT_OF_INCIDENT)


class SummaryFigures:
    """The same grouped rows, summed from the summary's `cells` (a TallyCell or TallyChange queryset, filtered
    to a view) in two reads: the cells counting each incident once, and those splitting it per belligerent."""

    SUMS = {"assessments": Sum("count"), "low": Sum("low"), "high": Sum("high"), "unknown": Sum("unknown")}
    STILL_OPEN = {
        "open_low": Sum("low", filter=Q(officially_open=True), default=0),
        "open_high": Sum("high", filter=Q(officially_open=True), default=0),
    }

    def __init__(self, cells):
        cells = cells.order_by()
        once = cells.filter(counted_under=ALL).values(*PLACE, "assessor_id", "verdict")
        split = cells.exclude(counted_under=ALL).values("assessor_id", "verdict", key=F("counted_under"))
        self.once = list(once.annotate(**self.STILL_OPEN, **self.SUMS))  # before SUMS names "low"
        self.split = list(split.annotate(**self.SUMS))

    def assessed(self):
        return [row for row in self.once if row["assessor_id"] is not None]

    def counted(self):
        return incidents_counted(self.once, PLACE)

    def open_deaths(self, officials, lead_id):
        lead_rows = [row for row in self.once if row["assessor_id"] == lead_id]
        return {
            "open_monitor_low": sum(row["open_low"] for row in lead_rows),
            "open_monitor_high": sum(row["open_high"] for row in lead_rows),
        }

    def by_belligerent(self):
        names = dict(Belligerent.objects.values_list("slug", "name"))
        counted = [{**row, "label": names.get(row["key"], "")} for row in incidents_counted(self.split, ["key"])]
        return [row for row in self.split if row["assessor_id"] is not None], counted


def incidents_counted(rows, keys):
    """The rows counting incidents (no assessor) summed per `keys`, as {key: value, …, "incidents": n}."""
    incidents = defaultdict(int)
    for row in rows:
        if row["assessor_id"] is None:
            incidents[tuple(row[key] for key in keys)] += row["assessments"]
    return [{**dict(zip(keys, values, strict=True)), "incidents": count} for values, count in incidents.items()]


def official_assessors():
    """{official assessor id: the slug of the belligerent it speaks for, or None}."""
    official = Assessor.objects.filter(kind=AssessorKind.OFFICIAL)
    return dict(official.values_list("id", "belligerent__slug"))


def grouped_assessments(current, grouping):
    return list(
        current.annotate(**grouping)
        .values(*grouping, "assessor_id", "verdict")
        .annotate(assessments=Count("id"), low=Sum(LOW), high=Sum(HIGH), unknown=Count("id", filter=UNKNOWN))
        .order_by()
    )


def grouped_incidents(incidents, annotations, fields=()):
    grouped = incidents.annotate(**annotations).values(*annotations, *fields)
    return list(grouped.annotate(incidents=Count("id")).order_by())


class Sides:
    """Which grouped rows count for which figure: the official side (credible verdicts of official assessors)
    and the lead monitor (all grades, and likely). `officials`: {assessor id: belligerent slug or None}."""

    def __init__(self, officials, lead_id):
        self.officials, self.lead_id = officials, lead_id

    def figures_of(self, row, belligerent=None):
        """The figures a grouped assessment row adds to. Under a `belligerent`, the official figure is what
        that belligerent itself concedes: only its own official assessor's verdicts count."""
        if row["assessor_id"] in self.officials:
            speaks_for = self.officials[row["assessor_id"]]
            if row["verdict"] == OfficialVerdict.CREDIBLE and belligerent in (None, speaks_for):
                yield "official"
        elif row["assessor_id"] == self.lead_id:
            yield "all"
            if row["verdict"] in LIKELY_GRADINGS:
                yield "likely"

    def rollup(self, assessed, counted, key, key_name, per_belligerent=False):
        """Rows per `key(group)`, sorted: incidents, and the low, high and incidents of each figure."""
        rows = defaultdict(lambda: defaultdict(int))
        for group in counted:
            rows[key(group)]["incidents"] += group["incidents"]
        for group in assessed:
            row = rows[key(group)]
            # An incident attributed to nobody ("") has nobody to concede it.
            for figure in self.figures_of(group, (key(group) or "") if per_belligerent else None):
                add_range(row, figure, group)
        return [{key_name: name or "", "label": name or "", **ranges(rows[name])} for name in sorted(rows, key=str)]

    def official_totals(self, assessed):
        totals = defaultdict(int)
        for group in assessed:
            if group["assessor_id"] not in self.officials:
                continue
            totals["assessed_incidents"] += group["assessments"]
            if group["verdict"] == OfficialVerdict.CREDIBLE:
                add_range(totals, "credible", group)
                totals["unknown_count_incidents"] += group["unknown"]
            elif group["verdict"] in OPEN_VERDICTS:
                totals["open_incidents"] += group["assessments"]
            elif group["verdict"] == OfficialVerdict.NON_CREDIBLE:
                totals["non_credible_incidents"] += group["assessments"]
        names = ["credible_low", "credible_high", "credible_incidents", "unknown_count_incidents"]
        names += ["open_incidents", "non_credible_incidents", "assessed_incidents"]
        return {name: totals[name] for name in names}


def regroup(place_rows, key, key_name):
    """Rows of `Sides.rollup` per month and place, summed per `key(place)` and sorted like a rollup."""
    rows = defaultdict(lambda: defaultdict(int))
    for place_row in place_rows:
        row = rows[key(place_row["place"])]
        for name in RANGES:
            row[name] += place_row[name]
    return [{key_name: name or "", "label": name or "", **ranges(rows[name])} for name in sorted(rows, key=str)]


def add_range(totals, figure, group):
    totals[f"{figure}_low"] += group["low"]
    totals[f"{figure}_high"] += group["high"]
    totals[f"{figure}_incidents"] += group["assessments"]


RANGES = ["incidents"] + [
    f"{figure}_{end}" for figure in ("official", "likely", "all") for end in ("low", "high", "incidents")
]


def ranges(row):
    return {name: row[name] for name in RANGES}


def monitor_totals(assessed, officials):
    """One row per independent monitor, the lead (most incidents assessed) first."""
    totals = defaultdict(lambda: defaultdict(int))
    for group in assessed:
        if group["assessor_id"] in officials:
            continue
        monitor = totals[group["assessor_id"]]
        monitor["incidents"] += group["assessments"]
        monitor["all_low"] += group["low"]
        monitor["all_high"] += group["high"]
        monitor["unknown_count_incidents"] += group["unknown"]
        if group["verdict"] in LIKELY_GRADINGS:
            add_range(monitor, "likely", group)
    names = {a.id: a for a in Assessor.objects.filter(id__in=totals)}
    rows = [
        {
            "assessor_id": assessor_id,
            "assessor": names[assessor_id].name,
            "slug": names[assessor_id].slug,
            **{name: figures[name] for name in MONITOR_FIGURES},
        }
        for assessor_id, figures in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row["incidents"], row["assessor"]))


MONITOR_FIGURES = [
    *["incidents", "all_low", "all_high", "unknown_count_incidents"],
    *["likely_low", "likely_high", "likely_incidents"],
]


def belligerent_breakdown(assessed, counted, sides):
    """Rolled up like the other breakdowns, from rows grouped per belligerent (key) in the database."""
    labels = {group["key"]: group["label"] for group in counted}
    rows = sides.rollup(assessed, counted, lambda group: group["key"], "key", per_belligerent=True)
    return [{**row, "label": labels.get(row["key"]) or row["key"]} for row in rows]


def gap(official, lead):
    """The lead monitor's likely range minus the official count, end by end, and their ratio."""
    if lead is None:
        return None
    low, high = official["credible_low"], official["credible_high"]
    return {
        "low": lead["likely_low"] - low,
        "high": lead["likely_high"] - high,
        "ratio_low": round(lead["likely_low"] / low, 1) if low else None,
        "ratio_high": round(lead["likely_high"] / high, 1) if high else None,
    }


def cumulate(rows):
    """Running totals of each `…_low` / `…_high` figure, in the rows' (month) order."""
    running = defaultdict(int)
    for row in rows:
        for key in [key for key in row if key.endswith(("_low", "_high"))]:
            running[key] += row[key]
            row[f"cumulative_{key}"] = running[key]
    return rows


def reconciliation(as_of=None, known_rows=()):
    """The latest official statements beside what this database's records added up to on each one's date:
    credible deaths of that assessor's incidents, and its incidents still awaiting a verdict. Statements are
    cumulative and cover everything, so the page's filters do not apply to them, and rows already computed for
    the same data (`known_rows`, from the unfiltered figures) are reused."""
    statements = (
        OfficialStatement.objects.approved().select_related("assessor").order_by("-published_on", "assessor__name")
    )
    if as_of:
        statements = statements.filter(published_on__lte=as_of)
    known = {row["statement_id"]: row for row in known_rows if "statement_id" in row}
    statements = list(statements[:RECONCILED_STATEMENTS])
    computed = records_on_statement_dates([statement for statement in statements if statement.pk not in known])
    return [known.get(statement.pk) or statement_row(statement, computed[statement.pk]) for statement in statements]


def records_on_statement_dates(statements):
    """{statement id: what its assessor's records added up to on its date}, as the dashboard as of that date
    counts them: the summary's changes known on any of the dates, summed per period, day and verdict in the
    database (a few hundred rows), then per statement here."""
    if not statements:
        return {}
    known_on_any_date = Q()
    for statement in statements:
        known_on_any_date |= known_on(statement.published_on)
    changes = TallyChange.objects.filter(
        known_on_any_date,
        attributed_to=ALL,
        counted_under=ALL,
        assessor_id__in={statement.assessor_id for statement in statements},
    )
    changes = list(
        changes.order_by()
        .values("period", "changed_on", "assessor_id", "verdict")
        .annotate(count=Sum("count"), low=Sum("low"), high=Sum("high"))
    )
    return {statement.pk: records_of(statement, changes) for statement in statements}


def records_of(statement, changes):
    records = dict.fromkeys(("credible_low", "credible_high", "credible_incidents", "open_incidents"), 0)
    for change in changes:
        if change["assessor_id"] != statement.assessor_id or not is_known_on(change, statement.published_on):
            continue
        if change["verdict"] == OfficialVerdict.CREDIBLE:
            records["credible_low"] += change["low"]
            records["credible_high"] += change["high"]
            records["credible_incidents"] += change["count"]
        elif change["verdict"] in OPEN_VERDICTS:
            records["open_incidents"] += change["count"]
    return records


def statement_row(statement, records):
    """One statement beside the records of its assessor as they stood on the statement's date."""
    return {
        "statement_id": statement.pk,
        "assessor": statement.assessor.name,
        "published_on": statement.published_on.isoformat(),
        "url": statement.url,
        "stated_killed": statement.civilians_killed,
        "stated_under_review": statement.reports_under_review,
        **records,
    }


# --- Which figures for which view ------------------------------------------------------------------------------


def dashboard(incident_filter):
    """The figures for a view. Without any filter they come from the snapshot (one row read), recomputed
    first if a record changed since; views the summary can serve (place, belligerent, whole months, a date in
    the past) are summed from its cells or changes; the others (text, verdicts, …) are aggregated from the
    records."""
    unfiltered_figures = incident_filter.unfiltered_figures
    if not incident_filter.is_filtered():
        return unfiltered_figures
    as_of, cells = incident_filter.as_of_date, incident_filter.summary_cells()
    if cells is None:
        source = LiveFigures(incident_filter.qs, as_of)
    else:
        source = SummaryFigures(cells.filter(known_on(as_of)) if as_of else cells)
    known = unfiltered_figures.get("reconciliation", ())
    return compute(source, as_of, known_reconciliation=known)


def unfiltered():
    snapshot = TallySnapshot.get()
    figures = snapshot.figures
    if not snapshot.is_fresh or (figures.get("format"), figures.get("as_of")) != (
        FIGURES_FORMAT,
        timezone.localdate().isoformat(),
    ):
        refresh_snapshot(snapshot)
    return snapshot.figures


def place_choices(figures, dimension):
    """The countries or governorates of the published incidents in the unfiltered `figures`, as choices."""
    return [(row["key"], row["label"]) for row in figures["breakdowns"][dimension] if row["key"]]


def refresh_snapshot(snapshot=None):
    """Recompute the unfiltered figures from the summary and store them for the version of the data they were
    computed from (a change made meanwhile leaves the snapshot stale, to be recomputed again). Readers never
    wait for writers: when the row is locked (a writer's transaction is open, or another reader is storing),
    the figures are computed from what is committed and served without being stored."""
    snapshot = snapshot or TallySnapshot.get()
    with transaction.atomic():
        row = TallySnapshot.objects.select_for_update(skip_locked=True).filter(pk=snapshot.pk)
        version = row.values_list("data_version", flat=True).first()
        figures = compute(SummaryFigures(TallyCell.objects.filter(attributed_to=ALL)))
        if version is not None:
            row.update(figures=figures, computed_version=version, computed_at=timezone.now())
            snapshot.computed_version = version
    snapshot.figures = figures
    return figures
