"""The figures' summary: the current assessments of published incidents, counted and summed per month, place,
belligerent, assessor and verdict, and kept up to date as records change. The dashboard then reads a few
thousand rows where the live aggregation reads millions (`reports.tallies` uses it for the views it can serve,
and `tests/test_summary.py` proves after random changes that it equals the live aggregation).

- `TalliedIncident`: where each published incident is counted (its month and place, and whether an official
  verdict on it is still open). It also tells where an incident *was* counted before it changed.
- `TallyCell`: the sums. Each row is one month and place, one belligerent pairing (see `attributed_to` and
  `counted_under`), one assessor and verdict, and whether the incidents' official verdict is still open.
- `TallyChange`: the cells' history, for the figures as known on a past date (`as_of`): what changed in the
  cells on each day, and the same summed per month and per year. The cells as known on a date are the sum of
  the years before its year, the months of its year before its month, and the days of its month up to it:
  tens of thousands of rows at a million incidents, whatever the date. `OpenVerdictChange` lists the days an
  official verdict on an incident opened or closed, which move its assessments between "still under review"
  and not; `TalliedDay` the days an incident's changes can fall on, the only ones recounted when it changes.

Refreshing some incidents recomputes, from the live records, the history of the month-and-places they were
and are counted in (on the days their changes fell and fall on), and those places' cells as the sum of all
their history; nothing is ever adjusted by difference, so an error cannot accumulate.
"""

import contextlib
import datetime
import functools

from django.db import connection, models
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least, TruncMonth, TruncYear

from reports.iterables import batched
from reports.models.assessments import Assessment
from reports.models.incidents import Incident
from reports.models.reference import Assessor
from reports.models.vocabulary import OPEN_VERDICTS, AssessorKind

ALL = "*"  # a belligerent key meaning "whatever the belligerent" (slugs never contain it)
PLACE = ("month", "country", "governorate")
BATCH = 300  # incidents or places per statement: well under SQLite's 999 parameters
LOW = Coalesce(F("killed_min"), Value(0))
HIGH = Coalesce(F("killed_max"), F("killed_min"), Value(0))
UNKNOWN = Q(killed_min__isnull=True, killed_max__isnull=True)


class TalliedIncident(models.Model):
    incident = models.OneToOneField(
        Incident, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="tallied"
    )
    month = models.DateField()
    country = models.CharField(max_length=100)
    governorate = models.CharField(max_length=100, blank=True)
    officially_open = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=PLACE, name="tallied_place_idx")]

    def __str__(self):
        return f"incident {self.incident_id} in {self.month:%Y-%m} {self.country} {self.governorate}"


class TallyCell(models.Model):
    """`attributed_to` selects incidents: ALL, or those attributed to one belligerent (the belligerent filter).
    `counted_under` splits them: ALL (each incident once), or one row per belligerent of each incident, "" for
    an incident without any (the breakdown by belligerent). A null assessor marks the row counting incidents;
    the others count and sum current assessments."""

    month = models.DateField()
    country = models.CharField(max_length=100)
    governorate = models.CharField(max_length=100, blank=True)
    attributed_to = models.CharField(max_length=50)
    counted_under = models.CharField(max_length=50, blank=True)
    officially_open = models.BooleanField()
    assessor = models.ForeignKey(
        Assessor, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    verdict = models.CharField(max_length=20, blank=True)
    count = models.PositiveIntegerField()
    low = models.PositiveBigIntegerField()
    high = models.PositiveBigIntegerField()
    unknown = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=PLACE, name="tallycell_place_idx"),
            models.Index(fields=["attributed_to", "counted_under", "country"], name="tallycell_filter_idx"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.country} {self.governorate} {self.attributed_to}/{self.counted_under}"


class OpenVerdictChange(models.Model):
    """A day on which the incident came to have, or stopped having, an official verdict still open (not yet
    assessed, under review, reopened): `officially_open` is whether it has one at the end of that day."""

    incident = models.ForeignKey(
        Incident, on_delete=models.DO_NOTHING, db_constraint=False, related_name="open_verdict_changes"
    )
    day = models.DateField()
    officially_open = models.BooleanField()
    # An opening's next closing (null: still open): the period in which the incident's assessments count as
    # still under official review.
    closed_on = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["incident", "day"], name="open_verdict_change_idx")]

    def __str__(self):
        return f"incident {self.incident_id} on {self.day}: {'open' if self.officially_open else 'closed'}"


