"""The figures' summary: the current assessments of published incidents, counted and summed per month, place,
belligerent, assessor and verdict, and kept up to date as records change. The dashboard then reads a few
thousand rows where the live aggregation reads millions (`reports.tallies` uses it for the views it can serve,
and `tests/test_summary.py` proves after random changes that it equals the live aggregation).

- `TalliedIncident`: where each published incident is counted (its month and place, and whether an official
  verdict on it is still open). It also tells where an incident *was* counted before it changed.
- `TallyCell`: the sums. Each row is one month and place, one belligerent pairing (see `attributed_to` and
  `counted_under`), one assessor and verdict, and whether the incidents' official verdict is still open.

Refreshing some incidents recomputes, from the live records, every cell of the month-and-places they were and
are counted in; nothing is ever adjusted by difference, so an error cannot accumulate.
"""

from django.db import connection, models
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

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


CELL_COLUMNS = [
    *PLACE,
    *["attributed_to", "counted_under", "officially_open", "assessor_id", "verdict"],
    *["count", "low", "high", "unknown"],
]


# --- Keeping it up to date ------------------------------------------------------------------------------------


def refresh(incident_ids):
    """Recount the cells of `incident_ids` (their place before and after the change). Returns whether any of
    them is or was counted, i.e. whether the public figures may have changed."""
    incident_ids = list(incident_ids)
    places = set()
    for batch in batched(incident_ids, BATCH):
        places |= retally(batch)
    for batch in batched(sorted(places), BATCH):
        recount(batch)
    return bool(places)


def rebuild():
    """Everything from scratch (a reference table changed, or a bulk write covered most incidents). Callers
    hold the lock (`snapshot.lock_summary`), like refresh's."""
    TalliedIncident.objects.all().delete()
    insert_select(TalliedIncident, tallied_rows(Incident.objects.published()))
    TallyCell.objects.all().delete()
    for rows in cell_rows(Q()):
        insert_select(TallyCell, rows)


def retally(incident_ids):
    """Replace the incidents' TalliedIncident rows; the places they were and are in."""
    tallied = TalliedIncident.objects.filter(incident_id__in=incident_ids)
    places = set(tallied.values_list(*PLACE))
    tallied.delete()
    insert_select(TalliedIncident, tallied_rows(Incident.objects.published().filter(pk__in=incident_ids)))
    return places | set(tallied.values_list(*PLACE))


def recount(places):
    in_places = Q()
    for month, country, governorate in places:
        in_places |= Q(month=month, country=country, governorate=governorate)
    TallyCell.objects.filter(in_places).delete()
    for rows in cell_rows(in_places):
        insert_select(TallyCell, rows)


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


def cell_rows(in_places):
    """The grouped rows of the cells in `in_places` (a Q on TalliedIncident's place), as querysets whose
    columns are CELL_COLUMNS: incidents and assessments, for each way of keying the belligerents."""
    for attributed in (False, True):
        for split in (False, True):
            incidents = TalliedIncident.objects.filter(in_places)
            yield grouped(incidents, "", attributed, split, {"count": Count("pk")}, per_assessor=False)
            assessments = Assessment.objects.filter(superseded_on__isnull=True, incident__tallied__isnull=False)
            if in_places:
                tallied = TalliedIncident.objects.filter(in_places).values("incident_id")
                assessments = assessments.filter(incident_id__in=tallied)
            sums = {"count": Count("pk"), "low": Sum(LOW), "high": Sum(HIGH), "unknown": Count("pk", filter=UNKNOWN)}
            yield grouped(assessments, "incident__tallied__", attributed, split, sums)


def grouped(queryset, place, attributed, split, sums, per_assessor=True):
    """`queryset` (of TalliedIncident or Assessment, reaching the incident's place through `place`) grouped
    into cells. Whether the official verdict is open matters only to assessments counted once per incident
    (the lead monitor's deaths still awaiting a verdict); elsewhere it is left False, which keeps the cells
    fewer."""
    keep_open = per_assessor and not split
    keys = {
        "month_key": F(f"{place}month"),
        "country_key": F(f"{place}country"),
        "governorate_key": F(f"{place}governorate"),
        "attributed_to_key": F("incident__belligerents__slug") if attributed else Value(ALL),
        "counted_under_key": Coalesce(F("counted__belligerent__slug"), Value("")) if split else Value(ALL),
        "officially_open_key": F(f"{place}officially_open") if keep_open else Value(False),
        "assessor_key": F("assessor_id") if per_assessor else Value(None, output_field=models.BigIntegerField()),
        "verdict_key": F("verdict") if per_assessor else Value(""),
    }
    if split:  # a join of its own: the filter's join (attributed_to) must not decide the incident's other rows
        queryset = queryset.alias(counted=FilteredRelation("incident__attributions"))
    queryset = queryset.order_by().annotate(**keys)
    if attributed:  # an incident without belligerents is attributed to none
        queryset = queryset.filter(attributed_to_key__isnull=False)
    measures = {f"{name}_sum": sums.get(name, Value(0)) for name in ("count", "low", "high", "unknown")}
    return queryset.values(*keys).annotate(**measures)


def insert_select(model, queryset):
    """INSERT INTO the model's table … the queryset's SELECT: the database computes and writes the rows.
    The queryset's columns are the model's concrete columns in order (checked: a mismatch would misfile)."""
    fields = [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]
    selected = [name.rsplit("_", 1)[0] for name in queryset.query.annotation_select]
    if selected != [field.name for field in fields]:
        raise ValueError(f"{model.__name__}: the columns are {fields}, the query selects {selected}")
    sql, params = queryset.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) {sql}", params)  # noqa: S608  # nosec B608
