"""Small reference tables: who can be blamed, who assesses, what kind of strike."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from reports.models.vocabulary import AssessorKind, validate_web_link

# The names every installation starts with (migration 0002), so that they are in the catalogue: on an Arabic
# page a row reads in Arabic by its catalogue entry; a row added later reads as entered until one is added.
SEEDED_NAMES = [
    gettext_noop("US-led coalition"),
    gettext_noop("Russian military"),
    gettext_noop("Syrian regime"),
    gettext_noop("Turkish military"),
    gettext_noop("Israeli military"),
    gettext_noop("Iranian military"),
    gettext_noop("SDF/YPG"),
    gettext_noop("Islamic State"),
    gettext_noop("Unknown"),
    gettext_noop("CJTF-OIR"),
    gettext_noop("Airwars"),
    gettext_noop("Airstrike"),
    gettext_noop("Drone strike"),
    gettext_noop("Artillery"),
    gettext_noop("Airstrike and/or artillery"),
    gettext_noop("Ground operation"),
    gettext_noop("Counter-terrorism action (ground)"),
    gettext_noop("Naval bombardment"),
]


def reference_name(name):
    """A belligerent's, assessor's or strike type's name in the page's language (its catalogue entry, or the
    name as stored). Downloads never use it: they carry slugs."""
    return gettext(name) if name else name


class Belligerent(models.Model):
    """A party to whom harm can be attributed: US-led coalition, Russian military, Syrian regime, …"""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("belligerent")
        verbose_name_plural = _("belligerents")
        ordering = ["name"]

    def __str__(self):
        return reference_name(self.name)


class Assessor(models.Model):
    """An organisation that assesses casualties: an official one speaks for one or more belligerents (CJTF-OIR
    for the US-led coalition), and its verdicts count only for incidents attributed to them; an independent
    monitor (Airwars) grades the evidence."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=AssessorKind.choices,
        help_text=_("Official: a belligerent's own reporting. Independent monitor: grades the evidence (Airwars)."),
    )
    speaks_for = models.ManyToManyField(
        Belligerent,
        verbose_name=_("speaks for"),
        blank=True,
        related_name="official_assessors",
        help_text=_("For an official assessor: the belligerents whose reporting it is."),
    )
    url = models.URLField(_("website"), blank=True, validators=[validate_web_link])

    class Meta:
        verbose_name = _("assessor")
        verbose_name_plural = _("assessors")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AssessorKind.values), name="assessor_kind_valid"),
        ]

    def __str__(self):
        return reference_name(self.name)

    @property
    def is_official(self):
        return self.kind == AssessorKind.OFFICIAL


class StrikeType(models.Model):
    """Airstrike, drone strike, artillery, ground operation, …; an incident can involve several."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("strike type")
        verbose_name_plural = _("strike types")
        ordering = ["name"]

    def __str__(self):
        return reference_name(self.name)
