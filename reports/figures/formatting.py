"""Formatting for figures: ranges, and links that keep the reader's filters. The templates reach these functions
as the tags and filters of `{% load tally %}` (reports/templatetags/tally.py)."""

from django.http import QueryDict
from django.utils.formats import number_format

from reports.figures.comparisons import LINES


def span(low, high):
    """A count range as readers write it: "105" when both ends agree, "141–278" otherwise."""
    if low is None and high is None:
        return "?"
    low_text = number_format(low, force_grouping=True)
    if high is None or high == low:
        return low_text
    return f"{low_text}–{number_format(high, force_grouping=True)}"


def with_query(query, **changes):
    """The current filters (`query`, a urlencoded string) with some parameters set or removed (None)."""
    params = QueryDict(query, mutable=True)
    params.pop("page", None)
    for name, value in changes.items():
        params.pop(name, None)
        if value not in (None, ""):
            params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


BREAKDOWNS = ("year", "country", "governorate", "belligerent")


def breakdowns_in_order(breakdowns):
    """The breakdowns in the order the page shows them, whatever order they were stored in."""
    return [(name, breakdowns[name]) for name in BREAKDOWNS if name in breakdowns]


def in_order(lines):
    """A comparison's lines ({name: figures}) in the order the page reads them, whatever order they were
    stored in (PostgreSQL's JSON sorts keys its own way)."""
    return [(name, lines[name]) for name in LINES if name in lines]
