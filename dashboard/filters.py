"""Filter sets for the dashboard's tables. Every filter is a URL parameter, so a filtered view
can be bookmarked and shared."""

import hashlib
from decimal import Decimal

import django_filters as filters
from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dashboard.cache import cached
from dashboard.models import (
    Agreement,
    Deal,
    Delivery,
    Engagement,
    Party,
    Person,
    Platform,
    Source,
    StandingBody,
    Statement,
)
from dashboard.paginators import COUNT_CAP, capped_count
from dashboard.search import NORMALISED_NAMES, name_contains, name_key, text_search

# The largest value a deal can hold (18 digits, 2 of them decimals).
MAX_VALUE = Decimal("9999999999999999.99")


def _contains(model, path, value):
    """`path` (a field, or a path through relations) contains `value`, ignoring case. A related
    record's field is matched in a subquery on its own table: an OR across a join would make
    the database join every row before testing it, and a join to many rows (a platform's
    aliases) would repeat records, which DISTINCT would then sort away."""
    first, _, rest = path.partition("__")
    if not rest:
        if (model._meta.model_name, path) in NORMALISED_NAMES:
            return name_contains(path, value)
        return Q(**{f"{path}__icontains": value})
    field = model._meta.get_field(first)
    if field.many_to_one:
        related = field.related_model._base_manager
        return Q(**{f"{first}__in": related.filter(_contains(related.model, rest, value))})
    if field.one_to_many:
        related = field.related_model._base_manager
        matching = related.filter(_contains(related.model, rest, value))
        return Q(pk__in=matching.values(field.field.attname))
    return Q(pk__in=model._base_manager.filter(**{f"{path}__icontains": value}).values("pk"))


def _search(queryset, fields, value):
    condition = Q()
    for field in fields:
        condition |= _contains(queryset.model, field, value)
    return queryset.filter(condition)


