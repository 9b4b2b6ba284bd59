"""Official statements against the records, within each statement's scope (DOMAIN.md, "Statements have a
scope"). The methodology page states these rules in words; this module is their only definition.

A statement covers some countries over a period (from its "counting since", to the precision given, to its end
or its publication). Its records are the published incidents in that scope attributed to the belligerents its
assessor speaks for, as known on the statement's date, each on the line of the assessor's verdict then
(`reports.figures.comparisons`): credible by that date, stated open, non-credible, duplicate, no verdict; and,
of those, the incidents with a verdict credible now whose date is unknown (they may or may not have been
known then: counted on the line of what was known, and said apart). Incidents the
statement names as excluded are shown as excluded, on no line. Where the records hold only some of the
statement's countries, the page says which: the comparison is of that part only.
"""

from django.db.models import Count, Prefetch, Sum, prefetch_related_objects

from reports.figures.comparisons import LINES, comparison_from_records, line_of, spoken_for_by
from reports.figures.summary import HIGH, LOW, known_on
from reports.models import (
    Dating,
    Incident,
    OfficialStatement,
    OfficialVerdict,
    StatementItemRole,
    TallyChange,
)
from reports.models.summary import ALL

RECONCILED_STATEMENTS = 5
STATED = ["civilians_killed", "reports_received", "reports_credible", "reports_non_credible", "reports_under_review"]


def reconciliation(as_of=None, known_rows=()):
    """The latest approved statements (published by `as_of`), each beside its records. Statements have their
    own scope, so the page's filters do not apply to them, and rows already computed for the same data
    (`known_rows`, from the unfiltered figures) are reused."""
    statements = (
        OfficialStatement.public.select_related("assessor")
        .prefetch_related("assessor__speaks_for", *items_and_their_incidents())
        .order_by("-published_on", "assessor__name", "pk")
    )
    if as_of:
        statements = statements.filter(published_on__lte=as_of)
    known = {row["statement_id"]: row for row in known_rows if "statement_id" in row}
    return [known.get(statement.pk) or reconciled(statement) for statement in statements[:RECONCILED_STATEMENTS]]


def in_scope(statement):
    """The published incidents of the statement's countries and period."""
    incidents = Incident.public.filter(date_start__lte=statement.counted_to)
    if statement.counted_from:
        incidents = incidents.filter(date_start__gte=statement.counted_from)
    if statement.country_list:
        incidents = incidents.filter(country__in=statement.country_list)
    return incidents


def items_and_their_incidents():
    """The lookups that read a statement's items with the incidents they name, through `Incident.public`: an
    item naming an incident readers may not see (one retracted since it was named) names none."""
    return ["items", Prefetch("items__incident", queryset=Incident.public.all())]


def reconciled(statement):
    prefetch_related_objects([statement], *items_and_their_incidents())  # nothing to do if already read
    items = list(statement.items.all())
    excluded = [named(item) for item in items if item.role == StatementItemRole.EXCLUDED and named(item)]
    counted = in_scope(statement).exclude(pk__in=[incident.pk for incident in excluded])
    lines = lines_from_summary(statement, excluded)
    if lines is None:
        lines = comparison_from_records(counted, statement.assessor, None, statement.published_on)["lines"]
    credible = lines["credible"]
    undated = undated_credible(spoken_for_by(counted, statement.assessor), statement)
    row = {
        "statement_id": statement.pk,
        "assessor": statement.assessor.name,
        "speaks_for": sorted(belligerent.name for belligerent in statement.assessor.speaks_for.all()),
        "published_on": statement.published_on.isoformat(),
        "title": statement.title,
        "url": statement.url,
        "quote": statement.quote,
        "caveats": statement.caveats,
        **scope(statement),
        **{f"stated_{name}": getattr(statement, name) for name in STATED},
        "items": [item_row(item) for item in items],
        "incidents": sum(line["incidents"] for line in lines.values()),
        "credible_low": credible["conceded_low"],
        "credible_high": credible["conceded_high"],
        "credible_incidents": credible["incidents"],
        "credible_undated_low": undated["low"],
        "credible_undated_high": undated["high"],
        "credible_undated_incidents": undated["incidents"],
        "open_incidents": lines["open"]["incidents"],
        "non_credible_incidents": lines["non_credible"]["incidents"] + lines["duplicate"]["incidents"],
        "no_verdict_incidents": lines["none"]["incidents"],
        "excluded": sorted(incident.code for incident in excluded),
    }
    if statement.civilians_killed is not None:
        row["difference_low"] = statement.civilians_killed - row["credible_high"]
        row["difference_high"] = statement.civilians_killed - row["credible_low"]
    return row


