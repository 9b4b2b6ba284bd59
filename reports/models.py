"""The domain: incidents, the dated casualty assessments made of them, their sources, and the cumulative
statements official assessors publish. Vocabulary from DOMAIN.md (Airwars, CJTF-OIR, UCDP).

Integrity rules live twice on purpose: as named database constraints (nothing can store an impossible row,
whatever writes it) and in `clean()` (forms and the admin show the same rule as a readable message).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future_date")


# --- Vocabulary ---------------------------------------------------------------------------------------


class ReviewState(models.TextChoices):
    """The tracker's own editorial workflow, separate from any assessor's verdict."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class DatePrecision(models.TextChoices):
    """UCDP's date precision scale, 1 (exact day) to 5 (year)."""

    DAY = "day", _("Exact day")
    RANGE = "range", _("Date range")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class LocationPrecision(models.TextChoices):
    EXACT = "exact", _("Exact point")
    WITHIN_100M = "within_100m", _("Within 100 m")
    STREET = "street", _("Street")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    TOWN = "town", _("Village, town or city")
    DISTRICT = "district", _("District or subdistrict")
    GOVERNORATE = "governorate", _("Governorate or province")
    COUNTRY = "country", _("Country")


class StrikeStatus(models.TextChoices):
    DECLARED = "declared", _("Declared strike")
    LIKELY = "likely", _("Likely strike")
    CONTESTED = "contested", _("Contested strike")
    SINGLE_SOURCE = "single_source", _("Single-source claim")


class Grading(models.TextChoices):
    """Independent monitors' grading of the evidence (Airwars' scale)."""

    CONFIRMED = "confirmed", _("Confirmed")
    FAIR = "fair", _("Fair")
    WEAK = "weak", _("Weak")
    CONTESTED = "contested", _("Contested")
    DISCOUNTED = "discounted", _("Discounted")


LIKELY_GRADINGS = (Grading.CONFIRMED, Grading.FAIR)  # Airwars' headline "likely" count


class OfficialVerdict(models.TextChoices):
    """An official assessor's verdict on an allegation (CJTF-OIR's vocabulary, as Airwars records it)."""

    NOT_YET_ASSESSED = "not_yet_assessed", _("Not yet assessed")
    UNDER_REVIEW = "under_review", _("Open / under review")
    CREDIBLE = "credible", _("Credible")
    NON_CREDIBLE = "non_credible", _("Non-credible")
    DUPLICATE = "duplicate", _("Duplicate")
    REOPENED = "reopened", _("Reopened")


class NonCredibleReason(models.TextChoices):
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")
    NO_STRIKE = "no_strike", _("No strike in that place and time")
    DUPLICATE = "duplicate", _("Duplicate")
    COMBATANTS_ONLY = "combatants_only", _("Combatants only")
    OTHER = "other", _("Other")


class AssessorKind(models.TextChoices):
    OFFICIAL = "official", _("Official (a belligerent's own reporting)")
    MONITOR = "monitor", _("Independent monitor")