class QuickSelect(forms.Select):
    """A select that writes its options in one pass: Django's own renders a template per
    option, which costs a page hundreds of milliseconds once there are a few hundred."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html(
            '<select name="{}"{}>{}</select>', name, final_attrs, mark_safe(options)
        )


def party_choices():
    """(code, name) of every party (an ISO code, or a slug for a party with none), read once
    per change of the data."""
    return cached("party-choices", lambda: list(Party.objects.values_list("code", "name")))


def party_id(code):
    """The id of the party with this code (None for none), read once per change of the
    data. Filters compare ids: the database then knows which party it plans for (one buyer
    holds a fifth of all deals), and needs no join to the parties."""
    return cached("party-ids", lambda: dict(Party.objects.values_list("code", "pk"))).get(code)


def _by_party(field_name):
    def apply(queryset, name, value):
        party = party_id(value)
        return queryset.filter(**{field_name: party}) if party else queryset.none()

    return apply


def _party_filter(label, field_name, method=None, widget=QuickSelect):
    return filters.ChoiceFilter(
        label=label,
        field_name=f"{field_name}__code",
        method=method or _by_party(field_name),
        choices=party_choices,
        empty_label="Any",
        widget=widget,
    )


# Up to this many records named by a filter are passed to the database as a list.
NAMED_LISTED = 100


def _named(model, name_fields, value):
    """The records `value` names: its identifier, or part of one of `name_fields`. Their ids as
    a list when there are few, so the database plans for those very records (a busy platform's
    statements are best read in date order, a rare one's all at once); a subquery otherwise."""
    condition = Q(slug=value)
    for field in name_fields:
        condition |= _contains(model, field, value)
    found = model.objects.filter(condition).order_by("pk").values_list("pk", flat=True)
    # Cached, as every page of the list and every sort asks again (a deal's title is matched
    # against every deal).
    key = hashlib.sha256(repr((model._meta.label, name_fields, value)).encode()).hexdigest()
    listed = cached(f"named:{key}", lambda: list(found[: NAMED_LISTED + 1]))
    return listed if len(listed) <= NAMED_LISTED else found


def _record_filter(label, model, name_fields, path):
    """A text box for one of many records (a platform, a person, a deal): its identifier, as
    the site's links give it, or part of its name. `path` leads from the filtered model to
    `model`; a many-to-many path is followed as EXISTS over its link rows, so no row comes
    twice and the database can stop at the first link."""

    def apply(queryset, name, value):
        found = _named(model, name_fields, value)
        relation = queryset.model._meta.get_field(path)
        if not relation.many_to_many:
            return queryset.filter(**{f"{path}__in": found})
        links = relation.remote_field.through.objects.filter(
            **{
                relation.m2m_field_name(): OuterRef("pk"),
                f"{relation.m2m_reverse_field_name()}__in": found,
            }
        )
        return queryset.filter(Exists(links))

    return filters.CharFilter(
        label=label,
        method=apply,
        max_length=200,
        help_text="Its name, part of it, or its identifier.",
    )


def _no_filter(queryset, name, value):
    """A choice that shapes the rows (grouping, folding) rather than filtering them."""
    return queryset


SWITCH_ON, SWITCH_OFF = {"on", "true", "1"}, {"", "false", "0"}


class SwitchInput(forms.CheckboxInput):
    """A checkbox whose value reaches its field as sent, so that a value that is neither on nor
    off (or one given twice) is refused rather than taken as on."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda value: str(value).lower() in SWITCH_ON)

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return values if len(values) > 1 else (values[0] if values else None)


class SwitchField(forms.Field):
    widget = SwitchInput

    def to_python(self, value):
        if value is None or value is False:
            return False
        if isinstance(value, str) and value.lower() in SWITCH_ON | SWITCH_OFF:
            return value.lower() in SWITCH_ON
        raise forms.ValidationError(
            "Give on, true or 1 to switch it on; false, 0 or nothing to leave it off."
        )


@extend_schema_field(OpenApiTypes.BOOL)
class SwitchFilter(filters.Filter):
    field_class = SwitchField


FOLD_LABEL = "Count a former state with its successor (Russia, or the Soviet Union before it)"


class YearRangeMixin(filters.FilterSet):
    """`year_min` and `year_max`, on the model's main date, labelled with the date they use
    ("Signed from")."""

    year_field = "date"
    year_label = "Dated"
    year_min = filters.NumberFilter(method="filter_year_min", min_value=1000, max_value=9999)
    year_max = filters.NumberFilter(method="filter_year_max", min_value=1000, max_value=9999)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year_min"].label = f"{self.year_label} from (year)"
        self.filters["year_max"].label = f"{self.year_label} to (year)"

    # Compared as the stored ISO text ("2018" <= "2018-05-07" <= "2018-12-31"), so the
    # date's index serves the filter; a year extracted from each row would scan them all.
    def filter_year_min(self, queryset, name, value):
        return queryset.filter(**{f"{self.year_field}__gte": f"{int(value):04d}"})

    def filter_year_max(self, queryset, name, value):
        return queryset.filter(**{f"{self.year_field}__lte": f"{int(value):04d}-12-31"})


class DatedMixin(YearRangeMixin):
    """For a date that may be unknown: `dated=no` lists the records without one, which a year
    filter leaves out (the list says how many, `undated_left_out`)."""

    dated = filters.ChoiceFilter(
        label="Date known",
        method="filter_dated",
        choices=[("yes", "With a date"), ("no", "Without a date")],
        empty_label="Any",
    )

    def filter_dated(self, queryset, name, value):
        return queryset.filter(**{f"{self.year_field}__isnull": value == "no"})


class DealFilterSet(DatedMixin):
    year_field = "signed"
    year_label = "Signed"
    facets = {
        "stage": "stage",
        "kind": "kind",
        "category": "platform__category",
        "buyer": "buyer",
        "seller": "seller",
    }
    q = filters.CharFilter(label="Search", method="search")
    buyer = _party_filter("Buyer", "buyer", method="filter_side")
    seller = _party_filter("Seller", "seller", method="filter_side")
    party = _party_filter("Either party", "party", method="filter_party")
    # Set by the party-pair page's links; not a box of its own in the form.
    counterpart = _party_filter(
        "And either party", "counterpart", method="filter_party", widget=forms.HiddenInput
    )
    platform = _record_filter("Platform", Platform, ["name", "aliases__name"], "platform")
    category = filters.ChoiceFilter(
        label="Category",
        field_name="platform__category",
        choices=Platform.Category.choices,
        empty_label="Any",
    )
    kind = filters.ChoiceFilter(choices=Deal.Kind.choices, empty_label="Any")
    stage = filters.MultipleChoiceFilter(
        choices=Deal.Stage.choices, widget=forms.CheckboxSelectMultiple
    )
    fold = SwitchFilter(label=FOLD_LABEL, method=_no_filter)
    condition = filters.ChoiceFilter(choices=Deal.Condition.choices, empty_label="Any")
    has_tiv = filters.ChoiceFilter(
        label="TIV",
        method="filter_has_tiv",
        choices=[("yes", "With a TIV"), ("no", "Without a TIV")],
        empty_label="Any",
        help_text="Whether SIPRI gives the deal a trend-indicator value.",
    )
    currency = filters.CharFilter(
        label="Currency", field_name="value_currency", lookup_expr="iexact", max_length=3
    )
    # Amounts in two currencies are never compared: "Value from" and "Value to" are in
    # constant US dollars, unless a currency is chosen, when they are in that currency.
    value_min = filters.NumberFilter(
        label="Value from",
        method="filter_value",
        min_value=0,
        max_value=MAX_VALUE,
        help_text="In constant US dollars, or in the currency chosen.",
    )
    value_max = filters.NumberFilter(
        label="Value to",
        method="filter_value",
        min_value=0,
        max_value=MAX_VALUE,
        help_text="In constant US dollars, or in the currency chosen.",
    )
    converted = filters.ChoiceFilter(
        label="Constant dollars",
        method="filter_converted",
        choices=[("yes", "Value converted"), ("no", "Value not converted")],
        empty_label="Any",
        help_text="Whether a stated value converts into constant US dollars.",
    )

    class Meta:
        model = Deal
        fields = []

    def search(self, queryset, name, value):
        return _search(
            queryset, ["title", "notes", "platform__name", "platform__aliases__name"], value
        )

    def filter_has_tiv(self, queryset, name, value: str):
        valued = Q(tiv_total__isnull=False) | Q(tiv_delivered__isnull=False)
        return queryset.filter(valued if value == "yes" else ~valued)

    def filter_value(self, queryset, name, value):
        field = "value_amount" if self.form.cleaned_data.get("currency") else "value_usd_constant"
        lookup = "gte" if name == "value_min" else "lte"
        return queryset.filter(**{f"{field}__{lookup}": value})

    def filter_converted(self, queryset, name, value: str):
        stated = queryset.exclude(value_amount=None)
        return stated.filter(value_usd_constant__isnull=value == "no")

    @property
    def folded(self) -> bool:
        """Whether a party filter counts a former state with its successor (?fold=on)."""
        return bool(self.form.cleaned_data.get("fold")) if self.form.is_valid() else False

    def _parties(self, value: str):
        """The party's id, and with `fold` its predecessors' (a subquery), for `__in`."""
        party = party_id(value)
        if not party or not self.folded:
            return [party] if party else []
        return Party.objects.filter(Q(pk=party) | Q(successor=party)).values("pk")

    def filter_side(self, queryset, name, value: str):
        parties = self._parties(value)
        if not parties:
            return queryset.none()
        return queryset.filter(**{f"{name.removesuffix('__code')}__in": parties})

    def filter_party(self, queryset, name, value: str):
        parties = self._parties(value)
        if not parties:
            return queryset.none()
        return queryset.filter(Q(buyer__in=parties) | Q(seller__in=parties))


# A statement's words, as its free-text search reads them.
WORDS = ["text", "excerpt"]
# At most this many platforms are named by one query (a name, or an alias several share).
PLATFORMS_NAMED = 5


def _platforms_named(value: str) -> list[Platform]:
    """The platforms `value` names, as names are matched ("S400" is the S-400, "sa21" its
    alias SA-21 Growler), with their aliases: two queries. A whole name or alias wins; a part
    counts only when it is the part of a few platforms' names, so that a word such as "Falcon"
    never pulls in the statements about every platform whose name holds it."""
    key = name_key(value)
    if not key:
        return []
    holding = Platform.objects.filter(
        _contains(Platform, "name", value) | _contains(Platform, "aliases__name", value)
    )
    found = list(
        holding.distinct()
        .order_by(Length("name"), "pk")
        .prefetch_related("aliases")[: PLATFORMS_NAMED + 1]
    )
    whole = [platform for platform in found if key in {name_key(n) for n in _names_of(platform)}]
    if whole:
        return whole
    return found if len(found) <= PLATFORMS_NAMED else []


def _names_of(platform: Platform) -> set[str]:
    """A platform's name and aliases (prefetched)."""
    return {platform.name} | {alias.name for alias in platform.aliases.all()}


def _spellings(value: str, platforms: list[Platform]) -> set[str]:
    """The names and aliases of the platforms `value` names in whole, as they are written
    when that is otherwise than `value` ("S-400" for "S400"): their words are searched too."""
    key = name_key(value)
    names = {name for platform in platforms for name in _names_of(platform)}
    return {name for name in names if name_key(name) == key and name.lower() != value.lower()}


class StatementFilterSet(YearRangeMixin):
    year_label = "Said"
    q = filters.CharFilter(label="Words or speaker", method="search")
    speaker = _record_filter("Speaker", Person, ["name"], "speaker")
    party = _party_filter("Speaker's party", field_name="speaker__party")
    platform = _record_filter("Platform", Platform, ["name", "aliases__name"], "platforms")
    deal = _record_filter("Deal", Deal, ["title"], "deals")
    kind = filters.ChoiceFilter(choices=Statement.Kind.choices, empty_label="Any")

    class Meta:
        model = Statement
        fields = []

    def search(self, queryset, name, value):
        """The words, and what the words do not always say: a person's name finds what they
        said, a platform's name (as names are matched, so "S400" is the S-400) the statements
        about it or about its deals, and the words that write the name as the platform does."""
        speakers = Person.objects.filter(_contains(Person, "name", value)).values("pk")
        also = Q(speaker__in=speakers)
        platforms = _platforms_named(value)
        if platforms:
            ids = [platform.pk for platform in platforms]
            about_platform = Statement.platforms.through.objects.filter(platform__in=ids)
            about_deal = Statement.deals.through.objects.filter(deal__platform__in=ids)
            also |= Q(pk__in=about_platform.values("statement_id"))
            also |= Q(pk__in=about_deal.values("statement_id"))
        for spelling in _spellings(value, platforms):
            words = text_search(Statement.objects.all(), value=spelling, fields=WORDS)
            also |= Q(pk__in=words.values("pk"))
        return text_search(queryset, value=value, fields=WORDS, also=also)


class PlatformFilterSet(filters.FilterSet):
    facets = {"category": "category"}
    q = filters.CharFilter(label="Name or alias", method="search")
    category = filters.ChoiceFilter(choices=Platform.Category.choices, empty_label="Any")
    maker = _party_filter("Maker", "makers")

    class Meta:
        model = Platform
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "aliases__name", "description"], value)


