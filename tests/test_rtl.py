"""The site in Arabic reads right to left: <html dir="rtl">, the Arabic typeface served by the site itself, a
stylesheet of logical properties, a mirrored chart, a map whose names are Arabic but whose geography is not
mirrored, and left-to-right runs (ranges, codes, coordinates) isolated inside the Arabic text."""

import datetime
import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from reports.figures import charts
from tests.factories import make_assessment, make_incident, monitor_assessor, official_assessor

ROOT = Path(settings.BASE_DIR)
CSS = [ROOT / "static" / "css" / name for name in ("site.css", "admin-review.css")]
FONT_DIR = "fonts/noto-naskh-arabic"
FONTS = [f"{FONT_DIR}/noto-naskh-arabic-arabic-{weight}-normal.woff2" for weight in (400, 700)]
PUBLIC_PAGES = ["", "incidents/", "incidents/RTL1/", "methodology/"]


def assessed(code="RTL1", **fields):
    """A published incident in Raqqa with an official concession and a monitor's range."""
    fields = {"country": "Syria", "governorate": "Raqqa", "date_start": datetime.date(2017, 3, 10), **fields}
    incident = make_incident(code=code, **fields)
    make_assessment(incident, official_assessor(), verdict="credible", killed_min=3, killed_max=None)
    make_assessment(incident, monitor_assessor(), verdict="fair", killed_min=12, killed_max=20)
    return incident


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


# --- The document's direction -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_arabic_pages_read_right_to_left_and_english_ones_left_to_right(client, path):
    assessed()
    assert '<html lang="ar" dir="rtl">' in page(client, f"/ar/{path}")
    assert '<html lang="en" dir="ltr">' in page(client, f"/{path}")


# --- The typeface -----------------------------------------------------------------------------------------------


def test_the_font_files_are_found_and_match_their_provenance():
    provenance = (ROOT / "static" / FONT_DIR / "PROVENANCE.md").read_text()
    assert "SIL Open Font License" in (ROOT / "static" / FONT_DIR / "LICENSE").read_text()
    for name in FONTS:
        found = finders.find(name)
        assert found, name
        assert hashlib.sha256(Path(found).read_bytes()).hexdigest() in provenance, name


def test_site_css_declares_the_arabic_font_for_arabic_text_only():
    css = CSS[0].read_text()
    faces = re.findall(r"@font-face \{(.*?)\}", css, re.S)
    assert len(faces) == 2
    for face, name in zip(faces, FONTS, strict=True):
        assert f'url("../{name}") format("woff2")' in face
        assert "font-display: swap" in face
        assert "unicode-range: U+0600-06FF," in face  # English pages never download it
    assert re.search(r':lang\(ar\) \{ font-family: "Noto Naskh Arabic",', css)


@pytest.mark.django_db
def test_the_collected_stylesheet_points_at_the_served_font(tmp_path, settings):
    """As in production: collectstatic with the manifest storage (which fails on a url() to a missing file),
    then WhiteNoise serves the stylesheet and the fonts it names."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a new handler: WhiteNoise lists the files it serves when it starts
    css_url = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', page(client, "/methodology/"))[1]
    css = client.get(css_url)
    assert css.status_code == 200
    stylesheet = b"".join(css.streaming_content).decode()
    for name in FONTS:
        hashed = re.search(rf'url\("\.\./({re.escape(name[:-6])}\.[0-9a-f]+\.woff2)"\)', stylesheet)[1]
        font = client.get(f"/static/{hashed}")
        assert font.status_code == 200 and font["Content-Type"] == "font/woff2"


def test_fonts_may_come_from_the_site_itself_only():
    assert "font-src 'self'" in settings.CONTENT_SECURITY_POLICY.split("; ")


# --- The stylesheets mirror: logical properties only --------------------------------------------------------------

PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right)\b|left\s*:|right\s*:|float\s*:|"
    r"text-align\s*:\s*(?:left|right)|clear\s*:)"
)


@pytest.mark.parametrize("stylesheet", CSS, ids=lambda path: path.name)
def test_stylesheets_use_logical_properties(stylesheet):
    css = re.sub(r"/\*.*?\*/", "", stylesheet.read_text(), flags=re.S)
    assert PHYSICAL.findall(css) == []


def test_arrows_in_templates_turn_with_the_page():
    """An arrow in a template's text sits in an .arrow span, which a right-to-left page mirrors."""
    css = CSS[0].read_text()
    assert "[dir=rtl] .arrow { transform: scaleX(-1); }" in css
    for template in (ROOT / "templates").rglob("*.html"):
        if "simple_history" in template.parts:  # the package's own admin page, left as it ships
            continue
        text = template.read_text()
        bare = re.sub(r'<span class="arrow"[^>]*>[←→]</span>', "", text)
        assert not re.search("[←→]", bare), template


