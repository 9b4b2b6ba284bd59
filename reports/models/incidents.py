"""Incidents, their attributions to belligerents and the sources they cite."""

import contextlib
import datetime
import math
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Length
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reports.models.assessments import Assessment
from reports.models.reference import Belligerent, StrikeType
from reports.models.review import (
    OPEN_REVISION_STATES,
    EditConflict,
    IncidentRevision,
    InvalidTransition,
    ReviewDecision,
    RevisionState,
    check_reviewer,
    content_writers,
    four_eyes_refusal,
    is_change_set,
)
from reports.models.search import SEARCHED_FIELDS, search_text_of
from reports.models.vocabulary import (
    RECORD_DATE,
    BelligerentRole,
    DatePrecision,
    Grading,
    LocationPrecision,
    ReviewState,
    StrikeStatus,
    attributed_user,
    can_review,
    validate_web_link,
)

# Rare assessments on a view of incidents: past this many, a list of their incidents' ids makes PostgreSQL plan
# worse than the plain subquery (see IncidentQuerySet.current_assessments_where).
LISTED = 500


class IncidentQuerySet(models.QuerySet):
    def published(self):
        """What readers may see. Every public page, export and tally starts here."""
        return self.filter(review_state=ReviewState.PUBLISHED)

    def visible_to(self, user):
        """Staff pages: reviewers see everything; analysts see what is published and what they created."""
        if can_review(user):
            return self
        if user.has_perm("reports.view_incident"):
            return self.filter(Q(review_state=ReviewState.PUBLISHED) | Q(created_by=user.pk))
        return self.none()

    def likely_duplicates(self, user, date, belligerents, place_name="", latitude=None, longitude=None):
        """Incidents that `user` may see (visible_to: an analyst is not shown others' drafts) and that may be
        the same event: within a day of `date`, sharing a belligerent, and at the same place name or within
        about DUPLICATE_RADIUS_KM (a box around the point, which indexes can serve)."""
        near = Q(place_name__iexact=place_name.strip()) if place_name.strip() else Q(pk__in=[])
        if latitude is not None and longitude is not None:
            lat, lon = float(latitude), float(longitude)
            lat_span = DUPLICATE_RADIUS_KM / 111.0
            lon_span = DUPLICATE_RADIUS_KM / (111.0 * max(math.cos(math.radians(lat)), 0.01))
            near |= Q(
                latitude__range=(lat - lat_span, lat + lat_span), longitude__range=(lon - lon_span, lon + lon_span)
            )
        day = datetime.timedelta(days=1)
        return (
            self.visible_to(user)
            .filter(near, date_start__range=(date - day, date + day), belligerents__in=belligerents)
            .exclude(review_state=ReviewState.REJECTED)
            .distinct()
            .order_by("date_start", "code")
        )

    def next_code_number(self, prefix):
        """One past the highest <prefix><number> code (longest first: codes may outgrow their zero padding)."""
        last = (
            # The prefix first: a LIKE the index below serves on PostgreSQL, then the pattern on those rows only.
            self.filter(code__startswith=prefix, code__regex=rf"^{re.escape(prefix)}[0-9]+$")
            .order_by(Length("code").desc(), "-code")
            .values_list("code", flat=True)
            .first()
        )
        return int(last.removeprefix(prefix)) + 1 if last else 1

    def next_free_code(self):
        """The code the entry form suggests: the project's format (CODE_PREFIX and a number, e.g. INC-00042),
        one past the highest such code. Codes from imports (Airwars' CS1548, …) keep their own formats."""
        return f"{CODE_PREFIX}{self.next_code_number(CODE_PREFIX):0{CODE_DIGITS}d}"

    def with_pending_revision(self):
        """Each incident's pending change, for lists of cases to decide (see revision_awaiting_review)."""
        pending = IncidentRevision.objects.filter(state=RevisionState.PENDING).select_related("created_by")
        return self.prefetch_related(models.Prefetch("revisions", queryset=pending, to_attr="pending_revisions"))

    def with_summary_relations(self, as_of=None):
        """Everything a list row shows (the assessments current on `as_of`), in a fixed number of queries
        whatever the number of rows."""
        return self.prefetch_related(
            "belligerents",
            models.Prefetch(
                "assessments",
                queryset=Assessment.objects.current(as_of).select_related("assessor"),
                to_attr="current_assessments",
            ),
        )

    # --- Their rows: how code for readers reaches assessments and attributions, from published incidents
    # (`Incident.public`) rather than from every row of a table.

    def current_assessments(self, as_of=None):
        """The current assessments of these incidents, as known on `as_of` (default: today)."""
        return Assessment.objects.current(as_of).filter(incident__in=self)

    def current_assessments_where(self, *conditions, **lookups):
        """The assessments of these incidents current today and meeting the conditions, for conditions few
        assessments meet (an assessor's undated verdicts, a monitor's revisions). When they are few (or none),
        their incidents are listed first and then checked against these, so that a view of a million
        incidents is never scanned for them; when they are many (Airwars' revisions: one per incident), these
        incidents are joined as they are."""
        matching = Assessment.objects.filter(*conditions, superseded_on__isnull=True, **lookups)
        incident_ids = list(matching.values_list("incident_id", flat=True)[: LISTED + 1])
        incidents = self.filter(pk__in=incident_ids) if len(incident_ids) <= LISTED else self
        return matching.filter(incident_id__in=incidents.values("pk"))

    def assessed(self, *conditions, as_of=None, **lookups):
        """Those of these incidents with a current assessment (as known on `as_of`) meeting the conditions."""
        matching = Assessment.objects.current(as_of).filter(*conditions, **lookups)
        return self.filter(pk__in=matching.values("incident_id"))

    def attributions(self):
        """The attributions of these incidents to belligerents."""
        return IncidentBelligerent.objects.filter(incident__in=self)

    def attributed_to_any(self, belligerent_ids):
        """Those of these incidents attributed to any of the belligerents (a correlated EXISTS, the ids
        written into the query)."""
        attributed = IncidentBelligerent.objects.filter(incident=OuterRef("pk"), belligerent_id__in=belligerent_ids)
        return self.filter(Exists(attributed))


