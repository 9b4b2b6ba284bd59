"""Imports as records: what was uploaded, by whom, its dry-run report, and, for an import that publishes, the
second reviewer's decision. An import never makes or changes public records on one person's word: it is held
here until another reviewer approves it as one decision (the importing layer runs it then)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.models.review import check_reviewer
from reports.models.vocabulary import ReviewState, attributed_user

# An upload's dry run that nobody confirmed is deleted, files and all, after this long.
UNCONFIRMED_KEPT = datetime.timedelta(hours=6)


class ImportStatus(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run, not confirmed")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a second reviewer")
    IMPORTED = "imported", _("Imported")
    REJECTED = "rejected", _("Rejected")


class ImportBatchQuerySet(models.QuerySet):
    def stale_dry_runs(self):
        return self.filter(status=ImportStatus.DRY_RUN, created_at__lt=timezone.now() - UNCONFIRMED_KEPT)


class ImportBatch(models.Model):
    format = models.CharField(_("format"), max_length=20)
    state = models.CharField(_("review state of new incidents"), max_length=20, choices=ReviewState.choices)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.DRY_RUN)
    report = models.TextField(_("dry-run report"), blank=True)
    outcome = models.TextField(_("what the import did"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    decided_by = attributed_user(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    override_reason = models.TextField(_("four-eyes override"), blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_status_valid"),
            models.CheckConstraint(
                condition=Q(state=ReviewState.PUBLISHED) | ~Q(status=ImportStatus.AWAITING_APPROVAL),
                name="import_awaits_approval_only_to_publish",
            ),
        ]

    def __str__(self):
        return gettext("Import %(number)s of %(files)s") % {
            "number": self.pk,
            "files": ", ".join(file.name for file in self.files.all()),
        }

    def size(self):
        """The files' bytes together."""
        return self.files.aggregate(total=models.Sum("size"))["total"] or 0

    @property
    def publishes(self):
        """Whether the import makes or changes public records: then a second reviewer must approve it."""
        return self.state == ReviewState.PUBLISHED

    def check_decision(self, by, comment=None, comment_missing="", override_reason=""):
        """Raise InvalidTransition unless `by` may decide on this import: a reviewer other than its uploader
        (an admin may override with a reason, returned)."""
        return check_reviewer(by, {self.created_by_id}, override_reason, comment, comment_missing)


class ImportChangeQuerySet(models.QuerySet):
    def approved(self):
        """The changes of imports a second reviewer approved and that ran (the only ones that have any)."""
        return self.filter(batch__status=ImportStatus.IMPORTED, batch__decided_at__isnull=False)


class ImportChange(models.Model):
    """A published incident that an approved import changed (its fields, attributions, strike types,
    assessments or sources), written with the import in its transaction: the link between an import and the
    published records it changed, which the changes feed announces. An incident the import created is not one:
    it was not public before. `verdicts`: the verdicts the import gave the incident's assessments, as
    [{"assessor": id, "verdict": value, "revised": the assessor had assessed the incident before}]."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("import"), on_delete=models.CASCADE, related_name="changes")
    incident = models.ForeignKey(
        "reports.Incident", verbose_name=_("incident"), on_delete=models.CASCADE, related_name="import_changes"
    )
    verdicts = models.JSONField(_("verdicts given"), default=list, blank=True)

    objects = ImportChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("published incident changed by an import")
        verbose_name_plural = _("published incidents changed by an import")
        constraints = [models.UniqueConstraint(fields=["batch", "incident"], name="import_change_once_per_incident")]

    def __str__(self):
        return f"{self.batch_id}: {self.incident_id}"


class ImportFile(models.Model):
    """One uploaded file of an import, kept in the database until the import is decided, so the import that
    runs is exactly the one whose dry run was read (and nothing is left on the server's disk)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(_("role"), max_length=20)  # "file", "mapping", "assessments" or "sources"
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content = models.BinaryField(_("content"), null=True, editable=False)  # emptied once decided

    class Meta:
        verbose_name = _("import file")
        verbose_name_plural = _("import files")
        ordering = ["batch", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "role"], name="import_file_one_per_role")]

    def __str__(self):
        return self.name
