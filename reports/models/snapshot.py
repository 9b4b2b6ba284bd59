"""The unfiltered dashboard's figures, kept precomputed: reading one row is what keeps the public front page
fast however many incidents there are. Any change to the published records it is computed from marks it stale (a
version counter), and the next reader recomputes it from the summary (`reports.models.summary`), which the
same receivers keep up to date."""

import contextlib
import threading

from django.apps import apps as global_apps
from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from reports.iterables import batched
from reports.models import summary
from reports.models.assessments import Assessment, OfficialStatement
from reports.models.incidents import Incident, IncidentBelligerent
from reports.models.reference import Assessor, Belligerent
from reports.models.vocabulary import ReviewState

# Raised whenever what the summary's cells hold changes: the next `migrate` rebuilds them (as it does the first
# time, for the records that existed before the summary did).
SUMMARY_FORMAT = 3


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


def records_written(incident_ids=None, readers_locked_out=False):
    """What a bulk writer (an import, the synthetic data generator) calls once, inside its transaction, after
    writing incidents, attributions or assessments without `save()`: it brings up to date what saves keep
    up to date by themselves (each assessment's `superseded_on`, the summary, the figures). `incident_ids`:
    the incidents written (None: all of them). `readers_locked_out`: see `summary.rebuild`.

    On PostgreSQL a long list of ids makes the planner give up on the index, and per id, lists cost more than
    redoing the whole table (README, "Tests, CI and benchmarks"). So lists are sent in batches, and a write of
    half the table or more redoes all of it."""
    with transaction.atomic():
        lock_summary()
        refresh_written(incident_ids, readers_locked_out)
        data_changed()


def refresh_written(incident_ids, readers_locked_out=False):
    if incident_ids is not None:
        incident_ids = list(incident_ids)
        if len(incident_ids) >= Incident.objects.count() // 2:
            incident_ids = None
    if incident_ids is None:
        Assessment.objects.refresh_superseded()
        summary.rebuild(readers_locked_out)
    else:
        for batch in batched(incident_ids, summary.BATCH):
            Assessment.objects.refresh_superseded(batch)
        summary.refresh(incident_ids)


def rebuild_outdated_summary(using, apps=global_apps, **kwargs):
    """After `migrate` (or `flush`): build the summary if it predates this code's SUMMARY_FORMAT (or did not
    exist). Not after a migration back to before the summary (`apps`: the state migrated to)."""
    if using != DEFAULT_DB_ALIAS or not summary_is_migrated(apps):
        return
    with transaction.atomic():
        lock_summary()
        if TallySnapshot.objects.filter(pk=1, summary_format=SUMMARY_FORMAT).exists():
            return
        summary.rebuild()
        TallySnapshot.objects.filter(pk=1).update(summary_format=SUMMARY_FORMAT)
        data_changed()


def summary_is_migrated(apps):
    try:
        apps.get_model("reports", "TallyChange")
        apps.get_model("reports", "TallySnapshot")._meta.get_field("summary_format")
        apps.get_model("reports", "Assessment")._meta.get_field("counts_from")  # what the summary counts by
    except (LookupError, FieldDoesNotExist):
        return False
    return True


def lock_summary():
    """Hold the snapshot's row until the transaction ends: two writers recounting the same cells at once
    would each delete what it saw and insert its own rows, counting twice. Taken before anything is read,
    so the second writer's statements see the first one's committed work."""
    if not TallySnapshot.objects.select_for_update().filter(pk=1).exists():
        TallySnapshot.get()


_recount_later = threading.local()  # the incidents touched inside figures_recounted_once(), per thread


@contextlib.contextmanager
def figures_recounted_once():
    """Around a write that changes public incidents (a publication, a retraction, an approved change, an
    import): the summary's lock is taken first, before any row, so two such writes queue rather than each
    holding a row the other needs; the saves inside only note the incidents they touch, recounted once on the
    way out, in the same transaction."""
    if getattr(_recount_later, "ids", None) is not None:  # nested: the outermost one recounts
        yield
        return
    with transaction.atomic():
        lock_summary()
        _recount_later.ids = set()
        try:
            yield
            touched = _recount_later.ids
        finally:
            _recount_later.ids = None
        if summary.refresh(touched):
            data_changed()


