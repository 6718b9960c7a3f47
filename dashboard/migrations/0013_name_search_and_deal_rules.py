"""Platform names and aliases matched without hyphens, spaces, dots or case: on PostgreSQL a
trigram index on that normalised name (other databases match without one). Deals follow their
stage: none before signature has a signing date, and a completed deal has delivered its units.
Deals that break either rule are named, and the migration stops before changing anything.
The admin calls a deal's deliveries its years of delivery, as the site does."""

from django.db import migrations, models

from dashboard.search import NORMALISED_NAMES, name_index_sql

PRE_SIGNATURE = ["talks", "under_consideration", "negotiating"]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Django's TrigramExtension reads pg_extension when migrating back on any database, which
    # SQLite has not; the extension stays when migrating back (other indexes may use it).
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model_name, field in sorted(NORMALISED_NAMES):
        schema_editor.execute(name_index_sql(model_name, field)[0])


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field in sorted(NORMALISED_NAMES):
        schema_editor.execute(name_index_sql(model_name, field)[1])


def refuse_deals_breaking_the_rules(apps, schema_editor):
    deals = apps.get_model("dashboard", "Deal").objects.using(schema_editor.connection.alias)
    broken = {
        "in a stage before signature, with a signing date": deals.filter(
            stage__in=PRE_SIGNATURE, signed__isnull=False
        ),
        "completed, with fewer units delivered than ordered, or none": deals.filter(
            stage="completed", quantity_delivered__isnull=False
        ).exclude(
            models.Q(quantity_delivered__gt=0)
            & (
                models.Q(quantity__isnull=True)
                | models.Q(quantity_delivered__gte=models.F("quantity"))
            )
        ),
    }
    problems = []
    for rule, found in broken.items():
        slugs = list(found.values_list("slug", flat=True)[:20])
        if slugs:
            problems.append(f"Deals {rule}: {', '.join(slugs)}")
    if problems:
        raise RuntimeError(
            "Correct these deals' stage, signing date or units delivered, then migrate "
            "again.\n" + "\n".join(problems)
        )


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0012_engagements")]

    operations = [
        migrations.AlterModelOptions(
            name="delivery",
            options={
                "ordering": ["deal", "year"],
                "verbose_name": "year of delivery",
                "verbose_name_plural": "years of delivery",
            },
        ),
        migrations.AlterModelOptions(
            name="historicaldelivery",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical year of delivery",
                "verbose_name_plural": "historical years of delivery",
            },
        ),
        migrations.RunPython(add_indexes, remove_indexes),
        migrations.RunPython(refuse_deals_breaking_the_rules, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="deal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("stage__in", PRE_SIGNATURE), _negated=True),
                    ("signed__isnull", True),
                    _connector="OR",
                ),
                name="deal_unsigned_has_no_signing_date",
                violation_error_message="A deal in talks, under consideration or negotiating "
                "has not been signed: leave the signing date empty, or set the stage it has "
                "reached.",
            ),
        ),
        migrations.AddConstraint(
            model_name="deal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("stage", "completed"), _negated=True),
                    ("quantity_delivered__isnull", True),
                    models.Q(
                        ("quantity_delivered__gt", 0),
                        models.Q(
                            ("quantity__isnull", True),
                            ("quantity_delivered__gte", models.F("quantity")),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="deal_completed_has_its_deliveries",
                violation_error_message="A completed deal has delivered all its units: the "
                "units delivered must equal the units ordered (or be left empty when "
                "unknown), or the stage is not yet completed.",
            ),
        ),
    ]
