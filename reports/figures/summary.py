"""The figures' summary (its tables: `reports.models.summary`), kept up to date as records change. The dashboard
then reads a few thousand rows where the live aggregation reads millions (`reports.figures.tallies` uses it for
the views it can serve, and `tests/test_summary.py` proves after random changes that it equals the live
aggregation).

The cells as known on a date are the sum of their history's rows for the years before its year, the months of
its year before its month, and the days of its month up to it: tens of thousands of rows at a million
incidents, whatever the date (`known_on`).

The headline's comparisons (each official assessor beside the monitors over the same incidents,
`reports.figures.comparisons`) are kept the same way: `ComparisonCell` crosses, per month and place, an
official assessor's current verdicts with a monitor's current gradings, and `ComparisonChange` is its history.

Refreshing some incidents recomputes, from the live records, the history of the month-and-places they were
and are counted in (on the days their changes fell and fall on), and those places' cells as the sum of all
their history; nothing is ever adjusted by difference, so an error cannot accumulate. Callers hold the
summary's lock (`reports.figures.receivers.lock_summary`).
"""

import contextlib
import dataclasses
import datetime
import functools

from django.db import connection, models
from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest, TruncMonth, TruncYear

from reports.iterables import batched
from reports.models import Assessment, Assessor, AssessorKind, Incident
from reports.models.summary import (
    ALL,
    CELLS,
    CHANGES,
    COMPARISON_MEASURES,
    MEASURES,
    PLACE,
    ComparisonChange,
    Period,
    TalliedDay,
    TalliedIncident,
    TallyChange,
)

