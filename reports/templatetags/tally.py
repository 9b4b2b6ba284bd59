"""`{% load tally %}`: the figures' template tags and filters, registered where Django looks for them and written
in `reports.figures.formatting`."""

from django import template

from reports.figures.formatting import breakdowns_in_order, day, in_order, ltr, month_rows, span, with_query

register = template.Library()
register.simple_tag(span)
register.simple_tag(month_rows)
register.simple_tag(with_query)
register.filter(breakdowns_in_order)
register.filter(in_order)
register.filter(ltr)
register.filter(day)
