"""Small helpers over iterables, shared by the exports, the figures' summary and the importers."""

from itertools import islice


def batched(items, size):
    """Lists of `size` items, the last one shorter (itertools.batched, which Python 3.11 lacks)."""
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch
