"""Every public figure, computed in the database from the current assessments of published incidents.

The rules (the methodology page says the same in plain words):
- Each assessor's *current* assessment of an incident is its latest counting on or before `as_of` (today if
  none); incidents dated after `as_of` are left out. Earlier assessments are history, never summed. An
  assessment counts from its date (`Dating`): a monitor's revision without history counts from the start,
  a verdict whose date is unknown from when it was first on record.
- A count is a range. An assessment adds its minimum to the low end and its maximum to the high end; a
  missing maximum counts as the minimum ("at least N"), an unknown count adds nothing (and is not a zero:
  incidents with an unknown count are counted separately).
- **The headline, per official assessor**: see `reports.figures.comparisons` (each assessor's verdicts on
  the incidents attributed to the belligerents it speaks for, beside the lead monitor's figures for exactly
  those incidents, and the gap). No figure sums two official assessors.
- **Independent count**, per monitor: *likely* (Fair + Confirmed, Airwars' headline), *alleged* (every grade
  but Discounted), Discounted apart. Monitors are never added together (they assess the same incidents); the
  *lead monitor* is the one that assessed the most incidents in the filtered set.
- **Breakdowns**: each monitor's own figures (a monitor that assessed none of a row's incidents shows none,
  not 0), and the official concessions of the headline's assessor (per belligerent: of the assessor that
  speaks for it, if any).
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Coalesce, TruncYear
from django.utils import timezone

from reports.figures import places
from reports.figures.comparisons import (
    FromRecords,
    comparisons,
    official_assessors_in_view,
    revised_up_to,
    summed,
)
from reports.figures.statements import reconciliation
from reports.figures.summary import HIGH, LOW, UNKNOWN, known_on
from reports.models import (
    ALLEGED_GRADINGS,
    LIKELY_GRADINGS,
    Assessor,
    AssessorKind,
    Belligerent,
    ComparisonCell,
    Incident,
    OfficialVerdict,
    TallyCell,
    TallySnapshot,
)
from reports.models.snapshot import next_moment
from reports.models.summary import ALL

# Raised when the shape of the figures changes, so a snapshot stored by older code is recomputed.
FIGURES_FORMAT = 5
# The finest grain of the figures: every breakdown but the belligerents' is a roll-up of these groups.
PLACE_AND_YEAR = {
    "year": TruncYear("incident__date_start"),
    "country": F("incident__country"),
    "governorate": F("incident__governorate"),
}
PLACE_NAMES = ("country", "governorate")  # a place, beside its year or month
# An incident attributed to nobody counts under "", as in the summary's cells.
BY_BELLIGERENT = {"key": Coalesce(F("incident__belligerents__slug"), Value(""))}
BY_BELLIGERENT_OF_INCIDENT = {"key": Coalesce(F("belligerents__slug"), Value("")), "label": F("belligerents__name")}
# Breakdowns rolled up from the figures per month and place: (month, country, governorate).
ROLLUPS = {
    "year": lambda place: str(place[0].year),
    "country": lambda place: place[1],
    "governorate": lambda place: place[2],
}
# A breakdown row's official figure and each monitor's figures, as the page reads them (Sides.shaped).
OFFICIAL_RANGE = ("official_low", "official_high", "official_incidents")
MONITOR_RANGES = [
    f"{figure}_{end}" for figure in ("assessed", "likely", "alleged") for end in ("low", "high", "incidents")
]
# An independent monitor's totals (monitor_totals).
MONITOR_FIGURES = [
    "incidents",
    "unknown_count_incidents",
    *[f"{figure}_{end}" for figure in ("likely", "alleged", "discounted") for end in ("low", "high", "incidents")],
]


# --- The figures ---------------------------------------------------------------------------------------------


def compute(source, incidents, as_of=None, belligerent=None, known_reconciliation=()):
    """Every dashboard figure, as plain data (what /tallies.json serves and the snapshot stores), from
    `source`'s grouped rows: `LiveFigures` (any filter, any date) or `SummaryFigures` (the summary's cells,
    for the views it can serve); the headline's comparisons from `incidents` (the published incidents in
    view) and `belligerent` (the belligerent filter's, or None).

    Either way the database does the grouping (per month, place, assessor and verdict, and per belligerent);
    the monitors, the breakdowns and the headline's lines are roll-ups of those grouped rows."""
    assessed, counted = source.assessed(), source.counted()
    official_ids = set(Assessor.objects.filter(kind=AssessorKind.OFFICIAL).values_list("pk", flat=True))
    monitors = monitor_totals(assessed, official_ids)
    lead = Assessor.objects.get(pk=monitors[0]["assessor_id"]) if monitors else None
    if as_of is not None:
        for monitor in monitors:
            monitor["revised_up_to"] = revised_up_to(incidents, monitor["assessor_id"])
    speaking = official_assessors_in_view(official_verdicts(assessed, official_ids))
    assessors = [assessor for assessor in speaking if belligerent is None or speaks_for(assessor, belligerent)]
    compared = comparisons(source, incidents, assessors, lead, as_of)
    sides = Sides(
        official=compared[0] if compared else None,
        speakers=speakers(speaking),
        monitor_ids=[monitor["assessor_id"] for monitor in monitors],
    )
    # Once per year and place, then rolled up from those (a few hundred rows, where the groups are thousands).
    by_place = sides.rollup(
        assessed, counted, lambda group: (group["year"], group["country"], group["governorate"]), "place"
    )
    return {
        "format": FIGURES_FORMAT,
        "as_of": (as_of or timezone.localdate()).isoformat(),
        "is_as_of": as_of is not None,
        "incidents": sum(group["incidents"] for group in counted),
        "comparisons": compared,
        "belligerent": {"slug": belligerent.slug, "name": belligerent.name} if belligerent else None,
        "monitors": monitors,
        "lead_monitor": lead.name if lead else None,
        "by_month": compared[0]["by_month"] if compared else [],
        "breakdowns": {
            **{name: sides.shaped(regroup(by_place, key, "key"), name) for name, key in ROLLUPS.items()},
            "belligerent": sides.shaped(belligerent_breakdown(*source.by_belligerent(), sides), "belligerent"),
        },
        "reconciliation": reconciliation(as_of, known_reconciliation),
    }


def official_verdicts(assessed, official_ids):
    """{official assessor id: its verdicts in view}; "not yet assessed" is nobody having spoken, not one."""
    counts = defaultdict(int)
    for group in assessed:
        if group["assessor_id"] in official_ids and group["verdict"] != OfficialVerdict.NOT_YET_ASSESSED:
            counts[group["assessor_id"]] += group["assessments"]
    return counts


def speaks_for(assessor, belligerent):
    return any(spoken.pk == belligerent.pk for spoken in assessor.speaks_for.all())


def speakers(assessors):
    """{belligerent slug: the assessor that speaks for it}; of several, the first of `assessors` (the one with
    the most verdicts in view)."""
    spoken = {}
    for assessor in assessors:
        for belligerent in assessor.speaks_for.all():
            spoken.setdefault(belligerent.slug, assessor.pk)
    return spoken


class LiveFigures:
    """The grouped rows aggregated from the records: `incidents` (published, filtered) as known on `as_of`."""

    def __init__(self, incidents, as_of=None):
        self.incidents = incidents
        self.as_of = as_of
        self.current = incidents.current_assessments(as_of)

    def assessed(self):
        """Current assessments per year, place, assessor and verdict: each row's `assessments` is also its
        number of incidents, since an assessor has one current assessment per incident."""
        return grouped_assessments(self.current, PLACE_AND_YEAR)

    def counted(self):
        return grouped_incidents(self.incidents, {"year": TruncYear("date_start")}, ["country", "governorate"])

    def by_belligerent(self):
        """(assessed, counted) per belligerent: an incident attributed to two counts under each."""
        assessed = grouped_assessments(self.current, BY_BELLIGERENT)
        # From a fresh queryset: a belligerent filter's join would otherwise hide the co-belligerents.
        incidents = Incident.public.filter(pk__in=self.incidents.values("pk"))
        return assessed, grouped_incidents(incidents, BY_BELLIGERENT_OF_INCIDENT)

    def compared(self, assessor, monitor):
        """The headline's rows for one official assessor against the lead monitor (reports.figures.comparisons)."""
        return FromRecords(self.incidents, self.as_of).compared(assessor, monitor)


class SummaryFigures:
    """The same grouped rows, summed from the summary's `cells` (a TallyCell or TallyChange queryset, filtered
    to a view) in two reads: the cells counting each incident once, and those splitting it per belligerent;
    the headline's from `compared_cells` (ComparisonCell or ComparisonChange, filtered alike)."""

    SUMS = {"assessments": Sum("count"), "low": Sum("low"), "high": Sum("high"), "unknown": Sum("unknown")}

    def __init__(self, cells, compared_cells):
        self.compared_cells = compared_cells
        cells = cells.order_by()
        # (per year and place: the finest grain any figure is read at)
        once = cells.filter(counted_under=ALL).values(*PLACE_NAMES, "assessor_id", "verdict", year=TruncYear("month"))
        split = cells.exclude(counted_under=ALL).values("assessor_id", "verdict", key=F("counted_under"))
        self.once = list(once.annotate(**self.SUMS))
        self.split = list(split.annotate(**self.SUMS))

    def assessed(self):
        return [row for row in self.once if row["assessor_id"] is not None]

    def counted(self):
        return incidents_counted(self.once, ["year", *PLACE_NAMES])

    def by_belligerent(self):
        names = dict(Belligerent.objects.values_list("slug", "name"))
        counted = [{**row, "label": names.get(row["key"], "")} for row in incidents_counted(self.split, ["key"])]
        return [row for row in self.split if row["assessor_id"] is not None], counted

    def compared(self, assessor, monitor):
        return summed(self.compared_cells, assessor, monitor)

    @classmethod
    def of(cls, incident_filter):
        """The summary's figures for a filter's view, as known on its date; None if the summary cannot serve it."""
        cells, compared_cells = incident_filter.summary_cells(), incident_filter.summary_cells(compared=True)
        if cells is None:
            return None
        as_of = incident_filter.as_of_date
        if as_of is not None:
            cells, compared_cells = cells.filter(known_on(as_of)), compared_cells.filter(known_on(as_of))
        return cls(cells, compared_cells)


def incidents_counted(rows, keys):
    """The rows counting incidents (no assessor) summed per `keys`, as {key: value, …, "incidents": n}."""
    incidents = defaultdict(int)
    for row in rows:
        if row["assessor_id"] is None:
            incidents[tuple(row[key] for key in keys)] += row["assessments"]
    return [{**dict(zip(keys, values, strict=True)), "incidents": count} for values, count in incidents.items()]


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
    """Which grouped rows count for which figure in the breakdowns: each monitor's own figures (`monitor_ids`,
    the lead first), and in the breakdown by belligerent the concessions (credible verdicts) of the assessor
    that speaks for each (`speakers`: {belligerent slug: assessor id}). The other breakdowns' official column
    is the headline's comparison's, per place (`official`: its `conceded_by`), which counts only the incidents
    of the belligerents its assessor speaks for."""

    def __init__(self, official, speakers, monitor_ids):
        self.official, self.speakers, self.monitor_ids = official, speakers, monitor_ids

    def figures_of(self, row, belligerent=None):
        """The figures a grouped assessment row adds to. Under a `belligerent` (its breakdown's row), the
        official figure is what that belligerent's own assessor concedes."""
        assessor = row["assessor_id"]
        if assessor in self.monitor_ids:
            yield f"m{assessor}_assessed"
            if row["verdict"] in LIKELY_GRADINGS:
                yield f"m{assessor}_likely"
            if row["verdict"] in ALLEGED_GRADINGS:
                yield f"m{assessor}_alleged"
        elif belligerent is not None and row["verdict"] == OfficialVerdict.CREDIBLE:
            if assessor == self.speakers.get(belligerent):
                yield "official"

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
        return [{key_name: name or "", "label": name or "", **rows[name]} for name in sorted(rows, key=str)]

    def shaped(self, rows, dimension):
        """Rows as the page reads them: each monitor's figures in a list (None where it assessed none of the
        row's incidents), and whether the row has an official figure at all (per belligerent: whether an
        official assessor speaks for it)."""
        shaped = []
        for row in rows:
            monitors = []
            for pk in self.monitor_ids:
                figures = {name: row.get(f"m{pk}_{name}", 0) for name in MONITOR_RANGES}
                monitors.append(figures if figures["assessed_incidents"] else None)
            plain = {name: value for name, value in row.items() if not name.startswith("m")}
            if dimension == "belligerent":
                official = [row.get(name, 0) for name in OFFICIAL_RANGE]
                has_official = row["key"] in self.speakers
            else:
                conceded_by = self.official["conceded_by"][dimension] if self.official else {}
                official = conceded_by.get(row["key"], [0, 0, 0])
                has_official = self.official is not None
            official = dict(zip(OFFICIAL_RANGE, official, strict=True))
            shaped.append({**plain, **official, "monitors": monitors, "has_official": has_official})
        return shaped


def regroup(place_rows, key, key_name):
    """Rows of `Sides.rollup` per month and place, summed per `key(place)` and sorted like a rollup."""
    rows = defaultdict(lambda: defaultdict(int))
    for place_row in place_rows:
        row = rows[key(place_row["place"])]
        for name, value in place_row.items():
            if name not in ("place", "label"):
                row[name] += value
    return [{key_name: name or "", "label": name or "", **rows[name]} for name in sorted(rows, key=str)]


def add_range(totals, figure, group):
    totals[f"{figure}_low"] += group["low"]
    totals[f"{figure}_high"] += group["high"]
    totals[f"{figure}_incidents"] += group["assessments"]


def monitor_totals(assessed, official_ids):
    """One row per independent monitor, the lead (most incidents assessed) first."""
    totals = defaultdict(lambda: defaultdict(int))
    for group in assessed:
        if group["assessor_id"] in official_ids:
            continue
        monitor = totals[group["assessor_id"]]
        monitor["incidents"] += group["assessments"]
        monitor["unknown_count_incidents"] += group["unknown"]
        if group["verdict"] in LIKELY_GRADINGS:
            add_range(monitor, "likely", group)
        if group["verdict"] in ALLEGED_GRADINGS:
            add_range(monitor, "alleged", group)
        else:
            add_range(monitor, "discounted", group)
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


def belligerent_breakdown(assessed, counted, sides):
    """Rolled up like the other breakdowns, from rows grouped per belligerent (key) in the database."""
    labels = {group["key"]: group["label"] for group in counted}
    rows = sides.rollup(assessed, counted, lambda group: group["key"], "key", per_belligerent=True)
    return [{**row, "label": labels.get(row["key"]) or row["key"]} for row in rows]


# --- Which figures for which view ------------------------------------------------------------------------------


def dashboard(incident_filter):
    """The figures for a view. Without any filter they come from the snapshot (one row read), recomputed
    first if a record changed since; views the summary can serve (place, belligerent, whole months, a date in
    the past) are summed from its cells or changes; the others (text, verdicts, …) are aggregated from the
    records."""
    unfiltered_figures = incident_filter.unfiltered_figures
    if not incident_filter.is_filtered():
        return unfiltered_figures
    as_of = incident_filter.as_of_date
    source = SummaryFigures.of(incident_filter) or LiveFigures(incident_filter.qs, as_of)
    known = unfiltered_figures.get("reconciliation", ())
    belligerent = incident_filter.form.cleaned_data.get("belligerent")
    return compute(source, incident_filter.qs, as_of, belligerent, known_reconciliation=known)


def unfiltered():
    """The unfiltered figures: the snapshot's, even when a change made since is still being counted (the recount
    worker's job, `recount_figures`). A reader computes them only when there are none to serve, or when the
    worker has not done so within settings.FIGURES_RECOUNT_GRACE seconds (it is not running): then one reader
    does, and the others keep the previous figures."""
    snapshot = TallySnapshot.get()
    since = outdated_since(snapshot)
    if since is not None and (not usable(snapshot.figures) or past_grace(since)):
        refresh_snapshot(snapshot, store_only=usable(snapshot.figures))
    return snapshot.figures


def past_grace(since):
    """Whether figures outdated since `since` have waited settings.FIGURES_RECOUNT_GRACE seconds for the worker.
    A change's date can be a few seconds ahead (`next_moment`): it counts from now then."""
    now = timezone.now()
    return now - min(since, now) >= datetime.timedelta(seconds=settings.FIGURES_RECOUNT_GRACE)


def recount_overdue(version):
    """Whether the figures of this `PublicVersion` are overdue for a recount: outdated for longer than the
    grace, so no recount worker is running. Told from the version alone, without reading the figures: what
    the page cache asks before it serves a kept page (which would never ask `unfiltered()`)."""
    if version.computed_at is None or version.computed_version != version.data_version:
        return version.changed_at is None or past_grace(version.changed_at)
    midnight = start_of_today()
    return version.computed_at < midnight and past_grace(midnight)


def usable(figures):
    return figures.get("format") == FIGURES_FORMAT


def outdated_since(snapshot):
    """When the stored figures stopped being right, or None while they are: a change since their version (its
    time), a new day (they say "as of" a date: midnight), or figures of an older shape (always due)."""
    figures = snapshot.figures
    if not usable(figures):
        return LONG_AGO
    if not snapshot.is_fresh:
        return snapshot.changed_at or snapshot.computed_at or LONG_AGO
    if figures.get("as_of") != timezone.localdate().isoformat():
        return start_of_today()
    return None


LONG_AGO = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def start_of_today():
    """Midnight, in the site's time zone: when figures "as of" yesterday went out of date."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))


def place_choices(figures, dimension):
    """The countries or governorates of the published incidents in the unfiltered `figures`, as choices named
    in the page's language."""
    name = places.country_name if dimension == "country" else places.governorate_name
    return [(row["key"], name(row["label"])) for row in figures["breakdowns"][dimension] if row["key"]]


def refresh_snapshot(snapshot=None, store_only=False):
    """Recompute the unfiltered figures from the summary and store them for the version of the data they were
    computed from (a change made meanwhile leaves the snapshot stale, to be recomputed again). Nobody waits for
    a writer: when the row is locked (a writer's transaction is open, or another recount is storing), the
    figures are computed from what is committed and returned without being stored, or, with `store_only`,
    not computed at all (the caller has figures to serve, and recounts later). Returns whether it stored."""
    snapshot = snapshot or TallySnapshot.get()
    with transaction.atomic():
        row = TallySnapshot.objects.select_for_update(skip_locked=True).filter(pk=snapshot.pk)
        locked = row.values_list("data_version", "changed_at", "computed_at").first()
        version, changed_at, computed_at = locked or (None, None, None)
        if version is None and store_only:
            return False
        everything = SummaryFigures(
            TallyCell.objects.filter(attributed_to=ALL), ComparisonCell.objects.filter(attributed_to=ALL)
        )
        figures = compute(everything, Incident.public.all())
        if version is not None:
            # Which version of the data they were computed for, and when: what readers are told.
            computed_at = next_moment(changed_at, computed_at)
            figures["data_version"], figures["computed_at"] = version, computed_at.isoformat()
            row.update(figures=figures, computed_version=version, computed_at=computed_at)
            snapshot.computed_version, snapshot.computed_at = version, computed_at
    snapshot.figures = figures
    return version is not None