class TalliedDay(models.Model):
    """A day on which something about a published incident happened (its date, an assessment made or
    superseded): the only days its changes can fall on. It tells which days of history to recount when the
    incident changes, before and after."""

    incident = models.ForeignKey(Incident, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    day = models.DateField()

    def __str__(self):
        return f"incident {self.incident_id} on {self.day}"


class Period(models.TextChoices):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


READ_ORDER = ["attributed_to", "period", "changed_on", "counted_under"]


class TallyChange(models.Model):
    """What changed in the cells over one `period` starting on `changed_on` (a day, a month or a year):
    incidents that happened, assessments made, superseded, or moved by an official verdict opening or
    closing. Keyed like TallyCell, with signed sums (a verdict replaced leaves one cell for another)."""

    period = models.CharField(max_length=5, choices=Period.choices)
    changed_on = models.DateField()
    month = models.DateField()
    country = models.CharField(max_length=100)
    governorate = models.CharField(max_length=100, blank=True)
    attributed_to = models.CharField(max_length=50)
    counted_under = models.CharField(max_length=50, blank=True)
    officially_open = models.BooleanField()
    # No index of its own: read by date ranges, never by assessor (the planner was tempted, and lost).
    assessor = models.ForeignKey(
        Assessor, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    verdict = models.CharField(max_length=20, blank=True)
    count = models.BigIntegerField()
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    unknown = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=PLACE, name="tallychange_place_idx"),
            # The ranges known_on() reads, once per incident and split per belligerent alike.
            # (with the places, so that a place filter needs no other index: the planner would combine the
            # place index, and read millions of its entries)
            models.Index(fields=[*READ_ORDER, "country", "governorate"], name="tallychange_known_idx"),
        ]

    def __str__(self):
        return f"{self.period} of {self.changed_on}: {self.month:%Y-%m} {self.country} {self.governorate}"


def known_on(day):
    """The condition on changes whose sum is the cells as known on `day`: the years before its year, the
    months of its year before its month, the days of its month up to it."""
    condition = Q()
    for period, first, end, up_to in known_ranges(day):
        condition |= Q(period=period, changed_on__gte=first, **{f"changed_on__{up_to}": end})
    return condition


def known_ranges(day):
    """known_on's ranges: [(period, first changed_on, end, "lt" or "lte": whether the end is left out)]."""
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    return [
        (Period.YEAR, datetime.date.min, year, "lt"),
        (Period.MONTH, year, month, "lt"),
        (Period.DAY, month, day, "lte"),
    ]


# --- Keeping it up to date ------------------------------------------------------------------------------------


def refresh(incident_ids):
    """Recount the cells of `incident_ids` (their place before and after the change) and the history of those
    places on the days the incidents' changes fell and fall on. Returns whether any of them is or was
    counted, i.e. whether the public figures may have changed."""
    incident_ids = list(incident_ids)
    places, days = set(), set()
    for batch in batched(incident_ids, BATCH):
        batch_places, batch_days = retally(batch)
        places |= batch_places
        days |= batch_days
    if len(days) > BATCH:  # a bulk change: recount whole histories rather than list that many days
        days = None
    for batch in batched(sorted(places), BATCH):
        recount(batch, days)
    return bool(places)


