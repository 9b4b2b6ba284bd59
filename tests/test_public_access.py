"""Code for readers reaches records through `Incident.public` and `OfficialStatement.public` only, and the rows
of incidents (assessments, attributions, the incidents statements name) through published incidents: a draft
cannot reach a public page, a download or a figure by a forgotten `.published()`."""

import ast
import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from reports.figures import statements
from reports.models import (
    Assessment,
    Dating,
    Incident,
    OfficialStatement,
    ReviewState,
    StatementItem,
    StatementItemRole,
)
from tests.factories import make_assessment, make_incident, make_statement, monitor_assessor, official_assessor

REPOSITORY = Path(__file__).resolve().parents[1]
# Every module that reads records for readers: the public pages and downloads, the FilterSet they share, the
# figures, the charts and the figures' template tags.
PUBLIC_CODE = [
    "reports/views/public.py",
    "reports/views/exports.py",
    "reports/exports.py",
    "reports/filters.py",
    "reports/figures",
    "reports/templatetags",
]
# Modules in those folders that serve no reader: the summary, which counts what readers may see (it reads the
# records to decide which are published), and the receivers that bring it and each assessment's
# `superseded_on` up to date after any write, drafts included.
WRITERS = ["reports/figures/receivers.py", "reports/figures/summary.py"]
# Models holding unpublished rows, or rows of unpublished incidents.
GUARDED = {"Incident", "Assessment", "IncidentBelligerent", "Source", "OfficialStatement", "StatementItem"}
# Ways past the public managers: a guarded model's own managers, or any model's default and base managers.
BYPASSES = {"objects", "_default_manager", "_base_manager", "default_manager", "base_manager"}


def public_modules():
    for name in PUBLIC_CODE:
        path = REPOSITORY / name
        modules = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        yield from (module for module in modules if str(module.relative_to(REPOSITORY)) not in WRITERS)


def bypasses(source):
    """(line, text) of each place `source` reaches a guarded model past its public manager."""
    tree = ast.parse(source)
    guarded = set(GUARDED)
    for node in ast.walk(tree):  # aliases: `from reports.models import Incident as Record`
        if isinstance(node, ast.ImportFrom):
            guarded |= {alias.asname for alias in node.names if alias.name in GUARDED and alias.asname}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr not in BYPASSES:
            continue
        owner = node.value
        owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        if node.attr != "objects" or owner_name in guarded:
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_public_code_never_reaches_records_past_the_public_managers():
    assert all((REPOSITORY / name).is_file() for name in WRITERS), "WRITERS names a module that has gone"
    found = [
        f"{path.relative_to(REPOSITORY)}:{line}: {text}"
        for path in public_modules()
        for line, text in bypasses(path.read_text())
    ]
    advice = "use Incident.public (and the rows of its incidents) or OfficialStatement.public"
    assert found == [], advice + ":\n" + "\n".join(found)


def test_the_check_finds_a_bypass_however_it_is_spelled():
    source = """
from reports import models
from reports.models import Assessment, Incident as Record

Record.objects.filter(code="X")
Assessment.objects.current()
models.Source.objects.all()
Incident._default_manager.all()
Incident.public.all()
"""
    assert [line for line, _text in bypasses(source)] == [5, 6, 7, 8]


# --- The managers ------------------------------------------------------------------------------------------


@pytest.fixture
def every_state(db):
    """One incident in each review state, each assessed and attributed."""
    incidents = {}
    for state in ReviewState.values:
        incident = make_incident(code=f"S-{state}", review_state=state)
        make_assessment(incident, monitor_assessor(), dating=Dating.REVISED)
        make_assessment(incident, official_assessor(), dating=Dating.UNDATED)
        incidents[state] = incident
    return incidents


@pytest.mark.django_db
def test_incident_public_yields_published_incidents_whatever_is_chained(every_state, reviewer):
    published = {every_state[ReviewState.PUBLISHED].pk}
    draft = every_state[ReviewState.DRAFT]
    assert set(Incident.public.values_list("pk", flat=True)) == published
    assert not Incident.public.filter(review_state=ReviewState.DRAFT).exists()
    assert not Incident.public.filter(pk__in=[incident.pk for incident in every_state.values()]).exclude(
        pk__in=published
    )
    assert set(Incident.public.visible_to(reviewer).values_list("pk", flat=True)) == published
    with pytest.raises(Incident.DoesNotExist):
        Incident.public.get(pk=draft.pk)
    # The default manager stays the staff's: the admin, forms and workflow see every state.
    assert Incident._meta.default_manager.name == "objects"
    assert Incident.objects.count() == len(ReviewState.values)


@pytest.mark.django_db
def test_the_rows_of_public_incidents_are_those_of_published_incidents_only(every_state):
    published = every_state[ReviewState.PUBLISHED].pk
    reached = {
        "current assessments": Incident.public.current_assessments(),
        "as of a date": Incident.public.current_assessments(datetime.date(2018, 1, 1)),
        "revisions": Incident.public.current_assessments_where(dating=Dating.REVISED),
        "undated verdicts": Incident.public.current_assessments_where(dating=Dating.UNDATED),
        "attributions": Incident.public.attributions(),
    }
    for name, rows in reached.items():
        assert set(rows.values_list("incident_id", flat=True)) == {published}, name
    assert set(Incident.public.assessed(dating=Dating.REVISED).values_list("pk", flat=True)) == {published}
    every = Incident.objects.current_assessments_where(dating=Dating.REVISED)
    assert every.count() == Assessment.objects.filter(dating=Dating.REVISED).count() == len(ReviewState.values)


@pytest.mark.django_db
def test_statement_public_yields_approved_statements_not_retracted():
    approved = make_statement()
    make_statement(published_on=datetime.date(2017, 5, 31), approved_at=None)
    make_statement(published_on=datetime.date(2017, 6, 30), retracted_at=timezone.now())
    assert list(OfficialStatement.public.all()) == [approved]
    assert OfficialStatement._meta.default_manager.name == "objects"


@pytest.mark.django_db
def test_a_statement_names_to_readers_only_incidents_readers_may_see(every_state):
    statement = make_statement()
    for incident in every_state.values():
        StatementItem.objects.create(statement=statement, role=StatementItemRole.EXCLUDED, incident=incident)
    alone = statements.reconciled(OfficialStatement.objects.get(pk=statement.pk))
    with_the_others = statements.reconciliation()[0]  # the statements read together, their items prefetched
    for row in (alone, with_the_others):
        named = {item["incident"] for item in row["items"]}
        assert named == {None, every_state[ReviewState.PUBLISHED].code}
        assert row["excluded"] == [every_state[ReviewState.PUBLISHED].code]
