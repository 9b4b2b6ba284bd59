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

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
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
# Each breakdown groups by a key (what a filter link uses) and shows a label.
BREAKDOWNS = {
    "year": (ExtractYear("incident__date_start"), None),
    "country": (F("incident__country"), None),
    "governorate": (F("incident__governorate"), None),
    "belligerent": (F("incident__belligerents__slug"), F("incident__belligerents__name")),
}
RECONCILED_STATEMENTS = 5


def ranged(name, condition):
    """Conditional sums: the low and high ends of a range, and the number of incidents behind it."""
    return {
        f"{name}_low": Sum(LOW, filter=condition, default=0),
        f"{name}_high": Sum(HIGH, filter=condition, default=0),
        f"{name}_incidents": Count("incident", filter=condition, distinct=True),
    }


def official_ids():
    return list(Assessor.objects.filter(kind=AssessorKind.OFFICIAL).values_list("id", flat=True))


def credible(officials):
    return Q(assessor_id__in=officials, verdict=OfficialVerdict.CREDIBLE)


def likely(monitor_id):
    return Q(assessor_id=monitor_id, verdict__in=LIKELY_GRADINGS)


# --- The figures ---------------------------------------------------------------------------------------------


def compute(incidents, as_of=None):
    """Every dashboard figure for `incidents` (a queryset of published incidents) as known on `as_of`, as plain
    data (what /tallies.json serves and the snapshot stores)."""
    current = Assessment.objects.current(as_of).filter(incident__in=incidents)
    officials = official_ids()
    monitors = monitor_totals(current, officials)
    lead = monitors[0] if monitors else None
    official = official_totals(current, officials, lead)
    return {
        "as_of": (as_of or timezone.localdate()).isoformat(),
        "incidents": incidents.count(),
        "official": official,
        "monitors": monitors,
        "lead_monitor": lead["assessor"] if lead else None,
        "gap": gap(official, lead),
        "by_month": by_month(current, officials, lead),
        "breakdowns": {name: breakdown(current, officials, lead, name) for name in BREAKDOWNS},
        "reconciliation": reconciliation(as_of),
    }


def official_totals(current, officials, lead):
    totals = current.aggregate(
        **ranged("credible", credible(officials)),
        open_incidents=Count("incident", filter=Q(assessor_id__in=officials, verdict__in=OPEN_VERDICTS), distinct=True),
        non_credible_incidents=Count(
            "incident", filter=Q(assessor_id__in=officials, verdict=OfficialVerdict.NON_CREDIBLE), distinct=True
        ),
        assessed_incidents=Count("incident", filter=Q(assessor_id__in=officials), distinct=True),
        unknown_count_incidents=Count(
            "incident",
            filter=credible(officials) & Q(killed_min__isnull=True, killed_max__isnull=True),
            distinct=True,
        ),
    )
    totals.update(open_deaths(current, officials, lead))
    return totals


def open_deaths(current, officials, lead):
    """What the lead monitor records for the incidents still awaiting an official verdict."""
    if lead is None:
        return {"open_monitor_low": 0, "open_monitor_high": 0}
    still_open = current.filter(assessor_id__in=officials, verdict__in=OPEN_VERDICTS).values("incident_id")
    sums = current.filter(assessor_id=lead["assessor_id"], incident_id__in=still_open).aggregate(
        open_monitor_low=Sum(LOW, default=0), open_monitor_high=Sum(HIGH, default=0)
    )
    return sums


def monitor_totals(current, officials):
    """One row per independent monitor, the lead (most incidents assessed) first."""
    rows = (
        current.exclude(assessor_id__in=officials)
        .values("assessor_id", "assessor__name", "assessor__slug")
        .annotate(
            incidents=Count("incident", distinct=True),
            all_low=Sum(LOW, default=0),
            all_high=Sum(HIGH, default=0),
            **ranged("likely", Q(verdict__in=LIKELY_GRADINGS)),
            unknown_count_incidents=Count("incident", filter=Q(killed_min__isnull=True, killed_max__isnull=True)),
        )
        .order_by("-incidents", "assessor__name")
    )
    return [
        {
            **{key: row[key] for key in row if not key.startswith("assessor__")},
            "assessor": row["assessor__name"],
            "slug": row["assessor__slug"],
        }
        for row in rows
    ]


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


def by_month(current, officials, lead):
    """Per month of the incident date, and cumulated: the official count and the lead monitor's likely range."""
    sums = ranged("official", credible(officials))
    if lead:
        sums.update(ranged("likely", likely(lead["assessor_id"])))
    rows = current.annotate(month=TruncMonth("incident__date_start")).values("month").annotate(**sums).order_by("month")
    return cumulate([{**row, "month": row["month"].strftime("%Y-%m")} for row in rows])


def cumulate(rows):
    """Running totals of each `…_low` / `…_high` figure, in the rows' order (already aggregated per month)."""
    running = {}
    for row in rows:
        for key in [key for key in row if key.endswith(("_low", "_high"))]:
            running[key] = running.get(key, 0) + row[key]
            row[f"cumulative_{key}"] = running[key]
    return rows


def breakdown(current, officials, lead, dimension):
    """Incidents, the official count and the monitors' ranges per year, country, governorate or belligerent
    (an incident attributed to two belligerents counts under each)."""
    sums = ranged("official", credible(officials))
    if lead:
        sums.update(ranged("likely", likely(lead["assessor_id"])))
        sums.update(ranged("all", Q(assessor_id=lead["assessor_id"])))
    key, label = BREAKDOWNS[dimension]
    rows = (
        current.annotate(key=key, label=label or key)
        .values("key", "label")
        .annotate(incidents=Count("incident", distinct=True), **sums)
        .order_by("label")
    )
    return [{**row, "key": text(row["key"]), "label": text(row["label"])} for row in rows]


def text(value):
    return "" if value is None else str(value)


def reconciliation(as_of=None):
    """The latest official statements beside what this database's records added up to on each one's date:
    credible deaths of that assessor's incidents, and its incidents still awaiting a verdict. Statements are
    cumulative and cover everything, so the page's filters do not apply to them."""
    statements = OfficialStatement.objects.select_related("assessor").order_by("-published_on", "assessor__name")
    if as_of:
        statements = statements.filter(published_on__lte=as_of)
    rows = []
    for statement in statements[:RECONCILED_STATEMENTS]:
        on_that_date = (
            Assessment.objects.published().current(statement.published_on).filter(assessor=statement.assessor)
        )
        records = on_that_date.aggregate(
            **ranged("credible", Q(verdict=OfficialVerdict.CREDIBLE)),
            open_incidents=Count("incident", filter=Q(verdict__in=OPEN_VERDICTS), distinct=True),
        )
        rows.append(
            {
                "assessor": statement.assessor.name,
                "published_on": statement.published_on.isoformat(),
                "url": statement.url,
                "stated_killed": statement.civilians_killed,
                "stated_under_review": statement.reports_under_review,
                **records,
            }
        )
    return rows


# --- The unfiltered dashboard, precomputed ---------------------------------------------------------------------


def dashboard(incident_filter):
    """The figures for a filtered view. Without any filter they come from the snapshot (one row read),
    recomputed first if a record changed since; filtered or dated views are computed live."""
    if incident_filter.is_filtered():
        return compute(incident_filter.qs, incident_filter.as_of_date)
    snapshot = TallySnapshot.get()
    if not snapshot.is_fresh or snapshot.figures.get("as_of") != timezone.localdate().isoformat():
        refresh_snapshot(snapshot)
    return snapshot.figures


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