def rebuild(readers_locked_out=False):
    """Everything from scratch (a reference table changed, or a bulk write covered most incidents). Callers
    hold the lock (`snapshot.lock_summary`), like refresh's.

    `readers_locked_out`: the caller may keep readers waiting until it commits (the synthetic generator, for
    databases nobody reads, which already locks the records it loads). On PostgreSQL the rebuild then locks
    the summary too, emptying it with TRUNCATE and building the history's indexes once at the end rather
    than entry by entry, and lets its hash tables grow to 4 GB rather than spill to disk: faster for millions
    of rows. Otherwise readers keep reading the summary as it was until this commits, and hash tables keep
    PostgreSQL's default limit (twice work_mem: 2 GB)."""
    bulk = readers_locked_out and connection.vendor == "postgresql"
    if connection.vendor == "postgresql":  # sorts and hashes of millions of rows, in memory (this transaction)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '1GB'")
            if bulk:
                cursor.execute("SET LOCAL hash_mem_multiplier = 4")
    emptied = (TalliedIncident, OpenVerdictChange, TalliedDay, TallyCell, TallyChange)
    if bulk:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(model._meta.db_table for model in emptied)}")
    else:
        for model in emptied[:3]:  # (recount_where empties the other two)
            model.objects.all().delete()
    published = Incident.objects.published()
    insert_select(TalliedIncident, tallied_rows(published))
    insert_open_verdict_changes(published)
    insert_days(published)
    analyze(TalliedIncident, OpenVerdictChange, TalliedDay)
    with indexes_built_after(TallyChange) if bulk else contextlib.nullcontext():
        recount_where(Q())
    analyze(TallyCell, TallyChange)


def analyze(*models):
    """Fresh planner statistics for tables just filled (PostgreSQL): without them, the statements that read
    them next, and the pages, can be planned for the tables as they were (empty, after a TRUNCATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in models)}")


@contextlib.contextmanager
def indexes_built_after(model):
    """Drop the model's own indexes (Meta.indexes) and build them again once its rows are written, with
    memory to sort in: PostgreSQL's advice for bulk loads ("Populating a Database")."""
    with connection.schema_editor() as editor:
        for index in model._meta.indexes:
            editor.remove_index(model, index)
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    with connection.schema_editor() as editor:
        for index in model._meta.indexes:
            editor.add_index(model, index)


def retally(incident_ids):
    """Replace the incidents' TalliedIncident, OpenVerdictChange and TalliedDay rows; the places they were and
    are in, and the days their changes fell and fall on."""
    tallied = TalliedIncident.objects.filter(incident_id__in=incident_ids)
    days = TalliedDay.objects.filter(incident_id__in=incident_ids)
    places, old_days = set(tallied.values_list(*PLACE)), set(days.values_list("day", flat=True))
    for rows in (tallied, days, OpenVerdictChange.objects.filter(incident_id__in=incident_ids)):
        rows.delete()
    published = Incident.objects.published().filter(pk__in=incident_ids)
    insert_select(TalliedIncident, tallied_rows(published))
    insert_open_verdict_changes(published)
    insert_days(published)
    return places | set(tallied.values_list(*PLACE)), old_days | set(days.values_list("day", flat=True))


def recount(places, days=None):
    in_places = Q()
    for month, country, governorate in places:
        in_places |= Q(month=month, country=country, governorate=governorate)
    recount_where(in_places, days)


def recount_where(in_places, days=None):
    """Replace the history in `in_places` (a Q on the place fields; an empty Q: everywhere) on `days` (None:
    every day), with the months and years those days are in; then the cells there, which are the sum of all
    their history (what was ever counted, less what stopped counting)."""
    history = TallyChange.objects.filter(in_places)
    months = years = None
    if days is not None:
        months, years = {day.replace(day=1) for day in days}, {day.replace(month=1, day=1) for day in days}
        history = history.filter(
            Q(period=Period.DAY, changed_on__in=days)
            | Q(period=Period.MONTH, changed_on__in=months)
            | Q(period=Period.YEAR, changed_on__in=years)
        )
    history.delete()
    for rows, moves in day_change_rows(in_places, days):
        insert_netted(TallyChange, *rows, mirrored=moves)
    if not in_places:  # the rollups read millions of day rows
        analyze(TallyChange)
    insert_netted(TallyChange, rolled_up(in_places, Period.DAY, Period.MONTH, months))
    insert_netted(TallyChange, rolled_up(in_places, Period.MONTH, Period.YEAR, years))
    TallyCell.objects.filter(in_places).delete()
    insert_netted(TallyCell, summed_changes(TallyChange.objects.filter(in_places, period=Period.YEAR), {}))


