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

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from reports.models import (
    LIKELY_GRADINGS,
    Assessment,
    Assessor,
    AssessorKind,
    Incident,
    OfficialStatement,
    OfficialVerdict,
    TallySnapshot,
)

OPEN_VERDICTS = (OfficialVerdict.NOT_YET_ASSESSED, OfficialVerdict.UNDER_REVIEW, OfficialVerdict.REOPENED)
LOW = Coalesce(F("killed_min"), Value(0))
HIGH = Coalesce(F("killed_max"), F("killed_min"), Value(0))
UNKNOWN = Q(killed_min__isnull=True, killed_max__isnull=True)
RECONCILED_STATEMENTS = 5
# Raised when the shape of the figures changes, so a snapshot stored by older code is recomputed.
FIGURES_FORMAT = 2
# The finest grain of the figures: every breakdown but the belligerents' is a roll-up of these groups.
PLACE_AND_MONTH = {
    "month": TruncMonth("incident__date_start"),
    "country": F("incident__country"),
    "governorate": F("incident__governorate"),
}
BY_BELLIGERENT = {"key": F("incident__belligerents__slug"), "label": F("incident__belligerents__name")}
ROLLUPS = {
    "year": lambda group: str(group["month"].year),
    "country": lambda group: group["country"],
    "governorate": lambda group: group["governorate"],
}


# --- The figures ---------------------------------------------------------------------------------------------


def compute(incidents, as_of=None, known_reconciliation=()):
    """Every dashboard figure for `incidents` (a queryset of published incidents) as known on `as_of`, as plain
    data (what /tallies.json serves and the snapshot stores).

    The database does the work in one pass over the current assessments, summed per month, place, assessor
    and verdict, and one count of incidents per month and place; the headline, the monthly series and the
    breakdowns are roll-ups of those few thousand grouped rows (the belligerents, which cut across places,
    get their own two grouped queries)."""
    current = Assessment.objects.current(as_of).filter(incident__in=incidents)
    assessed = grouped_assessments(current, PLACE_AND_MONTH)
    counted = grouped_incidents(incidents, {"month": TruncMonth("date_start")}, ["country", "governorate"])
    officials = set(official_ids())
    monitors = monitor_totals(assessed, officials)
    lead = monitors[0] if monitors else None
    sides = Sides(officials, lead["assessor_id"] if lead else None)
    official = sides.official_totals(assessed)
    official.update(open_deaths(current, officials, lead))
    return {
        "format": FIGURES_FORMAT,
        "as_of": (as_of or timezone.localdate()).isoformat(),
        "incidents": sum(group["incidents"] for group in counted),
        "official": official,
        "monitors": monitors,
        "lead_monitor": lead["assessor"] if lead else None,
        "gap": gap(official, lead),
        "by_month": cumulate(sides.rollup(assessed, counted, lambda group: group["month"].strftime("%Y-%m"), "month")),
        "breakdowns": {
            **{name: sides.rollup(assessed, counted, key, "key") for name, key in ROLLUPS.items()},
            "belligerent": belligerent_breakdown(current, incidents, sides),
        },
        "reconciliation": reconciliation(as_of, known_reconciliation),
    }


def official_ids():
    return list(Assessor.objects.filter(kind=AssessorKind.OFFICIAL).values_list("id", flat=True))


