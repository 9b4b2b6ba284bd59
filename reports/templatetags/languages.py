"""The language switcher: the same page, filters and all, in each other language."""

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

register = template.Library()


@register.simple_tag(takes_context=True)
def other_languages(context):
    """(code, name in that language, address) for each language but the page's (settings.LANGUAGES names each in
    itself). The address keeps the query, so a reader switching language keeps their filters. A path that is no
    page (a 404) leads to the other language's front page: its path is the reader's, and may be anything."""
    request = context.get("request")
    if request is None:
        return []
    return [
        (code, name, address_in(request, code))
        for code, name in settings.LANGUAGES
        if code != translation.get_language()
    ]


def address_in(request, language):
    if getattr(request, "resolver_match", None) is None:
        with translation.override(language):
            return reverse("reports:home")
    path = translate_url(request.path, language)
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path
