"""Atom feeds for readers who follow the record: newly published incidents, changes to published incidents
(an official verdict given or revised, an approved change, an approved import) and approved official statements.
Each takes the incident list's filters (the one FilterSet), holds at most MAX_ENTRIES entries, and is a
`@public_page`: kept and validated by the data's version like the pages, in the language of its address
(/ar/feeds/… in Arabic)."""

import dataclasses
import datetime

from django.contrib.syndication.views import Feed
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Min, Q
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.figures.formatting import day
from reports.filters import IncidentFilter
from reports.models import (
    Assessment,
    Assessor,
    AssessorKind,
    Incident,
    OfficialStatement,
    OfficialVerdict,
    ReviewDecision,
)
from reports.models.imports import ImportChange
from reports.models.reference import reference_name
from reports.models.review import ROW_SETS
from reports.page_cache import public_page

MAX_ENTRIES = 50
FILTERS = tuple(IncidentFilter.base_filters)
# The filters a statement can answer: its assessor, and the countries it covers. The others are about
# incidents, which statements are not (the dashboard says so beside them too).
STATEMENT_FILTERS = ("country", "assessor")


@dataclasses.dataclass(frozen=True)
class Entry:
    key: str  # what the entry is about, for its id: "incident/CS1548", "change/12", "statement/3"
    title: str
    link: str
    description: str
    published: datetime.datetime
    updated: datetime.datetime
    host: str = ""  # the site's, for the id (set by FilteredFeed.items)


@dataclasses.dataclass(frozen=True)
class Reading:
    """What one request of a feed reads: the request and its filters."""

    request: object
    incident_filter: IncidentFilter

    @property
    def query(self):
        return self.request.GET.urlencode()


class FilteredFeed(Feed):
    """A feed of Entry items for the incident list's filters. Subclasses name their page and build entries."""

    feed_type = Atom1Feed
    page = "reports:home"  # the HTML page the feed follows, with the same filters
    heading = ""

    def get_object(self, request):
        return Reading(request, IncidentFilter(request.GET))

    def title(self, reading):
        chips = reading.incident_filter.active()
        filters = "; ".join(f"{chip['label']}: {chip['value']}" for chip in chips)
        return f"{self.heading} ({filters})" if filters else str(self.heading)

    def link(self, reading):
        return with_query(reverse(self.page), reading.query)

    def feed_url(self, reading):
        return reading.request.get_full_path()

    def feed_guid(self, reading):
        # The feed's own address, not its page's: two feeds follow the incident list.
        return reading.request.build_absolute_uri()

    def items(self, reading):
        host = reading.request.get_host().split(":")[0]
        return [dataclasses.replace(entry, host=host) for entry in self.entries(reading)]

    def entries(self, reading):
        raise NotImplementedError

    def item_title(self, entry):
        return entry.title

    def item_link(self, entry):
        return entry.link

    def item_description(self, entry):
        return entry.description

    def item_pubdate(self, entry):
        return entry.published

    def item_updateddate(self, entry):
        return entry.updated

    item_guid_is_permalink = False

    def item_guid(self, entry):
        """A tag: URI (RFC 4151) of the site's host, the day the entry first appeared, and what it is about: the
        same in every language and for every filter, and never reused."""
        return f"tag:{entry.host},{entry.published:%Y-%m-%d}:{entry.key}"


def with_query(path, query):
    return f"{path}?{query}" if query else path


def incident_description(incident, note=""):
    return render_to_string("public/_feed_entry.html", {"incident": incident, "note": note}).strip()


class PublishedIncidents(FilteredFeed):
    page = "reports:incident_list"
    heading = gettext_lazy("Newly published incidents")
    subtitle = gettext_lazy("Incidents as they are published, newest first.")

    def entries(self, reading):
        incidents = reading.incident_filter.qs.filter(published_at__isnull=False).order_by("-published_at", "code")
        return [
            Entry(
                key=f"incident/{incident.code}",
                title=incident_title(incident),
                link=permalink(incident),
                description=incident_description(incident),
                published=incident.published_at,
                updated=incident.published_at,
            )
            for incident in incidents[:MAX_ENTRIES]
        ]


def permalink(incident):
    return reverse("reports:public_incident", args=[incident.code])