# --- Left-to-right runs inside Arabic text ----------------------------------------------------------------------


@pytest.mark.django_db
def test_ranges_codes_and_coordinates_are_isolated_on_arabic_pages(client):
    assessed(latitude=Decimal("35.95"), longitude=Decimal("39.01"), location_precision="exact")
    arabic_list = page(client, "/ar/incidents/")
    assert '<bdi dir="ltr">12–20</bdi>' in arabic_list
    assert '<a href="/ar/incidents/RTL1/"><bdi dir="ltr">RTL1</bdi></a>' in arabic_list
    detail = page(client, "/ar/incidents/RTL1/")
    assert '<h1><bdi dir="ltr">RTL1</bdi>' in detail
    assert re.search(r'<bdi dir="ltr">35\.950*, 39\.010*</bdi>', detail)
    assert "10 آذار 2017" in detail  # a date object is written in the language's format, month by name
    # English pages read left to right already: their ranges stay plain text.
    english = page(client, "/incidents/")
    assert "12–20" in english and '<bdi dir="ltr">12–20</bdi>' not in english


@pytest.mark.django_db
def test_dates_are_written_as_the_language_writes_them(client):
    """Arabic pages name the month ("2 نيسان 2017"), so a date reads in the page's direction as written; English
    pages keep ISO dates. The figures' own days (kept as ISO text) are written the same way."""
    assessed(published_at=datetime.datetime(2017, 4, 2, tzinfo=datetime.UTC))
    dashboard = page(client, "/ar/?as_of=2017-04-30")
    headline = dashboard.split('<h2 id="headline">')[1].split("</h2>")[0]
    assert "30 نيسان 2017" in headline and "2017-04-30" not in headline
    assert "2 نيسان 2017" in page(client, "/ar/")  # the recently published list
    english = page(client, "/?as_of=2017-04-30").split('<h2 id="headline">')[1].split("</h2>")[0]
    assert "2017-04-30" in english and "<bdi dir=" not in english


# --- The chart mirrors ------------------------------------------------------------------------------------------

MONTHS = [{"month": f"2016-{month:02d}", "low": month * 100, "high": month * 150} for month in range(11, 13)] + [
    {"month": f"2017-{month:02d}", "low": 1200 + month * 100, "high": 1800 + month * 150} for month in range(1, 4)
]
SERIES = [("low", "Official"), ("high", "Monitor")]


def xs(points):
    return [float(point.split(",")[0]) for point in points.split()]


def test_the_chart_runs_left_to_right_by_default():
    chart = charts.cumulative_chart(MONTHS, SERIES)
    first, *_, last = xs(chart.series[0].points)
    assert first == charts.MARGIN_LEFT and last == charts.WIDTH - charts.MARGIN_RIGHT
    assert (chart.grid_from, chart.grid_to) == (charts.MARGIN_LEFT, charts.WIDTH)
    assert chart.y_label_x < charts.MARGIN_LEFT and chart.y_label_anchor == "end"


def test_the_chart_mirrors_right_to_left():
    ltr = charts.cumulative_chart(MONTHS, SERIES)
    rtl = charts.cumulative_chart(MONTHS, SERIES, rtl=True)
    for left, right in zip(ltr.series, rtl.series, strict=True):
        assert xs(right.points) == [charts.WIDTH - x for x in xs(left.points)]  # the first month at the right
        assert [p.split(",")[1] for p in right.points.split()] == [p.split(",")[1] for p in left.points.split()]
    assert rtl.x_ticks == [(charts.WIDTH - x, label) for x, label in ltr.x_ticks]
    assert rtl.y_ticks == ltr.y_ticks  # the same heights and labels, in Western digits
    assert [label for _y, label in rtl.y_ticks] == ["0", "1,000", "2,000", "3,000"]
    assert (rtl.grid_from, rtl.grid_to) == (charts.WIDTH - charts.MARGIN_LEFT, 0)
    assert rtl.y_label_x > charts.WIDTH - charts.MARGIN_LEFT and rtl.y_label_anchor == "start"
    assert [s.label for s in rtl.series] == [s.label for s in ltr.series]  # the legend's flow mirrors it


def chart_of(html):
    start = html.index('<figure class="chart">')
    return html[start : html.index("</figure>", start)]


