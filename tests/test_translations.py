"""The Arabic translation stays complete: every string of the code is in the committed catalogue, translated and
not fuzzy; the compiled catalogue says the same; and the reader pages in Arabic carry no English of their own."""

import datetime
import gettext
import html
import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format, number_format

from reports.exports import CSV_COLUMNS
from tests.factories import make_assessment, make_incident, make_source, make_statement, official_assessor

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ar" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\{[^}]*\}\}|</?[a-z][^>]*>")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


def entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def test_every_string_is_translated_and_none_is_fuzzy(catalogue):
    assert not [entry.msgid for entry in catalogue.untranslated_entries()]
    assert not [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not [entry.msgid for entry in catalogue.obsolete_entries()]


def test_translations_are_arabic_and_keep_their_placeholders(catalogue):
    for entry in entries(catalogue):
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            arabic = re.search(r"[\u0600-\u06ff]", text) or not re.search(
                r"[A-Za-z]{4}", PLACEHOLDER.sub("", entry.msgid)
            )
            assert arabic or entry.msgid in KEPT_IN_LATIN, entry.msgid
            assert not re.search(r"[\u0660-\u0669\u06f0-\u06f9]", text), f"Arabic-Indic digits in {text!r}"
            expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
            assert sorted(PLACEHOLDER.findall(text)) == expected, entry.msgid


def test_the_compiled_catalogue_is_the_committed_one(catalogue):
    with COMPILED.open("rb") as compiled:
        messages = gettext.GNUTranslations(compiled)._catalog
    for entry in entries(catalogue):
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                assert messages[(key, int(index))] == text, entry.msgid
        else:
            assert messages[key] == entry.msgstr, entry.msgid


def test_the_catalogue_holds_every_string_of_the_code(tmp_path, settings, monkeypatch, catalogue):
    """Extract the strings again, from a copy of the code into a copy of the catalogue (makemessages writes
    where it runs): none may be new. Needs GNU gettext, which the app itself does not (the catalogue is
    compiled and committed); `.ci/run` requires it."""
    if not shutil.which("xgettext"):
        if os.environ.get("REQUIRE_GETTEXT"):
            pytest.fail("REQUIRE_GETTEXT is set but xgettext is missing (apt-get install gettext).")
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")
    root = Path(settings.BASE_DIR)
    committed = CATALOGUE.read_bytes()
    for folder in ("casualties", "reports", "templates", "locale"):
        shutil.copytree(root / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("makemessages", locale=["ar"], no_obsolete=True, verbosity=0)
    extracted = polib.pofile(str(tmp_path / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    known = {(entry.msgctxt, entry.msgid) for entry in entries(catalogue)}
    assert len(extracted) >= len(known) - 5  # the extraction did run, over the copy
    assert not [entry.msgid for entry in extracted if (entry.msgctxt, entry.msgid) not in known]
    assert CATALOGUE.read_bytes() == committed  # the committed catalogue is left as it was


def test_dates_name_the_months_as_iraq_and_syria_do():
    with translation.override("ar"):
        assert date_format(datetime.date(2017, 4, 30)) == "30 نيسان 2017"
        assert date_format(datetime.date(2017, 1, 5)) == "5 كانون الثاني 2017"
        assert number_format(1234567, force_grouping=True) == "1,234,567"
    with translation.override("en"):
        assert date_format(datetime.date(2017, 4, 30)) == "2017-04-30"


# Latin words an Arabic page keeps: names and formats written the same in both languages.
KEPT_IN_LATIN = {
    "CJTF-OIR",
    "Airwars",
    "SDF/YPG",
    "SDF",
    "YPG",
    "CSV",
    "JSON",
    "UTC",
    "YYYY-MM-DD",
    "true",
    "false",
    "slugs",
}
# File formats, named as their programs name them.
KEPT_IN_LATIN |= {"BibTeX", "RIS", "CSL-JSON", "Atom", "SHA-256", "SHA256SUMS", "datapackage.json", "Frictionless"}
# The downloads' column and file names, the same in every language (the methodology page lists them).
KEPT_IN_LATIN |= {*CSV_COLUMNS, "incidents.csv", "incidents.json", "tallies.json", "reports/figures/tallies.py"}


def latin_words(body):
    """The Latin words a reader sees on a page, leaving out what is Latin on purpose: code and addresses,
    text marked as English (the language switcher, a place's English name), scripts and styles."""
    body = re.sub(r"(?s)<(script|style|code|svg)\b.*?</\1>", " ", body)
    body = re.sub(r'(?s)<(a|bdi|span|small)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", body)
    text = html.unescape(re.sub(r"(?s)<[^>]+>", " ", body))
    text = re.sub(r"https?://\S+", " ", text)  # a source's address, shown as its link
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9_/'’.-]*[A-Za-z0-9]", text)
    return sorted(
        {
            word
            for word in words
            if word not in KEPT_IN_LATIN and re.search(r"[A-Za-z]", word) and not re.search(r"\d", word)
        }
    )


@pytest.fixture
def arabic_records(db):
    incident = make_incident(
        code="CS1548",
        title="غارة على حي الموصل الجديدة",
        summary="أفادت مصادر محلية بمقتل مدنيين.",
        country="Iraq",
        governorate="Nineveh",
        place_name="",
        place_name_ar="الموصل",
        latitude="36.34",
        longitude="43.13",
        location_precision="neighbourhood",
    )
    make_assessment(incident, killed_min=105, killed_max=141, caveat="")
    make_assessment(incident, assessor=official_assessor(), killed_min=105, killed_max=105)
    make_source(incident, publisher="الجزيرة", title="تقرير")
    make_statement(title="بيان شهري")
    return incident


@pytest.mark.parametrize(
    "path",
    [
        "/ar/",
        "/ar/?as_of=2017-04-30",
        "/ar/?map=gap",
        "/ar/?country=Iraq&belligerent=us-led-coalition",
        "/ar/incidents/",
        "/ar/incidents/?q=موصل",
        "/ar/incidents/?q=zzz",
        "/ar/incidents/?date_from=not-a-date&min_killed=-1",
        "/ar/incidents/CS1548/",
        "/ar/methodology/",
        "/ar/no-such-page/",
    ],
)
def test_reader_pages_in_arabic_have_no_english_of_their_own(client, arabic_records, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    body = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    assert latin_words(body) == [], latin_words(body)
