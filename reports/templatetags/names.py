"""`{% load names %}`: names in the page's language: countries and governorates (reports.figures.places), and the
reference tables' belligerents, assessors and strike types (their catalogue entries, reports.models.reference)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language_bidi

from reports.figures.places import country_name, governorate_name
from reports.models.reference import reference_name
from reports.models.vocabulary import StatementItemRole

register = template.Library()
register.filter(country_name)
register.filter(governorate_name)
register.filter(reference_name)


@register.filter
def reference_names(names):
    """`reference_name` of each name in a list."""
    return [reference_name(name) for name in names]


@register.filter
def breakdown_label(label, dimension):
    """A breakdown row's label in the page's language, by what the breakdown is of."""
    name = {"country": country_name, "governorate": governorate_name, "belligerent": reference_name}.get(dimension)
    return name(label) if name else label


@register.filter
def place_names(record):
    """The place's English and Arabic names, each isolated: the page language's first, the other beside it (an
    Arabic reader reads الموصل, then Mosul, marked as English). "—" when neither is recorded."""
    arabic_page = get_language_bidi()
    english = ""
    if record.place_name:
        english = format_html('<bdi lang="en">{}</bdi>' if arabic_page else "<bdi>{}</bdi>", record.place_name)
    arabic = format_html('<bdi lang="ar" dir="rtl">{}</bdi>', record.place_name_ar) if record.place_name_ar else ""
    first, second = (arabic, english) if arabic_page else (english, arabic)
    if not first:
        first, second = second, ""
    return format_html("{} {}", first, second) if second else (first or "—")


@register.filter
def statement_role(role):
    """What a statement's item says (its role), named in the page's language: the figures keep the role's value
    only, as they are shared by every language."""
    return StatementItemRole(role).label if role in StatementItemRole.values else role