def grouped_assessments(current, grouping):
    """Current assessments summed per group, assessor and verdict: each row's `assessments` is also its number
    of incidents, since an assessor has one current assessment per incident."""
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
    and the lead monitor (all grades, and likely)."""

    def __init__(self, officials, lead_id):
        self.officials, self.lead_id = officials, lead_id

    def figures_of(self, row):
        """The figures a grouped assessment row adds to: (name, counts its range?)."""
        if row["assessor_id"] in self.officials:
            if row["verdict"] == OfficialVerdict.CREDIBLE:
                yield "official"
        elif row["assessor_id"] == self.lead_id:
            yield "all"
            if row["verdict"] in LIKELY_GRADINGS:
                yield "likely"

    def rollup(self, assessed, counted, key, key_name):
        """Rows per `key(group)`, sorted: incidents, and the low, high and incidents of each figure."""
        rows = defaultdict(lambda: defaultdict(int))
        for group in counted:
            rows[key(group)]["incidents"] += group["incidents"]
        for group in assessed:
            row = rows[key(group)]
            for figure in self.figures_of(group):
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


def add_range(totals, figure, group):
    totals[f"{figure}_low"] += group["low"]
    totals[f"{figure}_high"] += group["high"]
    totals[f"{figure}_incidents"] += group["assessments"]


def ranges(row):
    names = ["incidents"] + [
        f"{figure}_{end}" for figure in ("official", "likely", "all") for end in ("low", "high", "incidents")
    ]
    return {name: row[name] for name in names}


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


def open_deaths(current, officials, lead):
    """What the lead monitor records for the incidents still awaiting an official verdict."""
    if lead is None:
        return {"open_monitor_low": 0, "open_monitor_high": 0}
    still_open = current.filter(assessor_id__in=officials, verdict__in=OPEN_VERDICTS).values("incident_id")
    return current.filter(assessor_id=lead["assessor_id"], incident_id__in=still_open).aggregate(
        open_monitor_low=Sum(LOW, default=0), open_monitor_high=Sum(HIGH, default=0)
    )


def belligerent_breakdown(current, incidents, sides):
    """Per belligerent (an incident attributed to two counts under each): grouped in the database by
    belligerent, assessor and verdict, then rolled up like the others."""
    assessed = grouped_assessments(current, BY_BELLIGERENT)
    counted = grouped_incidents(incidents, {"key": F("belligerents__slug"), "label": F("belligerents__name")})
    labels = {group["key"]: group["label"] for group in counted}
    rows = sides.rollup(assessed, counted, lambda group: group["key"], "key")
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
    return [known.get(statement.pk) or reconcile(statement) for statement in statements[:RECONCILED_STATEMENTS]]


def reconcile(statement):
    """One statement beside the records of its assessor as they stood on the statement's date."""
    on_that_date = Assessment.objects.published().current(statement.published_on).filter(assessor=statement.assessor)
    credible = Q(verdict=OfficialVerdict.CREDIBLE)
    records = on_that_date.aggregate(
        credible_low=Sum(LOW, filter=credible, default=0),
        credible_high=Sum(HIGH, filter=credible, default=0),
        credible_incidents=Count("id", filter=credible),
        open_incidents=Count("id", filter=Q(verdict__in=OPEN_VERDICTS)),
    )
    return {
        "statement_id": statement.pk,
        "assessor": statement.assessor.name,
        "published_on": statement.published_on.isoformat(),
        "url": statement.url,
        "stated_killed": statement.civilians_killed,
        "stated_under_review": statement.reports_under_review,
        **records,
    }


# --- The unfiltered dashboard, precomputed ---------------------------------------------------------------------


def dashboard(incident_filter):
    """The figures for a filtered view. Without any filter they come from the snapshot (one row read),
    recomputed first if a record changed since; filtered or dated views are computed live."""
    unfiltered_figures = incident_filter.unfiltered_figures
    if incident_filter.is_filtered():
        known = unfiltered_figures.get("reconciliation", ())
        return compute(incident_filter.qs, incident_filter.as_of_date, known_reconciliation=known)
    return unfiltered_figures


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
    """Recompute the unfiltered figures from the live aggregation and store them for the version of the data
    they were computed from (a change made meanwhile leaves the snapshot stale, to be recomputed again)."""
    snapshot = snapshot or TallySnapshot.get()
    version = TallySnapshot.objects.values_list("data_version", flat=True).get(pk=snapshot.pk)
    figures = compute(Incident.objects.published())
    TallySnapshot.objects.filter(pk=snapshot.pk).update(
        figures=figures, computed_version=version, computed_at=timezone.now()
    )
    snapshot.figures, snapshot.computed_version = figures, version
    return figures
