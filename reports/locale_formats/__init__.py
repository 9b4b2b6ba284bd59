"""Dates and numbers as the project writes them in each language (settings.FORMAT_MODULE_PATH): English keeps ISO
dates; Arabic names the months as Iraq and Syria do, and both write Western digits (README, "Arabic").

Django's own Arabic catalogue names the months as Egypt does (يناير, فبراير …); the project's catalogue
(locale/ar), which Django reads first, gives the Levantine and Iraqi names (كانون الثاني, شباط …). The markers
below are never called: they keep those entries in the catalogue when `make messages` extracts it again."""

from django.utils.translation import gettext_noop, pgettext_lazy

MONTH_NAMES = [
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
]
# The same names as a date's `E` format and some widgets read them.
MONTH_NAMES_ALT = [
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
]