BATCH = 300  # incidents or places per statement: well under SQLite's 999 parameters
LOW = Coalesce(F("killed_min"), Value(0))
HIGH = Coalesce(F("killed_max"), F("killed_min"), Value(0))
UNKNOWN = Q(killed_min__isnull=True, killed_max__isnull=True)


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
    hold the lock (`receivers.lock_summary`), like refresh's.

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
    emptied = (TalliedIncident, TalliedDay, *CELLS, *CHANGES)
    if bulk:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(model._meta.db_table for model in emptied)}")
    else:
        for model in emptied[:2]:  # (recount_where empties the others)
            model.objects.all().delete()
    published = Incident.objects.published()
    insert_select(TalliedIncident, tallied_rows(published))
    insert_days(published)
    analyze(TalliedIncident, TalliedDay)
    with contextlib.ExitStack() as stack:
        if bulk:
            for model in CHANGES:
                stack.enter_context(indexes_built_after(model))
        recount_where(Q())
    analyze(*CELLS, *CHANGES)


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
    """Replace the incidents' TalliedIncident and TalliedDay rows; the places they were and
    are in, and the days their changes fell and fall on."""
    tallied = TalliedIncident.objects.filter(incident_id__in=incident_ids)
    days = TalliedDay.objects.filter(incident_id__in=incident_ids)
    places, old_days = set(tallied.values_list(*PLACE)), set(days.values_list("day", flat=True))
    for rows in (tallied, days):
        rows.delete()
    published = Incident.objects.published().filter(pk__in=incident_ids)
    insert_select(TalliedIncident, tallied_rows(published))
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
    their history (what was ever counted, less what stopped counting). The same for the comparisons."""
    months = years = None
    if days is not None:
        months, years = {day.replace(day=1) for day in days}, {day.replace(month=1, day=1) for day in days}
    for cell, change in zip(CELLS, CHANGES, strict=True):
        history = change.objects.filter(in_places)
        if days is not None:
            history = history.filter(
                Q(period=Period.DAY, changed_on__in=days)
                | Q(period=Period.MONTH, changed_on__in=months)
                | Q(period=Period.YEAR, changed_on__in=years)
            )
        history.delete()
        if change is TallyChange:
            for rows in day_change_rows(in_places, days):
                insert_netted(TallyChange, *rows)
        else:
            selects, common = comparison_day_changes(in_places, days)
            insert_netted(ComparisonChange, *selects, common=common)
        if not in_places:  # the rollups read millions of day rows
            analyze(change)
        insert_netted(change, rolled_up(change, in_places, Period.DAY, Period.MONTH, months))
        insert_netted(change, rolled_up(change, in_places, Period.MONTH, Period.YEAR, years))
        cell.objects.filter(in_places).delete()
        insert_netted(cell, summed_changes(change.objects.filter(in_places, period=Period.YEAR), {}))


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
    keys = {
        "incident_key": F("pk"),
        "month_key": TruncMonth("date_start"),
        "country_key": F("country"),
        "governorate_key": F("governorate"),
    }
    return incidents.order_by().annotate(**keys).values(*keys)


ASSESSMENT_SUMS = {"count": Count("pk"), "low": Sum(LOW), "high": Sum(HIGH), "unknown": Count("pk", filter=UNKNOWN)}


def day_change_rows(in_places, days=None):
    """For each way of keying the belligerents, the querysets (with TallyChange's columns) whose rows, summed
    per key, are the day changes in `in_places` (on `days`; None: every day): an incident counts from its
    date; an assessment from the day it counts (or its incident's date, if later) until the day it was
    superseded."""

    def on_days(changes, day):
        return changes if days is None else changes.filter(**{f"{day}__in": days})

    incidents = TalliedIncident.objects.filter(in_places)
    assessments = Assessment.objects.filter(incident__tallied__isnull=False)
    if in_places:
        assessments = assessments.filter(incident_id__in=incidents.values("incident_id"))
    assessments = assessments.alias(counted_from=Greatest("counts_from", "incident__date_start"))
    counted = assessments.filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=F("counted_from")))
    ended = assessments.filter(superseded_on__gt=F("counted_from"))
    for attributed in (False, True):
        for split in (False, True):
            keyed = functools.partial(
                grouped,
                place="incident__tallied__",
                attributed=attributed,
                split=split,
                sums=ASSESSMENT_SUMS,
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
            yield rows


def comparison_day_changes(in_places, days=None):
    """The Selects (and their common WITH clause) whose rows, summed per key, are the comparisons' day changes
    in `in_places` (on `days`; None: every day).

    An incident's state (each official verdict, each monitor grading) can change only on its days (TalliedDay:
    its date, and the days its assessments count from and are superseded on). So each of its days from its
    date on starts a segment, up to its next day, with one state: the segment adds that state on its first
    day and takes it away on the next one. Per segment, per official assessor that speaks for one of the
    incident's belligerents (and per such belligerent): one row with the official's current verdict, and one
    per monitor grading current then."""
    table = {model: model._meta.db_table for model in (TalliedIncident, TalliedDay, Incident, Assessment, Assessor)}
    attributions, speaks = Incident.belligerents.through._meta.db_table, Assessor.speaks_for.through._meta.db_table
    belligerents = Assessor.speaks_for.field.related_model._meta.db_table
    in_view_sql, in_view_params = (
        TalliedIncident.objects.filter(in_places).values("incident_id").query.sql_with_params()
    )
    official = AssessorKind.OFFICIAL.value
    current_at_day = "{a}.counts_from <= st.day AND ({a}.superseded_on IS NULL OR {a}.superseded_on > st.day)"
    # (the attributions are read from the incidents in view, once: planned from the belligerents instead, a
    # save's recount read every attribution of the coalition, seconds at a million incidents)
    spoken_for = (
        f"FROM attributed ib JOIN {speaks} sf ON sf.belligerent_id = ib.belligerent_id "
        f"JOIN {table[Assessor]} sa ON sa.id = sf.assessor_id AND sa.kind = %s"
    )
    common = (
        f"""WITH in_view AS ({in_view_sql}), attributed AS (
            SELECT ib.incident_id, ib.belligerent_id FROM in_view v
            JOIN {attributions} ib ON ib.incident_id = v.incident_id
        ), segments AS (
            SELECT d.incident_id, d.day, LEAD(d.day) OVER (PARTITION BY d.incident_id ORDER BY d.day) AS next_day,
                   t.month, t.country, t.governorate
            FROM (SELECT DISTINCT td.incident_id, td.day FROM in_view v
                  JOIN {table[TalliedDay]} td ON td.incident_id = v.incident_id) d
            JOIN {table[TalliedIncident]} t ON t.incident_id = d.incident_id
            JOIN {table[Incident]} i ON i.id = d.incident_id
            WHERE d.day >= i.date_start
        ), speakers AS (
            SELECT DISTINCT ib.incident_id, sf.assessor_id AS official_id, b.slug AS attributed_to
            {spoken_for} JOIN {belligerents} b ON b.id = ib.belligerent_id
            UNION
            SELECT DISTINCT ib.incident_id, sf.assessor_id, %s {spoken_for}
        ), states AS (
            SELECT st.*, sp.official_id, sp.attributed_to,
                   o.id AS said, o.verdict, o.killed_min AS said_min, o.killed_max AS said_max
            FROM segments st JOIN speakers sp ON sp.incident_id = st.incident_id
            LEFT JOIN {table[Assessment]} o ON o.incident_id = st.incident_id AND o.assessor_id = sp.official_id
                AND {current_at_day.format(a="o")}
        )""",  # noqa: S608  # nosec B608 (table names and the code's own SQL; the values are parameters)
        [*in_view_params, official, ALL, official],
    )
    names = [f"{name}_key" for name in ("period", "changed_on", *ComparisonChange.KEYS)]
    names += [f"{name}_sum" for name in COMPARISON_MEASURES]

    def measures(prefix, present):
        unknown = f"CASE WHEN {present} IS NOT NULL AND {prefix}_min IS NULL AND {prefix}_max IS NULL THEN 1 ELSE 0 END"
        return [f"COALESCE({prefix}_min, 0)", f"COALESCE({prefix}_max, {prefix}_min, 0)", unknown]

    def select(day, sign, columns, joins, params):
        keys = ["%s", day, "st.month", "st.country", "st.governorate", "st.attributed_to", "st.official_id"]
        keys.append("COALESCE(st.verdict, '')")
        values = [*keys, *columns[:2], *(f"{sign} * ({measure})" for measure in columns[2:])]
        selected = ", ".join(f"{value} AS {name}" for value, name in zip(values, names, strict=True))
        on_days = f" AND {day} IN ({', '.join(['%s'] * len(day_params))})" if days is not None else ""
        sql = f"SELECT {selected} FROM states st {joins} WHERE {day} IS NOT NULL{on_days}"  # noqa: S608  # nosec B608
        return Select(sql, [Period.DAY.value, *params, *day_params], names)

    selects, day_params = [], list(days or ())
    monitor_graded = (
        f"JOIN {table[Assessment]} g ON g.incident_id = st.incident_id AND {current_at_day.format(a='g')} "
        f"JOIN {table[Assessor]} ga ON ga.id = g.assessor_id AND ga.kind <> %s"
    )
    said = measures("st.said", "st.said")
    for sign, day in ((1, "st.day"), (-1, "st.next_day")):
        # The official's verdict on each incident; then beside each grading of a monitor.
        selects.append(select(day, sign, ["CAST(NULL AS BIGINT)", "''", "1", *said, "0", "0", "0"], "", []))
        graded = ["g.assessor_id", "g.verdict", "1", *said, *measures("g.killed", "g.id")]
        selects.append(select(day, sign, graded, monitor_graded, [official]))
    return selects, common


def rolled_up(model, in_places, period, into, within=None):
    """The `period` changes (of the history `model`) in `in_places` summed per `into` period (those starting
    on `within`; None: all), grouped like the other changes."""
    truncate = {Period.MONTH: TruncMonth, Period.YEAR: TruncYear}[into]
    changes = model.objects.filter(in_places, period=period)
    period_keys = {"period_key": Value(into.value), "changed_on_key": truncate("changed_on")}
    return summed_changes(changes, period_keys, within)


def summed_changes(changes, period_keys, within=None):
    """`changes` summed per cell key, and per `period_keys` (none: the cells' own rows), keeping those periods
    that start on `within` (None: all)."""
    model = changes.model
    keys = dict(period_keys)
    keys |= {f"{name}_key": F(model._meta.get_field(name).attname) for name in model.KEYS}
    changes = changes.order_by().annotate(**keys)
    if within is not None:
        changes = changes.filter(changed_on_key__in=within)
    # (32-bit integers summed: see insert_netted)
    sums = {f"{name}_sum": Sum(Cast(name, IntegerField())) for name in model.MEASURES}
    return changes.values(*keys).annotate(**sums)


def grouped(queryset, place, attributed, split, sums, changed_on, per_assessor=True, sign=1):
    """`queryset` (of TalliedIncident or Assessment, reaching the incident's place through `place`) grouped
    into day changes on the day `changed_on` gives, with their measures multiplied by `sign`."""
    keys = {
        "period_key": Value(Period.DAY.value),
        "changed_on_key": changed_on,
        "month_key": F(f"{place}month"),
        "country_key": F(f"{place}country"),
        "governorate_key": F(f"{place}governorate"),
        "attributed_to_key": F("incident__belligerents__slug") if attributed else Value(ALL),
        "counted_under_key": Coalesce(F("counted__belligerent__slug"), Value("")) if split else Value(ALL),
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


def insert_select(model, queryset):
    """INSERT INTO the model's table … the queryset's SELECT: the database computes and writes the rows."""
    select = Select.of(queryset)
    columns = insert_columns(model, select)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) {select.sql}", select.params)  # noqa: S608  # nosec B608


@dataclasses.dataclass
class Select:
    """A SELECT to insert from: its SQL and parameters, its columns' names in order, and those it sets to a
    constant."""

    sql: str
    params: list
    names: list
    constants: frozenset = frozenset()

    @classmethod
    def of(cls, queryset):
        names = list(queryset.query.annotation_select)
        constants = frozenset(name for name in names if isinstance(queryset.query.annotations[name], Value))
        return cls(*queryset.query.sql_with_params(), names, constants)


def insert_netted(model, *querysets, common=("", ())):
    """INSERT INTO the model's table the querysets' (or Selects') rows summed per key (every column but the
    model's MEASURES), leaving out the keys whose measures all sum to zero. Rows are written in the order of
    the index that reads them (the model's READ_ORDER), so that a date's rows lie together on disk and a read
    touches few pages. `common`: a WITH clause the selects read from, and its parameters."""
    selects = [query if isinstance(query, Select) else Select.of(query) for query in querysets]
    columns = insert_columns(model, *selects)
    quote = connection.ops.quote_name
    names = selects[0].names
    measures = {f"{name}_sum" for name in model.MEASURES}
    keys = ", ".join(quote(name) for name in names if name not in measures)
    # Summed as 32-bit integers: PostgreSQL adds those up in a 64-bit integer, and 64-bit ones in an
    # arbitrary-precision number, which is slower (an overflow would fail, never wrap).
    sums = [f"SUM(CAST({quote(f'{name}_sum')} AS INTEGER))" for name in model.MEASURES]
    # (a key every select sets to a constant is left out: sorting on it would only slow the sort down)
    constant = frozenset.intersection(*(select.constants for select in selects))
    order = ", ".join(quote(f"{name}_key") for name in model.READ_ORDER if f"{name}_key" in set(names) - constant)
    union = " UNION ALL ".join(select.sql for select in selects)
    with_sql, with_params = common
    params = [*with_params, *(param for select in selects for param in select.params)]
    sql = (
        f"INSERT INTO {model._meta.db_table} ({columns}) {with_sql} SELECT {keys}, {', '.join(sums)} "  # noqa: S608  # nosec B608
        f"FROM ({union}) netted GROUP BY {keys} HAVING {' OR '.join(f'{total} <> 0' for total in sums)}"
    )
    if order:
        sql += f" ORDER BY {order}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_columns(model, *selects):
    """The model's columns, quoted for an INSERT, once checked that each Select selects them in order (a
    mismatch would misfile)."""
    fields = [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]
    for select in selects:
        selected = [name.rsplit("_", 1)[0] for name in select.names]
        if selected != [field.name for field in fields]:
            raise ValueError(f"{model.__name__}: the columns are {fields}, the query selects {selected}")
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)
