"""Each official assessor's count beside the lead monitor's count for the same incidents (DOMAIN.md, "Comparing
like with like"). The methodology page states these rules in words; this module is their only definition.

For each official assessor, over the incidents in view attributed to a belligerent it speaks for, as known on
the date:
- its current verdict on each incident puts the incident on one line: *credible* (with the deaths conceded),
  *stated open* (under review, reopened), *non-credible*, *duplicate*, or *no published verdict* (it has said
  nothing, or only "not yet assessed");
- beside each line, the lead monitor's figures for exactly those incidents: *likely* (Confirmed + Fair),
  *alleged* (every grade but Discounted), *Discounted* apart, and how many it assessed (its coverage);
- the gap is interval arithmetic: the monitor's likely low minus the official high, its likely high minus the
  official low, and the ratio likewise. Concessions on incidents the monitor has not assessed are shown apart
  and left out of the gap, so a missing monitor figure never makes the gap negative.
No figure here sums two official assessors' counts.
"""

from collections import defaultdict

from django.db.models import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncYear

from reports.models import (
    ALLEGED_GRADINGS,
    LIKELY_GRADINGS,
    STATED_OPEN_VERDICTS,
    Assessor,
    AssessorKind,
    Dating,
    Grading,
    OfficialVerdict,
    TallyCell,
)
from reports.models.assessments import current_condition
from reports.models.summary import ALL, COMPARISON_MEASURES

LINES = ("credible", "open", "non_credible", "duplicate", "none")
PLACE_KEYS = {
    "year": lambda row: str(row["month"].year),
    "country": lambda row: row["place_country"],
    "governorate": lambda row: row["place_governorate"],
}
RANGE_FIGURES = ("conceded", "likely", "alleged", "discounted")


def line_of(verdict):
    """The headline line an official verdict puts its incident on (None: no current assessment)."""
    if verdict == OfficialVerdict.CREDIBLE:
        return "credible"
    if verdict in STATED_OPEN_VERDICTS:
        return "open"
    if verdict in (OfficialVerdict.NON_CREDIBLE, OfficialVerdict.DUPLICATE):
        return verdict
    return "none"  # nothing said, or only "not yet assessed": nobody has spoken


def official_assessors_in_view(verdict_counts):
    """The official assessors to show, the one with the most verdicts in view first. `verdict_counts`:
    {assessor id: verdicts in view}. Those with a current verdict on some published incident, shown
    even when none falls in view (their silence is a figure too). A belligerent none of them speaks for
    publishes no casualty assessments."""
    given = [verdict for verdict in OfficialVerdict if verdict != OfficialVerdict.NOT_YET_ASSESSED]
    # (read from the summary's cells: the current verdicts on published incidents, a few thousand rows)
    verdicts = TallyCell.objects.filter(
        attributed_to=ALL, counted_under=ALL, assessor=OuterRef("pk"), verdict__in=given
    )
    official = Assessor.objects.filter(kind=AssessorKind.OFFICIAL).prefetch_related("speaks_for")
    official = official.filter(Exists(verdicts))
    return sorted(official, key=lambda assessor: (-verdict_counts.get(assessor.pk, 0), assessor.name))


def comparisons(source, incidents, assessors, monitor, as_of=None):
    """One comparison per official assessor in `assessors`, against the lead `monitor` (an Assessor or None),
    over `incidents` (the published incidents in view, as known on `as_of`), from `source`'s grouped rows
    (`source.compared(assessor, monitor)`: `grouped` from the records, or `summed` from the summary)."""
    return [comparison(source, incidents, assessor, monitor, as_of) for assessor in assessors]


class FromRecords:
    """A source of `comparison`'s rows aggregated from the records: `incidents` (published, in view) as known
    on `as_of`. Grouped per month and place, its rows serve both of `comparison`'s lists."""

    def __init__(self, incidents, as_of=None):
        self.incidents, self.as_of = incidents, as_of

    def compared(self, assessor, monitor):
        rows = grouped(spoken_for_by(self.incidents, assessor), assessor, monitor, self.as_of)
        return rows, rows


def comparison_from_records(incidents, assessor, monitor, as_of):
    """One comparison aggregated from the records (a statement's scope, which the summary does not key)."""
    return comparison(FromRecords(incidents, as_of), incidents, assessor, monitor, as_of)


def spoken_for_by(incidents, assessor):
    """The incidents attributed to a belligerent the assessor speaks for. (The belligerents' ids are written
    into the query: PostgreSQL then estimates the attributions from its statistics and plans hash joins, where
    through the speaks-for table it guessed a small fraction of the rows and looped.)"""
    return incidents.attributed_to_any([belligerent.pk for belligerent in assessor.speaks_for.all()])


