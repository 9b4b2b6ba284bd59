"""An official assessor speaks for one or more belligerents (was: one); an assessment says what its date means
(`dating`), and stores the date the figures count it from (`counts_from`, its date for every existing row)."""

from django.conf import settings
from django.db import migrations, models

DATING_CHOICES = [
    ("stated", "The date the assessor stated it"),
    ("revised", "The date of the latest revision; earlier versions not recorded"),
    ("undated", "Date not stated: the date it was first on record"),
]


def copy_belligerent(apps, schema_editor):
    Assessor = apps.get_model("reports", "Assessor")
    for assessor in Assessor.objects.filter(belligerent__isnull=False):
        assessor.speaks_for.add(assessor.belligerent_id)


def copy_speaks_for_back(apps, schema_editor):
    Assessor = apps.get_model("reports", "Assessor")
    for assessor in Assessor.objects.all():
        first = assessor.speaks_for.order_by("pk").first()
        if first is not None:
            Assessor.objects.filter(pk=assessor.pk).update(belligerent=first)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0013_summary_changes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="assessor",
            name="speaks_for",
            field=models.ManyToManyField(
                blank=True,
                help_text="For an official assessor: the belligerents whose reporting it is.",
                related_name="official_assessors",
                to="reports.belligerent",
                verbose_name="speaks for",
            ),
        ),
        migrations.RunPython(copy_belligerent, copy_speaks_for_back),
        migrations.RemoveField(model_name="assessor", name="belligerent"),
        migrations.AddField(
            model_name="assessment",
            name="dating",
            field=models.CharField(
                choices=DATING_CHOICES, default="stated", max_length=10, verbose_name="what the date says"
            ),
        ),
        migrations.AddField(
            model_name="historicalassessment",
            name="dating",
            field=models.CharField(
                choices=DATING_CHOICES, default="stated", max_length=10, verbose_name="what the date says"
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="counts_from",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(
            "UPDATE reports_assessment SET counts_from = assessed_on", reverse_sql=migrations.RunSQL.noop
        ),
        migrations.RemoveIndex(model_name="assessment", name="assessment_date_idx"),
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(fields=["counts_from"], name="assessment_counts_from_idx"),
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(("dating__in", ["stated", "revised", "undated"])), name="assessment_dating_valid"
            ),
        ),
    ]