def incident_title(incident):
    return f"{incident.code}: {incident.title}" if incident.title else incident.code


class IncidentChanges(FilteredFeed):
    """A published incident changes in one of two ways, each approved by a reviewer: an approved change
    (IncidentRevision; a new or changed assessment waits for review like any other edit), or a re-import that a
    second reviewer approved as a whole (ImportChange: one entry per incident the import changed, dated by the
    approval; the incidents it created are the other feed's). Both are merged, newest first. One that gives or
    revises an official verdict is announced as such."""

    page = "reports:incident_list"
    heading = gettext_lazy("Changes to published incidents")
    subtitle = gettext_lazy("Official verdicts given or revised, approved changes and approved imports, newest first.")

    def entries(self, reading):
        incidents = reading.incident_filter.qs
        official = Assessor.objects.filter(kind=AssessorKind.OFFICIAL).in_bulk()
        decisions = list(
            ReviewDecision.objects.approved_changes()
            .filter(incident__in=incidents)
            .select_related("incident", "revision")
            .order_by("-id")[:MAX_ENTRIES]
        )
        verdicts = official_verdicts(decisions, official)
        found = [change_entry(decision, verdicts.get(decision.pk, [])) for decision in decisions]
        imported = (
            ImportChange.objects.approved()
            .filter(incident__in=incidents)
            .select_related("incident")
            .annotate(decided_at=F("batch__decided_at"))
            .order_by("-decided_at", "-batch_id", "incident__code")[:MAX_ENTRIES]
        )
        found += [import_entry(change, official) for change in imported]
        return sorted(found, key=lambda entry: entry.published, reverse=True)[:MAX_ENTRIES]


@dataclasses.dataclass(frozen=True)
class Verdict:
    assessor: Assessor
    verdict: str
    revised: bool  # the assessor had given the incident a verdict before

    @property
    def label(self):
        return dict(OfficialVerdict.choices).get(self.verdict, self.verdict)


def official_verdicts(decisions, assessors):
    """{decision id: [Verdict]}: the official verdicts (of `assessors`, {id: official Assessor}) each approved
    change gave or revised, read from its change set (new assessment rows, and stored rows whose verdict it
    changed), in a fixed number of queries."""
    rows = {decision.pk: verdict_rows(decision.revision.change_set) for decision in decisions}
    stored_ids = {row["id"] for found in rows.values() for row in found if row.get("id")}
    stored = dict(Assessment.objects.filter(pk__in=stored_ids).values_list("pk", "assessor_id"))
    earliest = {
        (first["incident"], first["assessor"]): first["entered"]
        for first in Assessment.objects.filter(incident__in={decision.incident_id for decision in decisions})
        .values("incident", "assessor")
        .annotate(entered=Min("created_at"))
    }
    found = {}
    for decision in decisions:
        for row in rows[decision.pk]:
            assessor_id = row["fields"].get("assessor") or stored.get(row.get("id"))
            if assessor_id not in assessors:
                continue
            first = earliest.get((decision.incident_id, assessor_id))
            revised = bool(row.get("id")) or (first is not None and first < decision.revision.created_at)
            found.setdefault(decision.pk, []).append(Verdict(assessors[assessor_id], row["fields"]["verdict"], revised))
    return found


def verdict_rows(change_set):
    rows = change_set.get("assessments", [])
    return [row for row in rows if not row.get("delete") and "verdict" in row.get("fields", {})]


def change_entry(decision, verdicts):
    incident = decision.incident
    parts = ", ".join(changed_parts(decision.revision.change_set))
    note = _("Changed: %(parts)s. See the changes since publication.") % {"parts": parts} if parts else ""
    return Entry(
        key=f"change/{decision.revision_id}",
        title=change_title(incident, verdicts),
        link=permalink(incident) + "#changes",
        description=incident_description(incident, note),
        published=decision.decided_at,
        updated=decision.decided_at,
    )


def import_entry(change, official):
    """An incident that an approved import changed: its official verdicts as the import recorded them
    (ImportChange.verdicts), dated by the approval, when the change became public."""
    incident = change.incident
    verdicts = [
        Verdict(official[given["assessor"]], given["verdict"], given["revised"])
        for given in change.verdicts
        if given["assessor"] in official
    ]
    note = _("Changed by an approved import. See the changes since publication.")
    return Entry(
        key=f"import/{change.batch_id}/{incident.code}",
        title=change_title(incident, verdicts, _("%(code)s: changed by an approved import")),
        link=permalink(incident) + "#changes",
        description=incident_description(incident, note),
        published=change.decided_at,
        updated=change.decided_at,
    )


