"""Each deal's value in constant US dollars (dashboard/money.py), computed for the deals already
stored; and, on PostgreSQL, the index for sorting by it largest first with unknown values last
(as 0007 does for the stated value)."""

from django.db import migrations, models
from django.db.models import F

from dashboard import money


def descending_index():
    return models.Index(
        F("value_usd_constant").desc(nulls_last=True), F("id"), name="deal_value_usd_desc_idx"
    )


def values_convert(apps, schema_editor):
    Deal = apps.get_model("dashboard", "Deal")
    deals = Deal.objects.exclude(value_amount=None)
    for deal in deals.iterator():
        conversion = money.deal_conversion(deal)
        deal.value_usd_constant = conversion.amount
        deal.value_usd_base_year = conversion.base_year
        deal.value_unconverted = conversion.reason
        deal.save(update_fields=["value_usd_constant", "value_usd_base_year", "value_unconverted"])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(Deal, descending_index())


def index_remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("dashboard", "Deal"), descending_index())


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0015_engagement_session_once'),
    ]

    operations = [
        migrations.AddField(
            model_name='deal',
            name='value_unconverted',
            field=models.CharField(blank=True, editable=False, help_text='Why a stated value has no constant-dollar figure.', max_length=200, verbose_name='why not converted'),
        ),
        migrations.AddField(
            model_name='deal',
            name='value_usd_base_year',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, help_text='Of the constant dollars.', null=True, verbose_name='base year'),
        ),
        migrations.AddField(
            model_name='deal',
            name='value_usd_constant',
            field=models.DecimalField(blank=True, decimal_places=0, editable=False, help_text='The value in US dollars of the base year; empty when it cannot be converted.', max_digits=20, null=True, verbose_name='value in constant US dollars'),
        ),
        migrations.AddField(
            model_name='historicaldeal',
            name='value_unconverted',
            field=models.CharField(blank=True, editable=False, help_text='Why a stated value has no constant-dollar figure.', max_length=200, verbose_name='why not converted'),
        ),
        migrations.AddField(
            model_name='historicaldeal',
            name='value_usd_base_year',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, help_text='Of the constant dollars.', null=True, verbose_name='base year'),
        ),
        migrations.AddField(
            model_name='historicaldeal',
            name='value_usd_constant',
            field=models.DecimalField(blank=True, decimal_places=0, editable=False, help_text='The value in US dollars of the base year; empty when it cannot be converted.', max_digits=20, null=True, verbose_name='value in constant US dollars'),
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['value_usd_constant'], name='deal_value_usd_idx'),
        ),
        migrations.RunPython(values_convert, index_remove),
    ]
