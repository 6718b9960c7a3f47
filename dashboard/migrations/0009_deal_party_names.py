"""One name per idea: Contract is now Deal (its status the stage), ContractSource the deal's
Citation, and Country the Party, since a party to a deal need not be a state.

Tables, columns, indexes, constraints, content types and permissions are renamed in place, so
every record, its history and every group's permissions are kept.
"""

import django.db.models.deletion
from django.db import migrations, models

MODELS = [("contract", "deal"), ("contractsource", "dealcitation"), ("country", "party")]
# Each model's verbose name, which permission names repeat, under either name.
VERBOSE = {
    "contract": "contract",
    "contractsource": "contract source",
    "country": "country",
    "deal": "deal",
    "dealcitation": "citation",
    "party": "party",
}
INDEXES = [
    ("contract_title_idx", "deal_title_idx"),
    ("contract_kind_idx", "deal_kind_idx"),
    ("contract_signed_idx", "deal_signed_idx"),
    ("contract_completion_idx", "deal_completion_idx"),
    ("contract_value_idx", "deal_value_idx"),
    ("contract_currency_idx", "deal_currency_idx"),
    ("contract_quantity_idx", "deal_quantity_idx"),
]
# Made on PostgreSQL only, by migration 0007.
POSTGRESQL_INDEXES = [
    ("contract_value_desc_idx", "deal_value_desc_idx"),
    ("contract_signed_desc_idx", "deal_signed_desc_idx"),
]


def _permissions_rename(apps, schema_editor, pairs):
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias
    for old, new in pairs:
        for prefix, label in (("", VERBOSE[new]), ("historical", f"historical {VERBOSE[new]}")):
            for action in ("add", "change", "delete", "view"):
                Permission.objects.using(using).filter(
                    content_type__app_label="dashboard", codename=f"{action}_{prefix}{old}"
                ).update(codename=f"{action}_{prefix}{new}", name=f"Can {action} {label}")


def permissions_forwards(apps, schema_editor):
    _permissions_rename(apps, schema_editor, MODELS)


def permissions_backwards(apps, schema_editor):
    _permissions_rename(apps, schema_editor, [(new, old) for old, new in MODELS])


def _indexes_rename(schema_editor, pairs):
    if schema_editor.connection.vendor != "postgresql":
        return
    for old, new in pairs:
        schema_editor.execute(
            f"ALTER INDEX IF EXISTS {schema_editor.quote_name(old)} "
            f"RENAME TO {schema_editor.quote_name(new)}"
        )


def indexes_forwards(apps, schema_editor):
    _indexes_rename(schema_editor, POSTGRESQL_INDEXES)


def indexes_backwards(apps, schema_editor):
    _indexes_rename(schema_editor, [(new, old) for old, new in POSTGRESQL_INDEXES])


