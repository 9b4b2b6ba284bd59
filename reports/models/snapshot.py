"""The unfiltered dashboard's figures, kept precomputed: reading one row is what keeps the public front page
fast however many incidents there are. Any change readers can see moves the data version (a counter) in the
writer's transaction, which marks the figures stale; the recount worker (`manage.py recount_figures`) computes
them again from the summary (`reports.figures.summary`), and readers are served the previous figures meanwhile.
The version is also what every public page is cached and validated under (`reports.page_cache`). The receivers
that move it, and keep the summary up to date, are the figures' (`reports.figures.receivers`)."""

import dataclasses
import datetime
import functools
import hashlib

from django.db import connections, models, router, transaction
from django.db.models import F
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Raised whenever what the summary's cells hold changes: the next `migrate` rebuilds them (as it does the first
# time, for the records that existed before the summary did).
SUMMARY_FORMAT = 4


class TallySnapshot(models.Model):
    """One row. `data_version` moves on every change to incidents, attributions, assessments or statements;
    `figures` holds what was computed when the data was at `computed_version`; `summary_format` is the
    SUMMARY_FORMAT the summary's cells were built with."""

    data_version = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(null=True, blank=True)
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

    @classmethod
    def outline(cls):
        """The row with only the figures' format and date, enough to tell whether they are outdated: what the
        recount worker reads four times a second (the figures are tens of kilobytes)."""
        outline = cls.objects.defer("figures").annotate(
            figures_format=Cast(KT("figures__format"), models.IntegerField()), figures_as_of=KT("figures__as_of")
        )
        snapshot = outline.filter(pk=1).first()
        if snapshot is None:
            return cls.get()
        snapshot.figures = {"format": snapshot.figures_format, "as_of": snapshot.figures_as_of}
        return snapshot

    @property
    def is_fresh(self):
        return self.computed_version == self.data_version


READ_VERSION = "SELECT data_version, changed_at, computed_version, computed_at FROM reports_tallysnapshot WHERE id = 1"


@dataclasses.dataclass(frozen=True)
class PublicVersion:
    """What readers can see, in one row read: the data's version and when it last moved, and which version the
    stored figures were computed for and when. The times make the stamp unique even when a restored backup
    brings an old counter value back."""

    data_version: int
    changed_at: datetime.datetime | None
    computed_version: int
    computed_at: datetime.datetime | None

    @classmethod
    def read(cls):
        """Read on every public request, so in plain SQL: the ORM took three times as long to build the query as
        the database took to answer it."""
        with connections[router.db_for_read(TallySnapshot)].cursor() as cursor:
            cursor.execute(READ_VERSION)
            row = cursor.fetchone()
        if row is None:
            return cls(0, None, 0, None)
        data_version, changed_at, computed_version, computed_at = row
        return cls(data_version, as_datetime(changed_at), computed_version, as_datetime(computed_at))

    @functools.cached_property
    def stamp(self):
        """A short, opaque token naming this version (for cache keys and ETags; asked for three times a request)."""
        parts = [self.data_version, self.changed_at, self.computed_version, self.computed_at]
        return hashlib.blake2s(repr(parts).encode(), digest_size=9).hexdigest()

    @property
    def last_modified(self):
        """The latest of the two dates (each version's is a whole second after the one before: `next_moment`)."""
        times = [time for time in (self.changed_at, self.computed_at) if time is not None]
        return max(times) if times else None


def as_datetime(value):
    """A timestamp as the driver returns it: a datetime (PostgreSQL), or text in UTC (SQLite)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def data_changed():
    """A change readers can see: move the data version (the figures are stale and every cached page is
    outdated) in the writer's transaction. Saves call it by signal; bulk writers call `records_written()`."""
    with transaction.atomic():
        row = TallySnapshot.objects.select_for_update().filter(pk=1).values_list("changed_at", "computed_at").first()
        if row is None:
            TallySnapshot.objects.get_or_create(pk=1, defaults={"changed_at": timezone.now()})
            return
        TallySnapshot.objects.filter(pk=1).update(data_version=F("data_version") + 1, changed_at=next_moment(*row))


def next_moment(*moments):
    """When a new version of what readers see is dated: now, or if that is not yet a whole second after the
    latest of `moments` (the previous versions' dates), that second. So every version's Last-Modified, in the
    whole seconds HTTP dates have, is later than every earlier version's, and If-Modified-Since can be
    answered from it. (Many changes within one second date the last of them a few seconds ahead.)"""
    now = timezone.now()
    known = [moment for moment in moments if moment is not None]
    if not known:
        return now
    return max(now, max(known).replace(microsecond=0) + datetime.timedelta(seconds=1))
