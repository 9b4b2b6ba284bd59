"""What keeps the figures' summary (`reports.figures.summary`) and the snapshot (`reports.models.snapshot`) up to
date as records change: the receivers of the domain's `changes_starting` and `records_changed` signals
(`reports.models.changes`, sent around every write that touches a counted incident) and of the other saves
and deletes the figures depend on, the rebuild after `migrate`, and what bulk writers call instead when they
bypass `save()` (`records_written`). `ReportsConfig.ready()` connects them by importing this module."""

from django.apps import apps as global_apps
from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from reports.figures import summary
from reports.iterables import batched
from reports.models.assessments import Assessment, OfficialStatement, StatementItem
from reports.models.changes import changes_starting, records_changed
from reports.models.incidents import Incident, IncidentBelligerent
from reports.models.reference import Assessor, Belligerent, StrikeType
from reports.models.snapshot import SUMMARY_FORMAT, TallySnapshot, data_changed


def records_written(incident_ids=None, readers_locked_out=False):
    """What a bulk writer (an import, the synthetic data generator) calls once, inside its transaction, after
    writing incidents, attributions or assessments without `save()`: it brings up to date what saves keep
    up to date by themselves (each assessment's `superseded_on`, the summary, the figures). `incident_ids`:
    the incidents written (None: all of them). `readers_locked_out`: see `summary.rebuild`.

    Measured on PostgreSQL with 1M incidents: refreshing `superseded_on` for the whole table takes 4.6 s;
    lists of 1,000 ids take 8.5 s per million ids (lists of 20,000 take 37 s: the planner gives up on the
    index). So lists are sent in batches, and a write of half the table or more redoes all of it."""
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
    exist), and move the data version. Not after a migration back to before the summary (`apps`: the state
    migrated to)."""
    if using != DEFAULT_DB_ALIAS or not summary_is_migrated(apps):
        return
    with transaction.atomic():
        lock_summary()
        if not TallySnapshot.objects.filter(pk=1, summary_format=SUMMARY_FORMAT).exists():
            summary.rebuild()
            TallySnapshot.objects.filter(pk=1).update(summary_format=SUMMARY_FORMAT)
        data_changed()  # a migration may have changed records without their signals: nothing kept is trusted


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


@receiver(changes_starting, sender=Incident)
def lock_before_changes(sender, **kwargs):
    """Before a write that changes public incidents locks any row: the summary's lock, so that two such writes
    queue rather than each holding a row the other needs."""
    lock_summary()


@receiver(records_changed, sender=Incident)
def recount_changed_incidents(sender, incident_ids, **kwargs):
    """After a write touching these counted incidents (in its transaction): their summary cells recounted, and
    the snapshot marked stale when the public figures may have changed."""
    if summary.refresh(incident_ids):
        data_changed()


# The reference fields the summary's cells are keyed by; a name is only a label, read when figures are computed.
SUMMARY_KEYS = {Assessor: ("kind",), Belligerent: ("slug",)}


def summary_keys_in_use(instance):
    """Whether the summary counts records through this assessor (its kind) or belligerent (its slug): if so,
    changing that key rebuilds the whole summary, minutes at a million incidents."""
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


# The relations the summary's comparison cells are keyed by: whose incidents each official assessor's cover.
SUMMARY_RELATIONS = {Assessor: ("speaks_for",), Belligerent: ()}


@receiver(m2m_changed, sender=Assessor.speaks_for.through)
def speakers_changed(sender, instance, action, **kwargs):
    """Who speaks for whom decides which incidents each official assessor's comparison covers: once records are
    counted through the assessor (or the belligerent, changed from its side), a change rebuilds the summary."""
    if not action.startswith("post_"):
        return
    if summary_keys_in_use(instance):  # rare: the admin keeps it read-only once in use
        with transaction.atomic():
            lock_summary()
            summary.rebuild()
    data_changed()


@receiver(post_delete, sender=Assessor)  # only ever an unused one: assessments protect theirs
@receiver(post_delete, sender=Belligerent)
@receiver(post_save, sender=StrikeType)  # a filter's choices and a label on the incident pages
@receiver(post_delete, sender=StrikeType)
def reference_changed_or_deleted(sender, **kwargs):
    """Reference rows readers see: the figures are recounted and every cached page outdated."""
    data_changed()


@receiver(pre_save, sender=OfficialStatement)
def remember_if_statement_was_public(sender, instance, **kwargs):
    instance._was_public = (
        instance.pk is not None and OfficialStatement.objects.filter(pk=instance.pk, approved_at__isnull=False).exists()
    )


@receiver(post_save, sender=OfficialStatement)
@receiver(post_delete, sender=OfficialStatement)
def statement_changed(sender, instance, **kwargs):
    """An approved statement (or one that was: a retraction, an edit) is on the public pages; a draft is not,
    and an analyst saving one moves nothing readers see."""
    if instance.approved_at is not None or getattr(instance, "_was_public", False):
        data_changed()


@receiver(post_save, sender=StatementItem)
@receiver(post_delete, sender=StatementItem)
def statement_item_changed(sender, instance, **kwargs):
    approved = OfficialStatement.objects.filter(pk=instance.statement_id, approved_at__isnull=False).exists()
    if approved:
        data_changed()
