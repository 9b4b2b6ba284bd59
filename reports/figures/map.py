"""The maps, drawn on the server as SVG: Iraq's and Syria's governorates and their neighbours' outlines (from
`geodata/iraq_syria.json`, see its PROVENANCE.md), projected equirectangularly with longitudes scaled by the
cosine of the frame's middle latitude (so shapes keep their proportions at this latitude).

The dashboard's map shades each governorate by a figure of the dashboard's own breakdown by governorate (so the
governorates, plus the incidents whose governorate is on no boundary, add up to the dashboard's totals), and
draws incidents as dots, aggregated in the database to a grid. Location precision is drawn as it is known:
- a point (exact, within 100 m, a street or a neighbourhood): a filled dot;
- a village, town, city or district, or coordinates of unrecorded precision: a hollow dot;
- known only to its governorate or country: no dot, counted in its governorate's figures only.
"""

import functools
import json
import math
import re
import unicodedata
from pathlib import Path

from django.db.models import Avg, Count, F, FilteredRelation, Q, Sum, Value
from django.db.models.functions import Coalesce, Floor
from django.utils.translation import get_language_bidi

from reports.models import LIKELY_GRADINGS, LocationPrecision
from reports.models.assessments import current_condition

GEODATA = Path(__file__).with_name("geodata") / "iraq_syria.json"
WIDTH = 640  # the dashboard map's width in SVG units (it scales to the page)
LOCATOR_WIDTH = 240
GRID_PER_DEGREE = 4  # a grid of 0.25°: incidents within one square are drawn as one dot, at their average position
# Dots read the incidents themselves (the summary tables keep no coordinates): drawn only while at most this many
# incidents are in view, so that no view of a million incidents scans them all. The shading reads the summary.
DOTS_LIMIT = 5_000
POINT_PRECISIONS = (
    LocationPrecision.EXACT,
    LocationPrecision.WITHIN_100M,
    LocationPrecision.STREET,
    LocationPrecision.NEIGHBOURHOOD,
)
UNDRAWN_PRECISIONS = (LocationPrecision.GOVERNORATE, LocationPrecision.COUNTRY)
MAPPED_COUNTRIES = ("IQ", "SY")
FIGURES = ("official", "likely", "gap")
DEFAULT_FIGURE = "likely"
# A sequential ramp per figure, light to dark (the first class is "none").
RAMPS = {
    "official": ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    "likely": ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
    "gap": ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"],
}
NOT_IN_VIEW = "#ffffff"  # a governorate none of the incidents in view is in
BREAKS = (0.1, 0.25, 0.5)  # the upper bounds of the middle classes, as shares of the highest value
# How incidents (the Airwars import, the demo and synthetic data) spell governorates that Natural Earth spells
# otherwise; the other spellings match its names or aliases once normalised (`normalised`).
NAMES = {
    "deir ezzor": "SY-DY",
    "deir ez-zor": "SY-DY",
    "hasakah": "SY-HA",
    "hassakah": "SY-HA",
    "al jazeera": "SY-HA",
    "anbar": "IQ-AN",
    "salahuddin": "IQ-SD",
    "salah al-din": "IQ-SD",
    "duhok": "IQ-DA",
    "sulaymaniyah": "IQ-SU",
    "qadisiyah": "IQ-QA",
    "muthanna": "IQ-MU",
    "rural damascus": "SY-RD",
    "homs countryside": "SY-HI",
    # Towns Airwars files as a governorate, in the governorate they are in.
    "ma'arat al-numan": "SY-ID",
    "kobani": "SY-HL",
    "sarin": "SY-HL",
}


@functools.cache
def boundaries():
    return json.loads(GEODATA.read_text(encoding="utf-8"))


