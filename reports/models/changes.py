"""What the domain says when public records change, without knowing who listens. Every save and delete that
may change what readers see notes the incident it touched (one that is public, or was counted while it was);
the outermost `changes_collected()` around the write sends them, once, as `records_changed`. The figures
(`reports.figures.receivers`, connected by `ReportsConfig.ready()`) listen and recount their summary."""

import contextlib
import threading

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from reports.models.assessments import Assessment
from reports.models.incidents import Incident, IncidentBelligerent, Source
from reports.models.snapshot import data_changed
from reports.models.summary import TalliedIncident
from reports.models.vocabulary import ReviewState

# Sent (sender: Incident) when the outermost changes_collected() opens its transaction, before the write locks
# any row: whoever must lock something first takes it here (the figures: their summary's lock).
changes_starting = Signal()
# Sent (sender: Incident, incident_ids: the set of incidents touched, possibly empty) when the outermost
# changes_collected() closes, in the write's transaction, after every save inside it.
records_changed = Signal()

_collected = threading.local()  # the incidents touched inside changes_collected(), per thread


@contextlib.contextmanager
def changes_collected():
    """Around a write that changes public incidents (a publication, a retraction, an approved change, an
    import): `changes_starting` is sent first, before any row is locked (the figures take their lock then, so
    two such writes queue rather than each holding a row the other needs); the saves inside only note the
    incidents they touch, and `records_changed` is sent once with all of them on the way out, in the same
    transaction. Nested, it collects into the outermost one."""
    if getattr(_collected, "ids", None) is not None:  # nested: the outermost one sends
        yield
        return
    with transaction.atomic():
        changes_starting.send(sender=Incident)
        _collected.ids = set()
        try:
            yield
            touched = _collected.ids
        finally:
            _collected.ids = None
        records_changed.send(sender=Incident, incident_ids=touched)


def incidents_changed(incident_ids):
    """After a save or delete touching these incidents: inside changes_collected() they are noted, to be sent
    on its way out; otherwise `records_changed` is sent now, in the write's transaction."""
    with changes_collected():
        _collected.ids.update(incident_ids)


# Only incidents readers can see are counted, so drafts and pending work, saved far more often than anything is
# published, cost one indexed lookup here.
PUBLIC_STATES = (ReviewState.PUBLISHED, ReviewState.RETRACTED)


def counted(incident_id, state):
    """Whether the incident is public, or was counted while it was (state None: it is being deleted)."""
    if state is None or state in PUBLIC_STATES:
        return True
    return TalliedIncident.objects.filter(pk=incident_id).exists()


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
@receiver(post_save, sender=Source)  # not counted in any figure, but on the public page
@receiver(post_delete, sender=Source)
def incident_part_changed(sender, instance, **kwargs):
    state = Incident.objects.filter(pk=instance.incident_id).values_list("review_state", flat=True).first()
    if counted(instance.incident_id, state):
        incidents_changed([instance.incident_id])


@receiver(m2m_changed, sender=Incident.strike_types.through)
def strike_types_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """An incident's strike types (a filter, and on its public page), changed from either side."""
    if not action.startswith("post_"):
        return
    if reverse and pk_set is None:  # a strike type cleared of all its incidents: which ones is gone
        data_changed()
        return
    ids = pk_set if reverse else [instance.pk]
    counted_ids = Incident.objects.filter(pk__in=ids).filter(
        Q(review_state__in=PUBLIC_STATES) | Q(pk__in=TalliedIncident.objects.values("pk"))
    )
    public = list(counted_ids.values_list("pk", flat=True))  # `counted()`, for all of them in one query
    if public:
        incidents_changed(public)
