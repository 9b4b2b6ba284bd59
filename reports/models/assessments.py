"""What assessors said: one dated casualty assessment per incident and assessor, and the cumulative
statements official assessors publish."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reports.models.reference import Assessor
from reports.models.review import (
    InvalidTransition,
    ReviewDecision,
    check_reviewer,
    content_writers,
    four_eyes_refusal,
)
from reports.models.vocabulary import (
    PERIOD_PRECISIONS,
    RECORD_DATE,
    AssessorKind,
    DatePrecision,
    Dating,
    Grading,
    NonCredibleReason,
    OfficialVerdict,
    ReviewState,
    StatementItemRole,
    attributed_user,
    can_review,
    validate_web_link,
)

# Each pair is a (min, max) range of people; null means unknown, which is not the same as zero.
COUNT_RANGES = (
    "killed",
    "injured",
    "children_killed",
    "women_killed",
    "men_killed",
    "combatants_killed",
    "missing",
)

# Which verdicts each kind of assessor gives: an official assessor rules on an allegation, a monitor grades the
# evidence. (kind, the group's label in a verdict list, the verdicts)
VERDICT_GROUPS = (
    (AssessorKind.OFFICIAL, _("Official verdict"), OfficialVerdict),
    (AssessorKind.MONITOR, _("Monitor grading"), Grading),
)
VERDICTS_BY_KIND = {kind: verdicts for kind, _label, verdicts in VERDICT_GROUPS}


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


# An official verdict counts from when it was stated or first on record (undated), never from the start.
REVISED_IS_A_MONITORS = _("Only a monitor's figures can be a revision without history; a verdict is stated or undated.")
# Where a revised assessment counts from: before any incident, so that it stands for the whole of its incident.
FROM_THE_START = datetime.date(1, 1, 1)


def current_condition(as_of=None, prefix=""):
    """The condition for an assessment to be current on `as_of` (None: today); `prefix` reaches assessments
    through a relation, e.g. "assessments__" from an incident."""
    if as_of is None:
        return Q(**{f"{prefix}superseded_on__isnull": True})
    return Q(**{f"{prefix}counts_from__lte": as_of}) & (
        Q(**{f"{prefix}superseded_on__isnull": True}) | Q(**{f"{prefix}superseded_on__gt": as_of})
    )


class AssessmentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(incident__review_state=ReviewState.PUBLISHED)

    def current(self, as_of=None):
        """The latest assessment of each incident by each assessor, as known on `as_of` (default: today).

        "Latest" is by `assessed_on`, then by entry order for two made the same day. Each assessment knows
        when the next one by the same assessor on the same incident superseded it (`superseded_on`), so this
        is a plain indexed condition rather than a subquery per row: what lets tallies over a million
        incidents run in one pass.
        """
        return self.filter(current_condition(as_of))

    def refresh_superseded(self, incident_ids=None):
        """Recompute `counts_from` and `superseded_on` for the assessments of `incident_ids` (default: all), in
        one statement. Saving or deleting one assessment does this for its incident; bulk writers (imports, the
        synthetic data generator) call it once for what they wrote.

        An assessment counts from its date, except an assessor's first on the incident when it is a revision
        (Dating.REVISED: the export kept no earlier version), which counts from the start; each is superseded
        when the next by date counts."""
        table = Assessment._meta.db_table
        where, params = "", [Dating.REVISED.value, FROM_THE_START]
        if incident_ids is not None:
            incident_ids = list(incident_ids)
            if not incident_ids:
                return
            where = f"WHERE incident_id IN ({', '.join(['%s'] * len(incident_ids))})"
            params += incident_ids
        differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        # Only constants and placeholders are interpolated: the table name, a keyword, "%s" markers.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET superseded_on = following.next_on, counts_from = following.counts
                FROM (SELECT id, counts, LEAD(counts) OVER (
                          PARTITION BY incident_id, assessor_id ORDER BY assessed_on, id) AS next_on
                      FROM (SELECT id, incident_id, assessor_id, assessed_on,
                                   CASE WHEN dating = %s AND ROW_NUMBER() OVER (
                                            PARTITION BY incident_id, assessor_id ORDER BY assessed_on, id) = 1
                                        THEN %s ELSE assessed_on END AS counts
                            FROM {table} {where}) AS dated) AS following
                WHERE {table}.id = following.id AND ({table}.superseded_on {differs} following.next_on
                      OR {table}.counts_from {differs} following.counts)""",  # noqa: S608  # nosec B608
                params,
            )


