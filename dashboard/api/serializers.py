"""What each record looks like in the API, and how a write is checked.

Keys are the models' field names. A reference to another record reads as a short object and is
written as that record's key; a date comes with its precision (`signed`, `signed_precision`);
money is `value_amount` with `value_currency`; `uncertain` lists the figures a source only
implies or marks as uncertain (SIPRI's "?", then also true in the figure's `<name>_uncertain`).
Every write runs the model's own full_clean() (field validators, clean(), constraints), as the
admin and the loader do, so a rule lives in one place.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models as django_models
from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from dashboard import models, uncertainty
from dashboard.api import fields
from dashboard.partial_dates import PartialDateField
from dashboard.services import delivery_save


def error_detail(error: DjangoValidationError) -> dict:
    """A model's ValidationError as DRF's field errors: each message under its field, the
    record's own rules (constraints, clean()) under `non_field_errors`."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name: messages
        for name, messages in error.message_dict.items()
    }


class RecordSerializer(serializers.ModelSerializer):
    # A record with its key, its references as short objects, its dates with their precision,
    # its page on the dashboard and its address in the API. (A subclass's docstring describes
    # the record in the schema.)

    # The model field that names a record in addresses and references, and its name there.
    key_field = "slug"
    key_name = ""  # the key field's own name unless given
    # The field a reference shows beside the key.
    label_field = "name"
    # Fields whose value the source only implies or marks as uncertain, and the field that
    # then says so (a note explaining how a date was inferred, or a true/false flag).
    uncertain_when: dict[str, str] = {}
    uncertain_help = (
        "The fields whose values the sources only imply, each explained in a note (`date_note`)."
    )

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        django_models.CharField: fields.Text,
        django_models.TextField: fields.Text,
        django_models.SlugField: fields.Slug,
        django_models.URLField: fields.URL,
        django_models.IntegerField: fields.WholeNumber,
        django_models.PositiveIntegerField: fields.WholeNumber,
        PartialDateField: fields.PartialDateField,
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.key_name = cls.key_name or cls.key_field
        fields.SERIALIZERS[cls.Meta.model] = cls

    @classmethod
    def basename(cls) -> str:
        """The name of the model's routes: "deal" for deal-list and deal-detail."""
        return cls.Meta.model._meta.model_name

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        return fields.RecordRef, {**kwargs, "model": relation_info.related_model}

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # Uniqueness is checked by full_clean(), with the admin's messages.
        if "validators" in kwargs:
            kwargs["validators"] = [
                v for v in kwargs["validators"] if not isinstance(v, UniqueValidator)
            ]
        return field_class, kwargs

    def get_validators(self):
        return []  # the model's constraints are checked by full_clean()

    def get_fields(self):
        # Every field of the model (a new one appears with no change here), in the model's
        # order, then what the serializer declares (counts, citations), then these.
        declared = super().get_fields()
        forward = [f for f in self.Meta.model._meta.get_fields() if f.concrete or f.many_to_many]
        names = [f.name for f in forward if f.name in declared]
        names += [name for name in declared if name not in names]
        built = {}
        for name, field in ((name, declared[name]) for name in names):
            built[name] = field
            if isinstance(field, fields.PartialDateField):
                built[f"{name}_precision"] = fields.PrecisionField(name)
        if self.uncertain_when:
            built["uncertain"] = serializers.SerializerMethodField(help_text=self.uncertain_help)
        if hasattr(self.Meta.model, "get_absolute_url"):
            built["page_url"] = fields.PageURLField(help_text="The record's page.")
        built["api_url"] = fields.APIURLField(help_text="The record's address in the API.")
        return built

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_uncertain(self, record) -> list[str]:
        return [name for name, note in self.uncertain_when.items() if getattr(record, note)]

    def many_to_many(self) -> list[str]:
        return [f.name for f in self.Meta.model._meta.many_to_many if f.name in self.fields]

    def validate(self, attrs):
        """The record as it would be saved, checked as the admin checks it."""
        record = self.instance or self.Meta.model()
        linked = self.many_to_many()
        for name, value in attrs.items():
            if name not in linked:
                setattr(record, name, value)
        try:
            record.full_clean(exclude=linked)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error_detail(error)) from None
        self.record = record
        return attrs

    def create(self, validated_data):
        return self.save_record(validated_data)

    def update(self, instance, validated_data):
        return self.save_record(validated_data)

    def save_record(self, validated_data):
        """Save the checked record and its links at once, with who wrote it and why, as
        django-simple-history records them."""
        record = self.record
        record._history_user = validated_data.pop("history_user", None)
        record._change_reason = validated_data.pop("change_reason", None)
        with transaction.atomic():
            record.save()
            for name in self.many_to_many():
                if name in validated_data:
                    getattr(record, name).set(validated_data[name])
        return record