def normalised(name):
    """A place name reduced to compare spellings: no accents, case, article, punctuation or 'governorate'."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"\b(governorate|province|muhafazat)\b", " ", name)
    name = re.sub(r"^\s*(al|el|ar|as|an|at|ad|ash)\b[\s-]*", "", name)
    return re.sub(r"[^a-z0-9]", "", name)


@functools.cache
def governorate_ids():
    """{normalised name: governorate id}, from Natural Earth's names and aliases and the project's spellings."""
    ids = {}
    for governorate in boundaries()["governorates"]:
        for name in [governorate["name"], *governorate["aliases"]]:
            ids.setdefault(normalised(name), governorate["id"])
    ids.update({normalised(name): gid for name, gid in NAMES.items()})
    return ids


def governorate_id(name):
    """The id of the governorate a name (as incidents spell it) is on the map as, or None."""
    return governorate_ids().get(normalised(name)) if name else None


class Projection:
    """Degrees to SVG units: equirectangular, longitudes scaled by cos(middle latitude), north up."""

    def __init__(self, frame, width):
        self.west, self.south, self.east, self.north = frame
        self.scale = width / ((self.east - self.west) * math.cos(math.radians((self.south + self.north) / 2)))
        self.x_scale = self.scale * math.cos(math.radians((self.south + self.north) / 2))
        self.width = width
        self.height = round((self.north - self.south) * self.scale)

    def point(self, lon, lat):
        return round((float(lon) - self.west) * self.x_scale, 1), round((self.north - float(lat)) * self.scale, 1)

    def path(self, rings):
        parts = []
        for ring in rings:
            points = [self.point(lon, lat) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
        return "".join(parts)

    def label_point(self, rings):
        """Where a shape's name goes: the centroid of its largest ring (by area, shoelace formula), projected."""
        rings = [[self.point(lon, lat) for lon, lat in ring] for ring in rings]

        def edges(ring):
            return zip(ring, ring[1:] + ring[:1], strict=True)

        def signed_area(ring):
            return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in edges(ring)) / 2

        ring = max(rings, key=lambda ring: abs(signed_area(ring)))
        area = signed_area(ring)
        if not area:
            return ring[0]
        x = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in edges(ring)) / (6 * area)
        y = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in edges(ring)) / (6 * area)
        return round(x, 1), round(y, 1)


def frame_of(rings, margin):
    lons = [lon for ring in rings for lon, _lat in ring]
    lats = [lat for ring in rings for _lon, lat in ring]
    return (min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin)


# --- The figures per governorate --------------------------------------------------------------------------------


def governorate_figures(figures):
    """The dashboard's breakdown by governorate (`figures`: `tallies.dashboard`'s), per governorate on the map:
    ({id: row}, [rows not on the map]). A row: incidents, the headline's official concessions, the lead
    monitor's likely count and the gap between them, each a low–high range; `names` are the spellings it
    sums. Breakdown rows whose name is on no boundary (none recorded, another country, two governorates) are
    the second list, so both together add up to the dashboard's totals."""
    located, not_located = {}, []
    for breakdown_row in figures["breakdowns"]["governorate"]:
        row = figures_row(breakdown_row)
        gid = governorate_id(breakdown_row["key"])
        if gid is None:
            not_located.append(row)
            continue
        if gid in located:
            located[gid] = summed_rows(located[gid], row)
        else:
            located[gid] = row
    return located, not_located


def figures_row(breakdown_row):
    monitors = breakdown_row["monitors"]
    lead = monitors[0] if monitors else None
    row = {
        "names": [breakdown_row["label"]],
        "incidents": breakdown_row["incidents"],
        "has_official": breakdown_row["has_official"],
        "official_low": breakdown_row["official_low"],
        "official_high": breakdown_row["official_high"],
        "has_likely": lead is not None,
        "likely_low": lead["likely_low"] if lead else 0,
        "likely_high": lead["likely_high"] if lead else 0,
    }
    return with_gap(row)


def with_gap(row):
    """The gap as the dashboard's comparison computes it: interval arithmetic, end against opposite end."""
    row["gap_low"] = row["likely_low"] - row["official_high"]
    row["gap_high"] = row["likely_high"] - row["official_low"]
    return row