def count_field(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


class Assessment(models.Model):
    """One assessor's casualty assessment of one incident, as made on one date.

    An incident collects many over time (under review → credible, a monitor's regrading, …); the current one
    per assessor is the latest, so "what was known on date D" is a query over `assessed_on`.
    """

    incident = models.ForeignKey("reports.Incident", on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(Assessor, verbose_name=_("assessor"), on_delete=models.PROTECT)
    verdict = models.CharField(
        _("verdict"),
        max_length=20,
        choices=[(label, verdicts.choices) for _kind, label, verdicts in VERDICT_GROUPS],
    )
    non_credible_reason = models.CharField(
        _("reason for non-credible"), max_length=30, choices=NonCredibleReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "reports.Incident",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # the public record: offering other incidents would tell any analyst which codes drafts use
        limit_choices_to={"review_state": ReviewState.PUBLISHED},
    )
    assessed_on = models.DateField(
        _("assessed on"), validators=RECORD_DATE, help_text=_("When the assessor said this.")
    )
    dating = models.CharField(_("what the date says"), max_length=10, choices=Dating.choices, default=Dating.STATED)
    # The date the figures count it from: `assessed_on`, or FROM_THE_START for a revised one. Derived, like
    # superseded_on, by AssessmentQuerySet.refresh_superseded(); never entered.
    counts_from = models.DateField(null=True, blank=True, editable=False)
    # When the same assessor's next assessment of the incident replaced this one (null: it is current).
    # Derived from the other rows by AssessmentQuerySet.refresh_superseded(); never entered.
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True, editable=False)

    killed_min = count_field(_("civilians killed (min)"))
    killed_max = count_field(_("civilians killed (max)"))
    # "At least N": the assessor gave a minimum and said no maximum, which is not the same as a maximum unknown.
    killed_max_open = models.BooleanField(
        _("at least: no upper bound stated"),
        default=False,
        help_text=_("The assessor says “at least” the minimum: leave the maximum empty."),
    )
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
    missing_min = count_field(_("missing or unaccounted for (min)"))
    missing_max = count_field(_("missing or unaccounted for (max)"))

    source = models.ForeignKey(
        "reports.Source",
        verbose_name=_("source"),
        # A source an assessment names is not deleted under it (nor silently unlinked, which no history would
        # show): the assessment names another first. Deleting the whole incident deletes both.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="assessments",
        help_text=_("One of this incident's saved sources (a new incident has none yet: give the link below)."),
    )
    source_url = models.URLField(_("source link"), max_length=1000, blank=True, validators=[validate_web_link])
    quote = models.TextField(_("assessor's words"), blank=True, help_text=_("The statement, quoted."))
    strike_report_url = models.URLField(
        _("strike report link"), max_length=1000, blank=True, validators=[validate_web_link]
    )
    location_description = models.TextField(
        _("assessor's location"), blank=True, help_text=_("Where the assessor places the strike (e.g. MGRS).")
    )
    caveat = models.TextField(
        _("caveat"), blank=True, help_text=_("What readers should know about these figures; shown on the public page.")
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Private to the team: never shown to readers."))
    external_id = models.CharField(
        _("external identifier"), max_length=100, blank=True, help_text=_("The record's id in an imported source.")
    )
    import_digest = models.CharField(max_length=64, blank=True, editable=False)  # see Incident.import_digest

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["superseded_on", "counts_from", "import_digest"])
    # What readers never see, not even as a change in the public change log.
    PRIVATE_FIELDS = ("note",)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
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
            models.CheckConstraint(condition=Q(dating__in=Dating.values), name="assessment_dating_valid"),
            models.CheckConstraint(
                condition=Q(killed_max_open=False) | Q(killed_min__isnull=False, killed_max__isnull=True),
                name="assessment_open_max_has_min_only",
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "assessor", "assessed_on"], name="assessment_latest_idx"),
            models.Index(fields=["assessor", "verdict"], name="assessment_verdict_idx"),
            models.Index(fields=["counts_from"], name="assessment_counts_from_idx"),
            # The few assessments whose date says something else than "stated", found without a scan.
            models.Index(fields=["assessor", "dating"], name="assessment_dating_idx"),
            models.Index(fields=["incident", "superseded_on"], name="assessment_current_idx"),
        ]

    def __str__(self):
        return f"{self.assessor} on {self.incident.code}, {self.assessed_on}: {self.get_verdict_display()}"

    def save(self, *args, **kwargs):
        # A first guess: refresh_superseded(), which every save runs afterwards (and bulk writers once), decides.
        self.counts_from = FROM_THE_START if self.dating == Dating.REVISED else self.assessed_on
        super().save(*args, **kwargs)

    def clean(self):
        errors = count_range_errors(self, COUNT_RANGES) | self.open_maximum_errors()
        if self.assessor_id and self.verdict:
            allowed = VERDICTS_BY_KIND[self.assessor.kind]
            if self.verdict not in allowed.values:
                if self.assessor.is_official:
                    message = _("%(assessor)s is an official assessor: choose one of %(allowed)s.")
                else:
                    message = _("%(assessor)s is an independent monitor: choose one of %(allowed)s.")
                errors["verdict"] = message % {
                    "assessor": self.assessor,
                    "allowed": ", ".join(str(label) for label in allowed.labels),
                }
        if self.non_credible_reason and self.verdict != OfficialVerdict.NON_CREDIBLE:
            errors["non_credible_reason"] = _("A reason applies only to a non-credible verdict.")
        if self.assessor_id and self.assessor.is_official and self.dating == Dating.REVISED:
            errors["dating"] = REVISED_IS_A_MONITORS
        if self.duplicate_of_id and self.duplicate_of_id == self.incident_id:
            errors["duplicate_of"] = _("An incident cannot duplicate itself.")
        elif self.duplicate_of_id and self.duplicate_of.review_state != ReviewState.PUBLISHED:
            errors["duplicate_of"] = _("Name a published incident.")
        if self.source_id and not self.names_own_source():
            errors["source"] = _("Choose one of this incident's own sources.")
        if errors:
            raise ValidationError(errors)

    def open_maximum_errors(self):
        """An "at least N" figure has its N, and no maximum beside it."""
        if not self.killed_max_open:
            return {}
        if self.killed_max is not None:
            return {"killed_max": _("Leave the maximum empty: the figure has no upper bound.")}
        if self.killed_min is None:
            return {"killed_min": _("Give the minimum: “at least” how many.")}
        return {}

    def names_own_source(self):
        """Whether `source` is one of the incident's sources as stored now (one deleted meanwhile is not)."""
        own = self.incident.sources.filter(pk=self.source_id) if self.incident_id else None
        return own is not None and own.exists()

    def date_label(self):
        """The assessment's date as the pages state it: what the date says (see Dating)."""
        day = date_format(self.assessed_on)
        if self.dating == Dating.REVISED:
            return _("as revised up to %(date)s; earlier versions not recorded") % {"date": day}
        if self.dating == Dating.UNDATED:
            return _("date not stated; on record by %(date)s") % {"date": day}
        return _("as of %(date)s") % {"date": day}

    def range_display(self, name="killed"):
        low, high = getattr(self, f"{name}_min"), getattr(self, f"{name}_max")
        if low is None and high is None:
            return "?"
        if high is None and name == "killed" and self.killed_max_open:
            return f"{low}+"
        if high is None:
            return f"≥ {low}"
        if low is None or low == high:
            return str(high)
        return f"{low}–{high}"

    def injured_range(self):
        return self.range_display("injured")

    def missing_range(self):
        return self.range_display("missing")

    def children_range(self):
        return self.range_display("children_killed")

    def women_range(self):
        return self.range_display("women_killed")


