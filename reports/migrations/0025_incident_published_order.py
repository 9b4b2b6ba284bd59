from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0024_assessment_open_max_missing_source_caveat"),
    ]

    operations = [
        # "Recently published" on the dashboard: the newest publications first, read from an index.
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["review_state", "-published_at", "code"], name="incident_published_order_idx"),
        ),
        # The kind's label is the short word shown after an assessor's name; the help says what it means.
        migrations.AlterField(
            model_name="assessor",
            name="kind",
            field=models.CharField(
                choices=[("official", "Official"), ("monitor", "Independent monitor")],
                help_text="Official: a belligerent's own reporting. Independent monitor: grades the evidence (Airwars).",
                max_length=10,
                verbose_name="kind",
            ),
        ),
    ]
