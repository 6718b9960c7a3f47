"""Thin views: each list view states its queryset, filter set and table; pages take their
figures from the selectors."""

import datetime

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from dashboard import charts, filters, selectors, tables
from dashboard.models import (
    Contract,
    ContractSource,
    Country,
    Person,
    Platform,
    Source,
    Statement,
)
from dashboard.passages import context_around, highlight

EXPORT_FORMATS = ("csv", "xlsx", "json")


class RecordListView(ExportMixin, SingleTableMixin, FilterView):
    """A filterable, sortable, paginated table that exports its filtered rows."""

    template_name = "dashboard/record_list.html"
    export_formats = EXPORT_FORMATS
    table_pagination = {"per_page": 25}
    intro = ""

    def get_export_filename(self, export_format):
        name = self.model._meta.verbose_name_plural.replace(" ", "-")
        return f"{name}-{datetime.date.today().isoformat()}.{export_format}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.model._meta.verbose_name_plural.capitalize()
        context["intro"] = self.intro
        context["filtered"] = any(value for value in self.request.GET.dict().values())
        return context


class ContractListView(RecordListView):
    model = Contract
    table_class = tables.ContractTable
    filterset_class = filters.ContractFilterSet
    intro = "Deals at every stage, from talks to completed deliveries."
    queryset = Contract.objects.select_related("buyer", "seller", "platform").prefetch_related(
        Prefetch("citations", ContractSource.objects.select_related("source"))
    )


class StatementListView(RecordListView):
    model = Statement
    table_class = tables.StatementTable
    filterset_class = filters.StatementFilterSet
    intro = "What officials said, with speaker, date and source."
    queryset = Statement.objects.select_related("speaker", "source").prefetch_related(
        "platforms", "contracts"
    )


class PlatformListView(RecordListView):
    model = Platform
    table_class = tables.PlatformTable
    filterset_class = filters.PlatformFilterSet
    intro = "Weapon systems, with the names they also go by."
    queryset = Platform.objects.prefetch_related("aliases", "makers").annotate(
        contract_count=Count("contracts", distinct=True),
        statement_count=Count("statements", distinct=True),
    )


class CountryListView(RecordListView):
    model = Country
    table_class = tables.CountryTable
    filterset_class = filters.CountryFilterSet
    queryset = Country.objects.annotate(
        buyer_count=Count("contracts_as_buyer", distinct=True),
        seller_count=Count("contracts_as_seller", distinct=True),
        people_count=Count("people", distinct=True),
    )


class SourceListView(RecordListView):
    model = Source
    table_class = tables.SourceTable
    filterset_class = filters.SourceFilterSet
    intro = "The articles and documents every record cites."
    queryset = Source.objects.defer("text").annotate(
        contract_count=Count("contracts", distinct=True),
        statement_count=Count("statements", distinct=True),
    )


class PersonListView(RecordListView):
    model = Person
    table_class = tables.PersonTable
    filterset_class = filters.PersonFilterSet
    intro = "Officials and institutions quoted in the sources."
    queryset = Person.objects.select_related("country").annotate(
        statement_count=Count("statements")
    )


# --- Overview ----------------------------------------------------------------------------------


class OverviewView(TemplateView):
    template_name = "dashboard/overview.html"

    def get_context_data(self, **kwargs):
        contracts = Contract.objects.all()
        statements = Statement.objects.all()
        figures = selectors.overview_figures()
        rows = {
            "value_by_year": selectors.contract_value_by_year(contracts=contracts),
            "by_status": figures["by_status"],
            "by_category": selectors.platform_counts_by_category(platforms=Platform.objects.all()),
            "statements_by_year": selectors.statement_counts_by_year(statements=statements),
            "most_discussed": selectors.platforms_most_discussed(statements=statements),
        }
        return super().get_context_data(
            figures=figures,
            rows=rows,
            pairs=selectors.country_pairs(contracts=contracts),
            panels=charts.overview_panels(rows),
            **kwargs,
        )


# --- Detail pages ------------------------------------------------------------------------------

CONTRACT_ROW = ("buyer", "seller", "platform")
STATEMENT_ROW = ("speaker", "source")


class CountryDetailView(DetailView):
    model = Country
    slug_field = "iso2"
    slug_url_kwarg = "iso2"

    def get_object(self, queryset=None):
        return get_object_or_404(Country, iso2=self.kwargs["iso2"].upper())

    def get_context_data(self, **kwargs):
        country = self.object
        contracts = Contract.objects.select_related(*CONTRACT_ROW)
        return super().get_context_data(
            as_buyer=contracts.filter(buyer=country),
            as_seller=contracts.filter(seller=country),
            partners=selectors.country_pairs(
                contracts=Contract.objects.filter(Q(buyer=country) | Q(seller=country))
            ),
            statements=Statement.objects.filter(speaker__country=country).select_related(
                *STATEMENT_ROW
            ),
            people=country.people.all(),
            platforms_made=country.platforms_made.all(),
            **kwargs,
        )


class PlatformDetailView(DetailView):
    queryset = Platform.objects.prefetch_related("aliases", "makers")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            contracts=self.object.contracts.select_related(*CONTRACT_ROW),
            statements=self.object.statements.select_related(*STATEMENT_ROW),
            **kwargs,
        )


