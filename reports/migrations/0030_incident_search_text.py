"""Incident.search_text, filled for the incidents already stored, and on PostgreSQL a trigram index on it (what
lets the public text filter's LIKE '%…%' avoid reading every incident). The index is not declared on the model:
SQLite has no trigram index, and the model's state must be the same on both databases."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from reports.models.search import SEARCHED_FIELDS, search_text_of

BATCH = 5_000  # incidents read and written at a time: bounds memory whatever the table's size
INDEX = "incident_search_trgm_idx"


def fill_search_text(apps, schema_editor):
    """Every stored incident's search text, a batch of consecutive ids at a time."""
    Incident = apps.get_model("reports", "Incident")
    connection = schema_editor.connection
    incidents = Incident.objects.using(connection.alias).order_by("pk")
    write = write_postgresql if connection.vendor == "postgresql" else write_bulk
    last = 0
    while batch := list(incidents.filter(pk__gt=last).values_list("pk", *SEARCHED_FIELDS)[:BATCH]):
        write(Incident, connection, [(pk, search_text_of(*values)) for pk, *values in batch])
        last = batch[-1][0]


def write_postgresql(Incident, connection, texts):
    # One UPDATE joined to the batch's values: bulk_update's CASE per row grows with the square of the batch.
    table = connection.ops.quote_name(Incident._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(texts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS i SET search_text = v.text FROM (VALUES {values}) AS v(id, text) WHERE i.id = v.id",  # noqa: S608 (placeholders only)
            [value for row in texts for value in row],
        )


def write_bulk(Incident, connection, texts):
    incidents = [Incident(pk=pk, search_text=text) for pk, text in texts]
    Incident.objects.using(connection.alias).bulk_update(incidents, ["search_text"], batch_size=200)


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON reports_incident USING gin (search_text gin_trgm_ops)")
        schema_editor.execute("ANALYZE reports_incident")  # the planner's estimates of the new column


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0029_statement_returned"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        TrigramExtension(),  # (does nothing on other databases)
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
