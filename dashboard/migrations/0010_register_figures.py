"""SIPRI's register in the data model: parties of every kind keyed by `code`, the register's
figures on deals (TIVs, condition, uncertainty), what each source states on its citation, and
the years of delivery."""

import dashboard.partial_dates
import django.core.validators
import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

from dashboard.migrations._grants import grants


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0009_deal_party_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="party", old_name="iso2", new_name="code"),
        migrations.RenameField(model_name="historicalparty", old_name="iso2", new_name="code"),
        migrations.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
            ],
            options={
                "verbose_name_plural": "deliveries",
                "ordering": ["deal", "year"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalDelivery",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical delivery",
                "verbose_name_plural": "historical deliveries",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="deal",
            name="condition",
            field=models.CharField(
                blank=True,
                choices=[
                    ("new", "New"),
                    ("second_hand", "Second hand"),
                    ("second_hand_modernised", "Second hand but modernised"),
                ],
                help_text="Of the units delivered.",
                max_length=30,
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="quantity_delivered_uncertain",
            field=models.BooleanField(
                default=False,
                help_text="The source marks the units delivered as uncertain.",
                verbose_name="units delivered uncertain",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="quantity_uncertain",
            field=models.BooleanField(
                default=False,
                help_text="The source marks the units as uncertain.",
                verbose_name="units uncertain",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="signed_uncertain",
            field=models.BooleanField(
                default=False,
                help_text="The source marks the year as uncertain.",
                verbose_name="signed uncertain",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="tiv_delivered",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="SIPRI trend-indicator value of the weapons delivered, in millions; empty when no deliveries are identified.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="TIV delivered",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="tiv_per_unit",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="SIPRI trend-indicator value per unit, in millions.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="TIV per unit",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="tiv_total",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="SIPRI trend-indicator value of the whole order, in millions.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="TIV of the order",
            ),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="comment",
            field=models.TextField(blank=True, help_text="The source's own remarks, verbatim."),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="ordered",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="year of order"
            ),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="ordered_uncertain",
            field=models.BooleanField(default=False, verbose_name="year of order uncertain"),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="quantity",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="units"),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="quantity_delivered",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="units delivered"
            ),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="quantity_delivered_uncertain",
            field=models.BooleanField(default=False, verbose_name="units delivered uncertain"),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="quantity_uncertain",
            field=models.BooleanField(default=False, verbose_name="units uncertain"),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="value_amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=18,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="value",
            ),
        ),
        migrations.AddField(
            model_name="dealcitation",
            name="value_currency",
            field=models.CharField(
                blank=True,
                help_text="ISO 4217 code, e.g. USD.",
                max_length=3,
                verbose_name="currency",
            ),
        ),
        migrations.AddField(
            model_name="historicaldeal",
            name="condition",
            field=models.CharField(
                blank=True,
                choices=[
                    ("new", "New"),
                    ("second_hand", "Second hand"),
                    ("second_hand_modernised", "Second hand but modernised"),
                ],
                help_text="Of the units delivered.",
                max_length=30,
            ),
        ),
        migrations.AddField(
            model_name="historicaldeal",
            name="quantity_delivered_uncertain",
            field=models.BooleanField(
                default=False,
                help_text="The source marks the units delivered as uncertain.",
                verbose_name="units delivered uncertain",
            ),
        ),
        migrations.AddField(
            model_name="historicaldeal",
            name="quantity_uncertain",
            field=models.BooleanField(
                default=False,
                help_text="The source marks the units as uncertain.",
                verbose_name="units uncertain",
            ),
        ),
        migrations.AddField(
            model_name="historicaldeal",
            name="signed_uncertain",
            field=models.BooleanField(
                default=False,
                help_text="The source marks the year as uncertain.",
                verbose_name="signed uncertain",
            ),
        ),
        migrations.AddField(
            model_name="historicaldeal",
            name="tiv_delivered",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="SIPRI trend-indicator value of the weapons delivered, in millions; empty when no deliveries are identified.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="TIV delivered",
            ),
        ),
        migrations.AddField(
            model_name="historicaldeal",
            name="tiv_per_unit",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="SIPRI trend-indicator value per unit, in millions.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="TIV per unit",
            ),
        ),
        migrations.AddField(
            model_name="historicaldeal",
            name="tiv_total",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="SIPRI trend-indicator value of the whole order, in millions.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="TIV of the order",
            ),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="comment",
            field=models.TextField(blank=True, help_text="The source's own remarks, verbatim."),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="ordered",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="year of order"
            ),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="ordered_uncertain",
            field=models.BooleanField(default=False, verbose_name="year of order uncertain"),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="quantity",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="units"),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="quantity_delivered",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="units delivered"
            ),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="quantity_delivered_uncertain",
            field=models.BooleanField(default=False, verbose_name="units delivered uncertain"),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="quantity_uncertain",
            field=models.BooleanField(default=False, verbose_name="units uncertain"),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="value_amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=18,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="value",
            ),
        ),
        migrations.AddField(
            model_name="historicaldealcitation",
            name="value_currency",
            field=models.CharField(
                blank=True,
                help_text="ISO 4217 code, e.g. USD.",
                max_length=3,
                verbose_name="currency",
            ),
        ),
        migrations.AddField(
            model_name="historicalparty",
            name="kind",
            field=models.CharField(
                choices=[
                    ("state", "State"),
                    ("former_state", "Former state"),
                    ("unrecognised", "Entity with limited recognition"),
                    ("armed_group", "Non-state armed group"),
                    ("organisation", "International organisation"),
                    ("unknown", "Unknown party"),
                ],
                default="state",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="historicalparty",
            name="successor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="For a former state, the state that continues it (Soviet Union: Russia).",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="dashboard.party",
            ),
        ),
        migrations.AddField(
            model_name="historicalplatform",
            name="register_description",
            field=models.CharField(
                blank=True,
                help_text="SIPRI's weapon description, verbatim (FGA aircraft, SAM system).",
                max_length=200,
                verbose_name="SIPRI description",
            ),
        ),
        migrations.AddField(
            model_name="party",
            name="kind",
            field=models.CharField(
                choices=[
                    ("state", "State"),
                    ("former_state", "Former state"),
                    ("unrecognised", "Entity with limited recognition"),
                    ("armed_group", "Non-state armed group"),
                    ("organisation", "International organisation"),
                    ("unknown", "Unknown party"),
                ],
                default="state",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="party",
            name="successor",
            field=models.ForeignKey(
                blank=True,
                help_text="For a former state, the state that continues it (Soviet Union: Russia).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="predecessors",
                to="dashboard.party",
            ),
        ),
        migrations.AddField(
            model_name="platform",
            name="register_description",
            field=models.CharField(
                blank=True,
                help_text="SIPRI's weapon description, verbatim (FGA aircraft, SAM system).",
                max_length=200,
                verbose_name="SIPRI description",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="signed",
            field=dashboard.partial_dates.PartialDateField(
                blank=True,
                help_text="When it was signed or ordered.",
                null=True,
                verbose_name="signed",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldeal",
            name="signed",
            field=dashboard.partial_dates.PartialDateField(
                blank=True,
                help_text="When it was signed or ordered.",
                null=True,
                verbose_name="signed",
            ),
        ),
        migrations.AlterField(
            model_name="historicalparty",
            name="code",
            field=models.CharField(
                help_text="ISO 3166-1 alpha-2 for a state, ISO 3166-3 for a former state, otherwise a slug.",
                max_length=60,
                validators=[
                    django.core.validators.RegexValidator(
                        "^([A-Z]{2}|[A-Z]{4}|[a-z0-9]+(-[a-z0-9]+)*)$",
                        "An ISO code in capitals (IN, SUHH), or a lower-case slug (hezbollah-lebanon).",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="historicalparty",
            name="iso3",
            field=models.CharField(
                blank=True,
                max_length=3,
                null=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-Z]{3}$", "Three capital letters, e.g. IND."
                    )
                ],
                verbose_name="ISO alpha-3",
            ),
        ),
        migrations.AlterField(
            model_name="historicalplatform",
            name="category",
            field=models.CharField(
                choices=[
                    ("air_defence", "Air-defence system"),
                    ("cruise_missile", "Cruise missile"),
                    ("ballistic_missile", "Ballistic missile"),
                    ("fighter_aircraft", "Fighter aircraft"),
                    ("transport_aircraft", "Transport aircraft"),
                    ("helicopter", "Helicopter"),
                    ("tank", "Tank"),
                    ("armoured_vehicle", "Armoured vehicle"),
                    ("artillery", "Artillery"),
                    ("aircraft_carrier", "Aircraft carrier"),
                    ("warship", "Warship"),
                    ("submarine", "Submarine"),
                    ("small_arms", "Small arms"),
                    ("radar", "Radar and sensors"),
                    ("surveillance_aircraft", "Surveillance and patrol aircraft"),
                    ("trainer_aircraft", "Trainer and light aircraft"),
                    ("unmanned_aircraft", "Unmanned aircraft"),
                    ("air_to_air_missile", "Air-to-air missile"),
                    ("air_to_surface_missile", "Air-to-surface missile or guided bomb"),
                    ("anti_ship_missile", "Anti-ship missile"),
                    ("anti_tank_missile", "Anti-tank missile"),
                    ("surface_to_air_missile", "Surface-to-air missile"),
                    ("anti_aircraft_gun", "Anti-aircraft gun"),
                    ("naval_weapon", "Naval gun or anti-submarine weapon"),
                    ("torpedo", "Torpedo"),
                    ("patrol_craft", "Patrol craft"),
                    ("support_ship", "Support or landing ship"),
                    ("engine", "Engine"),
                    ("satellite", "Satellite"),
                    ("other", "Other"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="party",
            name="code",
            field=models.CharField(
                help_text="ISO 3166-1 alpha-2 for a state, ISO 3166-3 for a former state, otherwise a slug.",
                max_length=60,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^([A-Z]{2}|[A-Z]{4}|[a-z0-9]+(-[a-z0-9]+)*)$",
                        "An ISO code in capitals (IN, SUHH), or a lower-case slug (hezbollah-lebanon).",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="party",
            name="iso3",
            field=models.CharField(
                blank=True,
                max_length=3,
                null=True,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-Z]{3}$", "Three capital letters, e.g. IND."
                    )
                ],
                verbose_name="ISO alpha-3",
            ),
        ),
        migrations.AlterField(
            model_name="platform",
            name="category",
            field=models.CharField(
                choices=[
                    ("air_defence", "Air-defence system"),
                    ("cruise_missile", "Cruise missile"),
                    ("ballistic_missile", "Ballistic missile"),
                    ("fighter_aircraft", "Fighter aircraft"),
                    ("transport_aircraft", "Transport aircraft"),
                    ("helicopter", "Helicopter"),
                    ("tank", "Tank"),
                    ("armoured_vehicle", "Armoured vehicle"),
                    ("artillery", "Artillery"),
                    ("aircraft_carrier", "Aircraft carrier"),
                    ("warship", "Warship"),
                    ("submarine", "Submarine"),
                    ("small_arms", "Small arms"),
                    ("radar", "Radar and sensors"),
                    ("surveillance_aircraft", "Surveillance and patrol aircraft"),
                    ("trainer_aircraft", "Trainer and light aircraft"),
                    ("unmanned_aircraft", "Unmanned aircraft"),
                    ("air_to_air_missile", "Air-to-air missile"),
                    ("air_to_surface_missile", "Air-to-surface missile or guided bomb"),
                    ("anti_ship_missile", "Anti-ship missile"),
                    ("anti_tank_missile", "Anti-tank missile"),
                    ("surface_to_air_missile", "Surface-to-air missile"),
                    ("anti_aircraft_gun", "Anti-aircraft gun"),
                    ("naval_weapon", "Naval gun or anti-submarine weapon"),
                    ("torpedo", "Torpedo"),
                    ("patrol_craft", "Patrol craft"),
                    ("support_ship", "Support or landing ship"),
                    ("engine", "Engine"),
                    ("satellite", "Satellite"),
                    ("other", "Other"),
                ],
                max_length=30,
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["tiv_delivered"], name="deal_tiv_idx"),
        ),
        migrations.AddIndex(
            model_name="party",
            index=models.Index(fields=["kind"], name="party_kind_idx"),
        ),
        migrations.AddConstraint(
            model_name="dealcitation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("value_amount__isnull", True), ("value_currency", "")),
                    models.Q(
                        ("value_amount__isnull", False),
                        models.Q(("value_currency", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="citation_value_has_currency",
                violation_error_message="A value needs its currency, and a currency its value.",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="deal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="dashboard.deal",
            ),
        ),
        migrations.AddField(
            model_name="historicaldelivery",
            name="deal",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="dashboard.deal",
            ),
        ),
        migrations.AddField(
            model_name="historicaldelivery",
            name="history_user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["year"], name="delivery_year_idx"),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(fields=("deal", "year"), name="delivery_year_once"),
        ),
        grants("delivery"),
    ]