def insert_days(incidents):
    """TalliedDay rows for `incidents`: their dates, and their assessments' dates (made, superseded)."""
    assessments = Assessment.objects.filter(incident__in=incidents).order_by()
    sources = [
        incidents.order_by().annotate(incident_key=F("pk"), day_key=F("date_start")),
        assessments.annotate(incident_key=F("incident_id"), day_key=F("counts_from")),
        assessments.filter(superseded_on__isnull=False).annotate(
            incident_key=F("incident_id"), day_key=F("superseded_on")
        ),
    ]
    for days in sources:
        insert_select(TalliedDay, days.values("incident_key", "day_key").distinct())


def tallied_rows(incidents):
    open_verdict = Assessment.objects.filter(
        incident=OuterRef("pk"),
        superseded_on__isnull=True,
        assessor__kind=AssessorKind.OFFICIAL,
        verdict__in=OPEN_VERDICTS,
    )
    keys = {
        "incident_key": F("pk"),
        "month_key": TruncMonth("date_start"),
        "country_key": F("country"),
        "governorate_key": F("governorate"),
        "officially_open_key": Exists(open_verdict),
    }
    return incidents.order_by().annotate(**keys).values(*keys)


def officially_open_on(day, end_of_day=True):
    """Whether the incident (OuterRef) has an official verdict still open at the end of `day` (an OuterRef
    date), or, with end_of_day=False, at the end of the day before."""
    made, superseded = ("lte", "gt") if end_of_day else ("lt", "gte")
    still_current = Q(superseded_on__isnull=True) | Q(**{f"superseded_on__{superseded}": day})
    return Exists(
        Assessment.objects.filter(
            Q(**{f"counts_from__{made}": day}),
            still_current,
            incident=OuterRef("incident_id"),
            assessor__kind=AssessorKind.OFFICIAL,
            verdict__in=OPEN_VERDICTS,
        )
    )


def insert_open_verdict_changes(incidents):
    """OpenVerdictChange rows for `incidents`: of the days their official assessments were made or
    superseded (the only days an open verdict can start or end), those on which it did; then each opening's
    closing."""
    official = Assessment.objects.filter(incident__in=incidents, assessor__kind=AssessorKind.OFFICIAL)
    for day in ("counts_from", "superseded_on"):
        days = official.filter(**{f"{day}__isnull": False}).order_by().annotate(incident_key=F("incident_id"))
        days = days.annotate(day_key=F(day))
        listed = OpenVerdictChange.objects.filter(incident_id=OuterRef("incident_key"), day=OuterRef("day_key"))
        days = days.filter(~Exists(listed)).annotate(
            officially_open_key=officially_open_on(OuterRef("day_key")),
            closed_on_key=Cast(Value(None), models.DateField()),
        )
        insert_select(
            OpenVerdictChange, days.values("incident_key", "day_key", "officially_open_key", "closed_on_key").distinct()
        )
    unchanged = Q(officially_open=True, was_open=True) | Q(officially_open=False, was_open=False)
    listed = OpenVerdictChange.objects.filter(incident__in=incidents)
    listed.alias(was_open=officially_open_on(OuterRef("day"), end_of_day=False)).filter(unchanged).delete()
    closings = OpenVerdictChange.objects.filter(
        incident=OuterRef("incident_id"), officially_open=False, day__gt=OuterRef("day")
    )
    listed.filter(officially_open=True).update(closed_on=Subquery(closings.order_by("day").values("day")[:1]))


ASSESSMENT_SUMS = {"count": Count("pk"), "low": Sum(LOW), "high": Sum(HIGH), "unknown": Count("pk", filter=UNKNOWN)}


