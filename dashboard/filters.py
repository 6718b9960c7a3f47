"""Filter sets for the dashboard's tables. Every filter is a URL parameter, so a filtered view
can be bookmarked and shared."""

from decimal import Decimal

import django_filters as filters
from django import forms
from django.db.models import Q

from dashboard.models import Contract, Country, Person, Platform, Source, Statement
from dashboard.search import text_search

# The largest value a contract can hold (18 digits, 2 of them decimals).
MAX_VALUE = Decimal("9999999999999999.99")


def _search(queryset, fields, value):
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition).distinct()


def _country_filter(label, field_name=None, method=None):
    return filters.ModelChoiceFilter(
        label=label,
        field_name=field_name,
        method=method,
        queryset=Country.objects.all(),
        to_field_name="iso2",
        empty_label="Any",
    )


class YearRangeMixin(filters.FilterSet):
    """`year_min` and `year_max`, on the model's main date."""

    year_field = "date"
    year_min = filters.NumberFilter(
        label="From year", method="filter_year_min", min_value=1000, max_value=9999
    )
    year_max = filters.NumberFilter(
        label="To year", method="filter_year_max", min_value=1000, max_value=9999
    )

    def filter_year_min(self, queryset, name, value):
        return queryset.filter(**{f"{self.year_field}__year__gte": value})

    def filter_year_max(self, queryset, name, value):
        return queryset.filter(**{f"{self.year_field}__year__lte": value})


class ContractFilterSet(YearRangeMixin):
    PHASES = [
        ("before_signature", "Before signature"),
        ("signed", "Signed or later"),
        ("cancelled", "Cancelled"),
    ]

    year_field = "signed"
    q = filters.CharFilter(label="Search", method="search")
    buyer = _country_filter("Buyer")
    seller = _country_filter("Seller")
    party = _country_filter("Either party", method="filter_party")
    counterpart = _country_filter("And either party", method="filter_party")
    platform = filters.ModelChoiceFilter(
        queryset=Platform.objects.all(), to_field_name="slug", empty_label="Any"
    )
    category = filters.ChoiceFilter(
        label="Category",
        field_name="platform__category",
        choices=Platform.Category.choices,
        empty_label="Any",
    )
    kind = filters.ChoiceFilter(choices=Contract.Kind.choices, empty_label="Any")
    status = filters.MultipleChoiceFilter(
        label="Stage", choices=Contract.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    phase = filters.ChoiceFilter(
        label="Phase", choices=PHASES, method="filter_phase", empty_label="Any"
    )
    currency = filters.CharFilter(
        label="Currency", field_name="value_currency", lookup_expr="iexact", max_length=3
    )
    value_min = filters.NumberFilter(
        label="Value from",
        field_name="value_amount",
        lookup_expr="gte",
        min_value=0,
        max_value=MAX_VALUE,
    )
    value_max = filters.NumberFilter(
        label="Value to",
        field_name="value_amount",
        lookup_expr="lte",
        min_value=0,
        max_value=MAX_VALUE,
    )

    class Meta:
        model = Contract
        fields = []

    def search(self, queryset, name, value):
        return _search(
            queryset, ["title", "notes", "platform__name", "platform__aliases__name"], value
        )

    def filter_party(self, queryset, name, value):
        return queryset.filter(Q(buyer=value) | Q(seller=value))

    def filter_phase(self, queryset, name, value):
        if value == "signed":
            return queryset.signed()
        if value == "before_signature":
            return queryset.before_signature()
        return queryset.filter(status=Contract.Status.CANCELLED)


class StatementFilterSet(YearRangeMixin):
    q = filters.CharFilter(label="Words", method="search")
    speaker = filters.ModelChoiceFilter(
        queryset=Person.objects.all(), to_field_name="slug", empty_label="Any"
    )
    country = _country_filter("Speaker's country", field_name="speaker__country")
    platform = filters.ModelChoiceFilter(
        label="Platform",
        field_name="platforms",
        queryset=Platform.objects.all(),
        to_field_name="slug",
        empty_label="Any",
        distinct=True,
    )
    contract = filters.ModelChoiceFilter(
        label="Deal",
        field_name="contracts",
        queryset=Contract.objects.all(),
        to_field_name="slug",
        empty_label="Any",
        distinct=True,
    )
    kind = filters.ChoiceFilter(choices=Statement.Kind.choices, empty_label="Any")

    class Meta:
        model = Statement
        fields = []

    def search(self, queryset, name, value):
        return text_search(queryset, value=value, fields=["text", "excerpt"])


class PlatformFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="Name or alias", method="search")
    category = filters.ChoiceFilter(choices=Platform.Category.choices, empty_label="Any")
    maker = _country_filter("Maker", field_name="makers")

    class Meta:
        model = Platform
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "aliases__name", "description"], value)


class CountryFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="Name or code", method="search")

    class Meta:
        model = Country
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "iso2", "iso3"], value)


class SourceFilterSet(YearRangeMixin):
    year_field = "published"
    q = filters.CharFilter(label="Title or text", method="search")
    publisher = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Source
        fields = []

    def search(self, queryset, name, value):
        return text_search(queryset, value=value, fields=["title", "publisher", "text"])


class PersonFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="Name or role", method="search")
    kind = filters.ChoiceFilter(choices=Person.Kind.choices, empty_label="Any")
    country = _country_filter("Country")

    class Meta:
        model = Person
        fields = []

    def search(self, queryset, name, value):
        return _search(queryset, ["name", "role"], value)