def comparison(source, incidents, assessor, monitor, as_of):
    """`source.compared(assessor, monitor)` gives two lists of grouped rows (see `grouped`): per verdict,
    grading and month, for the lines and the months; and rows whose month and place say where the credible
    verdicts' deaths were conceded (the month's year is all they need)."""
    rows, place_rows = source.compared(assessor, monitor)
    lines = {name: defaultdict(int) for name in LINES}
    months = defaultdict(lambda: defaultdict(int))
    unmonitored = defaultdict(int)
    for row in rows:
        figures = row_figures(row)
        line = lines[line_of(row["official_verdict"])]
        for name, value in figures.items():
            line[name] += value
        if row["official_verdict"] == OfficialVerdict.CREDIBLE and row["monitor_grading"] is None:
            for name in ("conceded_low", "conceded_high", "conceded_incidents"):
                unmonitored[name] += figures[name]
        month = months[row["month"].strftime("%Y-%m")]
        for name in ("conceded_low", "conceded_high", "likely_low", "likely_high"):
            month[name] += figures[name]
    conceded_by = {dimension: defaultdict(lambda: [0, 0, 0]) for dimension in PLACE_KEYS}
    for row in place_rows:
        if row["official_verdict"] != OfficialVerdict.CREDIBLE:
            continue
        for dimension, key in PLACE_KEYS.items():
            conceded = conceded_by[dimension][key(row)]
            conceded[0] += row["conceded_low"]
            conceded[1] += row["conceded_high"]
            conceded[2] += row["incidents"]
    total = defaultdict(int)
    for line in lines.values():
        for name, value in line.items():
            total[name] += value
    result = {
        "assessor_id": assessor.pk,
        "assessor": assessor.name,
        "slug": assessor.slug,
        "speaks_for": sorted(belligerent.name for belligerent in assessor.speaks_for.all()),
        "monitor": monitor.name if monitor else None,
        "incidents": total["incidents"],
        "verdicts": total["incidents"] - lines["none"]["incidents"],
        "lines": {name: plain(line) for name, line in lines.items()},
        "total": plain(total),
        "conceded_unmonitored": plain(unmonitored),
        "by_month": cumulative_months(months),
        # The concessions per year, country and governorate, for the breakdowns: [low, high, incidents].
        "conceded_by": {dimension: dict(keyed) for dimension, keyed in conceded_by.items()},
    }
    result["gap"] = gap(result["total"], result["conceded_unmonitored"]) if monitor else None
    if as_of is not None:
        result["undated_left_out"] = undated_left_out(spoken_for_by(incidents, assessor), assessor, as_of)
    return result


def grouped(spoken_for, assessor, monitor, as_of):
    """The incidents grouped per the assessor's current verdict, the monitor's current grading and month, with
    their sums: a few dozen rows, computed by the database in one pass."""
    relations = {
        "official": FilteredRelation(
            "assessments", condition=Q(assessments__assessor=assessor) & current_condition(as_of, "assessments__")
        )
    }
    keys = {
        "official_verdict": F("official__verdict"),
        "month": TruncMonth("date_start"),
        "place_country": F("country"),
        "place_governorate": F("governorate"),
    }
    sums = {
        "incidents": Count("pk"),
        "conceded_low": Sum(Coalesce("official__killed_min", Value(0))),
        "conceded_high": Sum(Coalesce("official__killed_max", "official__killed_min", Value(0))),
        "conceded_unknown": Count("pk", filter=Q(official__killed_min__isnull=True, official__killed_max__isnull=True)),
    }
    if monitor is not None:
        relations["graded"] = FilteredRelation(
            "assessments", condition=Q(assessments__assessor=monitor) & current_condition(as_of, "assessments__")
        )
        keys["monitor_grading"] = F("graded__verdict")
        sums |= {
            "monitor_low": Sum(Coalesce("graded__killed_min", Value(0))),
            "monitor_high": Sum(Coalesce("graded__killed_max", "graded__killed_min", Value(0))),
            "monitor_unknown": Count(
                "pk", filter=Q(graded__killed_min__isnull=True, graded__killed_max__isnull=True, graded__isnull=False)
            ),
        }
    rows = spoken_for.order_by().alias(**relations).annotate(**keys).values(*keys).annotate(**sums)
    return [{"monitor_grading": None, "monitor_low": 0, "monitor_high": 0, "monitor_unknown": 0, **row} for row in rows]


