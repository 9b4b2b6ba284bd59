"""The dashboard's map and the incident page's locator map: Iraq's and Syria's governorates drawn on the server,
shaded by the dashboard's own figures per governorate (adding up to its totals), incidents as dots aggregated
in the database, drafts never counted, a bounded number of queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.figures import map as maps
from reports.figures import tallies
from reports.filters import IncidentFilter
from reports.models import Incident, ReviewState
from tests.factories import make_assessment, make_incident, monitor_assessor, official_assessor
from tests.test_public import get, rendered

pytestmark = pytest.mark.django_db


def assessed(code, governorate="Raqqa", country="Syria", official=None, monitor=(2, 5), **fields):
    """A published incident (by default of 10 March 2017, assessed ten days later) and its assessments."""
    fields.setdefault("date_start", datetime.date(2017, 3, 10))
    incident = make_incident(code=code, country=country, governorate=governorate, **fields)
    if official is not None:
        make_assessment(incident, official_assessor(), verdict="credible", killed_min=official, killed_max=None)
    make_assessment(incident, monitor_assessor(), verdict="fair", killed_min=monitor[0], killed_max=monitor[1])
    return incident


def map_section(page):
    start = page.index('id="map-heading"')
    return page[start : page.index("</section>", start)]


def fill_of(section, governorate_id):
    return re.search(rf'<path d="[^"]*" fill="(#[0-9a-f]+)" data-governorate="{governorate_id}"', section)[1]


# --- Names and data ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Raqqa", "SY-RA"),
        ("Ar Raqqah", "SY-RA"),
        ("Deir Ezzor", "SY-DY"),
        ("Deir ez-Zor", "SY-DY"),
        ("Al-Hasakah", "SY-HA"),
        ("As-Suwayda", "SY-SU"),
        ("Nineveh", "IQ-NI"),
        ("Mosul", "IQ-NI"),
        ("Salahuddin", "IQ-SD"),
        ("Kirkuk", "IQ-TS"),
        ("Anbar", "IQ-AN"),
        ("Rif Dimashq", "SY-RD"),
        ("Hama governorate", "SY-HM"),
        ("Hattai", None),  # Hatay, in Turkey: not a governorate of the map
        ("Hama and Idlib", None),
        ("", None),
    ],
)
def test_governorate_names_as_incidents_spell_them(name, expected):
    assert maps.governorate_id(name) == expected


def test_every_governorate_the_synthetic_data_uses_is_on_the_map():
    from reports.devdata.synthetic import PLACES

    names = [governorate for places in PLACES.values() for governorate, _weight, _towns in places]
    assert [name for name in names if maps.governorate_id(name) is None] == []


def test_projection_keeps_the_frame_and_north_up():
    projection = maps.Projection((34.5, 28.5, 49.5, 38.5), 640)
    assert projection.point(34.5, 38.5) == (0, 0)
    x, y = projection.point(49.5, 28.5)
    assert x == 640 and y == pytest.approx(projection.height, abs=1)
    # Longitudes shrink with cos(33.5°): ten degrees of latitude are taller than 10/15 of the width.
    assert projection.height == pytest.approx(640 * 10 / (15 * 0.8339), abs=1)


# --- The dashboard's map ----------------------------------------------------------------------------------------


def test_map_draws_iraq_and_syria_governorates_and_dots(client):
    assessed("R1", latitude=Decimal("35.95"), longitude=Decimal("39.01"), location_precision="exact")
    assessed("M1", governorate="Nineveh", country="Iraq", latitude=Decimal("36.34"), longitude=Decimal("43.13"))
    section = map_section(get(client, "reports:home"))
    for governorate_id in ("IQ-NI", "IQ-BG", "IQ-AN", "SY-RA", "SY-HL", "SY-DI"):
        assert f'data-governorate="{governorate_id}"' in section
    assert section.count('class="dot-point"') == 1  # an exact point: filled
    assert section.count('class="dot-place"') == 1  # precision not recorded: hollow
    assert "<title>Turkey</title>" in section and "style=" not in section


def test_past_the_dots_limit_no_incident_is_read_for_dots_and_the_page_says_so(client, monkeypatch):
    assessed("R2", latitude=Decimal("35.95"), longitude=Decimal("39.01"), location_precision="exact")
    assessed("R3", latitude=Decimal("35.90"), longitude=Decimal("39.05"), location_precision="exact")
    monkeypatch.setattr(maps, "DOTS_LIMIT", 1)
    monkeypatch.setattr(maps, "dots", lambda *args: pytest.fail("the incidents were read for dots"))
    section = map_section(get(client, "reports:home"))
    assert 'class="dot-' not in section and "Dots are drawn when at most 1 incidents are in view" in section
    assert 'data-governorate="SY-RA"' in section  # the shading stays


def test_an_incident_known_only_to_its_governorate_shades_it_but_is_no_dot(client):
    assessed(
        "G1", governorate="Idlib", latitude=Decimal("35.9"), longitude=Decimal("36.6"), location_precision="governorate"
    )
    section = map_section(get(client, "reports:home"))
    assert "<circle" not in section.split("</svg>")[0].split('class="dots"')[1]
    assert fill_of(section, "SY-ID") != maps.NOT_IN_VIEW
    assert fill_of(section, "SY-HL") == maps.NOT_IN_VIEW


def test_incidents_in_one_grid_square_are_one_dot_sized_by_their_deaths():
    for number in range(3):
        assessed(
            f"D{number}",
            monitor=(10, 10),
            latitude=Decimal("35.90") + Decimal(number) / 100,
            longitude=Decimal("39.01"),
        )
    assessed("FAR", monitor=(1, 1), latitude=Decimal("36.90"), longitude=Decimal("38.01"))
    monitor = monitor_assessor()
    cells = sorted(maps.dots(Incident.public.all(), monitor.pk), key=lambda cell: -cell["incidents"])
    assert [(cell["incidents"], cell["deaths"]) for cell in cells] == [(3, 30), (1, 1)]
    assert float(cells[0]["lat"]) == pytest.approx(35.91)
    assert maps.dot_radius(30) > maps.dot_radius(1)


def test_shading_follows_the_chosen_figure(client):
    assessed("A1", governorate="Aleppo", official=50, monitor=(20, 20))
    assessed("R1", governorate="Raqqa", official=1, monitor=(90, 90))
    official = map_section(get(client, "reports:home", map="official"))
    likely = map_section(get(client, "reports:home", map="likely"))
    # Aleppo has the most conceded, Raqqa the most likely deaths: each is the darkest in its own shading.
    assert fill_of(official, "SY-HL") == maps.RAMPS["official"][-1]
    assert fill_of(likely, "SY-RA") == maps.RAMPS["likely"][-1]
    assert fill_of(likely, "SY-HL") != maps.RAMPS["likely"][-1]
    assert '<strong aria-current="true">official deaths conceded</strong>' in official
    assert 'href="?map=gap#map-heading"' in likely


def test_an_unknown_figure_shades_by_the_default_and_is_no_error(client):
    assessed("A1")
    assert "the monitor's likely count</strong>" in map_section(get(client, "reports:home", map="<script>"))


def figures_for(params):
    incident_filter = IncidentFilter(params)
    return incident_filter, tallies.dashboard(incident_filter)


@pytest.mark.parametrize("params", [{}, {"country": "Syria"}, {"as_of": "2017-06-01"}, {"q": "Place"}])
def test_governorates_and_the_rest_add_up_to_the_dashboards_totals(params):
    assessed("R1", official=3, monitor=(5, 8))
    assessed("R2", governorate="Ar Raqqah", official=None, monitor=(1, 2))  # the same governorate, spelled otherwise
    assessed("N1", governorate="Nineveh", country="Iraq", official=10, monitor=(40, 60))
    assessed("H1", governorate="Hattai", monitor=(7, 7))  # in Turkey: not on the map
    assessed("X1", governorate="", official=2, monitor=(3, 3))  # no governorate recorded
    assessed("HIDDEN", official=500, monitor=(900, 900), review_state=ReviewState.DRAFT)
    _incident_filter, figures = figures_for(params)
    assert figures["incidents"] == (4 if "country" in params else 5)  # the draft counted nowhere
    located, not_located = maps.governorate_figures(figures)
    rows = [*located.values(), *not_located]

    assert sum(row["incidents"] for row in rows) == figures["incidents"]
    lead = figures["monitors"][0]
    assert sum(row["likely_low"] for row in rows) == lead["likely_low"]
    assert sum(row["likely_high"] for row in rows) == lead["likely_high"]
    conceded = figures["comparisons"][0]["total"]
    assert sum(row["official_low"] for row in rows) == conceded["conceded_low"]
    assert sum(row["official_high"] for row in rows) == conceded["conceded_high"]
    if not params:
        assert located["SY-RA"]["incidents"] == 2 and sorted(located["SY-RA"]["names"]) == ["Ar Raqqah", "Raqqa"]
        assert {row["names"][0] for row in not_located} == {"", "Hattai"}


def test_the_table_gives_the_numbers_and_the_rows_off_the_map(client):
    assessed("N1", governorate="Nineveh", country="Iraq", official=10, monitor=(40, 60))
    assessed("H1", governorate="Hattai", monitor=(7, 7))
    section = map_section(get(client, "reports:home"))
    row = re.search(r"<bdi>Ninawa</bdi>.*?</tr>", section, re.S)[0]
    assert re.findall(r"<td>([^<]*)</td>", row) == ["Iraq", "1", "10", "40–60", "30–50"]
    assert "Not on the map: <bdi>Hattai</bdi>" in section


def test_drafts_are_never_drawn(client):
    assessed("HIDDEN", review_state=ReviewState.DRAFT, latitude=Decimal("35.9"), longitude=Decimal("39.0"))
    section = map_section(get(client, "reports:home"))
    assert fill_of(section, "SY-RA") == maps.NOT_IN_VIEW
    assert "<circle" not in section.split('class="dots"')[1].split("</g>")[0]


@pytest.mark.parametrize("params", [{"map": "gap"}, {"country": "Syria", "map": "official"}])
def test_the_map_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries, params):
    def add(prefix, count):
        for number in range(count):
            assessed(
                f"{prefix}{number}",
                governorate=["Raqqa", "Aleppo", "Idlib"][number % 3],
                official=1,
                latitude=Decimal("35") + Decimal(number) / 10,
                longitude=Decimal("37") + Decimal(number) / 10,
                location_precision="town",
            )

    add("A", 3)
    get(client, "reports:home", **params)  # warm: the snapshot
    with django_assert_max_num_queries(40) as few:
        rendered(client, "reports:home", **params)
    few_count = len(few)
    add("B", 25)
    get(client, "reports:home", **params)
    with django_assert_max_num_queries(few_count):
        page = rendered(client, "reports:home", **params)
    assert page.count('class="dot-place"') > 3


# --- The incident page's locator map ------------------------------------------------------------------------


def locator(client, incident):
    page = client.get(reverse("reports:public_incident", args=[incident.code])).content.decode()
    start = page.index('class="locator"')
    return page[start : page.index("</figure>", start)]


def test_locator_map_shows_the_point(client):
    incident = assessed("P1", latitude=Decimal("35.95"), longitude=Decimal("39.01"), location_precision="exact")
    section = locator(client, incident)
    assert "<circle" in section and "Ar Raqqah" in section


def test_locator_map_highlights_the_governorate_when_that_is_all_that_is_known(client):
    incident = assessed("G1", governorate="Idlib", location_precision="governorate")
    section = locator(client, incident)
    assert "<circle" not in section and "Idlib" in section


def test_no_locator_map_for_a_place_off_the_map(client):
    incident = assessed(
        "D1",
        governorate="River Province",
        country="Demoland (fictional)",
        latitude=Decimal("35.1"),  # the demo's invented places have coordinates in Syria's
        longitude=Decimal("38.5"),
    )
    page = client.get(reverse("reports:public_incident", args=[incident.code])).content.decode()
    assert 'class="locator"' not in page


def test_the_filter_form_keeps_the_chosen_figure(client):
    assessed("A1")
    assert '<input type="hidden" name="map" value="gap">' in get(client, "reports:home", map="gap")
    assert 'name="map"' not in get(client, "reports:home")


def test_names_are_escaped(client):
    assessed("X1", governorate='<script>alert("gov")</script>', latitude=Decimal("35.9"), longitude=Decimal("39.0"))
    section = map_section(get(client, "reports:home"))
    assert "<script>" not in section and "&lt;script&gt;alert" in section