def change_title(incident, verdicts, otherwise=None):
    """The official verdicts given or revised, or else `otherwise` (by default, an approved change)."""
    if not verdicts:
        return (otherwise or _("%(code)s: change approved")) % {"code": incident.code}
    said = []
    for verdict in verdicts:
        names = {"assessor": reference_name(verdict.assessor.name), "verdict": verdict.label}
        if verdict.revised:
            said.append(_("official verdict revised by %(assessor)s: %(verdict)s") % names)
        else:
            said.append(_("official verdict given by %(assessor)s: %(verdict)s") % names)
    return f"{incident.code}: {'; '.join(said)}"


def changed_parts(change_set):
    """What a change set changes, as readers would name it: the incident's fields and the kinds of rows, leaving
    out fields readers never see (a model's PRIVATE_FIELDS)."""
    parts = []
    private = set(getattr(Incident, "PRIVATE_FIELDS", ()))
    for name in [name for name in change_set.get("incident", {}) if name not in private]:
        try:
            parts.append(str(Incident._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            continue
    for key, related_name in ROW_SETS.items():
        model = Incident._meta.get_field(related_name).related_model
        private = set(getattr(model, "PRIVATE_FIELDS", ()))
        if any(row.get("delete") or set(row.get("fields", {})) - private for row in change_set.get(key, [])):
            parts.append(str(model._meta.verbose_name_plural))
    return parts


class ApprovedStatements(FilteredFeed):
    heading = gettext_lazy("Official statements")
    subtitle = gettext_lazy("Official statements as they are approved, newest first.")

    def title(self, reading):
        # Only the filters a statement answers are named: the others do not narrow this feed.
        form = reading.incident_filter.form
        reading.incident_filter.is_valid()
        values = form.cleaned_data
        named = [f"{form.fields[name].label}: {values[name]}" for name in STATEMENT_FILTERS if values.get(name)]
        return f"{self.heading} ({'; '.join(named)})" if named else str(self.heading)

    def entries(self, reading):
        statements = statements_for(reading.incident_filter).select_related("assessor")
        return [statement_entry(statement) for statement in statements.order_by("-approved_at", "-id")[:MAX_ENTRIES]]


def statements_for(incident_filter):
    """The approved statements for the filters a statement answers: the assessor, a country it covers. A value
    that is not valid is left out, as the incident list leaves it out (and shows why)."""
    statements = OfficialStatement.public.all()
    incident_filter.is_valid()
    values = incident_filter.form.cleaned_data
    if values.get("assessor"):
        statements = statements.filter(assessor=values["assessor"])
    if country := values.get("country"):
        # Countries are kept as "Iraq; Syria" (OfficialStatement.clean): one of them, whole.
        statements = statements.filter(
            Q(countries=country)
            | Q(countries__startswith=f"{country}; ")
            | Q(countries__endswith=f"; {country}")
            | Q(countries__contains=f"; {country}; ")
        )
    return statements


def statement_entry(statement):
    names = {"assessor": reference_name(statement.assessor.name), "date": day(statement.published_on)}
    title = _("Official statement by %(assessor)s, %(date)s") % names
    if statement.title:
        title = f"{title}: {statement.title}"
    description = render_to_string("public/_feed_statement.html", {"statement": statement}).strip()
    return Entry(
        key=f"statement/{statement.pk}",
        title=title,
        link=f"{reverse('reports:home')}#statement-{statement.pk}",
        description=description,
        published=statement.approved_at,
        updated=statement.approved_at,
    )


def public_feed(feed):
    """A feed instance as a public page: its filters only, kept and validated by the data's version."""
    return public_page(params=FILTERS)(feed)


published_incidents = public_feed(PublishedIncidents())
incident_changes = public_feed(IncidentChanges())
approved_statements = public_feed(ApprovedStatements())


@public_page()
def feed_list(request):
    return render(request, "public/feeds.html", {"example": "country=Iraq"})