class PublicIncidentManager(models.Manager.from_queryset(IncidentQuerySet)):
    """`Incident.public`, the only way code for readers (public pages, exports, figures) reaches incidents:
    whatever is chained after it, it yields published incidents only, so a forgotten `.published()` cannot
    show a draft. `Incident.objects`, the default manager, stays the staff's (admin, forms, workflow)."""

    def get_queryset(self):
        return super().get_queryset().published()


DUPLICATE_RADIUS_KM = 5
# The project's own incident codes: INC- and a number, zero-padded to five digits (see next_free_code).
CODE_PREFIX = "INC-"
CODE_DIGITS = 5
EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED)


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

    date_start = models.DateField(_("date"), validators=RECORD_DATE)
    date_end = models.DateField(
        _("end date"), null=True, blank=True, validators=RECORD_DATE, help_text=_("For a date range.")
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
    first_reported_on = models.DateField(_("first reported on"), null=True, blank=True, validators=RECORD_DATE)

    external_id = models.CharField(
        _("external identifier"), max_length=100, blank=True, help_text=_("The record's id in an imported source.")
    )
    external_url = models.URLField(_("external record"), max_length=1000, blank=True, validators=[validate_web_link])
    external_data = models.JSONField(
        _("other imported values"),
        default=dict,
        blank=True,
        help_text=_("Imported columns that have no field of their own, kept so nothing is lost."),
    )
    # What the last import wrote, hashed: a re-import tells an analyst's edit from the source's own change.
    import_digest = models.CharField(max_length=64, blank=True, editable=False)

    review_state = models.CharField(
        _("review state"), max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    # When and by whom it was last sent for review: the incident itself, or a change to it once published.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = attributed_user(_("submitted by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = attributed_user(_("approved by"))
    last_edited_by = attributed_user(_("last edited by"))
    created_by = attributed_user(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Raised by every edit; see save_checked().")
    )
    # The searched fields in normal form (see reports.models.search), what the public text filter reads. Derived:
    # kept out of the history, forms and exports; every path that writes those fields sets it (save(), imports,
    # the synthetic generator). On PostgreSQL a trigram index serves it (migration 0030, not declared here:
    # SQLite has no such index).
    search_text = models.TextField(blank=True, editable=False)

    objects = IncidentQuerySet.as_manager()
    public = PublicIncidentManager()  # what readers may see: published incidents only
    history = HistoricalRecords(
        m2m_fields=[strike_types], excluded_fields=["updated_at", "import_digest", "search_text"]
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
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
            # The public order (newest first, then code): lists and "latest" read it without sorting.
            models.Index(fields=["review_state", "-date_start", "code"], name="incident_public_order_idx"),
            # "Recently published": the newest publications first, whatever the strike's date.
            models.Index(fields=["review_state", "-published_at", "code"], name="incident_published_order_idx"),
            models.Index(fields=["review_state", "submitted_at"], name="incident_queue_idx"),
            models.Index(fields=["date_start"], name="incident_date_idx"),
            models.Index(fields=["country", "governorate"], name="incident_place_idx"),
            models.Index(fields=["grading"], name="incident_grading_idx"),
            models.Index(fields=["strike_status"], name="incident_strike_status_idx"),
            models.Index(fields=["external_id"], name="incident_external_id_idx"),
            # Codes by prefix (LIKE 'INC-%': the next free code), which the unique index cannot serve on
            # PostgreSQL under a non-C collation. (Other databases ignore opclasses: a plain index there.)
            models.Index(fields=["code"], name="incident_code_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.code} · {self.place_name or self.country} · {self.date_start}"

    def save(self, *args, **kwargs):
        # Records published without the workflow (imports, demo data) still say when.
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        # A save of some fields rewrites the search text only with one of its sources (a review move neither
        # reads nor writes it).
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(SEARCHED_FIELDS) & set(update_fields):
            self.refresh_search_text()
            if update_fields is not None:
                kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)

    def refresh_search_text(self):
        """Set `search_text` from the searched fields as they are now (for paths that write without save())."""
        self.search_text = search_text_of(*(getattr(self, name) for name in SEARCHED_FIELDS))

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

    # --- Who may do what (checked on the server by every view) ---

    def can_edit(self, user):
        """Drafts and returned incidents: their author or a reviewer. Published incidents: any analyst, as a
        revision for review. Nobody edits an incident while it is pending, rejected or retracted."""
        if not user.has_perm("reports.change_incident"):
            return False
        if self.review_state in EDITABLE_STATES:
            return self.created_by_id == user.pk or can_review(user)
        return self.is_published

    def can_change_directly(self, user):
        """Whether `user` may change the stored record itself (the admin's form): reviewers anything not yet
        decided, a pending case included (and so become its last editor); analysts their own drafts and returned
        incidents. Decided records change only through the workflow: a published one by a reviewed revision."""
        if can_review(user):
            return self.review_state in (*EDITABLE_STATES, ReviewState.PENDING)
        return self.review_state in EDITABLE_STATES and self.created_by_id == user.pk

    # --- Saving without lost updates ---

    def save_checked(self, expected_version):
        """Save this edit only if the stored incident is still at `expected_version`, the version the editor
        loaded; raise EditConflict otherwise. The version is claimed by one conditional UPDATE, so of two
        concurrent saves of the same version exactly one wins, on any database."""
        with transaction.atomic():
            claimed = Incident.objects.filter(pk=self.pk, version=expected_version).update(version=F("version") + 1)
            if not claimed:
                raise EditConflict(Incident.objects.get(pk=self.pk), expected_version)
            self.version = expected_version + 1
            self.save()

    # --- The review workflow ---
    # Each decision checks the reviewer and the incident's state, then moves the state and writes a
    # ReviewDecision in one transaction. A published incident's pending change (a revision) is decided by the
    # same three calls, so a reviewer's queue is one list.

    def submit(self, by, comment=""):
        """Send a draft, or a returned incident, to the reviewers."""
        missing = [
            label
            for label, related in ((_("a source"), self.sources), (_("an assessment"), self.assessments))
            if not related.exists()
        ]
        if missing:
            raise InvalidTransition(
                _("Add %(missing)s before submitting for review.")
                % {"missing": str(_(" and ")).join(map(str, missing))}
            )
        self._move(ReviewState.PENDING, EDITABLE_STATES, by, comment, submitted_by=by, submitted_at=timezone.now())

    @property
    def version_token(self):
        """What a reviewer saw of a pending incident: any edit saved since makes the approval refused."""
        return f"version {self.version}"

    def review_token(self):
        """The token of what a decision on this incident now applies to: its pending change, or the incident."""
        revision = self.revision_awaiting_review()
        return revision.version_token if revision else self.version_token

    def approve(self, by, comment="", override_reason="", seen=None):
        """Publish a pending incident, or apply a published incident's pending change. `seen` is the
        review_token() of what the reviewer was shown: what they approve must still be that (every web path
        passes one, "" when nothing was shown; None, for code that shows nothing, skips the check)."""
        revision = self.revision_awaiting_review()
        if revision:
            return revision.approve(by, comment, override_reason, seen)
        self._move(
            ReviewState.PUBLISHED,
            [ReviewState.PENDING],
            by,
            comment,
            check=self._reviewer_check(by, override_reason),
            seen=seen,
            published_by=by,
            published_at=timezone.now(),
        )

    def request_changes(self, by, comment, override_reason=""):
        """Return a pending incident (or a pending change) to its author, saying what to change."""
        revision = self.revision_awaiting_review()
        if revision:
            return revision.request_changes(by, comment, override_reason)
        check = self._reviewer_check(by, override_reason, comment, _("Say what needs to change."))
        self._move(ReviewState.CHANGES_REQUESTED, [ReviewState.PENDING], by, comment, check=check)

    def reject(self, by, comment, override_reason=""):
        """Refuse a pending incident (or a pending change) for good, saying why."""
        revision = self.revision_awaiting_review()
        if revision:
            return revision.reject(by, comment, override_reason)
        check = self._reviewer_check(by, override_reason, comment, _("Say why it is rejected."))
        self._move(ReviewState.REJECTED, [ReviewState.PENDING], by, comment, check=check)

    def retract(self, by, reason, override_reason=""):
        """Take a published incident off the public pages and tallies; staff still see it, with the reason."""
        check = self._reviewer_check(by, override_reason, reason, _("Say why it is retracted."))
        self._move(ReviewState.RETRACTED, [ReviewState.PUBLISHED], by, reason, check=check)

    def awaits(self, decision):
        """Whether `decision` ("approve", "request_changes", "reject" or "retract") applies to the incident's
        current state: retracting to a published incident, the others to a pending incident or change."""
        if decision == "retract":
            return self.is_published
        return self.review_state == ReviewState.PENDING or self.revision_awaiting_review() is not None

    def review_refusal(self, by, decision):
        """Why `by` may not make `decision` on this incident now (an empty string if they may), without an
        override: what a reviewer's confirmation page shows before anything is decided."""
        if not self.awaits(decision):
            return _("It is %(state)s, not awaiting this decision.") % {"state": self.get_review_state_display()}
        revision = None if decision == "retract" else self.revision_awaiting_review()
        return four_eyes_refusal(by, revision.authors() if revision else self.authors())

    def authors(self):
        """Who wrote this incident as it stands, by any path (see incident_authors): its creator, and everyone
        who created, changed or deleted its content or any of its rows. Lists set `_authors` for many at once."""
        if not hasattr(self, "_authors"):
            self._authors = incident_authors([self.pk])[self.pk]
        return self._authors | ({self.created_by_id, self.last_edited_by_id} - {None})

    def _reviewer_check(self, by, override_reason="", comment=None, comment_missing=""):
        """The reviewer check of a decision (check_reviewer, on the authors as they are when _move runs it)."""
        return lambda: check_reviewer(by, self.authors(), override_reason, comment, comment_missing)

    def _move(self, to_state, allowed_from, by, comment, check=None, seen=None, **updates):
        """Move to `to_state` and record the decision. `check` (a reviewer's decision) runs once the row is
        locked, on the authors as they are then: an edit saved while the decision waited for the lock is seen."""
        from reports.models.changes import PUBLIC_STATES, changes_collected  # (imports this module)

        public = changes_collected() if to_state in PUBLIC_STATES else contextlib.nullcontext()
        with public, transaction.atomic():
            locked = Incident.objects.select_for_update().only("review_state", "last_edited_by", "version")
            locked = locked.get(pk=self.pk)
            current, self.last_edited_by_id = locked.review_state, locked.last_edited_by_id
            if current not in allowed_from:
                raise InvalidTransition(
                    _("A %(state)s incident cannot become %(target)s.")
                    % {"state": ReviewState(current).label.lower(), "target": ReviewState(to_state).label.lower()}
                )
            if seen is not None and seen != locked.version_token:
                raise InvalidTransition(_("It was edited after you looked at it: look at it again."))
            self.__dict__.pop("_authors", None)  # read afresh, under the lock
            override_reason = check() if check else ""
            ReviewDecision.objects.create(
                incident=self,
                from_state=current,
                to_state=to_state,
                decided_by=by,
                comment=comment,
                override_reason=override_reason,
            )
            self.review_state = to_state
            for name, value in updates.items():
                setattr(self, name, value)
            with translation.override(settings.LANGUAGE_CODE):  # the record's language, whatever the page's
                self._change_reason = f"{ReviewState(current).label} → {ReviewState(to_state).label}"
            self._history_user = by
            self.save(update_fields=["review_state", "updated_at", *updates])
            # This decision's attribution only: a later save of this object is not the decider's edit.
            del self._change_reason, self._history_user

    # --- Changes to a published incident ---

    def open_revision(self):
        return self.revisions.filter(state__in=OPEN_REVISION_STATES).select_related("created_by").first()

    def revision_awaiting_review(self):
        """The pending change of a published incident, if any (None for an incident that is itself pending)."""
        if not self.is_published:
            return None
        if hasattr(self, "pending_revisions"):  # prefetched by with_pending_revision() for lists
            return next(iter(self.pending_revisions), None)
        return self.revisions.filter(state=RevisionState.PENDING).select_related("created_by").first()

    def propose_revision(self, change_set, base_version, by, reason=""):
        """Store an edit of this published incident for review (or update the proposer's own open one).
        `change_set` says what it changes (see IncidentRevision); `base_version` is the version it was made on."""
        if not is_change_set(change_set):
            raise ValueError("A revision stores a change set (see IncidentRevision), not form data.")
        with transaction.atomic():
            Incident.objects.select_for_update().get(pk=self.pk)  # one proposer at a time
            revision = self.open_revision()
            if revision and revision.created_by_id != by.pk:
                raise InvalidTransition(
                    _("%(user)s's change to this incident is awaiting review: it must be decided first.")
                    % {"user": revision.created_by}
                )
            revision = revision or IncidentRevision(incident=self, created_by=by)
            revision.change_set = change_set
            revision.base_version = base_version
            revision.reason = reason
            revision.state = RevisionState.PENDING
            revision.save()
            # The change now waits in the reviewers' queue, which is ordered and filtered by these.
            Incident.objects.filter(pk=self.pk).update(submitted_by=by, submitted_at=revision.updated_at)
            return revision


class IncidentBelligerent(models.Model):
    """Attribution of an incident to one belligerent, suspected or declared."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attributions")
    belligerent = models.ForeignKey(Belligerent, verbose_name=_("belligerent"), on_delete=models.PROTECT)
    role = models.CharField(
        _("attribution"), max_length=10, choices=BelligerentRole.choices, default=BelligerentRole.SUSPECTED
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("belligerent")
        constraints = [
            models.UniqueConstraint(fields=["incident", "belligerent"], name="incident_belligerent_unique"),
            models.CheckConstraint(condition=Q(role__in=BelligerentRole.values), name="attribution_role_valid"),
        ]
        indexes = [models.Index(fields=["belligerent", "incident"], name="attribution_belligerent_idx")]

    def __str__(self):
        return f"{self.belligerent} ({self.get_role_display()})"


class SourceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(incident__review_state=ReviewState.PUBLISHED)


class Source(models.Model):
    """A report cited by an incident: a news article, a post, a monitor's page."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(_("link"), max_length=2000, blank=True, validators=[validate_web_link])
    archive_url = models.URLField(_("archived copy"), max_length=2000, blank=True, validators=[validate_web_link])
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    author = models.CharField(_("author"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=50, blank=True)
    platform = models.CharField(_("platform"), max_length=50, blank=True, help_text=_("Twitter, Facebook, …"))
    published_on = models.DateField(_("published on"), null=True, blank=True, validators=RECORD_DATE)
    media_count = models.PositiveIntegerField(_("media items"), null=True, blank=True)
    has_video = models.BooleanField(_("has video"), default=False)
    external_id = models.CharField(_("external identifier"), max_length=100, blank=True)
    position = models.PositiveIntegerField(
        _("position"),
        default=None,
        blank=True,
        help_text=_("Order among the sources, from 1. Left empty, the source goes last."),
    )
    import_digest = models.CharField(max_length=64, blank=True, editable=False)  # see Incident.import_digest

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["import_digest"])

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["incident", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url="") | ~Q(publisher="") | ~Q(title=""), name="source_identifiable"),
        ]

    def __str__(self):
        return self.title or self.publisher or self.url

    def save(self, *args, **kwargs):
        # Every path that saves one source (the analysts' form, the admin's inline, a change set, a command)
        # numbers it here; the importer, which bulk-creates, numbers its own (importing.writer.number_sources).
        if not self.position:
            self.position = self.next_position(self.incident_id)
        super().save(*args, **kwargs)

    def clean(self):
        if not (self.url or self.publisher or self.title):
            raise ValidationError(_("Give at least a link, a publisher or a title."))

    @staticmethod
    def next_position(incident_id):
        """The position after the incident's last source: 1 for its first. (Two sources added at the same
        instant may share one; the order then falls back on their ids.)"""
        last = Source.objects.filter(incident_id=incident_id).aggregate(last=models.Max("position"))["last"]
        return (last or 0) + 1


# --- Authors: the four-eyes rule's one definition -----------------------------------------------------------
# Every path that writes an incident's content (the analysts' pages, the admin and its inlines, imports,
# commands) leaves history rows attributed to a user: authorship is read from them, not kept by each path, so a
# path added later cannot forget it. A row counts when it created, deleted or changed content; a review move,
# which changes only the review bookkeeping, does not make the reviewer an author.

REVIEW_BOOKKEEPING = {
    *["id", "review_state", "version", "created_at", "created_by", "last_edited_by", "updated_at"],
    *["submitted_at", "submitted_by", "published_at", "published_by", "import_digest"],
    "search_text",  # derived from the content, and not in the history
}
INCIDENT_PARTS = [IncidentBelligerent, Assessment, Source]


def incident_authors(incident_ids):
    """{incident id: the ids of the users who wrote its content}, in a fixed number of queries."""
    authors = {incident_id: set() for incident_id in incident_ids}
    for model in INCIDENT_PARTS:
        rows = model.history.filter(incident_id__in=authors, history_user__isnull=False)
        for incident_id, user_id in rows.values_list("incident_id", "history_user_id").distinct():
            authors[incident_id].add(user_id)
    history = Incident.history.filter(id__in=authors)
    for incident_id, user_id in content_writers(
        Incident, history, "id", REVIEW_BOOKKEEPING, strike_type_links(history)
    ):
        authors[incident_id].add(user_id)
    return authors


def with_authors(incidents):
    """`incidents` (a list) with their authors read at once: for pages that apply the four-eyes rule to many."""
    authors = incident_authors([incident.pk for incident in incidents])
    for incident in incidents:
        incident._authors = authors[incident.pk]
    return incidents


def strike_type_links(history):
    """{history id: the strike types simple-history kept with that history row of an incident}."""
    through = Incident.history.model.historicalincident_strike_types_set.rel.related_model
    links = {}
    for history_id, strike_type in through.objects.filter(history__in=history).values_list(
        "history_id", "striketype_id"
    ):
        links.setdefault(history_id, set()).add(strike_type)
    return {history_id: frozenset(types) for history_id, types in links.items()}
