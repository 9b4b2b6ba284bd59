"""The unfiltered dashboard's figures, kept precomputed: reading one row is what keeps the public front page
fast however many incidents there are. Any change to the published records it is computed from marks it stale (a
version counter), and the next reader recomputes it from the summary (`reports.figures.summary`). The receivers
that mark it stale, and keep the summary up to date, are the figures' (`reports.figures.receivers`)."""

from django.db import models
from django.db.models import F

# Raised whenever what the summary's cells hold changes: the next `migrate` rebuilds them (as it does the first
# time, for the records that existed before the summary did).
SUMMARY_FORMAT = 4


class TallySnapshot(models.Model):
    """One row. `data_version` moves on every change to incidents, attributions, assessments or statements;
    `figures` holds what was computed when the data was at `computed_version`; `summary_format` is the
    SUMMARY_FORMAT the summary's cells were built with."""

    data_version = models.PositiveBigIntegerField(default=1)
    computed_version = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    summary_format = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Tally snapshot (data version {self.data_version}, computed for {self.computed_version})"

    @classmethod
    def get(cls):
        snapshot, _created = cls.objects.get_or_create(pk=1)
        return snapshot

    @property
    def is_fresh(self):
        return self.computed_version == self.data_version


def data_changed():
    """Mark the snapshot stale. Saves call it by signal; bulk writers call `records_written()`."""
    if not TallySnapshot.objects.filter(pk=1).update(data_version=F("data_version") + 1):
        TallySnapshot.objects.get_or_create(pk=1)