@pytest.mark.django_db
def test_the_arabic_dashboard_draws_the_mirrored_chart(client):
    assessed()
    assessed("RTL2", date_start=datetime.date(2017, 6, 1))
    arabic, english = chart_of(page(client, "/ar/")), chart_of(page(client, "/"))
    first_x = [float(re.search(r'class="line line-1" points="([\d.]+),', html)[1]) for html in (arabic, english)]
    assert first_x == [charts.WIDTH - charts.MARGIN_LEFT, charts.MARGIN_LEFT]
    assert 'text-anchor="start"' in arabic and 'text-anchor="end"' not in arabic
    assert 'dir="ltr"' in arabic  # the drawing's anchors are physical: the chart mirrors itself
    assert 'x1="56"' in english and 'x="50"' in english
    # The legend's sentences read in the page's direction, the assessors' names isolated inside them.
    legend = arabic[arabic.index('<ul class="legend">') :]
    assert re.search(r'<li class="key-1">\u2068[^<\u2069]+\u2069[^<]*: \d+</li>', legend)
    assert "\u2068" not in english


# --- The map: names in Arabic, geography as it is ---------------------------------------------------------------


def map_of(html):
    start = html.index('id="map-heading"')
    return html[start : html.index("</section>", start)]


@pytest.mark.django_db
def test_the_arabic_map_names_governorates_and_countries_in_arabic(client):
    assessed()
    section = map_of(page(client, "/ar/"))
    assert re.search(r'data-governorate="SY-RA"><title>الرقة: ', section)
    assert "<title>تركيا</title>" in section and "<title>Turkey</title>" not in section
    row = re.search(r"<th scope=\"row\"><bdi>الرقة</bdi>.*?</tr>", section, re.S)[0]
    assert "<td>سوريا</td>" in row
    english = map_of(page(client, "/"))
    assert re.search(r'data-governorate="SY-RA"><title>Ar Raqqah: ', english) and "<title>Turkey</title>" in english


@pytest.mark.django_db
def test_the_map_keeps_its_geography_and_its_caption_follows_the_page(client):
    assessed()
    section = map_of(page(client, "/ar/"))
    assert '<figure class="map">' in section  # the legend and note read right to left with the page
    assert re.search(r'<svg viewBox="[^"]*" dir="ltr" role="img" aria-labelledby="map-title"', section)


@pytest.mark.django_db
def test_the_arabic_locator_map_names_the_governorate_in_arabic(client):
    assessed(location_precision="governorate")
    html = page(client, "/ar/incidents/RTL1/")
    start = html.index('<figure class="locator">')
    locator = html[start : html.index("</figure>", start)]
    assert "<title>الرقة</title>" in locator and "Ar Raqqah" not in locator
    assert "<title>سوريا</title>" in locator and 'dir="ltr"' in locator


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_dots_limit_is_written_with_a_thousands_separator(language):
    with translation.override(language):
        html = render_to_string("public/_map.html", {"map": {"dots_left_out": True, "dots_limit": 5000}})
    note = html.split("<strong>")[1].split("</strong>")[0]
    assert "5,000" in note and "5000" not in note


# --- Nothing from another host ----------------------------------------------------------------------------------

OTHER_HOST = re.compile(r"(?:https?:)?//(?!testserver/)[\w.-]+\.[a-z]{2,}", re.I)


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*(f"/ar/{p}" for p in PUBLIC_PAGES), *(f"/{p}" for p in PUBLIC_PAGES)])
def test_no_page_names_another_host(client, path):
    """With no link in the data (no source, no imported record), a page names no other host: nothing to fetch."""
    assessed()
    html = page(client, path)
    assert OTHER_HOST.findall(html) == []


@pytest.mark.parametrize("stylesheet", CSS, ids=lambda path: path.name)
def test_no_stylesheet_names_another_host(stylesheet):
    css = stylesheet.read_text()
    assert "http" not in css and "@import" not in css and OTHER_HOST.findall(css) == []
    assert all(url.startswith("../") for url in re.findall(r'url\("([^"]+)"\)', css))


@pytest.mark.django_db
def test_the_staff_incident_page_writes_its_times_in_arabic_and_isolates_its_coordinates(client, analyst):
    assessed(latitude=Decimal("35.95"), longitude=Decimal("39.01"), location_precision="exact")
    client.force_login(analyst)
    html = page(client, "/ar/work/incidents/RTL1/")
    assert '<html lang="ar" dir="rtl">' in html and '<h1><bdi dir="ltr">RTL1</bdi>' in html
    assert re.search(r"\d{1,2} (كانون|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين)[^<\d]* \d{4}، \d\d:\d\d", html)
    assert re.search(r'<bdi dir="ltr">35\.950*, 39\.010*</bdi>', html)