def day_change_rows(in_places, days=None):
    """For each way of keying the belligerents, the querysets (with TallyChange's columns) whose rows, summed
    per key, are the day changes in `in_places` (on `days`; None: every day): an incident counts from its
    date; an assessment from the day it was made (or its incident's date, if later) until the day it was
    superseded; and while its incident has an official verdict open, in the cells that tell so. Yields
    (changes, moves): the moves into those cells and back, each to be mirrored out of the other cells."""

    def on_days(changes, day):
        return changes if days is None else changes.filter(**{f"{day}__in": days})

    incidents = TalliedIncident.objects.filter(in_places)
    assessments = Assessment.objects.filter(incident__tallied__isnull=False)
    if in_places:
        assessments = assessments.filter(incident_id__in=incidents.values("incident_id"))
    assessments = assessments.alias(counted_from=Greatest("counts_from", "incident__date_start"))
    counted = assessments.filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=F("counted_from")))
    ended = assessments.filter(superseded_on__gt=F("counted_from"))
    while_open = assessments.alias(
        opened_on=F("incident__open_verdict_changes__day"),
        closed_on=F("incident__open_verdict_changes__closed_on"),
        is_opening=F("incident__open_verdict_changes__officially_open"),
    ).filter(is_opening=True)
    while_open = while_open.alias(
        moved_on=Greatest("counted_from", "opened_on"),
        moved_back_on=Least(Coalesce("superseded_on", Value(FOREVER)), Coalesce("closed_on", Value(FOREVER))),
    ).filter(moved_on__lt=F("moved_back_on"))
    moved_back = while_open.filter(moved_back_on__lt=FOREVER)
    for attributed in (False, True):
        for split in (False, True):
            keyed = functools.partial(
                grouped,
                place="incident__tallied__",
                attributed=attributed,
                split=split,
                sums=ASSESSMENT_SUMS,
                officially_open=Value(False),
            )
            rows = [
                keyed(
                    on_days(incidents, "incident__date_start"),
                    place="",
                    sums={"count": Count("pk")},
                    per_assessor=False,
                    changed_on=F("incident__date_start"),
                ),
                keyed(on_days(counted, "counted_from"), changed_on=F("counted_from")),
                keyed(on_days(ended, "superseded_on"), changed_on=F("superseded_on"), sign=-1),
            ]
            moves = []
            if not split:  # only these cells tell open verdicts apart
                for changes, day, sign in ((while_open, "moved_on", 1), (moved_back, "moved_back_on", -1)):
                    changes = on_days(changes, day)
                    moves.append(keyed(changes, changed_on=F(day), officially_open=Value(True), sign=sign))
            yield rows, moves


FOREVER = datetime.date.max  # what an assessment never superseded, or a verdict never closed, lasts until


def rolled_up(in_places, period, into, within=None):
    """The `period` changes in `in_places` summed per `into` period (those starting on `within`; None: all),
    grouped like the other changes."""
    truncate = {Period.MONTH: TruncMonth, Period.YEAR: TruncYear}[into]
    changes = TallyChange.objects.filter(in_places, period=period)
    period_keys = {"period_key": Value(into.value), "changed_on_key": truncate("changed_on")}
    return summed_changes(changes, period_keys, within)


def summed_changes(changes, period_keys, within=None):
    """`changes` summed per cell key, and per `period_keys` (none: the cells' own rows), keeping those periods
    that start on `within` (None: all)."""
    keys = dict(period_keys)
    keys |= {f"{name}_key": F(name) for name in (*PLACE, "attributed_to", "counted_under", "officially_open")}
    keys |= {"assessor_key": F("assessor_id"), "verdict_key": F("verdict")}
    changes = changes.order_by().annotate(**keys)
    if within is not None:
        changes = changes.filter(changed_on_key__in=within)
    # (32-bit integers summed: see insert_netted)
    return changes.values(*keys).annotate(**{f"{name}_sum": Sum(Cast(name, IntegerField())) for name in MEASURES})


def grouped(queryset, place, attributed, split, sums, changed_on, officially_open, per_assessor=True, sign=1):
    """`queryset` (of TalliedIncident or Assessment, reaching the incident's place through `place`) grouped
    into day changes on the day `changed_on` gives, with their measures multiplied by `sign`. Whether the
    official verdict is open (`officially_open`) matters only to assessments counted once per incident (the
    lead monitor's deaths still awaiting a verdict); elsewhere it is left False, which keeps the cells fewer."""
    keep_open = per_assessor and not split
    keys = {
        "period_key": Value(Period.DAY.value),
        "changed_on_key": changed_on,
        "month_key": F(f"{place}month"),
        "country_key": F(f"{place}country"),
        "governorate_key": F(f"{place}governorate"),
        "attributed_to_key": F("incident__belligerents__slug") if attributed else Value(ALL),
        "counted_under_key": Coalesce(F("counted__belligerent__slug"), Value("")) if split else Value(ALL),
        "officially_open_key": officially_open if keep_open else Value(False),
        "assessor_key": F("assessor_id") if per_assessor else Cast(Value(None), BigIntegerField()),
        "verdict_key": F("verdict") if per_assessor else Value(""),
    }
    if split:  # a join of its own: the filter's join (attributed_to) must not decide the incident's other rows
        queryset = queryset.alias(counted=FilteredRelation("incident__attributions"))
    queryset = queryset.order_by().annotate(**keys)
    if attributed:  # an incident without belligerents is attributed to none
        queryset = queryset.filter(attributed_to_key__isnull=False)
    measures = {}
    for name in MEASURES:
        measure = sums.get(name, Value(0))
        if sign != 1:
            measure = ExpressionWrapper(measure * Value(sign), output_field=BigIntegerField())
        measures[f"{name}_sum"] = measure
    return queryset.values(*keys).annotate(**measures)