def incidents_changed(incident_ids):
    """After a save or delete touching these incidents: their summary cells recounted, and the snapshot
    marked stale when the public figures may have changed (the incidents are or were published). Inside
    figures_recounted_once() that happens once, on its way out; otherwise now, in the write's transaction."""
    with figures_recounted_once():
        _recount_later.ids.update(incident_ids)


# Only incidents readers can see are counted, so drafts and pending work, saved far more often than anything is
# published, cost one indexed lookup here.
PUBLIC_STATES = (ReviewState.PUBLISHED, ReviewState.RETRACTED)


def counted(incident_id, state):
    """Whether the incident is public, or was counted while it was (state None: it is being deleted)."""
    if state is None or state in PUBLIC_STATES:
        return True
    return summary.TalliedIncident.objects.filter(pk=incident_id).exists()


@receiver(post_save, sender=Incident)
@receiver(post_delete, sender=Incident)
def incident_changed(sender, instance, **kwargs):
    if counted(instance.pk, instance.review_state):
        incidents_changed([instance.pk])


@receiver(post_save, sender=Assessment)
@receiver(post_delete, sender=Assessment)
def assessment_changed(sender, instance, **kwargs):
    # Here rather than in save(): queryset deletes (and the admin's) send the signal for every row too.
    Assessment.objects.refresh_superseded([instance.incident_id])
    incident_part_changed(sender, instance)


@receiver(post_save, sender=IncidentBelligerent)
@receiver(post_delete, sender=IncidentBelligerent)
def incident_part_changed(sender, instance, **kwargs):
    state = Incident.objects.filter(pk=instance.incident_id).values_list("review_state", flat=True).first()
    if counted(instance.incident_id, state):
        incidents_changed([instance.incident_id])


# The reference fields the summary's cells are keyed by; a name is only a label, read when figures are computed.
SUMMARY_KEYS = {Assessor: ("kind",), Belligerent: ("slug",)}


def summary_keys_in_use(instance):
    """Whether the summary counts records through this assessor (its kind) or belligerent (its slug): if so,
    changing that key rebuilds the whole summary."""
    if isinstance(instance, Assessor):
        return Assessment.objects.filter(assessor=instance).exists()
    return IncidentBelligerent.objects.filter(belligerent=instance).exists()


@receiver(pre_save, sender=Assessor)
@receiver(pre_save, sender=Belligerent)
def remember_summary_keys(sender, instance, **kwargs):
    keys = sender.objects.filter(pk=instance.pk).values_list(*SUMMARY_KEYS[sender]).first() if instance.pk else None
    instance._summary_keys_before = keys


@receiver(post_save, sender=Assessor)
@receiver(post_save, sender=Belligerent)
def reference_changed(sender, instance, **kwargs):
    before = getattr(instance, "_summary_keys_before", None)
    changed = before is not None and before != tuple(getattr(instance, name) for name in SUMMARY_KEYS[sender])
    if changed and summary_keys_in_use(instance):  # rare: the admin keeps these keys read-only once in use
        with transaction.atomic():
            lock_summary()
            summary.rebuild()
    data_changed()


@receiver(m2m_changed, sender=Assessor.speaks_for.through)
def speakers_changed(sender, action, **kwargs):
    """Who speaks for whom decides the headline: any change to it makes the figures stale."""
    if action.startswith("post_"):
        data_changed()


@receiver(post_save, sender=OfficialStatement)
@receiver(post_delete, sender=OfficialStatement)
@receiver(post_delete, sender=Assessor)  # only ever an unused one: assessments protect theirs
@receiver(post_delete, sender=Belligerent)
def statement_or_reference_deleted(sender, **kwargs):
    data_changed()
