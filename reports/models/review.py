"""The editorial workflow's records: every review decision is a row, and a change proposed to a published
incident waits as a revision until a reviewer approves it."""

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.models.vocabulary import ReviewState, can_review


class InvalidTransition(Exception):
    """A review step that the incident's current state does not allow (e.g. publishing a draft)."""


class EditConflict(Exception):
    """Somebody saved the incident after the editor loaded it: saving now would overwrite their work."""

    def __init__(self, incident, expected_version):
        self.incident = incident
        self.expected_version = expected_version
        super().__init__(
            f"{incident.code} is at version {incident.version}, but the edit was made on version {expected_version}."
        )


def check_decision(by, comment=None, comment_missing=""):
    """Only reviewers decide; some decisions must say why."""
    if not can_review(by):
        raise InvalidTransition(gettext("Only reviewers can make review decisions."))
    if comment is not None and not comment.strip():
        raise InvalidTransition(comment_missing)


def four_eyes_refusal(by, authors):
    """Why `by` may not decide on work whose authors (user ids) are `authors`: the four-eyes rule."""
    if by.pk in authors:
        return gettext("You created or last edited it: another reviewer must decide.")
    return ""


def check_override(by, refusal, override_reason):
    """Raise the four-eyes refusal unless an admin overrides it with a reason; return that reason."""
    if not refusal:
        return ""
    if by.is_superuser and override_reason.strip():
        return override_reason.strip()
    raise InvalidTransition(refusal)


# --- Authors: every path that writes content (the analysts' pages, the admin and its inlines, imports, commands)
# leaves history rows attributed to a user, so authorship is read from them rather than kept by each path: a
# path added later cannot forget it.


def content_writers(model, history, key, bookkeeping, links=None):
    """(record id, user id) of each history row of `model` that created, deleted or changed content: a row
    whose fields other than `bookkeeping`, or whose `links` ({history id: many-to-many links}), differ from
    the record's previous row."""
    fields = [f.attname for f in model._meta.concrete_fields if f.name not in bookkeeping and f.attname != key]
    columns = [key, "history_id", "history_type", "history_user_id", *fields]
    previous = {}
    for row in history.order_by(key, "history_date", "history_id").values(*columns):
        content = (tuple(row[name] for name in fields), (links or {}).get(row["history_id"], frozenset()))
        before = previous.get(row[key])
        previous[row[key]] = content
        if row["history_user_id"] is not None and (row["history_type"] != "~" or content != before):
            yield row[key], row["history_user_id"]


class ReviewDecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reviewers see every decision. Others do not see those on another person's proposed change: their
        comments discuss a change that only its author and the reviewers may read."""
        if can_review(user):
            return self
        return self.filter(Q(revision__isnull=True) | Q(revision__created_by=user.pk))


class ReviewDecision(models.Model):
    """One step of the review of an incident or of an official statement: who moved it from which state to
    which, when, and why."""

    incident = models.ForeignKey(
        "reports.Incident", on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    statement = models.ForeignKey(
        "reports.OfficialStatement", on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    revision = models.ForeignKey(
        "reports.IncidentRevision", on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    from_state = models.CharField(_("from"), max_length=20, choices=ReviewState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=ReviewState.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    override_reason = models.TextField(
        _("four-eyes override"), blank=True, help_text=_("Why an admin decided on their own work.")
    )

    objects = ReviewDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["incident", "decided_at"], name="decision_incident_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(incident__isnull=False, statement__isnull=True)
                | Q(incident__isnull=True, statement__isnull=False),
                name="decision_on_one_record",
            )
        ]

    def __str__(self):
        record = self.incident_id or f"statement {self.statement_id}"
        return f"{record}: {self.from_state} → {self.to_state} by {self.decided_by}"


class RevisionState(models.TextChoices):
    PENDING = "pending", _("Pending review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


OPEN_REVISION_STATES = (RevisionState.PENDING, RevisionState.CHANGES_REQUESTED)


class IncidentRevision(models.Model):
    """A change proposed to a published incident. Readers keep seeing the published record until a reviewer
    approves it; approval replays `data` (the edit form exactly as submitted) through the same form and rules
    as any other edit, against `base_version` so that nothing saved since is overwritten unseen."""

    incident = models.ForeignKey("reports.Incident", on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField(_("submitted form"))
    base_version = models.PositiveIntegerField(_("edited version"))
    state = models.CharField(_("state"), max_length=20, choices=RevisionState.choices, default=RevisionState.PENDING)
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(state__in=OPEN_REVISION_STATES),
                name="revision_one_open_per_incident",
            ),
        ]

    def __str__(self):
        return f"Change to {self.incident} ({self.get_state_display()})"

    @property
    def is_open(self):
        return self.state in OPEN_REVISION_STATES

    def authors(self):
        return {self.created_by_id}

    def readable_by(self, user):
        """A proposed change is read by its author and the reviewers, not by other analysts."""
        return self.created_by_id == user.pk or can_review(user)

    # --- Review decisions (called through Incident.approve / request_changes / reject) ---

    @property
    def version_token(self):
        """Changes whenever the proposer edits the change: what a reviewer saw is what they approve."""
        return self.updated_at.isoformat()

    def approve(self, by, comment="", override_reason="", seen=None):
        """Apply the change: replay the submitted form through the same validation as any edit, on the version
        it was made on, attributed to its proposer. Refused if the incident changed since, or if the change was
        edited after the reviewer saw it (`seen`: its version_token then)."""
        from reports.forms import IncidentEntry  # the edit's rules live in the form; imported late (no cycle)
        from reports.models.snapshot import figures_recounted_once  # (imports this module)

        override = self._check(by, override_reason)
        with figures_recounted_once():
            self._lock_pending()
            self.refresh_from_db(fields=["data", "base_version", "updated_at"])
            if seen is not None and seen != self.version_token:
                raise InvalidTransition(gettext("The change was edited after you looked at it: look at it again."))
            entry = IncidentEntry(self.data, instance=self.incident)
            if not entry.is_valid():
                raise InvalidTransition(
                    gettext("The change no longer passes validation (%(errors)s); return it to its author.")
                    % {"errors": entry.error_summary()}
                )
            try:
                entry.save(by=self.created_by, reason=self.reason or gettext("Approved change"))
            except EditConflict as conflict:
                raise InvalidTransition(
                    gettext(
                        "The incident was edited after this change was proposed (version %(base)s, now "
                        "%(now)s); return the change so that its author can redo it on the current version."
                    )
                    % {"base": self.base_version, "now": conflict.incident.version}
                ) from conflict
            self._decide(RevisionState.APPROVED, ReviewState.PUBLISHED, by, comment, override)

    def send_back(self, by, comment, override_reason=""):
        override = self._check(by, override_reason, comment, gettext("Say what needs to change."))
        with transaction.atomic():
            self._lock_pending()
            self._decide(RevisionState.CHANGES_REQUESTED, ReviewState.CHANGES_REQUESTED, by, comment, override)

    def reject(self, by, comment, override_reason=""):
        override = self._check(by, override_reason, comment, gettext("Say why it is rejected."))
        with transaction.atomic():
            self._lock_pending()
            self._decide(RevisionState.REJECTED, ReviewState.REJECTED, by, comment, override)

    def _check(self, by, override_reason, comment=None, comment_missing=""):
        check_decision(by, comment, comment_missing)
        return check_override(by, four_eyes_refusal(by, self.authors()), override_reason)

    def _lock_pending(self):
        # The incident's row before the change's: the order propose_revision takes them in, so a proposer and a
        # reviewer deciding at once queue instead of deadlocking.
        type(self.incident).objects.select_for_update().filter(pk=self.incident_id).exists()
        state = IncidentRevision.objects.select_for_update().values_list("state", flat=True).get(pk=self.pk)
        if state != RevisionState.PENDING:
            raise InvalidTransition(gettext("This change is no longer awaiting review."))

    def _decide(self, state, decision_state, by, comment, override_reason):
        # A decision on a change is recorded as the change moving from "pending review" to the outcome.
        ReviewDecision.objects.create(
            incident=self.incident,
            revision=self,
            from_state=ReviewState.PENDING,
            to_state=decision_state,
            decided_by=by,
            comment=comment,
            override_reason=override_reason,
        )
        self.state = state
        self.save(update_fields=["state", "updated_at"])
