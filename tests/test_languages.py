"""English at the bare paths, Arabic under /ar/: the language is the address's alone, the switcher keeps the
page and its filters, kept pages never mix languages, and staff pages stay private in both."""

import pytest
from django.utils import translation

from reports.models import StatementItem
from reports.models.vocabulary import StatementItemRole
from tests.factories import PASSWORD, make_assessment, make_incident, make_statement, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    incident = make_incident(
        code="CS1548", country="Iraq", governorate="Nineveh", place_name="Mosul", place_name_ar="الموصل"
    )
    make_assessment(incident, killed_min=105, killed_max=141)
    return incident


@pytest.mark.parametrize(
    ("path", "language", "direction"),
    [
        ("/", "en", "ltr"),
        ("/ar/", "ar", "rtl"),
        ("/incidents/CS1548/", "en", "ltr"),
        ("/ar/incidents/CS1548/", "ar", "rtl"),
    ],
)
def test_the_address_alone_sets_the_language(client, incident, path, language, direction):
    response = client.get(
        path, HTTP_ACCEPT_LANGUAGE="ar" if language == "en" else "en", HTTP_COOKIE="django_language=en"
    )
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in response.content.decode()
    assert response["Content-Language"] == language
    assert "Vary" not in response  # the same page for every reader of this address


def test_the_switcher_leads_to_the_same_page_with_its_filters(client, incident):
    english = client.get("/incidents/?country=Iraq&sort=code").content.decode()
    assert 'href="/ar/incidents/?country=Iraq&amp;sort=code" hreflang="ar"' in english
    assert '<link rel="alternate" hreflang="ar" href="/ar/incidents/?country=Iraq&amp;sort=code">' in english
    arabic = client.get("/ar/incidents/?country=Iraq&sort=code").content.decode()
    assert 'href="/incidents/?country=Iraq&amp;sort=code" hreflang="en"' in arabic


def test_kept_pages_and_their_validators_are_per_language(client, incident):
    english, arabic = client.get("/"), client.get("/ar/")
    assert english["ETag"] != arabic["ETag"]
    assert client.get("/ar/").content == arabic.content  # served again, kept, in Arabic
    assert client.get("/").content == english.content
    assert client.get("/ar/", HTTP_IF_NONE_MATCH=english["ETag"]).status_code == 200
    assert client.get("/ar/", HTTP_IF_NONE_MATCH=arabic["ETag"]).status_code == 304


def test_arabic_staff_pages_are_private_and_land_in_arabic(client):
    response = client.get("/ar/work/")
    assert response.status_code == 302
    assert response["Location"] == "/ar/accounts/login/?next=/ar/work/"
    assert "no-store" in response["Cache-Control"]
    make_user("amira", "analyst")
    response = client.post("/ar/accounts/login/", {"username": "amira", "password": PASSWORD})
    assert response["Location"] == "/ar/work/"
    response = client.get("/ar/work/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<html lang="ar" dir="rtl">' in response.content.decode()


def test_place_names_read_in_the_pages_language(client, incident):
    arabic = client.get("/ar/incidents/CS1548/").content.decode()
    assert "نينوى" in arabic and "العراق" in arabic  # the governorate and the country
    assert '<bdi lang="ar" dir="rtl">الموصل</bdi> <bdi lang="en">Mosul</bdi>' in arabic  # Arabic first
    english = client.get("/incidents/CS1548/").content.decode()
    assert '<bdi>Mosul</bdi> <bdi lang="ar" dir="rtl">الموصل</bdi>' in english
    assert "Nineveh" in english and "Iraq" in english and "نينوى" not in english
    assert client.get("/ar/incidents/?governorate=Nineveh").status_code == 200
    assert '<option value="Nineveh">نينوى</option>' in client.get("/ar/incidents/").content.decode()


def test_the_map_names_places_in_the_pages_language(client, incident):
    arabic = client.get("/ar/").content.decode()
    labels = arabic[arabic.index('<g class="map-labels"') :].split("</g>")[0]
    assert ">العراق</text>" in labels and ">سوريا</text>" in labels
    assert ">نينوى</text>" in labels  # the one governorate with an incident in view
    assert labels.count('class="governorate-label"') == 1
    english = client.get("/").content.decode()
    labels = english[english.index('<g class="map-labels"') :].split("</g>")[0]
    assert ">Iraq</text>" in labels and ">Ninawa</text>" in labels


def test_the_switcher_of_a_page_that_is_not_there_leads_home(client):
    response = client.get("/x/", PATH_INFO="//evil.example/incidents/", QUERY_STRING="a=1")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'href="/ar/" hreflang="ar"' in body and "evil.example" not in body


def test_downloads_are_the_same_in_both_languages(client, incident):
    def body(response):
        return b"".join(response.streaming_content) if response.streaming else response.content

    for path in ("incidents.csv", "incidents.json", "tallies.json"):
        english, arabic = client.get(f"/{path}?country=Iraq"), client.get(f"/ar/{path}?country=Iraq")
        assert english.status_code == arabic.status_code == 200
        assert body(english) == body(arabic), path


def test_figures_shared_by_both_languages_hold_no_words_of_either(client, incident):
    """The figures are counted once for every language: what a statement's item says is named when shown."""
    statement = make_statement()
    StatementItem.objects.create(statement=statement, role=StatementItemRole.PERIOD, civilians_killed=45)
    arabic = client.get("/ar/").content.decode()  # the first reader, who has the figures counted, reads Arabic
    english = client.get("/").content.decode()
    assert str(StatementItemRole.PERIOD.label) in english
    with translation.override("ar"):
        assert str(StatementItemRole.PERIOD.label) in arabic
    assert "role_label" not in client.get("/tallies.json").content.decode()