class ContractDetailView(DetailView):
    queryset = Contract.objects.select_related(*CONTRACT_ROW)

    def get_context_data(self, **kwargs):
        citations = self.object.citations.select_related("source")
        return super().get_context_data(
            citations=[
                {"citation": c, "context": context_around(c.source.text, c.excerpt, 300)}
                for c in citations
            ],
            statements=self.object.statements.select_related(*STATEMENT_ROW),
            pair_url=reverse(
                "dashboard:pair", args=sorted([self.object.buyer.iso2, self.object.seller.iso2])
            ),
            **kwargs,
        )


class StatementDetailView(DetailView):
    queryset = Statement.objects.select_related("speaker__country", "source").prefetch_related(
        "platforms", "contracts"
    )

    def get_context_data(self, **kwargs):
        statement = self.object
        return super().get_context_data(
            context=context_around(statement.source.text, statement.evidence),
            **kwargs,
        )


class SourceDetailView(DetailView):
    model = Source

    def get_context_data(self, **kwargs):
        source = self.object
        citations = [
            {
                "passage": c.excerpt,
                "url": c.contract.get_absolute_url(),
                "label": str(c.contract),
                "kind": "deal",
            }
            for c in source.citations.select_related("contract")
        ] + [
            {
                "passage": s.evidence,
                "url": s.get_absolute_url(),
                "label": str(s),
                "kind": "statement",
            }
            for s in source.statements.select_related("speaker")
        ]
        segments = highlight(source.text, citations)
        return super().get_context_data(
            segments=segments,
            cited=[c for segment in segments for c in segment["ends"]],
            unlocated=[c for c in citations if "number" not in c],
            **kwargs,
        )


class PersonDetailView(DetailView):
    queryset = Person.objects.select_related("country")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statements=self.object.statements.select_related("source").prefetch_related(
                "platforms"
            ),
            **kwargs,
        )


# --- Country pair ------------------------------------------------------------------------------


class PairView(TemplateView):
    template_name = "dashboard/pair.html"

    def get(self, request, *args, **kwargs):
        first, second = kwargs["first"].upper(), kwargs["second"].upper()
        if first == second:
            raise Http404("A country pair needs two different countries.")
        if [kwargs["first"], kwargs["second"]] != sorted([first, second]):
            # One page per pair, whichever order the countries are given in.
            return redirect("dashboard:pair", *sorted([first, second]), permanent=True)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        first = get_object_or_404(Country, iso2=kwargs.pop("first"))
        second = get_object_or_404(Country, iso2=kwargs.pop("second"))
        contracts = selectors.pair_contracts(first=first, second=second).select_related(
            *CONTRACT_ROW
        )
        statements = selectors.pair_statements(first=first, second=second).select_related(
            *STATEMENT_ROW
        )
        scope = {"party": first.iso2, "counterpart": second.iso2}
        value_rows = selectors.contract_value_by_year(contracts=contracts)
        mix_rows = selectors.contract_counts_by_category(contracts=contracts)
        return super().get_context_data(
            first=first,
            second=second,
            contracts=contracts,
            statements=statements,
            timeline=selectors.pair_timeline(contracts=contracts, statements=statements),
            by_status=selectors.contract_counts_by_status(contracts=contracts),
            value_totals=selectors.contract_value_totals(contracts=contracts),
            value_rows=value_rows,
            mix_rows=mix_rows,
            chart_value_by_year=charts.value_by_year(value_rows, **scope),
            chart_mix=charts.deals_by_category(mix_rows, **scope),
            contracts_url=charts.list_url("contract-list", **scope),
            **kwargs,
        )


# --- Search ------------------------------------------------------------------------------------


class SearchView(TemplateView):
    template_name = "dashboard/search.html"
    limit = 10

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()[:200]
        groups = []
        if query:
            groups = [
                self.group(
                    "Platforms",
                    "platform-list",
                    filters.PlatformFilterSet,
                    query,
                    Platform.objects.all(),
                ),
                self.group(
                    "Deals",
                    "contract-list",
                    filters.ContractFilterSet,
                    query,
                    Contract.objects.select_related(*CONTRACT_ROW),
                ),
                self.group(
                    "Statements",
                    "statement-list",
                    filters.StatementFilterSet,
                    query,
                    Statement.objects.select_related(*STATEMENT_ROW),
                ),
                self.group(
                    "People",
                    "person-list",
                    filters.PersonFilterSet,
                    query,
                    Person.objects.select_related("country"),
                ),
                self.group(
                    "Sources",
                    "source-list",
                    filters.SourceFilterSet,
                    query,
                    Source.objects.defer("text"),
                ),
            ]
        return super().get_context_data(
            query=query, groups=groups, total=sum(g["count"] for g in groups), **kwargs
        )

    def group(self, title, list_name, filterset_class, query, queryset):
        matches = filterset_class({"q": query}, queryset=queryset).qs
        return {
            "title": title,
            "results": list(matches[: self.limit]),
            "count": matches.count(),
            "more_url": charts.list_url(list_name, q=query),
        }
