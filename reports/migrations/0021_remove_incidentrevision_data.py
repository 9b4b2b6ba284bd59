from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0020_revision_change_set"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="incidentrevision",
            name="data",
        ),
    ]
