"""The editorial workflow's records: every review decision is a row, and a change proposed to a published
incident waits as a revision until a reviewer approves it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.models.vocabulary import ReviewState


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


class ReviewDecision(models.Model):
    """One step of an incident's review: who moved it from which state to which, when, and why."""

    incident = models.ForeignKey("reports.Incident", on_delete=models.CASCADE, related_name="decisions")
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

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["incident", "decided_at"], name="decision_incident_idx")]

    def __str__(self):
        return f"{self.incident_id}: {self.from_state} → {self.to_state} by {self.decided_by}"


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