def lines_from_summary(statement, excluded):
    """The records' lines summed from the summary's history as known on the statement's date (a few hundred
    rows, where the records are millions), when its scope is one the summary keys: its assessor speaks for one
    belligerent, and its period starts on the first of a month (or is not given) and ends on its publication
    date. Incidents the statement excludes are then taken out, from the records (they are a handful). None
    when the summary cannot serve the scope: the caller aggregates the records."""
    speaks_for = list(statement.assessor.speaks_for.all())
    start = statement.counted_from
    if len(speaks_for) != 1 or (start and start.day != 1) or statement.counted_to != statement.published_on:
        return None
    changes = TallyChange.objects.filter(
        known_on(statement.published_on), attributed_to=speaks_for[0].slug, counted_under=ALL
    )
    if statement.country_list:
        changes = changes.filter(country__in=statement.country_list)
    if start:
        changes = changes.filter(month__gte=start)
    sums = (
        changes.order_by()
        .values("assessor_id", "verdict")
        .annotate(count=Sum("count"), low=Sum("low"), high=Sum("high"))
    )
    lines = {name: {"incidents": 0, "conceded_low": 0, "conceded_high": 0} for name in LINES}
    for row in sums:
        if row["assessor_id"] is None:
            lines["none"]["incidents"] += row["count"]  # every incident, less those with a verdict (below)
        elif row["assessor_id"] == statement.assessor.pk and line_of(row["verdict"]) != "none":
            line = lines[line_of(row["verdict"])]
            line["incidents"] += row["count"]
            line["conceded_low"] += row["low"] if row["verdict"] == OfficialVerdict.CREDIBLE else 0
            line["conceded_high"] += row["high"] if row["verdict"] == OfficialVerdict.CREDIBLE else 0
            lines["none"]["incidents"] -= row["count"]
    if excluded:
        scoped = in_scope(statement).filter(pk__in=[incident.pk for incident in excluded])
        taken_out = comparison_from_records(scoped, statement.assessor, None, statement.published_on)["lines"]
        for name, line in lines.items():
            for figure in line:
                line[figure] -= taken_out[name][figure]
    return lines


def scope(statement):
    """The statement's countries, which of them these records hold, and its period."""
    countries = statement.country_list
    held = set(Incident.public.filter(country__in=countries).values_list("country", flat=True))
    return {
        "countries": countries,
        "countries_held": [country for country in countries if country in held],
        "countries_not_held": [country for country in countries if country not in held],
        "counted_from": statement.counted_from.isoformat() if statement.counted_from else None,
        "counted_from_precision": statement.period_start_precision,
        "counted_to": statement.counted_to.isoformat(),
    }


def undated_credible(spoken_for, statement):
    """Credible verdicts of the statement's assessor on these incidents whose date is unknown and that were
    first on record after the statement: credible now, perhaps or perhaps not by the statement's date."""
    verdicts = spoken_for.current_assessments_where(
        assessor=statement.assessor,
        dating=Dating.UNDATED,
        verdict=OfficialVerdict.CREDIBLE,
        counts_from__gt=statement.published_on,
    )
    return verdicts.aggregate(incidents=Count("pk"), low=Sum(LOW, default=0), high=Sum(HIGH, default=0))


def named(item):
    """The incident the item names, if readers may see it (read through `items_and_their_incidents`)."""
    return item.incident


def item_row(item):
    return {
        "role": item.role,
        "description": item.description,
        "incident": named(item).code if named(item) else None,
        "civilians_killed": item.civilians_killed,
        "strikes": item.strikes,
        "period_start": item.period_start.isoformat() if item.period_start else None,
        "period_end": item.period_end.isoformat() if item.period_end else None,
    }
