"""The unfiltered dashboard's figures, kept precomputed: reading one row is what keeps the public front page
fast at a million incidents. Any change to the published records it is computed from marks it stale (a
version counter), and the next reader recomputes it from the live aggregation (`reports.tallies.compute`)."""

from django.db import models
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from reports.models.assessments import Assessment, OfficialStatement
from reports.models.incidents import Incident, IncidentBelligerent
from reports.models.reference import Assessor, Belligerent
from reports.models.vocabulary import ReviewState


class TallySnapshot(models.Model):
    """One row. `data_version` moves on every change to incidents, attributions, assessments or statements;
    `figures` holds what was computed when the data was at `computed_version`."""

    data_version = models.PositiveBigIntegerField(default=1)
    computed_version = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    figures = models.JSONField(default=dict, blank=True)

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


def records_written(incident_ids=None):
    """What a bulk writer (an import, the synthetic data generator) calls once, inside its transaction, after
    writing incidents, attributions or assessments without `save()`: it brings up to date what saves keep
    up to date by themselves (each assessment's `superseded_on`, the figures). `incident_ids`: the incidents
    written (None: all of them).

    Measured on PostgreSQL with 1M incidents: refreshing `superseded_on` for the whole table takes 4.6 s;
    lists of 1,000 ids take 8.5 s per million ids (lists of 20,000 take 37 s: the planner gives up on the
    index). So lists are sent in batches, and a write of half the table or more refreshes all of it."""
    if incident_ids is not None:
        incident_ids = list(incident_ids)
        if len(incident_ids) >= Incident.objects.count() // 2:
            incident_ids = None
    if incident_ids is None:
        Assessment.objects.refresh_superseded()
    else:
        step = 900  # also under SQLite's default limit of 999 query parameters
        for start in range(0, len(incident_ids), step):
            Assessment.objects.refresh_superseded(incident_ids[start : start + step])
    data_changed()


# Only changes readers can see make the snapshot stale: drafts and pending work are saved far more often than
# anything is published, and each staleness costs the next reader a full recomputation.
PUBLIC_STATES = (ReviewState.PUBLISHED, ReviewState.RETRACTED)  # retracting removes from the figures


@receiver(post_save, sender=Incident)
@receiver(post_delete, sender=Incident)
def incident_changed(sender, instance, **kwargs):
    if instance.review_state in PUBLIC_STATES:
        data_changed()


@receiver(post_save, sender=IncidentBelligerent)
@receiver(post_delete, sender=IncidentBelligerent)
@receiver(post_save, sender=Assessment)
@receiver(post_delete, sender=Assessment)
def incident_part_changed(sender, instance, **kwargs):
    state = Incident.objects.filter(pk=instance.incident_id).values_list("review_state", flat=True).first()
    if state is None or state in PUBLIC_STATES:  # None: deleted with its incident
        data_changed()


@receiver(post_save, sender=OfficialStatement)
@receiver(post_delete, sender=OfficialStatement)
@receiver(post_save, sender=Assessor)  # an assessor's name or kind, a belligerent's name: labels and sides
@receiver(post_delete, sender=Assessor)
@receiver(post_save, sender=Belligerent)
@receiver(post_delete, sender=Belligerent)
def statement_or_reference_changed(sender, **kwargs):
    data_changed()
