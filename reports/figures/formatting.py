"""Formatting for figures: ranges, and links that keep the reader's filters. The templates reach these functions
as the tags and filters of `{% load tally %}` (reports/templatetags/tally.py)."""

import datetime

from django.http import QueryDict
from django.utils import numberformat
from django.utils.formats import date_format, get_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language_bidi

from reports.figures.comparisons import LINES


def ltr(text):
    """Text that reads left to right (a range, a code, a date, coordinates) isolated as such on a page read right
    to left, where the bidirectional algorithm would otherwise reorder it ("12–20" would show as "20–12", and
    2017-03-10 after an Arabic word as 10-03-2017). Unchanged on a page read left to right, and when empty."""
    if text in (None, "") or not get_language_bidi():
        return text
    return format_html('<bdi dir="ltr">{}</bdi>', text)


def day(value):
    """A day of the figures (an ISO date string, as they are kept) written as the page's language writes dates
    (settings.FORMAT_MODULE_PATH): "2017-04-30" in English, "30 نيسان 2017" in Arabic."""
    if value in (None, ""):
        return value
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value)


def isolated_name(name):
    """A name to put into a sentence as plain text (a chart's legend): on a page read right to left, between the
    Unicode first-strong isolate and its pop (as <bdi> does in markup), so that an English name does not turn
    the Arabic sentence around it."""
    return f"\u2068{name}\u2069" if name and get_language_bidi() else name


def span(low, high):
    """A count range as readers write it: "105" when both ends agree, "141–278" otherwise."""
    return range_writer()(low, high)


def range_writer():
    """`span` for many ranges: the language's number format, looked up once (per number, it took longer than
    the rest of the dashboard's table of months)."""
    separator = get_format("THOUSAND_SEPARATOR")
    grouping = get_format("NUMBER_GROUPING")
    isolated = ltr if get_language_bidi() else str

    def number(value):
        return numberformat.format(value, "", grouping=grouping, thousand_sep=separator, force_grouping=True)

    def write(low, high):
        if low is None and high is None:
            return "?"
        if high is None or high == low:
            return number(low)
        return isolated(f"{number(low)}–{number(high)}")

    return write


def month_rows(months, with_monitor):
    """The table rows of the chart's numbers (a row per month: the official concessions in the month and
    cumulated, and the monitor's likely count alike when `with_monitor`), written in one pass."""
    write = range_writer()
    names = ["conceded", "cumulative_conceded"]
    if with_monitor:
        names += ["likely", "cumulative_likely"]

    def cells(row):
        return format_html_join(
            "", "<td>{}</td>", ((write(row[f"{name}_low"], row[f"{name}_high"]),) for name in names)
        )

    return format_html_join("", '<tr><th scope="row">{}</th>{}</tr>', ((row["month"], cells(row)) for row in months))


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
