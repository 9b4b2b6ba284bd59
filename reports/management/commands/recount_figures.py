"""The recount worker: keeps the unfiltered figures (the snapshot) up to date off the request path, so that no
reader waits for a recount. Gunicorn starts it beside the web workers (gunicorn.conf.py); it can run as its own
service instead (README, "Serving")."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from reports.figures import tallies
from reports.models import TallySnapshot

log = logging.getLogger("reports.recount")


class Command(BaseCommand):
    help = (
        "Recount the public figures whenever the data changes (polling the data version), until stopped. "
        "With --once: recount now if they are outdated, then exit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Recount if outdated, then exit.")
        parser.add_argument(
            "--interval", type=float, default=0.25, help="Seconds between two looks at the version (0.25)."
        )

    def handle(self, *args, once, interval, **options):
        if once:
            self.stdout.write("recounted" if recount_if_outdated() else "up to date")
            return
        self.stopping = False
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.stop)
        log.info("recount worker started, looking every %.2f s", interval)
        while not self.stopping:
            try:
                recount_if_outdated()
            except DatabaseError as error:  # an outage or a restart: look again later, on a new connection
                log.warning(
                    "recount worker: database unavailable or busy, trying again: %s", str(error).strip().splitlines()[0]
                )
                connections.close_all()
                time.sleep(max(interval, 2))
            except Exception:  # a bug must not stop the recounts for good: say it, and look again
                log.exception("recount worker: the recount failed")
                time.sleep(max(interval, 10))
            time.sleep(interval)
        log.info("recount worker stopped")

    def stop(self, signum, frame):
        self.stopping = True


def recount_if_outdated():
    """One look: recount and store the figures if they are outdated and nobody else is storing them. Returns
    whether it stored new figures. The look reads the figures' format and date, not the figures."""
    snapshot = TallySnapshot.outline()
    if tallies.outdated_since(snapshot) is None:
        return False
    started = time.perf_counter()
    stored = tallies.refresh_snapshot(snapshot, store_only=True)
    if stored:
        log.info(
            "figures recounted for data version %s in %.0f ms",
            snapshot.computed_version,
            (time.perf_counter() - started) * 1000,
        )
    return stored
