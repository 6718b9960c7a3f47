"""Thin views: each list view states its queryset, filter set and table; pages take their
figures from the selectors."""

import datetime

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from dashboard import charts, filters, selectors, tables
from dashboard.cache import cached
from dashboard.models import (
    Contract,
    ContractSource,
    Country,
    Person,
    Platform,
    Source,
    Statement,
)
from dashboard.paginators import COUNT_CAP, CappedPaginator, capped_count
from dashboard.passages import context_around, highlight

EXPORT_FORMATS = ("csv", "xlsx", "json")


def count_of(model, field: str):
    """How many `model` rows point at each listed record, as a subquery: the database counts
    only for the rows a page shows, where a join and GROUP BY would count for every record."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")), 0)


class RecordListView(ExportMixin, SingleTableMixin, FilterView):
    """A filterable, sortable, paginated table that exports its filtered rows."""

    template_name = "dashboard/record_list.html"
    export_formats = EXPORT_FORMATS
    table_pagination = {"per_page": 25, "paginator_class": CappedPaginator}
    intro = ""
    title = ""

    def get_export_filename(self, export_format):
        name = self.model._meta.verbose_name_plural.replace(" ", "-")
        return f"{name}-{datetime.date.today().isoformat()}.{export_format}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title or self.model._meta.verbose_name_plural.capitalize()
        context["intro"] = self.intro
        context["filtered"] = any(value for value in self.request.GET.dict().values())
        return context


class ContractListView(RecordListView):
    model = Contract
    table_class = tables.ContractTable
    filterset_class = filters.ContractFilterSet
    title = "Deals"
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
        contract_count=count_of(Contract, "platform"),
        statement_count=count_of(Statement.platforms.through, "platform"),
    )


class CountryListView(RecordListView):
    model = Country
    table_class = tables.CountryTable
    filterset_class = filters.CountryFilterSet
    queryset = Country.objects.annotate(
        buyer_count=count_of(Contract, "buyer"),
        seller_count=count_of(Contract, "seller"),
        people_count=count_of(Person, "country"),
    )


class SourceListView(RecordListView):
    model = Source
    table_class = tables.SourceTable
    filterset_class = filters.SourceFilterSet
    intro = "The articles and documents every record cites."
    queryset = Source.objects.defer("text").annotate(
        contract_count=count_of(ContractSource, "source"),
        statement_count=count_of(Statement, "source"),
    )


class PersonListView(RecordListView):
    model = Person
    table_class = tables.PersonTable
    filterset_class = filters.PersonFilterSet
    intro = "Officials and institutions quoted in the sources."
    queryset = Person.objects.select_related("country").annotate(
        statement_count=count_of(Statement, "speaker")
    )


@login_not_required
def health(request):
    """A trivial page for load balancers and as the benchmark's baseline: touches nothing, and
    needs no login even when DASHBOARD_LOGIN_REQUIRED is on."""
    return HttpResponse("ok", content_type="text/plain")


# --- Overview ----------------------------------------------------------------------------------


def overview_with_panels() -> dict:
    data = selectors.overview_data()
    return {**data, "panels": charts.overview_panels(data["rows"])}


class OverviewView(TemplateView):
    template_name = "dashboard/overview.html"
    pairs_shown = 24

    def get_context_data(self, **kwargs):
        data = cached("overview", lambda: overview_with_panels())
        # Only the busiest pairs: reading every pair from the cache costs more than the page.
        pairs = cached(
            "pairs-busiest",
            lambda: {"top": all_pairs()[: self.pairs_shown], "count": len(all_pairs())},
        )
        return super().get_context_data(
            figures=data["figures"],
            rows=data["rows"],
            pairs=pairs["top"],
            pairs_count=pairs["count"],
            panels=data["panels"],
            **kwargs,
        )


# --- Detail pages ------------------------------------------------------------------------------

CONTRACT_ROW = ("buyer", "seller", "platform")
STATEMENT_ROW = ("speaker", "source")
SHOWN = 50  # rows a detail page lists before pointing to the full table


def first_rows(name: str, queryset, url: str) -> dict:
    """Context for a detail page's list: its first rows, how many there are, the full table."""
    return {
        name: list(queryset[:SHOWN]),
        f"{name}_count": capped_count(queryset),
        f"{name}_url": url,
    }


class RecordDetailView(DetailView):
    """A record's page, saying when the record was last changed (one query)."""

    def get_context_data(self, **kwargs):
        last_changed = selectors.record_last_changed(record=self.object)
        return super().get_context_data(last_changed=last_changed, **kwargs)


