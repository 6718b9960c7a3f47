"""Indexes for the deal table sorted by value or signing date, largest or latest first.

The table puts unknown values last in both directions (`nulls_last` in dashboard/tables.py);
PostgreSQL reads an index in that order only when the index is built so, and SQLite cannot
build one so, hence these are made on PostgreSQL only and stay out of the models' Meta.
"""

from django.db import migrations, models
from django.db.models import F


def descending_indexes():
    return [
        models.Index(
            F("value_amount").desc(nulls_last=True), F("id"), name="contract_value_desc_idx"
        ),
        models.Index(F("signed").desc(nulls_last=True), F("id"), name="contract_signed_desc_idx"),
    ]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in descending_indexes():
        schema_editor.add_index(apps.get_model("dashboard", "contract"), index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in descending_indexes():
        schema_editor.remove_index(apps.get_model("dashboard", "contract"), index)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0006_history_permissions")]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