class PartySerializer(RecordSerializer):
    """A party to deals."""

    key_field = "code"
    key_name = "code"
    buyer_count = serializers.IntegerField(read_only=True, help_text="Deals as buyer.")
    seller_count = serializers.IntegerField(read_only=True, help_text="Deals as seller.")
    people_count = serializers.IntegerField(read_only=True, help_text="People quoted.")
    predecessors = fields.RecordRef(
        models.Party,
        many=True,
        read_only=True,
        help_text="The former states it continues (Russia: the Soviet Union); each names it as "
        "its `successor`.",
    )

    class Meta:
        model = models.Party
        exclude = ["id"]


class SourceSerializer(RecordSerializer):
    """An article or document, with its full text."""

    label_field = "title"
    uncertain_when = {"published": "date_note"}
    deal_count = serializers.IntegerField(read_only=True, help_text="Deals that cite it.")
    statement_count = serializers.IntegerField(read_only=True, help_text="Statements in it.")

    class Meta:
        model = models.Source
        exclude = ["id"]


class PersonSerializer(RecordSerializer):
    """A person, or an institution speaking as one."""

    statement_count = serializers.IntegerField(read_only=True, help_text="Statements.")

    class Meta:
        model = models.Person
        exclude = ["id"]


class PlatformSerializer(RecordSerializer):
    """A weapon system."""

    aliases = serializers.SlugRelatedField(
        many=True,
        read_only=True,
        slug_field="name",
        help_text="The names it also goes by (written at /api/platform-aliases/).",
    )
    deal_count = serializers.IntegerField(read_only=True, help_text="Deals.")
    statement_count = serializers.IntegerField(read_only=True, help_text="Statements.")

    class Meta:
        model = models.Platform
        exclude = ["id"]


class PlatformAliasSerializer(RecordSerializer):
    """Another name a platform goes by."""

    key_field = "id"

    class Meta:
        model = models.PlatformAlias
        fields = "__all__"


FIGURE_UNCERTAIN_HELP = (
    'The figures the source marks as uncertain (SIPRI\'s "?"), each also true in its '
    "`<name>_uncertain` field."
)


