"""The tables of the figures' summary: the current assessments of published incidents, counted and summed per
month, place, belligerent, assessor and verdict. What they hold and how they are kept up to date is the figures'
business (`reports.figures.summary`); here are only their shapes and keys.

- `TalliedIncident`: where each published incident is counted (its month and place). It also tells where an
  incident *was* counted before it changed.
- `TallyCell`: the sums. Each row is one month and place, one belligerent pairing (see `attributed_to` and
  `counted_under`), one assessor and verdict.
- `TallyChange`: the cells' history, for the figures as known on a past date (`as_of`): what changed in the
  cells on each day, and the same summed per month and per year. `TalliedDay` lists the days an incident's
  changes can fall on, the only ones recounted when it changes.
- `ComparisonCell` and `ComparisonChange`: the same for the headline's comparisons, which cross one official
  assessor's verdicts with each monitor's gradings, incident by incident.
"""

from django.db import models

from reports.models.incidents import Incident
from reports.models.reference import Assessor

ALL = "*"  # a belligerent key meaning "whatever the belligerent" (slugs never contain it)
PLACE = ("month", "country", "governorate")
MEASURES = ("count", "low", "high", "unknown")  # what each tally row sums


class TalliedIncident(models.Model):
    incident = models.OneToOneField(
        Incident, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="tallied"
    )
    month = models.DateField()
    country = models.CharField(max_length=100)
    governorate = models.CharField(max_length=100, blank=True)

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
    assessor = models.ForeignKey(
        Assessor, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    verdict = models.CharField(max_length=20, blank=True)
    count = models.PositiveIntegerField()
    low = models.PositiveBigIntegerField()
    high = models.PositiveBigIntegerField()
    unknown = models.PositiveIntegerField()

    KEYS = (*PLACE, "attributed_to", "counted_under", "assessor", "verdict")
    MEASURES = MEASURES
    READ_ORDER = ("attributed_to", "counted_under")  # (see insert_netted)

    class Meta:
        indexes = [
            models.Index(fields=PLACE, name="tallycell_place_idx"),
            models.Index(fields=["attributed_to", "counted_under", "country"], name="tallycell_filter_idx"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.country} {self.governorate} {self.attributed_to}/{self.counted_under}"


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


# The order TallyChange's rows are written and read in.
READ_ORDER = ("attributed_to", "period", "changed_on", "counted_under")


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
    # No index of its own: read by date ranges, never by assessor (the planner was tempted, and lost).
    assessor = models.ForeignKey(
        Assessor, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    verdict = models.CharField(max_length=20, blank=True)
    count = models.BigIntegerField()
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    unknown = models.BigIntegerField()

    KEYS = TallyCell.KEYS
    MEASURES = MEASURES
    READ_ORDER = READ_ORDER  # (see insert_netted)

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


# What a comparison row sums: its incidents; the official verdicts' deaths (`conceded_…`, summed whatever the
# verdict: only the credible lines read them); the monitor's (`graded_…`).
COMPARISON_MEASURES = (
    "count",
    "conceded_low",
    "conceded_high",
    "conceded_unknown",
    "graded_low",
    "graded_high",
    "graded_unknown",
)
COMPARISON_READ_ORDER = ("attributed_to", "official", "period", "changed_on")


class ComparisonCell(models.Model):
    """The headline's comparisons (`reports.figures.comparisons`), summed: one official assessor's current
    verdicts crossed with a monitor's current gradings, per month and place.

    `attributed_to` selects incidents: ALL (those attributed to any belligerent the official speaks for) or one
    of those belligerents' slugs. A row with no `monitor` counts every such incident by the official's verdict
    ("" for none); a row with a monitor counts those that monitor graded, by verdict and grading. Those a
    monitor did not grade are the difference, so a monitor that starts grading later needs no rebuild."""

    month = models.DateField()
    country = models.CharField(max_length=100)
    governorate = models.CharField(max_length=100, blank=True)
    attributed_to = models.CharField(max_length=50)
    official = models.ForeignKey(Assessor, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    verdict = models.CharField(max_length=20, blank=True)
    monitor = models.ForeignKey(
        Assessor, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    grading = models.CharField(max_length=20, blank=True)
    count = models.PositiveIntegerField()
    conceded_low = models.PositiveBigIntegerField()
    conceded_high = models.PositiveBigIntegerField()
    conceded_unknown = models.PositiveIntegerField()
    graded_low = models.PositiveBigIntegerField()
    graded_high = models.PositiveBigIntegerField()
    graded_unknown = models.PositiveIntegerField()

    KEYS = (*PLACE, "attributed_to", "official", "verdict", "monitor", "grading")
    MEASURES = COMPARISON_MEASURES
    READ_ORDER = ("attributed_to", "official")

    class Meta:
        indexes = [
            models.Index(fields=PLACE, name="comparisoncell_place_idx"),
            models.Index(fields=["attributed_to", "official", "country"], name="comparisoncell_filter_idx"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.country} {self.governorate} {self.attributed_to}: {self.official_id}"


class ComparisonChange(models.Model):
    """The comparison cells' history, kept like TallyChange's: what changed over one `period` from `changed_on`."""

    period = models.CharField(max_length=5, choices=Period.choices)
    changed_on = models.DateField()
    month = models.DateField()
    country = models.CharField(max_length=100)
    governorate = models.CharField(max_length=100, blank=True)
    attributed_to = models.CharField(max_length=50)
    official = models.ForeignKey(
        Assessor, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    verdict = models.CharField(max_length=20, blank=True)
    monitor = models.ForeignKey(
        Assessor, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    grading = models.CharField(max_length=20, blank=True)
    count = models.BigIntegerField()
    conceded_low = models.BigIntegerField()
    conceded_high = models.BigIntegerField()
    conceded_unknown = models.BigIntegerField()
    graded_low = models.BigIntegerField()
    graded_high = models.BigIntegerField()
    graded_unknown = models.BigIntegerField()

    KEYS = ComparisonCell.KEYS
    MEASURES = COMPARISON_MEASURES
    READ_ORDER = COMPARISON_READ_ORDER

    class Meta:
        indexes = [
            models.Index(fields=PLACE, name="comparisonchange_place_idx"),
            models.Index(fields=[*COMPARISON_READ_ORDER, "country", "governorate"], name="comparisonchange_known_idx"),
        ]

    def __str__(self):
        return f"{self.period} of {self.changed_on}: {self.month:%Y-%m} {self.country} {self.governorate}"


CELLS = (TallyCell, ComparisonCell)
CHANGES = (TallyChange, ComparisonChange)  # their histories, in the same order