class PartyFilterSet(filters.FilterSet):
    facets = {"kind": "kind"}
    q = filters.CharFilter(label="Name or code", method="search")
    kind = filters.ChoiceFilter(choices=Party.Kind.choices, empty_label="Any")

    class Meta:
        model = Party
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "code", "iso3"], value)


class SourceFilterSet(DatedMixin):
    year_field = "published"
    year_label = "Published"
    q = filters.CharFilter(label="Title or text", method="search")
    publisher = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Source
        fields = []

    def search(self, queryset, name, value):
        return text_search(queryset, value=value, fields=["title", "publisher", "text"])


class PersonFilterSet(filters.FilterSet):
    facets = {"kind": "kind", "party": "party"}
    q = filters.CharFilter(label="Name or role", method="search")
    kind = filters.ChoiceFilter(choices=Person.Kind.choices, empty_label="Any")
    party = _party_filter("Party", "party")

    class Meta:
        model = Person
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "role"], value)


# --- Engagements, standing bodies, agreements ------------------------------------------------


def _by_party_link(queryset, name, value):
    """Records whose `parties` include the party: EXISTS over the link rows, so none comes
    twice."""
    party = party_id(value)
    if not party:
        return queryset.none()
    through = queryset.model.parties.through
    owner = queryset.model._meta.model_name
    return queryset.filter(Exists(through.objects.filter(**{owner: OuterRef("pk")}, party=party)))


