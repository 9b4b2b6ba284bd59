"""The language switcher: the same page, filters and all, in each other language."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def other_languages(context):
    """(code, name in that language, address) for each language but the page's (settings.LANGUAGES names each in
    itself). The address keeps the query, so a reader switching language keeps their filters."""
    request = context.get("request")
    if request is None:
        return []
    here = request.get_full_path()
    return [(code, name, translate_url(here, code)) for code, name in settings.LANGUAGES if code != get_language()]