# A statement's states as staff pages name them (see OfficialStatement.review_state).
STATEMENT_STATES = {
    ReviewState.PENDING: _("Awaiting approval"),
    ReviewState.CHANGES_REQUESTED: _("Returned to its author"),
    ReviewState.PUBLISHED: _("Approved"),
    ReviewState.RETRACTED: _("Retracted"),
}

# What a statement's review changes, not its content (see OfficialStatement.authors).
STATEMENT_BOOKKEEPING = {
    *["id", "created_by", "created_at", "approved_by", "approved_at", "retracted_by", "retracted_at", "returned_at"]
}


class StatementQuerySet(models.QuerySet):
    def approved(self):
        """What readers may see: approved by a second person, and not retracted since."""
        return self.filter(approved_at__isnull=False, retracted_at__isnull=True)

    def pending(self):
        """Awaiting a reviewer's decision: neither approved, retracted nor returned to its author."""
        return self.filter(approved_at__isnull=True, retracted_at__isnull=True, returned_at__isnull=True)

    def returned(self):
        """Returned to their authors by a reviewer, until they edit them."""
        return self.filter(approved_at__isnull=True, retracted_at__isnull=True, returned_at__isnull=False)

    def visible_to(self, user):
        """Staff pages: reviewers see every statement; analysts the approved ones and their own."""
        if can_review(user):
            return self
        if user.has_perm("reports.view_officialstatement"):
            return self.filter(Q(approved_at__isnull=False) | Q(created_by=user.pk))
        return self.none()