class EngagementFilterSet(YearRangeMixin):
    year_field = "start"
    year_label = "Started"
    facets = {"kind": "kind", "status": "status"}
    q = filters.CharFilter(label="Search", method="search")
    party = _party_filter("Party", "parties", method=_by_party_link)
    kind = filters.ChoiceFilter(choices=Engagement.Kind.choices, empty_label="Any")
    status = filters.ChoiceFilter(choices=Engagement.Status.choices, empty_label="Any")
    body = _record_filter("Standing body", StandingBody, ["name", "abbreviation"], "body")
    participant = _record_filter("Participant", Person, ["name"], "participants")

    class Meta:
        model = Engagement
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["title", "place", "outcomes", "notes"], value)


class StandingBodyFilterSet(filters.FilterSet):
    facets = {"kind": "kind"}
    q = filters.CharFilter(label="Name or abbreviation", method="search")
    party = _party_filter("Party", "parties", method=_by_party_link)
    kind = filters.ChoiceFilter(choices=StandingBody.Kind.choices, empty_label="Any")

    class Meta:
        model = StandingBody
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "abbreviation", "chair", "notes"], value)


class AgreementFilterSet(DatedMixin):
    year_field = "signed"
    year_label = "Signed"
    facets = {"kind": "kind", "status": "status"}
    q = filters.CharFilter(label="Search", method="search")
    party = _party_filter("Party", "parties", method=_by_party_link)
    kind = filters.ChoiceFilter(choices=Agreement.Kind.choices, empty_label="Any")
    status = filters.ChoiceFilter(choices=Agreement.Status.choices, empty_label="Any")

    class Meta:
        model = Agreement
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "notes"], value)