def summed_rows(first, second):
    row = {name: first[name] + second[name] for name in ("incidents", "official_low", "official_high")}
    row |= {name: first[name] + second[name] for name in ("likely_low", "likely_high")}
    row |= {name: first[name] or second[name] for name in ("has_official", "has_likely")}
    return with_gap({**row, "names": first["names"] + second["names"]})


# --- Dots -------------------------------------------------------------------------------------------------------


def dots(incidents, monitor_id, as_of=None):
    """The incidents in view with coordinates on the map, finer than a governorate, per grid square, aggregated
    in the database: their number, how many are points, average position and the lead monitor's likely deaths
    (low end; 0 without a monitor). Only incidents in a country the map draws (not the demo's invented one)."""
    data = boundaries()
    west, south, east, north = data["frame"]
    located = incidents.filter(
        country__in=[country["name"] for country in data["countries"]],
        latitude__gte=south,
        latitude__lte=north,
        longitude__gte=west,
        longitude__lte=east,
    ).exclude(location_precision__in=UNDRAWN_PRECISIONS)
    is_point = Q(location_precision__in=POINT_PRECISIONS)
    deaths = Value(0)
    if monitor_id is not None:
        located = located.alias(
            lead=FilteredRelation(
                "assessments",
                condition=Q(assessments__assessor_id=monitor_id) & current_condition(as_of, "assessments__"),
            )
        )
        deaths = Sum(Coalesce(F("lead__killed_min"), Value(0)), filter=Q(lead__verdict__in=LIKELY_GRADINGS))
    grouped = (
        located.order_by()
        .annotate(row=Floor(F("latitude") * GRID_PER_DEGREE), column=Floor(F("longitude") * GRID_PER_DEGREE))
        .values("row", "column")
        .annotate(
            incidents=Count("pk"),
            points=Count("pk", filter=is_point),
            deaths=Coalesce(deaths, Value(0)),
            lat=Avg("latitude"),
            lon=Avg("longitude"),
        )
    )
    return list(grouped)


def dot_radius(deaths):
    """Area grows with the deaths: a dot's radius with their square root, from 2 units (no likely deaths)."""
    return round(min(2 + 1.2 * math.sqrt(deaths), 18), 1)


# --- The maps ---------------------------------------------------------------------------------------------------


def dashboard_map(figures, incidents, as_of=None, shade_by=DEFAULT_FIGURE):
    """Everything the dashboard's map and its table show, for `figures` (`tallies.dashboard`'s) of
    `incidents` (the published incidents in view) as known on `as_of`, shaded by `shade_by` (FIGURES)."""
    shade_by = shade_by if shade_by in FIGURES else DEFAULT_FIGURE
    data = boundaries()
    projection = Projection(data["frame"], WIDTH)
    located, not_located = governorate_figures(figures)
    values = {gid: shade_value(row, shade_by) for gid, row in located.items()}
    classes = shade_classes(max([value for value in values.values() if value is not None] or [0]), shade_by)
    governorates = []
    for governorate in data["governorates"]:
        row = located.get(governorate["id"])
        value = values.get(governorate["id"])
        governorates.append(
            {
                **{key: governorate[key] for key in ("id", "name", "name_ar", "country")},
                "label": label(governorate),
                "label_at": projection.label_point(governorate["rings"]),
                "path": projection.path(governorate["rings"]),
                "fill": NOT_IN_VIEW if value is None else class_of(value, classes)["fill"],
                "figures": row,
            }
        )
    monitor_id = figures["monitors"][0]["assessor_id"] if figures["monitors"] else None
    drawn = []
    dotted = figures["incidents"] <= DOTS_LIMIT
    for cell in dots(incidents, monitor_id, as_of) if dotted else []:
        x, y = projection.point(cell["lon"], cell["lat"])
        kind = "point" if cell["points"] == cell["incidents"] else "place"
        drawn.append({**cell, "x": x, "y": y, "r": dot_radius(cell["deaths"]), "kind": kind})
    drawn.sort(key=lambda dot: -dot["r"])  # the small dots over the large
    rows = sorted(
        ({**g, **g["figures"]} for g in governorates if g["figures"]), key=lambda g: (g["country"], g["label"])
    )
    return {
        "width": projection.width,
        "height": projection.height,
        "shade_by": shade_by,
        "figures": FIGURES,
        "countries": outlines(data["countries"], projection),
        "governorates": governorates,
        "dots": drawn,
        "dots_left_out": not dotted,
        "dots_limit": DOTS_LIMIT,
        "legend": classes,
        "not_in_view": NOT_IN_VIEW,
        "rows": rows,
        "not_located": not_located,
        "monitor": figures["monitors"][0]["assessor"] if figures["monitors"] else None,
        "official": figures["comparisons"][0]["assessor"] if figures["comparisons"] else None,
        "grid": 1 / GRID_PER_DEGREE,
    }