class BelligerentRole(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    DECLARED = "declared", _("Declared")


# --- Reference tables -----------------------------------------------------------------------------------


class Belligerent(models.Model):
    """A party to whom harm can be attributed: US-led coalition, Russian military, Syrian regime, …"""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Assessor(models.Model):
    """An organisation that assesses casualties: an official one speaks for a belligerent (CJTF-OIR for the
    coalition); an independent monitor (Airwars) grades the evidence."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AssessorKind.choices)
    belligerent = models.ForeignKey(
        Belligerent,
        verbose_name=_("speaks for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("For an official assessor: the belligerent whose reporting it is."),
    )
    url = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AssessorKind.values), name="assessor_kind_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_official(self):
        return self.kind == AssessorKind.OFFICIAL


class StrikeType(models.Model):
    """Airstrike, drone strike, artillery, ground operation, …; an incident can involve several."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


# --- Incidents ----------------------------------------------------------------------------------------


class IncidentQuerySet(models.QuerySet):
    def published(self):
        """What readers may see. Every public page, export and tally starts here."""
        return self.filter(review_state=ReviewState.PUBLISHED)

    def in_period(self, start=None, end=None):
        if start:
            self = self.filter(date_start__gte=start)
        if end:
            self = self.filter(date_start__lte=end)
        return self

    def with_summary_relations(self):
        """Everything a list row shows, in a fixed number of queries whatever the number of rows."""
        return self.prefetch_related(
            "belligerents",
            models.Prefetch(
                "assessments",
                queryset=Assessment.objects.current().select_related("assessor"),
                to_attr="current_assessments",
            ),
        )


class Incident(models.Model):
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                _("Use letters, digits, dots, dashes and underscores only (e.g. CS1548)."),
            )
        ],
        help_text=_("Stable public identifier, e.g. CS1548. Never reused."),
    )
    title = models.CharField(_("title"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    date_start = models.DateField(_("date"), validators=[validate_not_future])
    date_end = models.DateField(
        _("end date"), null=True, blank=True, validators=[validate_not_future], help_text=_("For a date range.")
    )
    date_precision = models.CharField(
        _("date precision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    time_of_day = models.CharField(_("time of day"), max_length=50, blank=True)

    country = models.CharField(_("country"), max_length=100)
    governorate = models.CharField(_("governorate / province"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    place_name = models.CharField(_("place name (English)"), max_length=255, blank=True)
    place_name_ar = models.CharField(_("place name (Arabic)"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    location_precision = models.CharField(
        _("location precision"), max_length=20, choices=LocationPrecision.choices, blank=True
    )

    belligerents = models.ManyToManyField(
        Belligerent, through="IncidentBelligerent", related_name="incidents", verbose_name=_("belligerents")
    )
    strike_types = models.ManyToManyField(StrikeType, blank=True, verbose_name=_("strike types"))
    strike_status = models.CharField(_("strike status"), max_length=20, choices=StrikeStatus.choices, blank=True)
    strike_count = models.PositiveIntegerField(_("number of strikes"), null=True, blank=True)
    grading = models.CharField(
        _("grading"),
        max_length=20,
        choices=Grading.choices,
        blank=True,
        help_text=_("The tracker's headline grading of the evidence, on the monitors' scale."),
    )
    civilian_harm_reported = models.BooleanField(_("civilian harm reported"), null=True, blank=True)
    cause_of_harm = models.CharField(_("cause of injury or death"), max_length=255, blank=True)
    infrastructure = models.CharField(_("infrastructure hit"), max_length=255, blank=True)
    first_reported_on = models.DateField(_("first reported on"), null=True, blank=True)

    external_id = models.CharField(
        _("external identifier"), max_length=100, blank=True, help_text=_("The record's id in an imported source.")
    )
    external_url = models.URLField(_("external record"), max_length=1000, blank=True)
    external_data = models.JSONField(
        _("other imported values"),
        default=dict,
        blank=True,
        help_text=_("Imported columns that have no field of their own, kept so nothing is lost."),
    )

    review_state = models.CharField(
        _("review state"), max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,  # deactivate users instead: attribution must survive
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-date_start", "code"]
        permissions = [("review_incident", "Can approve, return, reject and retract incidents")]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_end__isnull=True) | Q(date_end__gte=F("date_start")),
                name="incident_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="incident_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="incident_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="incident_coordinates_paired",
            ),
            models.CheckConstraint(condition=Q(review_state__in=ReviewState.values), name="incident_state_valid"),
        ]
        indexes = [
            models.Index(fields=["review_state", "date_start"], name="incident_state_date_idx"),
            models.Index(fields=["date_start"], name="incident_date_idx"),
            models.Index(fields=["country", "governorate"], name="incident_place_idx"),
            models.Index(fields=["grading"], name="incident_grading_idx"),
            models.Index(fields=["strike_status"], name="incident_strike_status_idx"),
            models.Index(fields=["external_id"], name="incident_external_id_idx"),
        ]

    def __str__(self):
        return f"{self.code} · {self.place_name or self.country} · {self.date_start}"

    def save(self, *args, **kwargs):
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.review_state == ReviewState.PUBLISHED

    def clean(self):
        errors = {}
        if self.date_start and self.date_end and self.date_end < self.date_start:
            errors["date_end"] = _("The end date is before the start date.")
        if (self.latitude is None) != (self.longitude is None):
            field = "longitude" if self.longitude is None else "latitude"
            errors[field] = _("Give both latitude and longitude, or neither.")
        if errors:
            raise ValidationError(errors)

    def official_assessments(self):
        """The current assessment of each official assessor."""
        return [a for a in self._current_assessments() if a.assessor.is_official]

    def monitor_assessments(self):
        """The current assessment of each independent monitor."""
        return [a for a in self._current_assessments() if not a.assessor.is_official]

    def _current_assessments(self):
        # Prefetched by `with_summary_relations()` for lists; fetched here for a single incident.
        if not hasattr(self, "current_assessments"):
            self.current_assessments = list(self.assessments.current().select_related("assessor"))
        return self.current_assessments


class IncidentBelligerent(models.Model):
    """Attribution of an incident to one belligerent, suspected or declared."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attributions")
    belligerent = models.ForeignKey(Belligerent, verbose_name=_("belligerent"), on_delete=models.PROTECT)
    role = models.CharField(
        _("attribution"), max_length=10, choices=BelligerentRole.choices, default=BelligerentRole.SUSPECTED
    )

    class Meta:
        verbose_name = _("belligerent")
        constraints = [
            models.UniqueConstraint(fields=["incident", "belligerent"], name="incident_belligerent_unique"),
            models.CheckConstraint(condition=Q(role__in=BelligerentRole.values), name="attribution_role_valid"),
        ]
        indexes = [models.Index(fields=["belligerent", "incident"], name="attribution_belligerent_idx")]

    def __str__(self):
        return f"{self.belligerent} ({self.get_role_display()})"


# --- Assessments ----------------------------------------------------------------------------------------

# Each pair is a (min, max) range of people; null means unknown, which is not the same as zero.
COUNT_RANGES = ("killed", "injured", "children_killed", "women_killed", "men_killed", "combatants_killed")


def count_range_constraints(prefix, ranges):
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}_min__isnull": True})
            | Q(**{f"{name}_max__isnull": True})
            | Q(**{f"{name}_min__lte": F(f"{name}_max")}),
            name=f"{prefix}_{name}_min_le_max",
        )
        for name in ranges
    ]


def count_range_errors(obj, ranges):
    """Field errors for every range whose minimum exceeds its maximum."""
    errors = {}
    for name in ranges:
        low, high = getattr(obj, f"{name}_min"), getattr(obj, f"{name}_max")
        if low is not None and high is not None and low > high:
            errors[f"{name}_max"] = _("The maximum (%(high)s) is below the minimum (%(low)s).") % {
                "high": high,
                "low": low,
            }
    return errors


class AssessmentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(incident__review_state=ReviewState.PUBLISHED)

    def current(self, as_of=None):
        """The latest assessment of each incident by each assessor, as known on `as_of` (default: all).

        "Latest" is by `assessed_on`, then by entry order for two made the same day.
        """
        candidates = Assessment.objects.filter(incident=OuterRef("incident"), assessor=OuterRef("assessor"))
        if as_of is not None:
            candidates = candidates.filter(assessed_on__lte=as_of)
        latest = candidates.order_by("-assessed_on", "-id").values("id")[:1]
        return self.filter(id=Subquery(latest))


def count_field(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


class Assessment(models.Model):
    """One assessor's casualty assessment of one incident, as made on one date.

    An incident collects many over time (under review → credible, a monitor's regrading, …); the current one
    per assessor is the latest, so "what was known on date D" is a query over `assessed_on`.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(Assessor, verbose_name=_("assessor"), on_delete=models.PROTECT)
    verdict = models.CharField(
        _("verdict"),
        max_length=20,
        choices=[(_("Official verdict"), OfficialVerdict.choices), (_("Monitor grading"), Grading.choices)],
    )
    non_credible_reason = models.CharField(
        _("reason for non-credible"), max_length=30, choices=NonCredibleReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        Incident,
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assessed_on = models.DateField(
        _("assessed on"), validators=[validate_not_future], help_text=_("When the assessor said this.")
    )

    killed_min = count_field(_("civilians killed (min)"))
    killed_max = count_field(_("civilians killed (max)"))
    injured_min = count_field(_("civilians injured (min)"))
    injured_max = count_field(_("civilians injured (max)"))
    children_killed_min = count_field(_("children killed (min)"))
    children_killed_max = count_field(_("children killed (max)"))
    women_killed_min = count_field(_("women killed (min)"))
    women_killed_max = count_field(_("women killed (max)"))
    men_killed_min = count_field(_("men killed (min)"))
    men_killed_max = count_field(_("men killed (max)"))
    combatants_killed_min = count_field(_("combatants killed (min)"))
    combatants_killed_max = count_field(_("combatants killed (max)"))

    source_url = models.URLField(_("source link"), max_length=1000, blank=True)
    quote = models.TextField(_("assessor's words"), blank=True, help_text=_("The statement, quoted."))
    strike_report_url = models.URLField(_("strike report link"), max_length=1000, blank=True)
    location_description = models.TextField(
        _("assessor's location"), blank=True, help_text=_("Where the assessor places the strike (e.g. MGRS).")
    )
    note = models.TextField(_("note"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "assessor", "assessed_on", "id"]
        constraints = [
            *count_range_constraints("assessment", COUNT_RANGES),
            models.CheckConstraint(
                condition=Q(verdict__in=OfficialVerdict.values + Grading.values), name="assessment_verdict_valid"
            ),
            models.CheckConstraint(
                condition=Q(non_credible_reason="") | Q(verdict=OfficialVerdict.NON_CREDIBLE),
                name="assessment_reason_only_if_non_credible",
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "assessor", "assessed_on"], name="assessment_latest_idx"),
            models.Index(fields=["assessor", "verdict"], name="assessment_verdict_idx"),
            models.Index(fields=["assessed_on"], name="assessment_date_idx"),
        ]

    def __str__(self):
        return f"{self.assessor} on {self.incident.code}, {self.assessed_on}: {self.get_verdict_display()}"

    def clean(self):
        errors = count_range_errors(self, COUNT_RANGES)
        if self.assessor_id and self.verdict:
            allowed = OfficialVerdict if self.assessor.is_official else Grading
            if self.verdict not in allowed.values:
                errors["verdict"] = _("%(assessor)s is %(kind)s: choose one of %(allowed)s.") % {
                    "assessor": self.assessor,
                    "kind": self.assessor.get_kind_display().lower(),
                    "allowed": ", ".join(str(label) for label in allowed.labels),
                }
        if self.non_credible_reason and self.verdict != OfficialVerdict.NON_CREDIBLE:
            errors["non_credible_reason"] = _("A reason applies only to a non-credible verdict.")
        if self.duplicate_of_id and self.duplicate_of_id == self.incident_id:
            errors["duplicate_of"] = _("An incident cannot duplicate itself.")
        if errors:
            raise ValidationError(errors)

    def range_display(self, name="killed"):
        low, high = getattr(self, f"{name}_min"), getattr(self, f"{name}_max")
        if low is None and high is None:
            return "?"
        if high is None:
            return f"≥ {low}"
        if low is None or low == high:
            return str(high)
        return f"{low}–{high}"


# --- Sources and statements -----------------------------------------------------------------------------


class SourceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(incident__review_state=ReviewState.PUBLISHED)


class Source(models.Model):
    """A report cited by an incident: a news article, a post, a monitor's page."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(_("link"), max_length=2000, blank=True)
    archive_url = models.URLField(_("archived copy"), max_length=2000, blank=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    author = models.CharField(_("author"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=50, blank=True)
    platform = models.CharField(_("platform"), max_length=50, blank=True, help_text=_("Twitter, Facebook, …"))
    published_on = models.DateField(_("published on"), null=True, blank=True, validators=[validate_not_future])
    media_count = models.PositiveIntegerField(_("media items"), null=True, blank=True)
    has_video = models.BooleanField(_("has video"), default=False)
    external_id = models.CharField(_("external identifier"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Order among the sources."))

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url="") | ~Q(publisher="") | ~Q(title=""), name="source_identifiable"),
        ]

    def __str__(self):
        return self.title or self.publisher or self.url

    def clean(self):
        if not (self.url or self.publisher or self.title):
            raise ValidationError(_("Give at least a link, a publisher or a title."))


class OfficialStatement(models.Model):
    """A cumulative figure an official assessor published on a date, e.g. CJTF-OIR on 30 April 2017:
    352 civilians killed since August 2014, 42 reports still under review. A record in its own right,
    to reconcile against the sum of per-incident assessments."""

    assessor = models.ForeignKey(
        Assessor,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        limit_choices_to={"kind": AssessorKind.OFFICIAL},
        related_name="statements",
    )
    published_on = models.DateField(_("published on"), validators=[validate_not_future])
    title = models.CharField(_("title"), max_length=255, blank=True)
    period_start = models.DateField(_("counting since"), null=True, blank=True)
    civilians_killed = count_field(_("civilians killed to date"))
    reports_received = count_field(_("reports received"))
    reports_credible = count_field(_("reports assessed credible"))
    reports_non_credible = count_field(_("reports assessed non-credible"))
    reports_under_review = count_field(_("reports still under review"))
    url = models.URLField(_("link"), max_length=1000, blank=True)
    quote = models.TextField(_("statement's words"), blank=True)
    note = models.TextField(_("note"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_on"]
        constraints = [
            models.UniqueConstraint(fields=["assessor", "published_on"], name="statement_one_per_day"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_start__lte=F("published_on")),
                name="statement_period_before_publication",
            ),
        ]

    def __str__(self):
        return f"{self.assessor}, {self.published_on}"

    def clean(self):
        errors = {}
        if self.assessor_id and not self.assessor.is_official:
            errors["assessor"] = _("Statements are published by official assessors only.")
        if self.period_start and self.published_on and self.period_start > self.published_on:
            errors["period_start"] = _("The counting period starts after the statement was published.")
        if errors:
            raise ValidationError(errors)