def summed(cells, assessor, monitor):
    """`comparison`'s two lists of rows, summed from the summary's comparison cells (`cells`: ComparisonCell,
    or ComparisonChange as known on a date, filtered to the view), each grouped no finer than it is read:
    a few thousand rows where the cells in view are tens of thousands.

    The cells without a monitor count every incident by the official verdict; those of the monitor the ones
    it graded; the rest it did not grade."""
    cells = cells.filter(official=assessor).order_by()
    sums = {name: Sum(name) for name in COMPARISON_MEASURES}
    either = Q(monitor=None) | Q(monitor=monitor) if monitor else Q(monitor=None)
    read = list(cells.filter(either).values("monitor", "verdict", "month", "grading").annotate(**sums))
    ungraded = {(row["verdict"], row["month"]): row for row in read if row["monitor"] is None}
    rows = []
    for row in read:
        if row["monitor"] is None or not row["count"]:  # (a date's changes can sum to nothing)
            continue
        rest = ungraded[row["verdict"], row["month"]]
        for name in ("count", "conceded_low", "conceded_high", "conceded_unknown"):
            rest[name] -= row[name]
        rows.append(grouped_row(row, row["grading"]))
    rows += [grouped_row(row, None) for row in ungraded.values()]
    credible = cells.filter(monitor=None, verdict=OfficialVerdict.CREDIBLE)
    places = credible.values("verdict", "country", "governorate", year=TruncYear("month")).annotate(**sums)
    place_rows = [grouped_row({**row, "month": row["year"]}, None) for row in places]
    return [row for row in rows if row["incidents"]], place_rows


def grouped_row(cells, grading):
    """Summed cells, named as `grouped` names its rows."""
    return {
        "official_verdict": cells["verdict"] or None,
        "month": cells["month"],
        "place_country": cells.get("country"),
        "place_governorate": cells.get("governorate"),
        "monitor_grading": grading,
        "incidents": cells["count"],
        "conceded_low": cells["conceded_low"],
        "conceded_high": cells["conceded_high"],
        "conceded_unknown": cells["conceded_unknown"],
        "monitor_low": cells["graded_low"],
        "monitor_high": cells["graded_high"],
        "monitor_unknown": cells["graded_unknown"],
    }


def row_figures(row):
    """What one grouped row adds to its line."""
    figures = defaultdict(int, incidents=row["incidents"])
    if row["official_verdict"] == OfficialVerdict.CREDIBLE:
        figures |= {
            "conceded_low": row["conceded_low"],
            "conceded_high": row["conceded_high"],
            "conceded_incidents": row["incidents"],
            "conceded_unknown": row["conceded_unknown"],
        }
    grading = row["monitor_grading"]
    if grading is None:
        return figures
    figures["monitored"] = row["incidents"]
    figures["monitor_unknown"] = row["monitor_unknown"]
    for name, grades in (("likely", LIKELY_GRADINGS), ("alleged", ALLEGED_GRADINGS), ("discounted", DISCOUNTED)):
        if grading in grades:
            figures[f"{name}_low"] = row["monitor_low"]
            figures[f"{name}_high"] = row["monitor_high"]
            figures[f"{name}_incidents"] = row["incidents"]
    return figures


DISCOUNTED = (Grading.DISCOUNTED,)
FIGURE_NAMES = [
    "incidents",
    "monitored",
    "monitor_unknown",
    "conceded_unknown",
    *[f"{figure}_{end}" for figure in RANGE_FIGURES for end in ("low", "high", "incidents")],
]


def plain(figures):
    return {name: figures.get(name, 0) for name in FIGURE_NAMES}


def gap(total, unmonitored):
    """The monitor's likely range minus the official concessions on the incidents it assessed, end against
    opposite end (interval arithmetic), and their ratio. A ratio over an official 0 is undefined (None)."""
    official_low = total["conceded_low"] - unmonitored["conceded_low"]
    official_high = total["conceded_high"] - unmonitored["conceded_high"]
    likely_low, likely_high = total["likely_low"], total["likely_high"]
    return {
        "official_low": official_low,
        "official_high": official_high,
        "low": likely_low - official_high,
        "high": likely_high - official_low,
        "ratio_low": round(likely_low / official_high, 1) if official_high else None,
        "ratio_high": round(likely_high / official_low, 1) if official_low else None,
    }


def cumulative_months(months):
    running, series = defaultdict(int), []
    for month in sorted(months):
        row = {"month": month}
        for name, value in months[month].items():
            running[name] += value
            row[name] = value
            row[f"cumulative_{name}"] = running[name]
        series.append(row)
    return series


def undated_left_out(spoken_for, assessor, as_of):
    """Verdicts of the assessor on these incidents whose date is unknown and that were first on record after
    `as_of`: current today, left out of the view as known on that date."""
    return spoken_for.current_assessments_where(assessor=assessor, dating=Dating.UNDATED, counts_from__gt=as_of).count()


def revised_up_to(incidents, monitor):
    """For a monitor whose figures in view are revisions (an export without their history): the latest revision
    date, which an as-of view states beside them; None if it has none."""
    revised = incidents.current_assessments_where(assessor=monitor, dating=Dating.REVISED)
    latest = revised.aggregate(latest=Max("assessed_on"))["latest"]
    return latest.isoformat() if latest else None
