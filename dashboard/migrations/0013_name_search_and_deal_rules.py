"""Platform names and aliases matched without hyphens, spaces, dots or case: on PostgreSQL a
trigram index on that normalised name (other databases match without one)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from dashboard.search import NORMALISED_NAMES, name_index_sql


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field in sorted(NORMALISED_NAMES):
        schema_editor.execute(name_index_sql(model_name, field)[0])


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field in sorted(NORMALISED_NAMES):
        schema_editor.execute(name_index_sql(model_name, field)[1])


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0012_engagements")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(add_indexes, remove_indexes),
    ]
