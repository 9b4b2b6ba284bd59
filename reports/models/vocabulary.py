"""The domain's vocabulary (DOMAIN.md: Airwars, CJTF-OIR, UCDP), as short stable values."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future_date")


# The dates the tracker takes in, on every path (forms, filters, imports). The figures compute from a date the
# day after, its month and year, and the months between two dates, which the calendar's own ends (years 1 and
# 9999) do not allow; these bounds leave room for any record of modern conflict, and catch 0217 for 2017.
FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)


def validate_date_in_range(value):
    if value and not FIRST_DATE <= value <= LAST_DATE:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
        )


LARGEST_COUNT = 2_147_483_647  # the largest integer every database stores in a count's column

# A record's dates (an incident's, an assessment's, a statement's): in range, and not in the future.
RECORD_DATE = [validate_date_in_range, validate_not_future]

WEB_SCHEMES = ("http", "https")


def is_web_link(value):
    """Whether a link is an http(s) address, as a browser reads it: it drops leading spaces and control
    characters and every tab or newline, so "java<tab>script:" is still javascript:."""
    try:
        return urlsplit(value.strip()).scheme.lower() in WEB_SCHEMES
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def validate_web_link(value):
    """Links are followed by readers and go out in downloads: http(s) only, never javascript:, data: or file:."""
    if value and not is_web_link(value):
        raise ValidationError(_("Enter a web address starting with http:// or https://."), code="url_scheme")


# Reviewers decide on others' work (the Reviewer group holds this permission; an admin holds them all). The
# permission is declared on Incident, but reviewers decide on statements and imports too.
REVIEW_PERMISSION = "reports.review_incident"


def can_review(user):
    """Whether `user` may make review decisions: every "reviewers only" check asks this."""
    return user.has_perm(REVIEW_PERMISSION)


# --- Vocabulary ---------------------------------------------------------------------------------------


class ReviewState(models.TextChoices):
    """The tracker's own editorial workflow, separate from any assessor's verdict."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class DatePrecision(models.TextChoices):
    """UCDP's date precision scale, 1 (exact day) to 5 (year)."""

    DAY = "day", _("Exact day")
    RANGE = "range", _("Date range")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class LocationPrecision(models.TextChoices):
    EXACT = "exact", _("Exact point")
    WITHIN_100M = "within_100m", _("Within 100 m")
    STREET = "street", _("Street")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    TOWN = "town", _("Village, town or city")
    DISTRICT = "district", _("District or subdistrict")
    GOVERNORATE = "governorate", _("Governorate or province")
    COUNTRY = "country", _("Country")


class StrikeStatus(models.TextChoices):
    DECLARED = "declared", _("Declared strike")
    LIKELY = "likely", _("Likely strike")
    CONTESTED = "contested", _("Contested strike")
    SINGLE_SOURCE = "single_source", _("Single-source claim")


class Grading(models.TextChoices):
    """Independent monitors' grading of the evidence (Airwars' scale)."""

    CONFIRMED = "confirmed", _("Confirmed")
    FAIR = "fair", _("Fair")
    WEAK = "weak", _("Weak")
    CONTESTED = "contested", _("Contested")
    DISCOUNTED = "discounted", _("Discounted")
    UNGRADED = "ungraded", _("Not graded")  # recorded without a grade: counted in all grades, never as likely


LIKELY_GRADINGS = (Grading.CONFIRMED, Grading.FAIR)  # Airwars' headline "likely" count
# "Alleged": every grade but Discounted (judged not civilian, or not this belligerent's), which stands apart.
ALLEGED_GRADINGS = tuple(grade for grade in Grading if grade != Grading.DISCOUNTED)


class OfficialVerdict(models.TextChoices):
    """An official assessor's verdict on an allegation (CJTF-OIR's vocabulary, as Airwars records it)."""

    NOT_YET_ASSESSED = "not_yet_assessed", _("Not yet assessed")
    UNDER_REVIEW = "under_review", _("Open / under review")
    CREDIBLE = "credible", _("Credible")
    NON_CREDIBLE = "non_credible", _("Non-credible")
    DUPLICATE = "duplicate", _("Duplicate")
    REOPENED = "reopened", _("Reopened")


# The verdicts that leave an allegation still awaiting the official assessor's conclusion.
OPEN_VERDICTS = (OfficialVerdict.NOT_YET_ASSESSED, OfficialVerdict.UNDER_REVIEW, OfficialVerdict.REOPENED)
# What the assessor itself stated is open: "not yet assessed" says only that nobody has spoken.
STATED_OPEN_VERDICTS = (OfficialVerdict.UNDER_REVIEW, OfficialVerdict.REOPENED)


class Dating(models.TextChoices):
    """What an assessment's date says, and so from when the figures count it."""

    STATED = "stated", _("The date the assessor stated it")
    # A monitor's export that keeps only the latest version (Airwars' last_modified): its figures stand for the
    # incident from the start, since what it said before is not in the data.
    REVISED = "revised", _("The date of the latest revision; earlier versions not recorded")
    # A verdict with no statement date: dated when it was first on record (e.g. the export that carried it),
    # never on the strike's own date.
    UNDATED = "undated", _("Date not stated: the date it was first on record")


class StatementItemRole(models.TextChoices):
    """What a detail of an official statement says, beside its cumulative figure (DOMAIN.md: the 30 April 2017
    statement's 45 killed from November to March, 26 in three strikes near Mosul, 80 newly disclosed, 2 not
    attributable, the west Mosul strike excluded pending investigation)."""

    PERIOD = "period", _("Killed in a period")
    INCLUDED = "included", _("Strikes or incidents it counts")
    EXCLUDED = "excluded", _("Excluded, pending investigation")
    NEWLY_DISCLOSED = "newly_disclosed", _("Newly disclosed (not announced before)")
    NOT_ATTRIBUTABLE = "not_attributable", _("Found not attributable, removed")


# How precisely a statement's "counting since" is given ("August 2014", or a day).
PERIOD_PRECISIONS = [
    (DatePrecision.DAY.value, DatePrecision.DAY.label),
    (DatePrecision.MONTH.value, DatePrecision.MONTH.label),
    (DatePrecision.YEAR.value, DatePrecision.YEAR.label),
]


class NonCredibleReason(models.TextChoices):
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")
    NO_STRIKE = "no_strike", _("No strike in that place and time")
    DUPLICATE = "duplicate", _("Duplicate")
    COMBATANTS_ONLY = "combatants_only", _("Combatants only")
    OTHER = "other", _("Other")


class AssessorKind(models.TextChoices):
    """Its label is the short word pages put after a name ("CJTF-OIR (official)"); the field's help says more."""

    OFFICIAL = "official", _("Official")
    MONITOR = "monitor", _("Independent monitor")


class BelligerentRole(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    DECLARED = "declared", _("Declared")


def attributed_user(label):
    """Who did something to a record. Users are deactivated, never deleted (PROTECT): attribution must survive."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
