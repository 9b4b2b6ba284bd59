"""Optional read replica (settings.DATABASE_REPLICA_URL): reads go to the replica, everything else to the
primary, and staff always read the primary, so they see their own writes at once.

A request marks itself as staff in `reports.middleware` (`use_primary`); outside a request (commands, the
admin's background work) everything reads the primary too, since only requests are marked as public.
"""

from contextvars import ContextVar

PRIMARY = "default"
REPLICA = "replica"
_reads_from = ContextVar("reads_from", default=PRIMARY)


def read_from_replica():
    """Mark the current context (one request) as a public reader's: its reads may go to the replica."""
    return _reads_from.set(REPLICA)


def reset(token):
    _reads_from.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return _reads_from.get()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY  # the replica follows the primary by replication, not migrations