def _constraint_renames():
    """The deal's constraints, removed under their old names and added under the new."""
    old = {
        "contract_buyer_differs_from_seller": models.CheckConstraint(
            condition=~models.Q(buyer=models.F("seller")),
            name="deal_buyer_differs_from_seller",
            violation_error_message="The buyer and the seller must be different parties.",
        ),
        "contract_delivered_within_quantity": models.CheckConstraint(
            condition=models.Q(quantity__isnull=True)
            | models.Q(quantity_delivered__isnull=True)
            | models.Q(quantity_delivered__lte=models.F("quantity")),
            name="deal_delivered_within_quantity",
            violation_error_message="The quantity delivered cannot exceed the quantity.",
        ),
        "contract_value_not_negative": models.CheckConstraint(
            condition=models.Q(value_amount__isnull=True) | models.Q(value_amount__gte=0),
            name="deal_value_not_negative",
            violation_error_message="The value cannot be negative.",
        ),
        "contract_value_has_currency": models.CheckConstraint(
            condition=models.Q(value_amount__isnull=True, value_currency="")
            | (models.Q(value_amount__isnull=False) & ~models.Q(value_currency="")),
            name="deal_value_has_currency",
            violation_error_message="A value needs its currency, and a currency its value.",
        ),
    }
    operations = []
    for old_name, constraint in old.items():
        operations.append(migrations.RemoveConstraint(model_name="deal", name=old_name))
        operations.append(migrations.AddConstraint(model_name="deal", constraint=constraint))
    return operations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0008_history_indexes_by_id_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameModel("Country", "Party"),
        migrations.RenameModel("HistoricalCountry", "HistoricalParty"),
        migrations.RenameModel("Contract", "Deal"),
        migrations.RenameModel("HistoricalContract", "HistoricalDeal"),
        migrations.RenameModel("ContractSource", "DealCitation"),
        migrations.RenameModel("HistoricalContractSource", "HistoricalDealCitation"),
        migrations.RemoveIndex(model_name="deal", name="contract_status_idx"),
        migrations.RemoveConstraint(model_name="dealcitation", name="contract_source_once"),
        migrations.RenameField("dealcitation", "contract", "deal"),
        migrations.RenameField("historicaldealcitation", "contract", "deal"),
        migrations.RenameField("deal", "status", "stage"),
        migrations.RenameField("historicaldeal", "status", "stage"),
        migrations.RenameField("statement", "contracts", "deals"),
        migrations.RenameField("person", "country", "party"),
        migrations.RenameField("historicalperson", "country", "party"),
        *[migrations.RenameIndex("deal", new_name=new, old_name=old) for old, new in INDEXES],
        migrations.AddIndex(
            model_name="deal", index=models.Index(fields=["stage"], name="deal_stage_idx")
        ),
        migrations.AddConstraint(
            model_name="dealcitation",
            constraint=models.UniqueConstraint(fields=("deal", "source"), name="deal_source_once"),
        ),
        *_constraint_renames(),
        migrations.AlterModelOptions(
            name="dealcitation",
            options={"ordering": ["deal", "source"], "verbose_name": "citation"},
        ),
        migrations.AlterModelOptions(
            name="historicaldeal",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical deal",
                "verbose_name_plural": "historical deals",
            },
        ),
        migrations.AlterModelOptions(
            name="historicaldealcitation",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical citation",
                "verbose_name_plural": "historical citations",
            },
        ),
        migrations.AlterModelOptions(
            name="historicalparty",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical party",
                "verbose_name_plural": "historical parties",
            },
        ),
        migrations.AlterModelOptions(
            name="party",
            options={"ordering": ["name"], "verbose_name_plural": "parties"},
        ),
        migrations.AlterField(
            model_name="deal",
            name="buyer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deals_as_buyer",
                to="dashboard.party",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="platform",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deals",
                to="dashboard.platform",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="quantity",
            field=models.PositiveIntegerField(
                blank=True, help_text="Units ordered.", null=True, verbose_name="units"
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="quantity_delivered",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Units delivered so far, where a source says.",
                null=True,
                verbose_name="units delivered",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="seller",
            field=models.ForeignKey(
                help_text="For co-development, the partner party that brings the technology.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deals_as_seller",
                to="dashboard.party",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="sources",
            field=models.ManyToManyField(
                related_name="deals", through="dashboard.DealCitation", to="dashboard.source"
            ),
        ),
        migrations.AlterField(
            model_name="historicaldeal",
            name="quantity",
            field=models.PositiveIntegerField(
                blank=True, help_text="Units ordered.", null=True, verbose_name="units"
            ),
        ),
        migrations.AlterField(
            model_name="historicaldeal",
            name="quantity_delivered",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Units delivered so far, where a source says.",
                null=True,
                verbose_name="units delivered",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldeal",
            name="seller",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="For co-development, the partner party that brings the technology.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="dashboard.party",
            ),
        ),
        migrations.AlterField(
            model_name="platform",
            name="makers",
            field=models.ManyToManyField(
                blank=True,
                help_text="The parties that make or co-develop it.",
                related_name="platforms_made",
                to="dashboard.party",
            ),
        ),
        migrations.RunPython(permissions_forwards, permissions_backwards),
        migrations.RunPython(indexes_forwards, indexes_backwards),
    ]
