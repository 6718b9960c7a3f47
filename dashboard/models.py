"""The data: parties, sources, people, platforms, deals and statements, with provenance.

Every record has a natural key (an ISO code or a slug), so fixtures never depend on database ids.
Every model keeps its history (django-simple-history): who changed what, when, and why.
"""

import datetime
from decimal import Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from dashboard import money
from dashboard.partial_dates import PartialDateField
from dashboard.passages import appears_in, shortened


class History(HistoricalRecords):
    """A model's history, its table indexed only by the record's id and the change's date and
    user. History is read one record at a time; the indexes it would otherwise copy from the
    model's unique and related fields serve no query and slow every write, and a load of
    100,000 records writes as many history rows."""

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, field in fields.items():
            field.db_index = name == model._meta.pk.attname
        return fields


class CachedCount:
    """A record's count of the rows that point at it, as an attribute (`platform.deal_count`):
    `rows` gives the model and field that point, `(Deal, "platform")`. The figure comes from one
    tally over the whole data, counted once per change of the data
    (dashboard.selectors.counts_by), since counting in a page's own query reads every row of a
    busy record (a hundred thousand statements for one speaker). A list sorts by it through an
    alias of the same name (dashboard.selectors.with_counts), which takes precedence when set."""

    def __init__(self, rows):
        self.rows = rows  # a callable, as the models it names may be declared further down

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        from dashboard.selectors import counts_by

        return counts_by(*self.rows()).get(instance.pk, 0)


NOT_IN_SOURCE = "This passage does not appear word for word in the source “%(source)s”."
# The code of that error, and of a quote not in its source: the admin then shows the source.
NOT_IN_SOURCE_CODE = "not_in_source"


class SlugQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SlugModel(models.Model):
    slug = models.SlugField(
        max_length=120, unique=True, help_text="A short, permanent identifier used in URLs."
    )

    objects = SlugQuerySet.as_manager()

    class Meta:
        abstract = True

    def natural_key(self):
        return (self.slug,)


# --- Parties ---------------------------------------------------------------------------------


class PartyQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Party(models.Model):
    """A party to a deal: a state, a former state, an entity with limited recognition, a
    non-state armed group, an international organisation, or a party the source does not know.

    `code` is its key everywhere (URLs, filters, fixtures): the ISO 3166-1 alpha-2 code of a
    state, the ISO 3166-3 code of a former state that has one, and a lower-case slug otherwise.
    """

    class Kind(models.TextChoices):
        STATE = "state", "State"
        FORMER_STATE = "former_state", "Former state"
        UNRECOGNISED = "unrecognised", "Entity with limited recognition"
        ARMED_GROUP = "armed_group", "Non-state armed group"
        ORGANISATION = "organisation", "International organisation"
        UNKNOWN = "unknown", "Unknown party"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STATE)
    code = models.CharField(
        max_length=60,
        unique=True,
        validators=[
            RegexValidator(
                r"^([A-Z]{2}|[A-Z]{4}|[a-z0-9]+(-[a-z0-9]+)*)$",
                "An ISO code in capitals (IN, SUHH), or a lower-case slug (hezbollah-lebanon).",
            )
        ],
        help_text="ISO 3166-1 alpha-2 for a state, ISO 3166-3 for a former state, "
        "otherwise a slug.",
    )
    iso3 = models.CharField(
        "ISO alpha-3",
        max_length=3,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "Three capital letters, e.g. IND.")],
    )
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="For a former state, the state that continues it (Soviet Union: Russia).",
    )

    objects = PartyQuerySet.as_manager()
    history = History()
    buyer_count = CachedCount(lambda: (Deal, "buyer"))
    seller_count = CachedCount(lambda: (Deal, "seller"))
    people_count = CachedCount(lambda: (Person, "party"))

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"
        indexes = [models.Index(fields=["kind"], name="party_kind_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("dashboard:party-detail", kwargs={"code": self.code})

    def natural_key(self):
        return (self.code,)

    def clean(self):
        if self.iso3 == "":
            self.iso3 = None
        if not self.code:
            return
        if self.kind == self.Kind.STATE:
            self._clean_iso(pycountry.countries.get(alpha_2=self.code), "ISO 3166-1 alpha-2")
        elif self.kind == self.Kind.FORMER_STATE and len(self.code) == 4 and self.code.isupper():
            known = pycountry.historic_countries.get(alpha_4=self.code)
            self._clean_iso(known, "ISO 3166-3")
        elif self.code.isupper():
            raise ValidationError(
                {"code": f"A party of kind “{self.get_kind_display()}” has a lower-case slug."}
            )
        elif _is_iso_code(self.code.upper()):
            raise ValidationError({"code": f"“{self.code}” would read as an ISO code."})
        if self.successor_id and self.successor_id == self.pk:
            raise ValidationError({"successor": "A party cannot succeed itself."})

    def _clean_iso(self, known, standard):
        if known is None:
            raise ValidationError({"code": f"“{self.code}” is not an {standard} code."})
        if self.iso3 and known.alpha_3 != self.iso3:
            raise ValidationError(
                {"iso3": f"The alpha-3 code for {self.code} is {known.alpha_3}, not {self.iso3}."}
            )


def _is_iso_code(code):
    return bool(
        pycountry.countries.get(alpha_2=code) or pycountry.historic_countries.get(alpha_4=code)
    )


# --- Sources -----------------------------------------------------------------------------------


class Source(SlugModel):
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    url = models.URLField("URL", max_length=500, blank=True)
    published = PartialDateField(
        "publication date", null=True, blank=True, help_text="As precise as the source allows."
    )
    date_note = models.TextField(
        "how the date was established",
        blank=True,
        help_text="Say so when the date is inferred from the text rather than printed.",
    )
    text = models.TextField("full text")
    history = History()

    class Meta:
        ordering = ["-published", "title"]
        indexes = [
            models.Index(fields=["published", "title"], name="source_published_idx"),
            models.Index(fields=["publisher"], name="source_publisher_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dashboard:source-detail", kwargs={"slug": self.slug})


# --- People ------------------------------------------------------------------------------------


class Person(SlugModel):
    """Someone the sources quote: a person, or an institution speaking as one (a ministry, an
    air force), as `kind` says."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        INSTITUTION = "institution", "Institution"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    role = models.CharField(
        "role or title", max_length=300, blank=True, help_text="As the source states it."
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    history = History()
    statement_count = CachedCount(lambda: (Statement, "speaker"))

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["name"], name="person_name_idx"),
            models.Index(fields=["kind"], name="person_kind_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("dashboard:person-detail", kwargs={"slug": self.slug})


# --- Platforms ---------------------------------------------------------------------------------


class Platform(SlugModel):
    class Category(models.TextChoices):
        AIR_DEFENCE = "air_defence", "Air-defence system"
        CRUISE_MISSILE = "cruise_missile", "Cruise missile"
        BALLISTIC_MISSILE = "ballistic_missile", "Ballistic missile"
        FIGHTER = "fighter_aircraft", "Fighter aircraft"
        TRANSPORT_AIRCRAFT = "transport_aircraft", "Transport aircraft"
        HELICOPTER = "helicopter", "Helicopter"
        TANK = "tank", "Tank"
        ARMOURED_VEHICLE = "armoured_vehicle", "Armoured vehicle"
        ARTILLERY = "artillery", "Artillery"
        AIRCRAFT_CARRIER = "aircraft_carrier", "Aircraft carrier"
        WARSHIP = "warship", "Warship"
        SUBMARINE = "submarine", "Submarine"
        SMALL_ARMS = "small_arms", "Small arms"
        RADAR = "radar", "Radar and sensors"
        SURVEILLANCE_AIRCRAFT = "surveillance_aircraft", "Surveillance and patrol aircraft"
        TRAINER_AIRCRAFT = "trainer_aircraft", "Trainer and light aircraft"
        UNMANNED_AIRCRAFT = "unmanned_aircraft", "Unmanned aircraft"
        AIR_TO_AIR_MISSILE = "air_to_air_missile", "Air-to-air missile"
        AIR_TO_SURFACE_MISSILE = "air_to_surface_missile", "Air-to-surface missile or guided bomb"
        ANTI_SHIP_MISSILE = "anti_ship_missile", "Anti-ship missile"
        ANTI_TANK_MISSILE = "anti_tank_missile", "Anti-tank missile"
        SURFACE_TO_AIR_MISSILE = "surface_to_air_missile", "Surface-to-air missile"
        ANTI_AIRCRAFT_GUN = "anti_aircraft_gun", "Anti-aircraft gun"
        NAVAL_WEAPON = "naval_weapon", "Naval gun or anti-submarine weapon"
        TORPEDO = "torpedo", "Torpedo"
        PATROL_CRAFT = "patrol_craft", "Patrol craft"
        SUPPORT_SHIP = "support_ship", "Support or landing ship"
        ENGINE = "engine", "Engine"
        SATELLITE = "satellite", "Satellite"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    category = models.CharField(max_length=30, choices=Category.choices)
    makers = models.ManyToManyField(
        Party,
        blank=True,
        related_name="platforms_made",
        help_text="The parties that make or co-develop it.",
    )
    description = models.TextField(blank=True)
    register_description = models.CharField(
        "SIPRI description",
        max_length=200,
        blank=True,
        help_text="SIPRI's weapon description, verbatim (FGA aircraft, SAM system).",
    )
    history = History()
    deal_count = CachedCount(lambda: (Deal, "platform"))
    statement_count = CachedCount(lambda: (Statement.platforms.through, "platform"))

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["category"], name="platform_category_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("dashboard:platform-detail", kwargs={"slug": self.slug})


class PlatformAliasQuerySet(models.QuerySet):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class PlatformAlias(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, unique=True, help_text="Another name it goes by.")

    objects = PlatformAliasQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "platform aliases"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    natural_key.dependencies = ["dashboard.platform"]

    def clean(self):
        if self.platform_id and self.name == self.platform.name:
            raise ValidationError({"name": "An alias must differ from the platform's name."})


# --- Deals ---------------------------------------------------------------------------------


# The stages before signature, as text for the constraint: what
# Deal.Stage.pre_signature_stages() gives.
PRE_SIGNATURE = ["talks", "under_consideration", "negotiating"]
UNSIGNED_WITH_DATE = (
    "A deal in talks, under consideration or negotiating has not been signed: leave the "
    "signing date empty, or set the stage it has reached."
)
# A completed deal has delivered: where its units delivered are known, they are more than none
# and all the units it ordered (where those are known). SIPRI's register leaves the units
# delivered unknown when it lists more delivered than ordered, so an unknown count is allowed.
DELIVERED = Q(quantity_delivered__gt=0) & (
    Q(quantity__isnull=True) | Q(quantity_delivered__gte=F("quantity"))
)
COMPLETED_NOT_DELIVERED = (
    "A completed deal has delivered all its units: the units delivered must equal the units "
    "ordered (or be left empty when unknown), or the stage is not yet completed."
)


class DealQuerySet(SlugQuerySet):
    def signed(self):
        return self.filter(stage__in=Deal.Stage.signed_stages())

    def before_signature(self):
        return self.filter(stage__in=Deal.Stage.pre_signature_stages())

    def between(self, first, second):
        return self.filter(Q(buyer=first, seller=second) | Q(buyer=second, seller=first))


class Deal(SlugModel):
    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        LICENSED_PRODUCTION = "licensed_production", "Licensed production"
        CO_DEVELOPMENT = "co_development", "Co-development / joint venture"
        LEASE = "lease", "Lease"
        UPGRADE_SUPPORT = "upgrade_support", "Upgrade or support"
        AID = "aid", "Aid or gift"

    class Condition(models.TextChoices):
        NEW = "new", "New"
        SECOND_HAND = "second_hand", "Second hand"
        SECOND_HAND_MODERNISED = "second_hand_modernised", "Second hand but modernised"

    class Stage(models.TextChoices):
        # In the order a deal moves through them.
        TALKS = "talks", "Talks"
        UNDER_CONSIDERATION = "under_consideration", "Under consideration"
        NEGOTIATING = "negotiating", "Negotiating"
        SIGNED = "signed", "Signed"
        IN_DELIVERY = "in_delivery", "In delivery"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

        @classmethod
        def pre_signature_stages(cls):
            return [cls.TALKS, cls.UNDER_CONSIDERATION, cls.NEGOTIATING]

        @classmethod
        def signed_stages(cls):
            return [cls.SIGNED, cls.IN_DELIVERY, cls.COMPLETED]

    title = models.CharField(max_length=300)
    buyer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="deals_as_buyer")
    seller = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="deals_as_seller",
        help_text="For co-development, the partner party that brings the technology.",
    )
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="deals")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.PURCHASE)
    stage = models.CharField(max_length=30, choices=Stage.choices)
    quantity = models.PositiveIntegerField(
        "units", null=True, blank=True, help_text="Units ordered."
    )
    quantity_delivered = models.PositiveIntegerField(
        "units delivered",
        null=True,
        blank=True,
        help_text="Units delivered so far, where a source says.",
    )
    value_amount = models.DecimalField(
        "value",
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    value_currency = models.CharField(
        "currency", max_length=3, blank=True, help_text="ISO 4217 code, e.g. USD."
    )
    # The value on one scale, set by clean() from the value and the year of signing
    # (dashboard/money.py), so that sorting and filtering by value run in the database.
    value_usd_constant = models.DecimalField(
        "value in constant US dollars",
        max_digits=20,
        decimal_places=0,
        null=True,
        blank=True,
        editable=False,
        help_text="The value in US dollars of the base year; empty when it cannot be converted.",
    )
    value_usd_base_year = models.PositiveSmallIntegerField(
        "base year", null=True, blank=True, editable=False, help_text="Of the constant dollars."
    )
    value_unconverted = models.CharField(
        "why not converted",
        max_length=200,
        blank=True,
        editable=False,
        help_text="Why a stated value has no constant-dollar figure.",
    )
    quantity_uncertain = models.BooleanField(
        "units uncertain", default=False, help_text="The source marks the units as uncertain."
    )
    quantity_delivered_uncertain = models.BooleanField(
        "units delivered uncertain",
        default=False,
        help_text="The source marks the units delivered as uncertain.",
    )
    signed = PartialDateField(
        "signed", null=True, blank=True, help_text="When it was signed or ordered."
    )
    signed_uncertain = models.BooleanField(
        "signed uncertain", default=False, help_text="The source marks the year as uncertain."
    )
    expected_completion = PartialDateField(null=True, blank=True)
    condition = models.CharField(
        max_length=30, choices=Condition.choices, blank=True, help_text="Of the units delivered."
    )
    tiv_per_unit = models.DecimalField(
        "TIV per unit",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="SIPRI trend-indicator value per unit, in millions.",
    )
    tiv_total = models.DecimalField(
        "TIV of the order",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="SIPRI trend-indicator value of the whole order, in millions.",
    )
    tiv_delivered = models.DecimalField(
        "TIV delivered",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="SIPRI trend-indicator value of the weapons delivered, in millions; "
        "empty when no deliveries are identified.",
    )
    notes = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, through="DealCitation", related_name="deals")

    objects = DealQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["title"], name="deal_title_idx"),
            models.Index(fields=["stage"], name="deal_stage_idx"),
            models.Index(fields=["kind"], name="deal_kind_idx"),
            models.Index(fields=["signed"], name="deal_signed_idx"),
            models.Index(fields=["expected_completion"], name="deal_completion_idx"),
            models.Index(fields=["value_amount"], name="deal_value_idx"),
            models.Index(fields=["value_currency", "value_amount"], name="deal_currency_idx"),
            models.Index(fields=["value_usd_constant"], name="deal_value_usd_idx"),
            models.Index(fields=["quantity"], name="deal_quantity_idx"),
            models.Index(fields=["tiv_delivered"], name="deal_tiv_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(buyer=F("seller")),
                name="deal_buyer_differs_from_seller",
                violation_error_message="The buyer and the seller must be different parties.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True)
                | Q(quantity_delivered__isnull=True)
                | Q(quantity_delivered__lte=F("quantity")),
                name="deal_delivered_within_quantity",
                violation_error_message="The quantity delivered cannot exceed the quantity.",
            ),
            models.CheckConstraint(
                condition=Q(value_amount__isnull=True) | Q(value_amount__gte=0),
                name="deal_value_not_negative",
                violation_error_message="The value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(value_amount__isnull=True, value_currency="")
                | (Q(value_amount__isnull=False) & ~Q(value_currency="")),
                name="deal_value_has_currency",
                violation_error_message="A value needs its currency, and a currency its value.",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=PRE_SIGNATURE) | Q(signed__isnull=True),
                name="deal_unsigned_has_no_signing_date",
                violation_error_message=UNSIGNED_WITH_DATE,
            ),
            models.CheckConstraint(
                condition=~Q(stage="completed") | Q(quantity_delivered__isnull=True) | DELIVERED,
                name="deal_completed_has_its_deliveries",
                violation_error_message=COMPLETED_NOT_DELIVERED,
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dashboard:deal-detail", kwargs={"slug": self.slug})

    @property
    def delivery_share(self):
        """The share delivered, from 0 to 1, or None when either count is unknown."""
        if not self.quantity or self.quantity_delivered is None:
            return None
        return self.quantity_delivered / self.quantity

    def clean(self):
        clean_currency(self)
        errors = {}
        if self.stage in PRE_SIGNATURE and self.signed:
            errors["signed"] = UNSIGNED_WITH_DATE
        if self.stage == self.Stage.COMPLETED and not self.has_its_deliveries():
            errors["quantity_delivered"] = COMPLETED_NOT_DELIVERED
        if errors:
            raise ValidationError(errors)
        self.value_convert()

    def value_convert(self):
        """Set the value in constant US dollars from the value and the year of signing: the
        one place it is written, as clean() runs in the loader, the admin and the API."""
        conversion = money.deal_conversion(self)
        self.value_usd_constant = conversion.amount
        self.value_usd_base_year = conversion.base_year if self.value_amount is not None else None
        self.value_unconverted = conversion.reason

    def has_its_deliveries(self) -> bool:
        """What a completed deal must be (DELIVERED): units delivered, all it ordered, or
        nothing known of its deliveries."""
        delivered, ordered = self.quantity_delivered, self.quantity
        if delivered is None:
            return True
        return delivered > 0 and (ordered is None or delivered >= ordered)


def clean_currency(record):
    """Normalise a record's `value_currency` as the admin stores it, and refuse a code that is
    not ISO 4217."""
    if record.value_currency:
        record.value_currency = record.value_currency.strip().upper()
        if pycountry.currencies.get(alpha_3=record.value_currency) is None:
            raise ValidationError(
                {"value_currency": f"“{record.value_currency}” is not an ISO 4217 code."}
            )


class DealCitationQuerySet(models.QuerySet):
    def get_by_natural_key(self, deal_slug, source_slug):
        return self.get(deal__slug=deal_slug, source__slug=source_slug)


class DealCitation(models.Model):
    """A source a deal rests on, with the excerpt that supports it."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    excerpt = models.TextField(help_text="The passage of the source, word for word.")
    # What this source states of the deal, kept with it so that sources that disagree are
    # shown side by side and one never overwrites another.
    quantity = models.PositiveIntegerField("units", null=True, blank=True)
    quantity_uncertain = models.BooleanField("units uncertain", default=False)
    quantity_delivered = models.PositiveIntegerField("units delivered", null=True, blank=True)
    quantity_delivered_uncertain = models.BooleanField("units delivered uncertain", default=False)
    ordered = models.PositiveSmallIntegerField("year of order", null=True, blank=True)
    ordered_uncertain = models.BooleanField("year of order uncertain", default=False)
    value_amount = models.DecimalField(
        "value",
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    value_currency = models.CharField(
        "currency", max_length=3, blank=True, help_text="ISO 4217 code, e.g. USD."
    )
    comment = models.TextField(blank=True, help_text="The source's own remarks, verbatim.")

    objects = DealCitationQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["deal", "source"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "source"], name="deal_source_once"),
            models.CheckConstraint(
                condition=Q(value_amount__isnull=True, value_currency="")
                | (Q(value_amount__isnull=False) & ~Q(value_currency="")),
                name="citation_value_has_currency",
                violation_error_message="A value needs its currency, and a currency its value.",
            ),
        ]
        verbose_name = "citation"

    def __str__(self):
        return f"{self.deal} — {self.source}"

    def natural_key(self):
        return (self.deal.slug, self.source.slug)

    natural_key.dependencies = ["dashboard.deal", "dashboard.source"]

    def clean(self):
        clean_currency(self)
        if self.source_id and self.excerpt and not appears_in(self.source.text, self.excerpt):
            raise ValidationError(
                {
                    "excerpt": ValidationError(
                        NOT_IN_SOURCE, code=NOT_IN_SOURCE_CODE, params={"source": self.source}
                    )
                }
            )


class DeliveryQuerySet(models.QuerySet):
    def get_by_natural_key(self, deal_slug, year):
        return self.get(deal__slug=deal_slug, year=year)


class Delivery(models.Model):
    """A year in which a deal delivered weapons, as SIPRI's register lists them. A deal's
    delivered TIV is spread evenly over its delivery years: that is all the register allows."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deliveries")
    year = models.PositiveSmallIntegerField()
    # Derived, stored so that sums by year are one pass over this table: written only by
    # services.delivery_tiv_update(), which every write of a deal's TIV or years calls.
    tiv = models.FloatField(
        "TIV",
        null=True,
        editable=False,
        help_text="Its share of the deal's delivered TIV: the TIV spread evenly over all the "
        "deal's years of delivery, in millions; empty when the deal's is.",
    )

    objects = DeliveryQuerySet.as_manager()
    # The share is its deal's, not an edit of this record: history keeps the deal's TIV.
    history = History(excluded_fields=["tiv"])

    class Meta:
        ordering = ["deal", "year"]
        # The site's words: a deal's "years of delivery".
        verbose_name = "year of delivery"
        verbose_name_plural = "years of delivery"
        constraints = [
            models.UniqueConstraint(fields=["deal", "year"], name="delivery_year_once"),
        ]
        indexes = [models.Index(fields=["year"], name="delivery_year_idx")]

    def __str__(self):
        return f"{self.deal} — {self.year}"

    def natural_key(self):
        return (self.deal.slug, self.year)

    natural_key.dependencies = ["dashboard.deal"]


# --- Statements --------------------------------------------------------------------------------


class Statement(SlugModel):
    class Kind(models.TextChoices):
        QUOTE = "quote", "Direct quote"
        REPORT = "report", "Reported speech"

    speaker = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="statements")
    date = PartialDateField(help_text="When it was said, as precise as the source allows.")
    date_note = models.TextField("how the date was established", blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(
        "words", help_text="For a direct quote, the speaker's words exactly as the source gives."
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="statements")
    excerpt = models.TextField(
        blank=True,
        help_text="The passage of the source that reports it, word for word. "
        "Required for reported speech.",
    )
    platforms = models.ManyToManyField(Platform, blank=True, related_name="statements")
    deals = models.ManyToManyField(Deal, blank=True, related_name="statements")
    history = History()

    class Meta:
        ordering = ["-date", "slug"]
        indexes = [
            models.Index(fields=["-date", "slug"], name="statement_date_idx"),
            models.Index(fields=["kind"], name="statement_kind_idx"),
        ]

    def __str__(self):
        return f"{self.speaker}: {shortened(self.text, 60)}"

    def get_absolute_url(self):
        return reverse("dashboard:statement-detail", kwargs={"slug": self.slug})

    @property
    def evidence(self):
        """The passage to show in the source: the excerpt, or for a quote its words."""
        return self.excerpt or self.text

    def clean(self):
        if not self.source_id:
            return
        errors = {}
        if (
            self.kind == self.Kind.QUOTE
            and self.text
            and not appears_in(self.source.text, self.text)
        ):
            errors["text"] = ValidationError(
                "A direct quote must appear word for word in its source.", code=NOT_IN_SOURCE_CODE
            )
        if self.kind == self.Kind.REPORT and not self.excerpt.strip():
            errors["excerpt"] = "Reported speech needs the passage of the source that reports it."
        if self.excerpt and not appears_in(self.source.text, self.excerpt):
            errors["excerpt"] = ValidationError(
                NOT_IN_SOURCE, code=NOT_IN_SOURCE_CODE, params={"source": self.source}
            )
        if errors:
            raise ValidationError(errors)


# --- Engagements, standing bodies and agreements ----------------------------------------------
# What a defence relationship is made of besides deals: who met whom, the bodies that steer it
# and their sessions, and the agreements signed. Each rests on sources with word-for-word
# excerpts, as deals do.


def _as_partial_date(value):
    return PartialDateField().to_python(value)


def clean_date_order(record, first, second, message):
    """Refuse `second` earlier than `first`, each at its own precision: May 2025 may end in
    2025, but not in April 2025."""
    start, end = (
        _as_partial_date(getattr(record, first)),
        _as_partial_date(getattr(record, second)),
    )
    if start and end and end.last_day() < start.first_day():
        raise ValidationError({second: message})


class ExcerptCitation(models.Model):
    """A source a record rests on, with the excerpt that supports it, word for word."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    excerpt = models.TextField(help_text="The passage of the source, word for word.")

    owner_field = ""  # the name of the foreign key to the record cited

    class Meta:
        abstract = True

    def __str__(self):
        return f"{getattr(self, self.owner_field)} — {self.source}"

    def clean(self):
        if self.source_id and self.excerpt and not appears_in(self.source.text, self.excerpt):
            raise ValidationError(
                {
                    "excerpt": ValidationError(
                        NOT_IN_SOURCE, code=NOT_IN_SOURCE_CODE, params={"source": self.source}
                    )
                }
            )


class CitationQuerySet(models.QuerySet):
    def get_by_natural_key(self, owner_slug, source_slug):
        owner = self.model.owner_field
        return self.get(**{f"{owner}__slug": owner_slug, "source__slug": source_slug})


class StandingBody(SlugModel):
    """A commission, working group or dialogue mechanism that steers a relationship. Its
    sessions are engagements."""

    class Kind(models.TextChoices):
        COMMISSION = "commission", "Commission"
        WORKING_GROUP = "working_group", "Working group"
        DIALOGUE = "dialogue", "Dialogue mechanism"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300)
    abbreviation = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parties = models.ManyToManyField(Party, related_name="standing_bodies")
    # SET_NULL, not PROTECT: a body's children stand on their own once it is gone, and a delete
    # of every body at once (a reload from scratch) is not refused by the bodies themselves.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="under",
        help_text="The body it sits under, as a working group under its commission.",
    )
    chair = models.CharField(
        "chaired by", max_length=300, blank=True, help_text="As the source states it."
    )
    notes = models.TextField(blank=True)
    sources = models.ManyToManyField(
        Source, through="StandingBodyCitation", related_name="standing_bodies"
    )
    history = History()
    session_count = CachedCount(lambda: (Engagement, "body"))

    class Meta:
        ordering = ["name"]
        verbose_name = "standing body"
        verbose_name_plural = "standing bodies"
        indexes = [models.Index(fields=["kind"], name="standingbody_kind_idx")]

    def __str__(self):
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    def get_absolute_url(self):
        return reverse("dashboard:standingbody-detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "A standing body cannot sit under itself."})


class StandingBodyCitation(ExcerptCitation):
    body = models.ForeignKey(StandingBody, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="standing_body_citations"
    )

    owner_field = "body"
    objects = CitationQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["body", "source"]
        verbose_name = "standing body's source"
        verbose_name_plural = "standing body's sources"
        constraints = [
            models.UniqueConstraint(fields=["body", "source"], name="standingbody_source_once")
        ]

    def natural_key(self):
        return (self.body.slug, self.source.slug)

    natural_key.dependencies = ["dashboard.standingbody", "dashboard.source"]


class EngagementQuerySet(SlugQuerySet):
    def between(self, first, second):
        return self.filter(parties=first).filter(parties=second)

    def planned(self):
        return self.filter(status=Engagement.Status.PLANNED)

    def overdue(self, *, today=None):
        """Planned engagements whose dates are past: a source may say by now whether they were
        held. A date known only to the month or year is past once its last day is."""
        today = today or datetime.date.today()
        return self.planned().filter(
            (Q(end__isnull=True) & _past("start", today)) | _past("end", today)
        )


def _past(field, today):
    """Q for a partial date wholly before `today`. As text, "2025-12" sorts below "2026-01-05"
    and is past; "2026" and "2026-01" sort below it too but are not past: they contain today."""
    iso = today.isoformat()
    return Q(**{f"{field}__lt": iso}) & ~Q(**{f"{field}__in": [iso[:4], iso[:7]]})


SESSION_TAKEN = (
    "This standing body already has a session with this number: each number (the “5th "
    "Meeting”) is one session of one body."
)


class Engagement(SlugModel):
    """What happened, or is planned: a visit, a meeting, a session of a standing body, an
    exercise, an operation with a partner's platforms."""

    class Kind(models.TextChoices):
        VISIT = "visit", "State visit or summit"
        MINISTERIAL = "ministerial", "Ministerial meeting"
        SESSION = "session", "Meeting of a standing body"
        TALKS = "talks", "Staff talks or dialogue"
        EXERCISE = "exercise", "Joint exercise"
        OPERATION = "operation", "Military operation with a partner's platforms"
        CEREMONY = "ceremony", "Delivery or handover ceremony"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        help_text="An announced visit is planned until a source says it was held.",
    )
    start = PartialDateField("start date", help_text="As precise as the source allows.")
    end = PartialDateField(
        "end date", null=True, blank=True, help_text="Empty when it began and ended on one date."
    )
    date_note = models.TextField(
        "how the date was established",
        blank=True,
        help_text="Say so when the date is inferred from the text rather than stated.",
    )
    country = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engagements_hosted",
        verbose_name="held in",
    )
    place = models.CharField(max_length=200, blank=True, help_text="As the source states it.")
    parties = models.ManyToManyField(Party, related_name="engagements")
    participants = models.ManyToManyField(
        Person, through="EngagementParticipant", related_name="engagements"
    )
    body = models.ForeignKey(
        StandingBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name="standing body",
        help_text="The standing body it is a session of.",
    )
    session_number = models.PositiveSmallIntegerField(
        "session", null=True, blank=True, help_text="Its number (5 for “the 5th Meeting”)."
    )
    outcomes = models.TextField(blank=True, help_text="As the source states them.")
    deals = models.ManyToManyField(Deal, blank=True, related_name="engagements")
    platforms = models.ManyToManyField(Platform, blank=True, related_name="engagements")
    statements = models.ManyToManyField(Statement, blank=True, related_name="engagements")
    notes = models.TextField(blank=True)
    sources = models.ManyToManyField(
        Source, through="EngagementCitation", related_name="engagements"
    )

    objects = EngagementQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["-start", "title"]
        indexes = [
            models.Index(fields=["-start", "title"], name="engagement_start_idx"),
            models.Index(fields=["kind"], name="engagement_kind_idx"),
            models.Index(fields=["status"], name="engagement_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(session_number__isnull=True) | Q(body__isnull=False),
                name="engagement_session_has_body",
                violation_error_message="A session number needs the standing body it belongs to.",
            ),
            models.UniqueConstraint(
                fields=["body", "session_number"],
                name="engagement_session_once",
                violation_error_message=SESSION_TAKEN,
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dashboard:engagement-detail", kwargs={"slug": self.slug})

    @property
    def needs_review(self):
        """A planned engagement whose dates are past: has a source said it was held?"""
        last = _as_partial_date(self.end or self.start)
        return (
            self.status == self.Status.PLANNED
            and last is not None
            and last.last_day() < datetime.date.today()
        )

    def clean(self):
        clean_date_order(self, "start", "end", "The end date cannot be before the start date.")


class EngagementParticipantQuerySet(models.QuerySet):
    def get_by_natural_key(self, engagement_slug, person_slug):
        return self.get(engagement__slug=engagement_slug, person__slug=person_slug)


class EngagementParticipant(models.Model):
    """Someone who took part in an engagement, with the role the source gives them."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="participations"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(
        "role in it",
        max_length=200,
        blank=True,
        help_text="As the source states it: co-chair, head of delegation, host.",
    )

    objects = EngagementParticipantQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["engagement", "person"]
        verbose_name = "participant"
        constraints = [
            models.UniqueConstraint(fields=["engagement", "person"], name="participant_once")
        ]

    def __str__(self):
        return f"{self.person} — {self.engagement}"

    def natural_key(self):
        return (self.engagement.slug, self.person.slug)

    natural_key.dependencies = ["dashboard.engagement", "dashboard.person"]


class EngagementCitation(ExcerptCitation):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="engagement_citations"
    )

    owner_field = "engagement"
    objects = CitationQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["engagement", "source"]
        verbose_name = "engagement's source"
        verbose_name_plural = "engagement's sources"
        constraints = [
            models.UniqueConstraint(fields=["engagement", "source"], name="engagement_source_once")
        ]

    def natural_key(self):
        return (self.engagement.slug, self.source.slug)

    natural_key.dependencies = ["dashboard.engagement", "dashboard.source"]


class AgreementQuerySet(SlugQuerySet):
    def between(self, first, second):
        return self.filter(parties=first).filter(parties=second)


class Agreement(SlugModel):
    """A treaty, framework, memorandum or other agreement between parties."""

    class Kind(models.TextChoices):
        TREATY = "treaty", "Treaty"
        FRAMEWORK = "framework", "Framework"
        MOU = "mou", "Memorandum of understanding"
        LOGISTICS = "logistics", "Logistics"
        TECHNOLOGY = "technology", "Technology or industrial"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        NEGOTIATING = "negotiating", "Under negotiation"
        SIGNED = "signed", "Signed"
        IN_FORCE = "in_force", "In force"
        ENDED = "ended", "Expired or withdrawn"

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    parties = models.ManyToManyField(Party, related_name="agreements")
    signed = PartialDateField("signed", null=True, blank=True)
    in_force = PartialDateField("in force from", null=True, blank=True)
    date_note = models.TextField("how the dates were established", blank=True)
    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name="signed at",
        help_text="The engagement it was signed at.",
    )
    deals = models.ManyToManyField(Deal, blank=True, related_name="agreements")
    notes = models.TextField(blank=True)
    sources = models.ManyToManyField(
        Source, through="AgreementCitation", related_name="agreements"
    )

    objects = AgreementQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind"], name="agreement_kind_idx"),
            models.Index(fields=["status"], name="agreement_status_idx"),
            models.Index(fields=["signed"], name="agreement_signed_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("dashboard:agreement-detail", kwargs={"slug": self.slug})

    @property
    def date(self):
        return self.signed or self.in_force

    def clean(self):
        clean_date_order(
            self, "signed", "in_force", "It cannot enter into force before it is signed."
        )
        if self.status == self.Status.NEGOTIATING and self.signed:
            raise ValidationError(
                {"status": "An agreement with a signing date is no longer under negotiation."}
            )
        if self.in_force and self.status not in (self.Status.IN_FORCE, self.Status.ENDED):
            raise ValidationError(
                {"status": "An agreement with a date of entry into force is in force or ended."}
            )


class AgreementCitation(ExcerptCitation):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="agreement_citations"
    )

    owner_field = "agreement"
    objects = CitationQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["agreement", "source"]
        verbose_name = "agreement's source"
        verbose_name_plural = "agreement's sources"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "source"], name="agreement_source_once")
        ]

    def natural_key(self):
        return (self.agreement.slug, self.source.slug)

    natural_key.dependencies = ["dashboard.agreement", "dashboard.source"]


class DataVersion(models.Model):
    """The version of the data that cached values were computed from (dashboard/cache.py): one
    row, whose token is replaced on every change. In the database, so that every server process
    sees a change at once, whatever cache each one has."""

    token = models.CharField(max_length=32)

    def __str__(self):
        return self.token