# --- What a list page shows of its filters: chips, facet counts, undated records ----------


def address(path: str, query: QueryDict) -> str:
    """`path` with `query`, and no "?" when the query holds nothing."""
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _filter_data(filterset) -> QueryDict:
    """The filter set's own parameters from the address (not its page, sort or columns)."""
    data = QueryDict(mutable=True)
    for name in filterset.filters:
        values = [v for v in (filterset.data or QueryDict()).getlist(name) if v != ""]
        if values:
            data.setlist(name, values)
    return data


def active_filters(filterset, path: str) -> list[dict]:
    """Each filter value the address sets, named as the form names it ("Buyer": "India"), with
    the address without it (back on the first page). Filters with no box of their own, such as
    the `counterpart` of a pair page's links, are listed too."""
    query = filterset.data or QueryDict()
    chips = []
    for name, values in _filter_data(filterset).lists():
        field = filterset.form.fields[name]
        names = dict(field.choices) if hasattr(field, "choices") else {}
        for value in values:
            rest = query.copy()
            rest.pop("page", None)
            rest.setlist(name, [v for v in values if v != value])
            chips.append(
                {
                    "name": name,
                    "label": filterset.form[name].label,
                    "value": names.get(value, value),
                    "url": address(path, rest),
                }
            )
    return chips


def _party_codes() -> dict:
    return {
        pk: code
        for code, pk in cached(
            "party-ids", lambda: dict(Party.objects.values_list("code", "pk"))
        ).items()
    }