MEASURES = ("count", "low", "high", "unknown")


def insert_select(model, queryset):
    """INSERT INTO the model's table … the queryset's SELECT: the database computes and writes the rows."""
    columns = insert_columns(model, queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) {sql}", params)  # noqa: S608  # nosec B608


def insert_netted(model, *querysets, mirrored=()):
    """INSERT INTO the model's table the querysets' rows summed per key (every column but the MEASURES),
    leaving out the keys whose measures all sum to zero. Rows are written in the order of the index that
    reads them (READ_ORDER), so that a date's rows lie together on disk and a read touches few pages.

    Each `mirrored` queryset counts twice from one scan: as it is, and with `officially_open` negated and its
    measures negated (what moves into the open cells leaves the others)."""
    all_querysets = (*querysets, *mirrored)
    columns = insert_columns(model, *all_querysets)
    quote = connection.ops.quote_name
    names = list(all_querysets[0].query.annotation_select)
    is_measure = {name: name.rsplit("_", 1)[0] in MEASURES for name in names}
    keys = ", ".join(quote(name) for name in names if not is_measure[name])
    # Summed as 32-bit integers: PostgreSQL adds those up in a 64-bit integer, and 64-bit ones in an
    # arbitrary-precision number, several times slower (an overflow would fail, never wrap).
    sums = [f"SUM(CAST({quote(f'{name}_sum')} AS INTEGER))" for name in MEASURES]
    # (a key every queryset sets to a constant is left out: sorting on it would only slow the sort down)
    constant = {name for name in names if all(isinstance(qs.query.annotations[name], Value) for qs in all_querysets)}
    order = ", ".join(quote(f"{name}_key") for name in READ_ORDER if f"{name}_key" in set(names) - constant)
    selects = [queryset.query.sql_with_params() for queryset in querysets]
    # Each moved row joined with (TRUE, 1), itself, and with (FALSE, -1): the other cell, measures negated.
    flipped = {name: f"{quote(name)} * mirror.column2" for name in names if is_measure[name]}
    flipped["officially_open_key"] = f"({quote('officially_open_key')} = mirror.column1)"
    columns_mirrored = ", ".join(flipped.get(name, quote(name)) for name in names)
    for queryset in mirrored:
        sql, params = queryset.query.sql_with_params()
        both = f"SELECT {columns_mirrored} FROM ({sql}) moved CROSS JOIN (VALUES (TRUE, 1), (FALSE, -1)) mirror"  # noqa: S608  # nosec B608
        selects.append((both, params))
    union = " UNION ALL ".join(sql for sql, _params in selects)
    params = [param for _sql, query_params in selects for param in query_params]
    sql = (
        f"INSERT INTO {model._meta.db_table} ({columns}) SELECT {keys}, {', '.join(sums)} FROM ({union}) netted "  # noqa: S608  # nosec B608
        f"GROUP BY {keys} HAVING {' OR '.join(f'{total} <> 0' for total in sums)}"
    )
    if order:
        sql += f" ORDER BY {order}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_columns(model, *querysets):
    """The model's columns, quoted for an INSERT, once checked that each queryset selects them in order (a
    mismatch would misfile)."""
    fields = [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]
    for queryset in querysets:
        selected = [name.rsplit("_", 1)[0] for name in queryset.query.annotation_select]
        if selected != [field.name for field in fields]:
            raise ValueError(f"{model.__name__}: the columns are {fields}, the query selects {selected}")
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)
