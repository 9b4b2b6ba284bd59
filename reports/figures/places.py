"""Place names in the page's language. Incidents spell countries and governorates in English (as the sources
and imports do); on Arabic pages they read in Arabic: governorates by their Natural Earth Arabic names (the map's
geodata, matched as the map matches them), countries from the list below. A name with no Arabic form (a
fictional demo country, an unknown spelling) stays as it is."""

import functools

from django.utils.translation import get_language_bidi

from reports.figures import map as maps

# The countries of the map's frame (reports/figures/geodata), and how Arabic newsrooms in Iraq and Syria name them.
COUNTRY_NAMES_AR = {
    "Iraq": "العراق",
    "Syria": "سوريا",
    "Turkey": "تركيا",
    "Iran": "إيران",
    "Jordan": "الأردن",
    "Saudi Arabia": "السعودية",
    "Lebanon": "لبنان",
    "Israel": "إسرائيل",
    "Palestine": "فلسطين",
}


@functools.cache
def governorate_names_ar():
    return {governorate["id"]: governorate["name_ar"] for governorate in maps.boundaries()["governorates"]}


def governorate_name(name):
    """The governorate as the page's language names it."""
    if not name or not get_language_bidi():
        return name
    return governorate_names_ar().get(maps.governorate_id(name), name)


def country_name(name):
    """The country as the page's language names it."""
    if not name or not get_language_bidi():
        return name
    return COUNTRY_NAMES_AR.get(name, name)