class CountryDetailView(RecordDetailView):
    model = Country
    slug_field = "iso2"
    slug_url_kwarg = "iso2"

    def get_object(self, queryset=None):
        return get_object_or_404(Country, iso2=self.kwargs["iso2"].upper())

    def get_context_data(self, **kwargs):
        country = self.object
        contracts = Contract.objects.select_related(*CONTRACT_ROW).order_by("-signed", "pk")
        statements = Statement.objects.filter(speaker__country=country)
        return super().get_context_data(
            **first_rows(
                "as_buyer",
                contracts.filter(buyer=country),
                charts.list_url("contract-list", buyer=country.iso2),
            ),
            **first_rows(
                "as_seller",
                contracts.filter(seller=country),
                charts.list_url("contract-list", seller=country.iso2),
            ),
            **first_rows(
                "statements",
                statements.select_related(*STATEMENT_ROW),
                charts.list_url("statement-list", country=country.iso2),
            ),
            **first_rows(
                "people",
                country.people.all(),
                charts.list_url("person-list", country=country.iso2),
            ),
            **first_rows(
                "platforms_made",
                country.platforms_made.all(),
                charts.list_url("platform-list", maker=country.iso2),
            ),
            partners=cached(
                f"partners:{country.iso2}",
                lambda: selectors.country_pairs(
                    contracts=Contract.objects.filter(Q(buyer=country) | Q(seller=country))
                ),
            ),
            cap=COUNT_CAP,
            **kwargs,
        )


class PlatformDetailView(RecordDetailView):
    queryset = Platform.objects.prefetch_related("aliases", "makers")

    def get_context_data(self, **kwargs):
        platform = self.object
        return super().get_context_data(
            **first_rows(
                "contracts",
                platform.contracts.select_related(*CONTRACT_ROW).order_by("-signed", "pk"),
                charts.list_url("contract-list", platform=platform.slug),
            ),
            **first_rows(
                "statements",
                platform.statements.select_related(*STATEMENT_ROW),
                charts.list_url("statement-list", platform=platform.slug),
            ),
            cap=COUNT_CAP,
            **kwargs,
        )


class ContractDetailView(RecordDetailView):
    queryset = Contract.objects.select_related(*CONTRACT_ROW)

    def get_context_data(self, **kwargs):
        contract = self.object
        citations = contract.citations.select_related("source")
        return super().get_context_data(
            citations=[
                {"citation": c, "context": context_around(c.source.text, c.excerpt, 300)}
                for c in citations
            ],
            **first_rows(
                "statements",
                contract.statements.select_related(*STATEMENT_ROW),
                charts.list_url("statement-list", contract=contract.slug),
            ),
            pair_url=reverse(
                "dashboard:pair", args=sorted([contract.buyer.iso2, contract.seller.iso2])
            ),
            cap=COUNT_CAP,
            **kwargs,
        )


class StatementDetailView(RecordDetailView):
    queryset = Statement.objects.select_related("speaker__country", "source").prefetch_related(
        "platforms", "contracts"
    )

    def get_context_data(self, **kwargs):
        statement = self.object
        return super().get_context_data(
            context=context_around(statement.source.text, statement.evidence),
            **kwargs,
        )


class SourceDetailView(RecordDetailView):
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


class PersonDetailView(RecordDetailView):
    queryset = Person.objects.select_related("country")

    def get_context_data(self, **kwargs):
        person = self.object
        return super().get_context_data(
            **first_rows(
                "statements",
                person.statements.select_related("source").prefetch_related("platforms"),
                charts.list_url("statement-list", speaker=person.slug),
            ),
            cap=COUNT_CAP,
            **kwargs,
        )


# --- Country pairs -----------------------------------------------------------------------------


def all_pairs() -> list[dict]:
    return cached("pairs", lambda: selectors.country_pairs(contracts=Contract.objects.all()))


class PairListView(TemplateView):
    template_name = "dashboard/pair_list.html"

    def get_context_data(self, **kwargs):
        pairs = Paginator(all_pairs(), 100).get_page(self.request.GET.get("page"))
        return super().get_context_data(pairs=pairs, **kwargs)


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
        scope = {"party": first.iso2, "counterpart": second.iso2}
        figures = cached(
            f"pair:{first.iso2}:{second.iso2}",
            lambda: selectors.pair_figures(first=first, second=second),
        )
        contracts = (
            selectors.pair_contracts(first=first, second=second)
            .select_related(*CONTRACT_ROW)
            .order_by("-signed", "pk")
        )
        statements = selectors.pair_statements(first=first, second=second).select_related(
            *STATEMENT_ROW
        )
        return super().get_context_data(
            first=first,
            second=second,
            **figures,
            **first_rows("contracts", contracts, charts.list_url("contract-list", **scope)),
            timeline=selectors.pair_timeline(contracts=contracts, statements=statements),
            chart_value_by_year=charts.value_by_year(figures["value_rows"], **scope),
            chart_mix=charts.deals_by_category(figures["mix_rows"], **scope),
            cap=COUNT_CAP,
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