def facet_counts(filterset, name: str) -> dict[str, int]:
    """How many rows each choice of the facet `name` holds under the other filters as they are
    (so a reader sees what choosing it would give): one GROUP BY in the database, cached for
    the data's version."""
    path = filterset.facets[name]
    data = _filter_data(filterset)
    data.pop(name, None)
    key = hashlib.sha256(f"{filterset._meta.model._meta.label}|{name}|{data.urlencode()}".encode())

    def count():
        # __class__, not type(): the view hands the filter set in a lazy wrapper.
        others = filterset.__class__(data=data, queryset=filterset.queryset)
        rows = others.qs.order_by().values_list(path).annotate(n=Count("pk")).order_by()
        field = filterset._meta.model._meta.get_field(path.split("__")[0])
        codes = _party_codes() if "__" not in path and field.related_model is Party else None
        return {str(codes.get(k) if codes else k): n for k, n in rows}

    return cached(f"facets:{key.hexdigest()}", count)


def counted_form(filterset):
    """The filter set's form with a count beside each choice of its facets (`facets`, a filter's
    name and the path it groups by): "Signed (1,204)". A fixed number of queries, one a facet."""
    if filterset.is_bound and not filterset.form.is_valid():
        return filterset.form
    # A form of its own: the filter set's keeps the choices' plain names, for the chips.
    form_class = filterset.get_form_class()
    if filterset.is_bound:
        form = form_class(filterset.data, prefix=filterset.form_prefix)
    else:
        form = form_class(prefix=filterset.form_prefix)
    for name in getattr(filterset, "facets", {}):
        counts = facet_counts(filterset, name)
        field = form.fields[name]
        field.choices = [
            (key, f"{label} ({intcomma(counts.get(str(key), 0))})")
            for key, label in field.choices
            if key != ""
        ]
    return form


def undated_left_out(filterset, path: str) -> dict | None:
    """When a year filter leaves out the records with no date: how many of them the other
    filters match (up to the count cap), and the address listing them; None otherwise."""
    if not isinstance(filterset, DatedMixin) or not filterset.is_bound or not filterset.is_valid():
        return None
    data = _filter_data(filterset)
    if not {"year_min", "year_max"} & set(data) or "dated" in data:
        return None
    data.pop("year_min", None)
    data.pop("year_max", None)
    data["dated"] = "no"
    undated = filterset.__class__(data=data, queryset=filterset.queryset)
    count = capped_count(undated.qs)
    if not count:
        return None
    return {
        "count": count,
        "capped": count > COUNT_CAP,
        "cap": COUNT_CAP,
        "url": address(path, data),
    }


class TransferFilterSet(filters.FilterSet):
    """Filters of the transfers analysis, over deliveries. A party is a code or slug; with
    `fold` a former state counts as its successor on either side, in filters and rows."""

    recipient = _party_filter("Recipient", "recipient", method="filter_party")
    supplier = _party_filter("Supplier", "supplier", method="filter_party")
    year_min = filters.NumberFilter(
        label="From year", field_name="year", lookup_expr="gte", min_value=1900, max_value=9999
    )
    year_max = filters.NumberFilter(
        label="To year", field_name="year", lookup_expr="lte", min_value=1900, max_value=9999
    )
    category = filters.ChoiceFilter(
        label="Category",
        field_name="deal__platform__category",
        choices=Platform.Category.choices,
        empty_label="Any",
    )
    group = filters.ChoiceFilter(
        label="One row per",
        choices=[(g, g.capitalize()) for g in ("supplier", "recipient", "year", "category")],
        empty_label=None,
        method=_no_filter,
    )
    fold = SwitchFilter(label=FOLD_LABEL, method=_no_filter)

    class Meta:
        model = Delivery
        fields = []

    @property
    def rows_per(self) -> str:
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return data.get("group") or "supplier"

    @property
    def folded(self) -> bool:
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return bool(data.get("fold"))

    @property
    def every_year(self) -> bool:
        """Whether no year is filtered: each deal's deliveries are then all in the rows."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return data.get("year_min") is None and data.get("year_max") is None

    def filter_party(self, queryset, name, value):
        party = party_id(value)
        if not party:
            return queryset.none()
        side = "deal__seller" if name.startswith("supplier") else "deal__buyer"
        if self.folded:
            parties = Party.objects.filter(Q(pk=party) | Q(successor=party)).values("pk")
            return queryset.filter(**{f"{side}__in": parties})
        return queryset.filter(**{side: party})
