"""GIN indexes for full-text search on PostgreSQL; other databases search without them."""

from django.db import migrations

from dashboard.search import full_text_indexes


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in full_text_indexes():
        schema_editor.add_index(apps.get_model("dashboard", model_name), index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in full_text_indexes():
        schema_editor.remove_index(apps.get_model("dashboard", model_name), index)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_indexes")]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