class CitationBriefSerializer(serializers.ModelSerializer):
    """A deal's citation as the deal shows it: the source, the excerpt, and the figures this
    source states of the deal (which may differ from another source's and from the deal's)."""

    source = fields.RecordRef(models.Source, read_only=True)
    uncertain = serializers.SerializerMethodField(help_text=FIGURE_UNCERTAIN_HELP)
    api_url = fields.APIURLField(help_text="The citation's address in the API.")

    class Meta:
        model = models.DealCitation
        fields = [
            "source",
            "excerpt",
            "quantity",
            "quantity_uncertain",
            "quantity_delivered",
            "quantity_delivered_uncertain",
            "ordered",
            "ordered_uncertain",
            "value_amount",
            "value_currency",
            "comment",
            "uncertain",
            "api_url",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_uncertain(self, citation) -> list[str]:
        return uncertainty.uncertain_fields(citation, uncertainty.CITATION_FLAGS)


class DealSerializer(RecordSerializer):
    """A deal, at its stage, with the sources it rests on."""

    label_field = "title"
    uncertain_when = uncertainty.DEAL_FLAGS
    uncertain_help = FIGURE_UNCERTAIN_HELP
    citations = CitationBriefSerializer(
        many=True,
        read_only=True,
        help_text="The sources it rests on, each with its excerpt and the figures it states "
        "(written at /api/citations/).",
    )
    delivery_years = serializers.SerializerMethodField(
        help_text="The years in which it delivered weapons, as SIPRI's register lists them "
        "(written at /api/deliveries/). Its delivered TIV is spread evenly over them."
    )

    class Meta:
        model = models.Deal
        # Its sources come with their excerpts, in `citations`.
        exclude = ["id", "sources"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_delivery_years(self, deal) -> list[int]:
        return [delivery.year for delivery in deal.deliveries.all()]


class DealCitationSerializer(RecordSerializer):
    """A source a deal rests on, with the excerpt that supports it."""

    key_field = "id"
    label_field = "excerpt"
    uncertain_when = uncertainty.CITATION_FLAGS
    uncertain_help = FIGURE_UNCERTAIN_HELP

    class Meta:
        model = models.DealCitation
        fields = "__all__"


class DeliverySerializer(RecordSerializer):
    """A year in which a deal delivered weapons."""

    key_field = "id"
    label_field = "year"

    class Meta:
        model = models.Delivery
        fields = "__all__"

    def save_record(self, validated_data):
        """Saved with the shares of its deals' years (the deal it had and the one it has)."""
        return delivery_save(
            delivery=self.record,
            user=validated_data.pop("history_user", None),
            reason=validated_data.pop("change_reason", None),
        )


class StatementSerializer(RecordSerializer):
    """What an official said, with the source that reports it."""

    label_field = "text"
    uncertain_when = {"date": "date_note"}

    class Meta:
        model = models.Statement
        exclude = ["id"]


class SourceExcerptSerializer(serializers.Serializer):
    """A record's citation as the record shows it: the source and the excerpt."""

    source = fields.RecordRef(models.Source, read_only=True)
    excerpt = serializers.CharField(read_only=True)
    api_url = fields.APIURLField(help_text="The citation's address in the API.")


def _citations_field(where):
    return SourceExcerptSerializer(
        many=True,
        read_only=True,
        help_text=f"The sources it rests on, each with its excerpt (written at /api/{where}/).",
    )


class StandingBodySerializer(RecordSerializer):
    """A commission, working group or dialogue mechanism; its sessions are engagements."""

    citations = _citations_field("standing-body-citations")

    class Meta:
        model = models.StandingBody
        exclude = ["id", "sources"]


class ParticipantBriefSerializer(serializers.Serializer):
    person = fields.RecordRef(models.Person, read_only=True)
    role = serializers.CharField(read_only=True)
    api_url = fields.APIURLField(help_text="The participant's address in the API.")


class EngagementSerializer(RecordSerializer):
    """A visit, meeting, session, exercise or operation, held, planned or cancelled."""

    label_field = "title"
    uncertain_when = {"start": "date_note"}
    participations = ParticipantBriefSerializer(
        many=True,
        read_only=True,
        help_text="Who took part, each with the role the source gives them "
        "(written at /api/participants/).",
    )
    citations = _citations_field("engagement-citations")

    class Meta:
        model = models.Engagement
        exclude = ["id", "sources", "participants"]


class EngagementParticipantSerializer(RecordSerializer):
    """Someone who took part in an engagement, with the role the source gives them."""

    key_field = "id"
    label_field = "role"

    class Meta:
        model = models.EngagementParticipant
        fields = "__all__"


class AgreementSerializer(RecordSerializer):
    """A treaty, framework, memorandum or other agreement, at its status."""

    uncertain_when = {"signed": "date_note"}
    citations = _citations_field("agreement-citations")

    class Meta:
        model = models.Agreement
        exclude = ["id", "sources"]


class StandingBodyCitationSerializer(RecordSerializer):
    """A source a standing body rests on, with the excerpt that supports it."""

    key_field = "id"
    label_field = "excerpt"

    class Meta:
        model = models.StandingBodyCitation
        fields = "__all__"


class EngagementCitationSerializer(RecordSerializer):
    """A source an engagement rests on, with the excerpt that supports it."""

    key_field = "id"
    label_field = "excerpt"

    class Meta:
        model = models.EngagementCitation
        fields = "__all__"


class AgreementCitationSerializer(RecordSerializer):
    """A source an agreement rests on, with the excerpt that supports it."""

    key_field = "id"
    label_field = "excerpt"

    class Meta:
        model = models.AgreementCitation
        fields = "__all__"


# --- Analyses ----------------------------------------------------------------------------------
# The shapes of the selectors' results (dashboard/selectors.py), for the schema.


class StageCount(serializers.Serializer):
    stage = serializers.ChoiceField(choices=models.Deal.Stage.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class CurrencyTotal(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code.")
    total = serializers.FloatField(help_text="The value of the signed deals, in the currency.")
    deals = serializers.IntegerField(help_text="How many deals the total adds up.")
    total_usd = serializers.FloatField(
        allow_null=True,
        help_text="The same deals' value in constant US dollars of the base year, over the "
        "`converted` ones; null when none converts.",
    )
    converted = serializers.IntegerField(help_text="How many of them convert.")


class ConstantDollarTotal(serializers.Serializer):
    total = serializers.FloatField(
        allow_null=True, help_text="Signed deals' value in constant US dollars of `base_year`."
    )
    deals = serializers.IntegerField(help_text="How many deals it adds up.")
    unconverted = serializers.IntegerField(
        help_text="Deals that state a value which cannot be converted (left out)."
    )
    base_year = serializers.IntegerField()


class YearCurrencyTotal(CurrencyTotal):
    year = serializers.IntegerField()


class CategoryCount(serializers.Serializer):
    category = serializers.ChoiceField(choices=models.Platform.Category.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class YearCount(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()


class PlatformCount(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class OverviewFigures(serializers.Serializer):
    parties = serializers.IntegerField()
    platforms = serializers.IntegerField()
    deals = serializers.IntegerField()
    statements = serializers.IntegerField()
    sources = serializers.IntegerField()
    people = serializers.IntegerField()
    signed_value = CurrencyTotal(many=True, help_text="Signed deals' value per currency.")
    signed_value_usd = ConstantDollarTotal(help_text="Signed deals' value on one scale.")


class OverviewRows(serializers.Serializer):
    by_stage = StageCount(many=True, help_text="Deals by stage, every stage in order.")
    value_by_year = YearCurrencyTotal(many=True, help_text="Signed deals' value by year.")
    by_category = CategoryCount(many=True, help_text="Platforms by category.")
    statements_by_year = YearCount(many=True)
    most_discussed = PlatformCount(many=True, help_text="The platforms most statements concern.")


class OverviewSerializer(serializers.Serializer):
    figures = OverviewFigures()
    rows = OverviewRows()


class PairSerializer(serializers.Serializer):
    """A pair of parties with deals between them, in either direction."""

    first = serializers.CharField(help_text="The first party's code (in alphabetical order).")
    first_name = serializers.CharField()
    second = serializers.CharField(help_text="The second party's code.")
    second_name = serializers.CharField()
    deals = serializers.IntegerField()
    api_url = serializers.URLField(help_text="The pair's figures.")


class PairFiguresSerializer(serializers.Serializer):
    first = fields.RecordRef(models.Party, read_only=True)
    second = fields.RecordRef(models.Party, read_only=True)
    deal_count = serializers.IntegerField()
    statement_count = serializers.IntegerField()
    by_stage = StageCount(many=True)
    value_totals = CurrencyTotal(many=True, help_text="Signed deals' value per currency.")
    value_usd = ConstantDollarTotal(help_text="Signed deals' value on one scale.")
    value_rows = YearCurrencyTotal(many=True, help_text="Signed deals' value by year.")
    mix_rows = CategoryCount(many=True, help_text="The pair's deals by platform category.")
    page_url = serializers.URLField(help_text="The pair's page.")


class TransferRow(serializers.Serializer):
    code = serializers.CharField(
        help_text="The party's code (ISO code or slug), the year, or the category's key."
    )
    name = serializers.CharField(help_text="The party's name, the year, or the category.")
    tiv = serializers.FloatField(help_text="SIPRI TIV of delivered weapons, millions.")
    share = serializers.FloatField(help_text="Share of the total of the rows, in per cent.")


class TransfersSerializer(serializers.Serializer):
    """The transfers analysis, as /transfers/ shows it."""

    group = serializers.ChoiceField(
        choices=["supplier", "recipient", "year", "category"], help_text="What each row is."
    )
    fold = serializers.BooleanField(help_text="Former states counted with their successors.")
    total_tiv = serializers.FloatField(help_text="The rows' TIV together, millions.")
    rows = TransferRow(many=True)
    page_url = serializers.URLField(help_text="The same analysis as a page.")