def label(governorate):
    """The governorate's name in the page's language: its Natural Earth Arabic name on a page read right to left
    (the site's one such language is Arabic)."""
    return governorate["name_ar"] if get_language_bidi() else governorate["name"]


def outlines(countries, projection):
    """The countries' outlines; Iraq and Syria (`mapped`), the countries whose governorates the map counts,
    apart from their neighbours."""
    return [
        {
            "name": c["name"],
            "path": projection.path(c["rings"]),
            "mapped": c["id"] in MAPPED_COUNTRIES,
            "label_at": projection.label_point(c["rings"]),
        }
        for c in countries
    ]


def shade_value(row, shade_by):
    """What a governorate is shaded by: the low end of the figure's range ("at least"); None for a governorate
    with no figure of that kind (no official assessor, no monitor)."""
    if shade_by == "official":
        return row["official_low"] if row["has_official"] else None
    if shade_by == "likely":
        return row["likely_low"] if row["has_likely"] else None
    if not (row["has_official"] and row["has_likely"]):
        return None
    return max(row["gap_low"], 0)


def shade_classes(highest, shade_by):
    """The legend's classes: none (0), then up to four ranges of whole numbers split at BREAKS of the highest."""
    ramp = RAMPS[shade_by]
    classes = [{"low": 0, "high": 0, "fill": ramp[0]}]
    low = 1
    for share, fill in zip((*BREAKS, 1), ramp[1:], strict=True):
        high = max(math.ceil(highest * share), low)
        if low <= highest:
            classes.append({"low": low, "high": min(high, highest), "fill": fill})
        low = high + 1
    return classes


def class_of(value, classes):
    return next((c for c in classes if value <= c["high"]), classes[-1])


def locator_map(incident):
    """A small map of the incident's place: Iraq, Syria and the countries around them, its governorate
    highlighted, and its point when its coordinates are finer than the governorate. None for an incident in
    another country (the demo's invented one too), or in Iraq or Syria with neither a known governorate nor
    coordinates."""
    data = boundaries()
    countries = [c for c in data["countries"] if c["id"] in MAPPED_COUNTRIES]
    if incident.country not in {c["name"] for c in countries}:
        return None
    governorate = next((g for g in data["governorates"] if g["id"] == governorate_id(incident.governorate)), None)
    if governorate is not None and governorate["country"] != incident.country:
        governorate = None
    point = None
    if incident.latitude is not None and incident.location_precision not in UNDRAWN_PRECISIONS:
        west, south, east, north = data["frame"]
        if west <= incident.longitude <= east and south <= incident.latitude <= north:
            point = (incident.longitude, incident.latitude)
    if governorate is None and point is None:
        return None
    projection = Projection(frame_of([ring for c in countries for ring in c["rings"]], 0.3), LOCATOR_WIDTH)
    marker = projection.point(*point) if point else None
    return {
        "width": projection.width,
        "height": projection.height,
        "countries": outlines(data["countries"], projection),
        "governorate": {"name": label(governorate), "path": projection.path(governorate["rings"])}
        if governorate
        else None,
        "point": {"x": marker[0], "y": marker[1]} if marker else None,
        "is_point": incident.location_precision in POINT_PRECISIONS,
    }