class PublicStatementManager(models.Manager.from_queryset(StatementQuerySet)):
    """`OfficialStatement.public`, the way code for readers reaches statements: approved ones only, whatever
    is chained after it (like `Incident.public`)."""

    def get_queryset(self):
        return super().get_queryset().approved()


class OfficialStatement(models.Model):
    """A cumulative figure an official assessor published on a date, e.g. CJTF-OIR on 30 April 2017:
    352 civilians killed in Iraq and Syria since August 2014, 42 reports still under review. A record in its own
    right, with its scope (countries, period), its caveats and its details (`items`), to reconcile against
    the per-incident assessments within that scope."""

    assessor = models.ForeignKey(
        Assessor,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        limit_choices_to={"kind": AssessorKind.OFFICIAL},
        related_name="statements",
    )
    published_on = models.DateField(_("published on"), validators=RECORD_DATE)
    title = models.CharField(_("title"), max_length=255, blank=True)
    countries = models.CharField(
        _("countries covered"),
        max_length=255,
        blank=True,
        help_text=_("As incidents name them, separated by semicolons (“Iraq; Syria”). Empty: not stated."),
    )
    period_start = models.DateField(_("counting since"), null=True, blank=True, validators=RECORD_DATE)
    period_start_precision = models.CharField(
        _("counting since: precision"),
        max_length=10,
        choices=PERIOD_PRECISIONS,
        default=DatePrecision.DAY,
        help_text=_("“August 2014” is the first day of the month, with the precision Month."),
    )
    period_end = models.DateField(
        _("counting to"),
        null=True,
        blank=True,
        validators=RECORD_DATE,
        help_text=_("Empty: to the day it was published."),
    )
    civilians_killed = count_field(_("civilians killed to date"))
    reports_received = count_field(_("reports received"))
    reports_credible = count_field(_("reports assessed credible"))
    reports_non_credible = count_field(_("reports assessed non-credible"))
    reports_under_review = count_field(_("reports still under review"))
    url = models.URLField(_("link"), max_length=1000, blank=True, validators=[validate_web_link])
    quote = models.TextField(_("statement's words"), blank=True)
    caveats = models.TextField(
        _("caveats"), blank=True, help_text=_("What the statement says it leaves out or qualifies, shown to readers.")
    )
    note = models.TextField(_("note"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    # A statement counts on public pages once a second person approved it, like an incident.
    approved_by = attributed_user(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    # Once public, a statement is never deleted: it is retracted (with the reason in its decisions).
    retracted_by = attributed_user(_("retracted by"))
    retracted_at = models.DateTimeField(_("retracted at"), null=True, blank=True, editable=False)
    # A reviewer returned it to its author with a comment; the author's next edit sends it back to the queue.
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True, editable=False)

    objects = StatementQuerySet.as_manager()
    public = PublicStatementManager()  # what readers may see: approved and not retracted
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("official statement")
        verbose_name_plural = _("official statements")
        ordering = ["-published_on"]
        constraints = [
            # Several statements on one day, when their scope or period differs (a period left open counts
            # from the start, and to the day of publication).
            models.UniqueConstraint(
                F("assessor"),
                F("published_on"),
                F("countries"),
                Coalesce(F("period_start"), Value(FROM_THE_START)),
                Coalesce(F("period_end"), F("published_on")),
                name="statement_one_per_scope",
                violation_error_message=_(
                    "This assessor already has a statement of that day with the same countries and period."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_start__lte=F("published_on")),
                name="statement_period_before_publication",
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__lte=F("published_on")),
                name="statement_period_end_by_publication",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="statement_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(period_start_precision__in=[value for value, _label in PERIOD_PRECISIONS]),
                name="statement_period_precision_valid",
            ),
        ]

    def __str__(self):
        return f"{self.assessor}, {self.published_on}" + (f" ({self.countries})" if self.countries else "")

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is None:  # an edit of its content (decisions save named fields only)
            self.returned_at = None
        super().save(*args, **kwargs)

    @property
    def country_list(self):
        return [name.strip() for name in self.countries.split(";") if name.strip()]

    @property
    def counted_from(self):
        """The first day the statement counts (its period's start, to the precision given), or None."""
        start = self.period_start
        if start is None:
            return None
        if self.period_start_precision == DatePrecision.YEAR:
            return start.replace(month=1, day=1)
        if self.period_start_precision == DatePrecision.MONTH:
            return start.replace(day=1)
        return start

    @property
    def counted_to(self):
        return self.period_end or self.published_on

    @property
    def review_state(self):
        if self.retracted_at is not None:
            return ReviewState.RETRACTED
        if self.approved_at is not None:
            return ReviewState.PUBLISHED
        return ReviewState.PENDING if self.returned_at is None else ReviewState.CHANGES_REQUESTED

    def get_review_state_display(self):
        return STATEMENT_STATES[self.review_state]

    def editable_by(self, user):
        """An approved statement is public: a new statement corrects it, not an edit. Until then its author or a
        reviewer may fix it (and its details), and whoever does becomes one of its authors."""
        if self.approved_at is not None:
            return False
        return can_review(user) or self.created_by_id == user.pk

    def edit_token(self):
        """Changes with every saved change to the statement or its details: an edit is made on one token, and
        refused if the statement moved on meanwhile (see lock_for_edit)."""
        latest = [
            history.order_by("-history_id").values_list("history_id", flat=True).first()
            for history in (self.history.all(), StatementItem.history.filter(statement_id=self.pk))
        ]
        return ":".join(str(history_id or 0) for history_id in latest)

    def review_token(self):
        """What a reviewer is shown of the statement, to approve exactly that (see approve's `seen`)."""
        return self.edit_token()

    def lock_for_edit(self, by, token):
        """Within the edit's transaction: lock the statement and raise InvalidTransition unless `by` may still
        edit it (it was not approved meanwhile) and nothing was saved since `token`, so no edit is overwritten."""
        locked = OfficialStatement.objects.select_for_update().get(pk=self.pk)
        if not locked.editable_by(by):
            raise InvalidTransition(_("It was approved meanwhile: a new statement corrects it, not an edit."))
        if token != self.edit_token():
            raise InvalidTransition(
                _("Someone saved this statement after you opened it. Nothing was saved: open it again.")
            )

    def authors(self):
        """Who wrote the statement, by any path: its creator, and everyone whose change to it or to its details
        is in the history (see reports.models.incidents.content_writers)."""
        history = self.history.all()
        writers = {user for _id, user in content_writers(OfficialStatement, history, "id", STATEMENT_BOOKKEEPING)}
        items = StatementItem.history.filter(statement_id=self.pk, history_user__isnull=False)
        return writers | set(items.values_list("history_user_id", flat=True)) | ({self.created_by_id} - {None})

    def review_refusal(self, by):
        """Why `by` may not decide on this statement without an override: the four-eyes rule."""
        return four_eyes_refusal(by, self.authors())

    def approve(self, by, comment="", override_reason="", seen=None):
        """Make the statement public: a reviewer who wrote no part of it (the four-eyes rule; an admin may
        override with a reason). Recorded as a review decision, in the statement's history too. `seen` is the
        edit_token() of what the reviewer was shown (None, for code that shows nothing, skips the check)."""
        self._decide(by, ReviewState.PUBLISHED, ReviewState.PENDING, comment, override_reason, seen=seen)

    def request_changes(self, by, comment, override_reason=""):
        """Return a pending statement to its author, saying what to change; their next edit sends it back."""
        self._decide(
            by,
            ReviewState.CHANGES_REQUESTED,
            ReviewState.PENDING,
            comment,
            override_reason,
            _("Say what needs to change."),
        )

    def retract(self, by, reason, override_reason=""):
        """Take a public statement off the public pages, saying why. Nobody deletes a public statement."""
        self._decide(by, ReviewState.RETRACTED, ReviewState.PUBLISHED, reason, override_reason, _("Say why."))

    def _decide(self, by, to_state, from_state, comment, override_reason, comment_missing=None, seen=None):
        with transaction.atomic():
            locked = OfficialStatement.objects.select_for_update().get(pk=self.pk)
            if locked.review_state != from_state:
                raise InvalidTransition(
                    _("It is %(state)s, not awaiting this decision.")
                    % {"state": ReviewState(locked.review_state).label.lower()}
                )
            if seen is not None and seen != self.edit_token():
                raise InvalidTransition(_("It was edited after you looked at it: look at it again."))
            # Under the lock: an edit saved while the decision waited for it counts among the authors.
            comment_needed = comment if comment_missing else None
            override = check_reviewer(by, self.authors(), override_reason, comment_needed, comment_missing or "")
            ReviewDecision.objects.create(
                statement=self,
                from_state=from_state,
                to_state=to_state,
                decided_by=by,
                comment=comment,
                override_reason=override,
            )
            if to_state == ReviewState.PUBLISHED:
                self.approved_by, self.approved_at = by, timezone.now()
            elif to_state == ReviewState.CHANGES_REQUESTED:
                self.returned_at = timezone.now()
            else:
                self.retracted_by, self.retracted_at = by, timezone.now()
            self._history_user, self._change_reason = by, ReviewState(to_state).label
            self.save(update_fields=["approved_by", "approved_at", "retracted_by", "retracted_at", "returned_at"])
            del self._history_user, self._change_reason  # (see Incident._move)

    def clean(self):
        # One spelling of the countries, whatever was typed: sorted, each once, "; " between.
        self.countries = "; ".join(sorted({name for name in self.country_list}, key=str.lower))
        errors = {}
        if self.assessor_id and not self.assessor.is_official:
            errors["assessor"] = _("Statements are published by official assessors only.")
        if self.period_start and self.published_on and self.period_start > self.published_on:
            errors["period_start"] = _("The counting period starts after the statement was published.")
        if self.period_end and self.published_on and self.period_end > self.published_on:
            errors["period_end"] = _("The counting period ends after the statement was published.")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The counting period ends before it starts.")
        if errors:
            raise ValidationError(errors)


class StatementItem(models.Model):
    """One detail a statement gives beside its cumulative figure: the deaths of a period, strikes it counts, an
    incident it excludes pending investigation, deaths newly disclosed or found not attributable. It may name an
    incident of these records, or describe one they do not hold."""

    statement = models.ForeignKey(OfficialStatement, on_delete=models.CASCADE, related_name="items")
    role = models.CharField(_("what it says"), max_length=20, choices=StatementItemRole.choices)
    description = models.CharField(_("in its words"), max_length=255, blank=True)
    incident = models.ForeignKey(
        "reports.Incident",
        verbose_name=_("incident in these records"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # readers follow it: a published incident (one retracted since is shown without its code)
        limit_choices_to={"review_state": ReviewState.PUBLISHED},
    )
    civilians_killed = count_field(_("civilians killed"))
    strikes = count_field(_("strikes"))
    period_start = models.DateField(_("from"), null=True, blank=True, validators=RECORD_DATE)
    period_end = models.DateField(_("to"), null=True, blank=True, validators=RECORD_DATE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement detail")
        verbose_name_plural = _("statement details")
        ordering = ["statement", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=StatementItemRole.values), name="statement_item_role_valid"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="statement_item_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.description or self.incident or ''}"

    def clean(self):
        errors = {}
        if not (self.description or self.incident_id):
            errors["description"] = _("Say what it is: its words, or an incident of these records.")
        if self.incident_id and self.incident.review_state != ReviewState.PUBLISHED:
            errors["incident"] = _("Name a published incident: readers follow the link.")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The period ends before it starts.")
        if errors:
            raise ValidationError(errors)
