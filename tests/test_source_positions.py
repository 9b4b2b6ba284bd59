"""Every source has a real position among its incident's sources, whichever way it came in: saved one by one
(the analysts' form, the admin's inline, code), bulk-created by an import, or stored before positions were
given (migration 0026)."""

import csv
import importlib

import pytest
from django.db import connection
from django.urls import reverse

from reports.models import Incident, Source
from tests.factories import make_incident, make_source, west_mosul_form
from tests.shared_data import shared_data
from tests.test_admin import incident_form, logged_in
from tests.test_import_airwars import FILES, import_files, small_files

pytestmark = pytest.mark.django_db


def positions(incident):
    return list(Source.objects.filter(incident=incident).order_by("id").values_list("position", flat=True))


def test_a_source_saved_without_a_position_goes_last():
    incident, other = make_incident(), make_incident()
    make_source(other)
    first, second = make_source(incident), make_source(incident)
    assert (first.position, second.position) == (1, 2)
    make_source(incident, position=7)
    assert make_source(incident).position == 8
    assert make_source(incident, position=3).position == 3  # a position given is kept
    assert positions(other) == [1]


def test_the_analysts_form_numbers_its_sources(client, analyst):
    logged_in(client, analyst).post(reverse("reports:incident_create"), west_mosul_form())
    assert positions(Incident.objects.get(code="IQ-MOSUL-0317")) == [1, 2]


def test_the_admin_inline_numbers_sources_left_without_a_position(client, analyst):
    form = incident_form(
        **{"sources-TOTAL_FORMS": "2", "sources-0-position": ""},
        **{"sources-1-position": "", "sources-1-url": "https://example.org/b", "sources-1-publisher": "B"},
    )
    response = logged_in(client, analyst).post(reverse("admin:reports_incident_add"), form)
    assert response.status_code == 302
    assert positions(Incident.objects.get(code="CS9001")) == [1, 2]


def test_an_import_numbers_sources_the_file_gives_no_position(tmp_path, importer):
    files = small_files(shared_data(*FILES), tmp_path, incidents=3)
    sources_file = files[2]
    with open(sources_file, encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        header, rows = reader.fieldnames, list(reader)
    rows[0]["source_order"] = "0"  # no usable position: the source goes after its incident's others
    with open(sources_file, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, header)
        writer.writeheader()
        writer.writerows(rows)

    created = import_files(files, importer).counts["sources"]["created"]
    unnumbered = Source.objects.get(incident__external_id=f"airwars:{rows[0]['airwars_id']}", external_id="0")
    others = Source.objects.filter(incident=unnumbered.incident).exclude(pk=unnumbered.pk)
    assert others.exists()
    assert unnumbered.position == max(source.position for source in others) + 1
    assert not Source.objects.filter(position=0).exists()

    again = import_files(files, importer)  # the position given by the writer is not a change, nor a conflict
    assert again.counts["sources"]["unchanged"] == created
    assert not [problem for problem in again.problems if "edited by hand" in problem.reason]


@pytest.fixture
def importer(db):
    from tests.factories import make_user

    return make_user("ines-importer", "reviewer")


def test_the_migration_numbers_stored_sources_per_incident_in_their_order():
    renumber = importlib.import_module("reports.migrations.0026_source_positions").RENUMBER
    incident, other = make_incident(), make_incident()
    sources = [make_source(incident) for _ in range(4)] + [make_source(other) for _ in range(2)]
    # As stored before: mostly 0, one placed before the others.
    Source.objects.update(position=0)
    Source.objects.filter(pk=sources[1].pk).update(position=5)
    with connection.cursor() as cursor:
        cursor.execute(renumber)
    assert positions(incident) == [1, 4, 2, 3]  # (position, id): 0, 0, 0 by id, then the 5
    assert positions(other) == [1, 2]
