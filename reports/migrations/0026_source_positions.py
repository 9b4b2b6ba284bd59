"""Sources get real positions: a new source without one goes last (Source.save, and the importer's own
numbering), and the sources already stored, most of them at position 0, are numbered 1..n per incident in
their current order (position, then id).

The renumbering is one UPDATE with a window function, which SQLite (3.33+) and PostgreSQL both run in a single
pass, however many sources there are; rows already at their number are not rewritten. It writes no history
rows: the order is what it was, only its numbers change."""

from django.db import migrations, models

RENUMBER = """
UPDATE reports_source
SET position = numbered.number
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY position, id) AS number
    FROM reports_source
) AS numbered
WHERE reports_source.id = numbered.id AND reports_source.position <> numbered.number
"""

POSITION = models.PositiveIntegerField(
    blank=True,
    default=None,
    help_text="Order among the sources, from 1. Left empty, the source goes last.",
    verbose_name="position",
)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0025_incident_published_order"),
    ]

    operations = [
        # The field's new default (none: save() numbers it) and blank=True live in Python only; the column is
        # unchanged. Without this, SQLite would copy both tables (sources and their history) to alter nothing.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="historicalsource", name="position", field=POSITION),
                migrations.AlterField(model_name="source", name="position", field=POSITION),
            ]
        ),
        migrations.RunSQL(RENUMBER, reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
