"""Each year of delivery's share of its deal's delivered TIV, stored (`Delivery.tiv`) so that
sums by year read one table; worked out here for the deliveries already stored, as
services.delivery_tiv_update() works it out after every later write. And a deal kind for aid
and gifts (dashboard/register/kinds.py reads it from the register's comments)."""

from django.db import migrations, models
from django.db.models import F, FloatField, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Cast


KINDS = [
    ("purchase", "Purchase"),
    ("licensed_production", "Licensed production"),
    ("co_development", "Co-development / joint venture"),
    ("lease", "Lease"),
    ("upgrade_support", "Upgrade or support"),
    ("aid", "Aid or gift"),
]


def shares_store(apps, schema_editor):
    # The same expression as services.delivery_tiv_share(), on the models as they are here.
    Deal = apps.get_model("dashboard", "Deal")
    Delivery = apps.get_model("dashboard", "Delivery")
    years = (
        Delivery.objects.filter(deal=OuterRef("deal"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    delivered = Deal.objects.filter(pk=OuterRef("deal")).values("tiv_delivered")
    Delivery.objects.update(tiv=Cast(Subquery(delivered), FloatField()) / Subquery(years))


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0016_constant_dollars"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="tiv",
            field=models.FloatField(
                editable=False,
                help_text="Its share of the deal's delivered TIV: the TIV spread evenly over "
                "all the deal's years of delivery, in millions; empty when the deal's is.",
                null=True,
                verbose_name="TIV",
            ),
        ),
        migrations.RunPython(shares_store, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deal",
            name="kind",
            field=models.CharField(choices=KINDS, default="purchase", max_length=30),
        ),
        migrations.AlterField(
            model_name="historicaldeal",
            name="kind",
            field=models.CharField(choices=KINDS, default="purchase", max_length=30),
        ),
    ]
