"""Optional read replica (settings.DATABASE_REPLICA_URL): a public reader's request reads from the replica;
everything else reads and writes the primary, so staff see their own writes at once.

Reads go to the primary unless marked: `reports.middleware.PublicReadsFromReplicaMiddleware` marks an
anonymous GET or HEAD request (`read_from_replica`) while it runs. Staff requests, writes, commands and work
done after a response returns (a streamed export) are not marked, and use the primary.
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
