"""Thin views: each list view states its queryset, filter set and table; pages take their
figures from the selectors."""

import datetime
from hashlib import sha256
from math import ceil

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Prefetch, prefetch_related_objects
from django.db.models.functions import Length, Substr
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.text import slugify
from django.views.generic import DetailView, TemplateView, View
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from dashboard import charts, exports, filters, money, selectors, tables
from dashboard.cache import cached, lazy
from dashboard.models import (
    Agreement,
    AgreementCitation,
    Deal,
    DealCitation,
    Delivery,
    Engagement,
    EngagementCitation,
    EngagementParticipant,
    Party,
    Person,
    Platform,
    Source,
    StandingBody,
    StandingBodyCitation,
    Statement,
)
from dashboard.paginators import COUNT_CAP, CappedPaginator, capped_count, count_up_to
from dashboard.passages import context_around, highlight, passage_anchor
from dashboard.sources_compared import deal_sources_compared

# Parameters renamed with their models (migration 0009): an old address redirects to the new.
RENAMED_PARAMETERS = {"status": "stage", "contract": "deal", "country": "party"}
OLD_PHASES = {
    "signed": Deal.Stage.signed_stages(),
    "before_signature": Deal.Stage.pre_signature_stages(),
    "cancelled": [Deal.Stage.CANCELLED],
}


def renamed_query(query: QueryDict) -> QueryDict | None:
    """`query` with the parameters of old addresses renamed, or None when it has none."""
    if not any(name in query for name in [*RENAMED_PARAMETERS, "phase"]):
        return None
    renamed = QueryDict(mutable=True)
    for name, values in query.lists():
        if name == "phase":
            renamed.setlist("stage", [s for v in values for s in OLD_PHASES.get(v, [])])
        else:
            renamed.setlist(RENAMED_PARAMETERS.get(name, name), values)
    return renamed


def without_empty(query: QueryDict) -> QueryDict | None:
    """`query` without its empty parameters (`?year_min=&q=India` is `?q=India`), or None when
    it has none: a submitted filter form then gives a short address to share."""
    if not any("" in values for _name, values in query.lists()):
        return None
    clean = QueryDict(mutable=True)
    for name, values in query.lists():
        if kept := [v for v in values if v != ""]:
            clean.setlist(name, kept)
    return clean


def renamed_redirect(path: str, query: QueryDict) -> HttpResponsePermanentRedirect:
    query = renamed_query(query) or query
    return HttpResponsePermanentRedirect(f"{path}?{query.urlencode()}" if query else path)


class RenamedAddressView(View):
    """An address from before deals and parties had their names, sent on to today's."""

    pattern_name = ""

    def get(self, request, **kwargs):
        return renamed_redirect(reverse(self.pattern_name, kwargs=kwargs), request.GET)


class ExportThrottle(AnonRateThrottle):
    """Anonymous exports, counted per address in the cache: a few clients asking for large
    files cannot take every worker. Signed-in readers are not counted."""

    scope = "export"

    def get_rate(self):
        # Read on each request, so that a changed setting (or a test's) holds at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class RecordListView(SingleTableMixin, FilterView):
    """A filterable, sortable, paginated table that exports its filtered rows
    (?_export=csv, json or xlsx), with the table's columns (dashboard/exports.py)."""

    template_name = "dashboard/record_list.html"
    export_formats = exports.FORMATS
    export_trigger_param = "_export"  # the name django-tables2's {% export_url %} gives
    table_pagination = {"per_page": 25, "paginator_class": CappedPaginator}
    intro = ""
    title = ""
    # Whether the list's addresses may hold parameters renamed in migration 0009; lists added
    # since have their own `status`.
    old_parameters = True

    def get(self, request, *args, **kwargs):
        if self.old_parameters and renamed_query(request.GET) is not None:
            return renamed_redirect(request.path, request.GET)
        if (clean := without_empty(request.GET)) is not None:
            return redirect(filters.address(request.path, clean))
        export_format = request.GET.get(self.export_trigger_param)
        if export_format in self.export_formats:
            return self.export(export_format)
        return self.list_response()

    # The context names the rows "object_list" only: naming them after their model would read
    # the model of the rows, and so build them.
    context_object_name = "object_list"

    def list_response(self):
        """As django-filter's FilterView.get, with the filter set and its rows built when first
        read, as the table is: a page whose content is cached validates no filter form."""
        filterset_class = self.get_filterset_class()
        self.filterset = SimpleLazyObject(lambda: self.get_filterset(filterset_class))
        self.object_list = SimpleLazyObject(self.filtered_rows)
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context)

    def get_template_names(self):
        # The list's own template only: the default names are read from the rows' model.
        return [self.template_name]

    def get_table_data(self):
        return self.filtered_rows()  # the queryset itself, not its lazy stand-in

    def filtered_rows(self):
        filterset = self.filterset
        if not filterset.is_bound or filterset.is_valid() or not self.get_strict():
            return filterset.qs
        return filterset.queryset.none()

    def export_throttled(self):
        """The refusal of an anonymous reader's export past the rate, or None."""
        throttle = ExportThrottle()
        if throttle.allow_request(self.request, self):
            return None
        wait = ceil(throttle.wait() or 60)
        return self.export_refused(
            429,
            "Too many exports from your address in a short time. "
            f"Try again in {wait} seconds, or sign in.",
            {"Retry-After": str(wait)},
        )

    def export(self, export_format):
        refused = self.export_throttled()
        if refused is not None:
            return refused
        self.filterset = self.get_filterset(self.get_filterset_class())
        rows = self.filtered_rows()
        # The table puts the rows in the order asked for (?sort=), its own way for each column.
        table = self.table_class(rows, order_by=self.request.GET.get("sort"))
        rows = table.data.data
        cap = settings.DASHBOARD_EXPORT_MAX_ROWS
        if cap and count_up_to(rows, cap) > cap:
            return self.export_refused(
                400,
                f"An export holds at most {cap:,} rows, and these filters leave more. "
                "Narrow them and export again.",
            )
        filename = exports.export_filename(
            name=slugify(str(self.model._meta.verbose_name_plural)),
            query=self.request.GET,
            filters=self.filterset.filters,
            export_format=export_format,
            today=datetime.date.today(),
        )
        response = exports.export_response(
            queryset=rows,
            table_class=self.table_class,
            export_format=export_format,
            filename=filename,
        )
        if export_format == "xlsx":
            return response  # a zip archive already
        # Compressed for clients that ask: an export holds no secret for BREACH to find.
        return GZipMiddleware(lambda _request: response)(self.request)

    def export_refused(self, status, message, headers=None):
        context = {"title": self.get_title(), "message": message, "list_url": self.request.path}
        response = render(self.request, "dashboard/export_refused.html", context, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    def get_title(self):
        return self.title or self.model._meta.verbose_name_plural.capitalize()

    def get_table(self, **kwargs):
        # Built (and its rows counted) when the template first reads it: a page whose table
        # is cached builds none.
        build = super().get_table
        chosen = self.request.GET.getlist("col")
        return SimpleLazyObject(lambda: tables.show_columns(build(**kwargs), chosen))

    def get_context_data(self, **kwargs):
        filterset, path = self.filterset, self.request.path
        return super().get_context_data(
            title=self.get_title(),
            intro=self.intro,
            # A filter is set: sorting or paging alone filters nothing.
            filtered=any(
                any(self.request.GET.getlist(name))
                for name in self.get_filterset_class().base_filters
            ),
            # What the page shows of its filters, worked out only when its content is rendered.
            chips=lazy(lambda: filters.active_filters(filterset, path)),
            counted_form=lazy(lambda: filters.counted_form(filterset)),
            undated=lazy(lambda: filters.undated_left_out(filterset, path)),
            page_sizes=tables.PAGE_SIZES,
            chosen_columns=self.request.GET.getlist("col"),
            **kwargs,
        )


class DealListView(RecordListView):
    model = Deal
    table_class = tables.DealTable
    filterset_class = filters.DealFilterSet
    title = "Deals"

    @property
    def intro(self):
        return (
            "Deals at every stage, from talks to completed deliveries. Values are as their "
            "sources state them; under each, and for sorting by value and “Value from”, in "
            f"constant US dollars. {money.method_text()}"
        )

    # The table names each citation's source: its whole text stays in the database.
    queryset = Deal.objects.select_related("buyer", "seller", "platform").prefetch_related(
        Prefetch("citations", DealCitation.objects.select_related("source").defer("source__text")),
        "deliveries",
    )


class StatementListView(RecordListView):
    model = Statement
    table_class = tables.StatementTable
    filterset_class = filters.StatementFilterSet
    intro = "What officials said, with speaker, date and source."
    # The table shows a source's title: its whole text stays in the database.
    queryset = (
        Statement.objects.select_related("speaker", "source")
        .defer("source__text")
        .prefetch_related("platforms", "deals")
    )


class PlatformListView(RecordListView):
    model = Platform
    table_class = tables.PlatformTable
    filterset_class = filters.PlatformFilterSet
    intro = "Weapon systems, with the names they also go by."
    queryset = selectors.with_counts(Platform.objects.prefetch_related("aliases", "makers"))


class PartyListView(RecordListView):
    model = Party
    table_class = tables.PartyTable
    filterset_class = filters.PartyFilterSet
    queryset = selectors.with_counts(
        Party.objects.select_related("successor").prefetch_related("predecessors")
    )


class SourceListView(RecordListView):
    model = Source
    table_class = tables.SourceTable
    filterset_class = filters.SourceFilterSet
    intro = "The articles and documents every record cites."
    # Counted in the page's query: no source is cited by more than a few dozen records.
    queryset = Source.objects.defer("text").annotate(
        deal_count=selectors.count_of(DealCitation, "source"),
        statement_count=selectors.count_of(Statement, "source"),
    )


class PersonListView(RecordListView):
    model = Person
    table_class = tables.PersonTable
    filterset_class = filters.PersonFilterSet
    intro = "Officials and institutions quoted in the sources."
    queryset = selectors.with_counts(Person.objects.select_related("party"))


def _citations(model):
    """A record's sources for its table: each citation with its source's title, not its text."""
    return Prefetch("citations", model.objects.select_related("source").defer("source__text"))


class EngagementListView(RecordListView):
    old_parameters = False
    model = Engagement
    table_class = tables.EngagementTable
    filterset_class = filters.EngagementFilterSet
    intro = "Visits, meetings, sessions of standing bodies, exercises and operations."
    queryset = Engagement.objects.select_related("country", "body").prefetch_related(
        "parties",
        Prefetch("participations", EngagementParticipant.objects.select_related("person")),
        _citations(EngagementCitation),
    )


class StandingBodyListView(RecordListView):
    old_parameters = False
    model = StandingBody
    table_class = tables.StandingBodyTable
    filterset_class = filters.StandingBodyFilterSet
    intro = "The commissions, working groups and dialogues that steer a relationship."
    queryset = selectors.with_counts(
        StandingBody.objects.select_related("parent").prefetch_related(
            "parties", _citations(StandingBodyCitation)
        )
    )


class AgreementListView(RecordListView):
    old_parameters = False
    model = Agreement
    table_class = tables.AgreementTable
    filterset_class = filters.AgreementFilterSet
    intro = "Treaties, frameworks, memoranda and other agreements, at their status."
    queryset = Agreement.objects.select_related("engagement").prefetch_related(
        "parties", _citations(AgreementCitation)
    )


@login_not_required
def health(request):
    """A trivial page for load balancers and as the benchmark's baseline: touches nothing, and
    needs no login even when DASHBOARD_LOGIN_REQUIRED is on."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def ready(request):
    """For load balancers that want to know the database answers: "ready", or 503 (through
    DatabaseUnavailableMiddleware) when it does not. Needs no login either. It reads a table, as
    every page does: SQLite answers "SELECT 1" even from a file that is not a database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
    return HttpResponse("ready", content_type="text/plain", headers={"Cache-Control": "no-store"})


# --- Transfers --------------------------------------------------------------------------------


class TransferListView(RecordListView):
    """The transfers analysis: TIV of delivered weapons per supplier, recipient, year or
    category, with shares, a chart, and exports of its rows (?_export=csv, xlsx or json)."""

    model = Delivery
    filterset_class = filters.TransferFilterSet
    table_class = tables.TransferTable
    template_name = "dashboard/transfers.html"
    table_pagination = {"per_page": 100}
    title = "Transfers"
    chart_rows = 25  # bars in the chart; the table has them all

    def rows(self) -> list[dict]:
        """The selector's rows for the filtered deliveries, each with the address it opens,
        cached for the data's version."""
        if not hasattr(self, "_rows"):
            group, fold = self.filterset.rows_per, self.filterset.folded
            deliveries, whole_deals = self.object_list, self.filterset.every_year
            key = f"transfers:{selectors.query_key(deliveries)}:{group}:{fold}"
            rows = cached(
                key,
                lambda: selectors.transfer_totals(
                    deliveries=deliveries, group=group, fold=fold, whole_deals=whole_deals
                ),
            )
            self._rows = [
                {**row, **charts.transfer_links(row, group, self.request.GET)} for row in rows
            ]
        return self._rows

    def get_table_data(self):
        return self.rows()

    def export(self, export_format):
        # A few hundred grouped rows at most: no row cap.
        refused = self.export_throttled()
        if refused is not None:
            return refused
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.object_list = self.filtered_rows()
        today = datetime.date.today().isoformat()
        response = exports.rows_response(
            rows=self.rows(),
            table_class=self.table_class,
            export_format=export_format,
            filename=f"transfers-by-{self.filterset.rows_per}-{today}.{export_format}",
        )
        if export_format == "xlsx":
            return response
        return GZipMiddleware(lambda _request: response)(self.request)

    def get_context_data(self, **kwargs):
        # Callables, which the template calls only when its cached content is missing.
        return super().get_context_data(
            rows_per=self.filterset.rows_per,
            chart=lambda: charts.transfers(
                self.rows()[: self.chart_rows], self.filterset.rows_per
            ),
            has_register=lambda: cached("has-deliveries", Delivery.objects.exists),
            **kwargs,
        )


# --- Overview ----------------------------------------------------------------------------------


def overview_with_panels() -> dict:
    data = selectors.overview_data()
    return {
        **data,
        "panels": charts.overview_panels(data["rows"], data["figures"]["signed_value_usd"]),
    }


class PeriodForm(forms.Form):
    """The overview's period for its largest importers and exporters."""

    year_min = forms.IntegerField(
        label="From year", required=False, min_value=1900, max_value=9999
    )
    year_max = forms.IntegerField(label="To year", required=False, min_value=1900, max_value=9999)


class OverviewView(TemplateView):
    template_name = "dashboard/overview.html"
    pairs_shown = 24

    def leaders(self) -> dict:
        form = PeriodForm(self.request.GET or None)
        span = form.cleaned_data if form.is_valid() else {}
        year_min, year_max = span.get("year_min"), span.get("year_max")
        leaders = cached(
            f"leaders:{year_min}:{year_max}",
            lambda: selectors.transfer_leaders(year_min=year_min, year_max=year_max),
        )
        return {
            "leaders_form": form if form.is_bound else PeriodForm(),
            "leaders_span": "–".join(str(y) for y in (year_min, year_max) if y)
            if (year_min or year_max)
            else "",
            "leader_panels": charts.leaders_panels(leaders, year_min=year_min, year_max=year_max),
        }

    def get_context_data(self, **kwargs):
        data = lazy_items(
            lambda: cached("overview", overview_with_panels), ["figures", "rows", "panels"]
        )
        # Worked out only when the template's cached content is missing.
        kwargs["leaders"] = self.leaders
        # Only the busiest pairs: reading every pair from the cache costs more than the page.
        pairs = lazy_items(
            lambda: cached(
                "pairs-busiest",
                lambda: {"top": all_pairs()[: self.pairs_shown], "count": len(all_pairs())},
            ),
            ["top", "count"],
        )
        return super().get_context_data(
            **data,
            pairs=pairs["top"],
            pairs_count=pairs["count"],
            signed_deals_url=charts.list_url("deal-list", stage=Deal.Stage.signed_stages()),
            **kwargs,
        )


# --- Detail pages ------------------------------------------------------------------------------

DEAL_ROW = ("buyer", "seller", "platform")
# A statement's row shows its speaker only; its source would bring the source's whole text.
STATEMENT_ROW = ("speaker",)
SHOWN = 50  # rows a detail page lists before pointing to the full table


def first_rows(name: str, queryset, url: str, counted=None) -> dict:
    """Context for a detail page's list: its first rows, how many there are, the full table,
    each worked out when the template reads it. `counted` is the same rows in a form cheaper
    to count, such as a record's link rows rather than the records they link. `queryset` and
    `counted` may be functions that build them, so that a cached page builds neither."""
    rows = _built(queryset)
    count = rows if counted is None else _built(counted)
    return {
        name: lazy(lambda: selectors.first_records(rows(), SHOWN)),
        f"{name}_count": lazy(lambda: capped_count(count())),
        f"{name}_url": url,
    }


def _built(rows):
    """A function giving `rows`, or `rows` itself when it is such a function already."""
    return rows if callable(rows) else lambda: rows


def lazy_items(compute, keys) -> dict:
    """The values at `keys` of the dict `compute()` gives, each lazy, `compute()` made once."""
    made = lazy(compute)
    return {key: lazy(lambda key=key: made()[key]) for key in keys}


def folded(request) -> bool:
    """Whether the page counts former states with their successors (?fold=on)."""
    return request.GET.get("fold", "").lower() in ("on", "1", "true")


class RecordDetailView(DetailView):
    """A record's page, saying when the record was last changed. The view reads the record
    (for the title and breadcrumbs) once per change of the data; the rest of its context is
    lazy, so that a repeat view of a page whose content is cached reads only the data version."""

    def get_object(self, queryset=None):
        key = f"record:{type(self).__name__}:{self.kwargs.get(self.slug_url_kwarg)}"
        return cached(key, lambda: self.record_read(queryset))

    def record_read(self, queryset=None):
        """The record, from the database (a missing one is a 404, never cached)."""
        return super().get_object(queryset)

    def get_context_data(self, **kwargs):
        record = self.object
        last_changed = lazy(lambda: selectors.record_last_changed(record=record))
        return super().get_context_data(
            last_changed=last_changed,
            edit_url=admin_change_url(self.request.user, record),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context.get("edit_url"):
            # The page carries a link for this user only: no shared cache may keep it.
            patch_cache_control(response, private=True)
        return response


def admin_change_url(user, record) -> str | None:
    """The admin's page for changing `record`, for staff allowed to change it; else None. Shown
    outside the page's cached content, which is the same for everyone."""
    if not (user.is_active and user.is_staff):
        return None
    opts = record._meta
    if not user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        return None
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


class PartyDetailView(RecordDetailView):
    model = Party
    slug_field = "code"
    slug_url_kwarg = "code"

    def get(self, request, *args, **kwargs):
        (code,) = selectors.party_codes(kwargs["code"])
        if code is None:
            raise Http404("No party has this code.")
        if code != kwargs["code"]:
            # One address per party: /parties/in/ is /parties/IN/.
            return redirect(
                reverse("dashboard:party-detail", kwargs={"code": code})
                + (f"?{request.GET.urlencode()}" if request.GET else ""),
                permanent=True,
            )
        return super().get(request, *args, **kwargs)

    def record_read(self, queryset=None):
        return get_object_or_404(
            Party.objects.select_related("successor"), code=self.kwargs["code"]
        )

    def get_context_data(self, **kwargs):
        party = self.object
        # With the switch on, its deals, its partners and its figures count its predecessors'.
        fold = folded(self.request)
        on = "on" if fold else ""

        def deals(side):
            return selectors.party_deals(party=party, side=side, fold=fold).select_related(
                *DEAL_ROW
            )

        statements = Statement.objects.filter(speaker__party=party)
        return super().get_context_data(
            **first_rows(
                "as_buyer",
                deals("buyer").order_by("-signed", "pk"),
                charts.list_url("deal-list", buyer=party.code, fold=on),
            ),
            **first_rows(
                "as_seller",
                deals("seller").order_by("-signed", "pk"),
                charts.list_url("deal-list", seller=party.code, fold=on),
            ),
            **first_rows(
                "statements",
                statements.select_related(*STATEMENT_ROW),
                charts.list_url("statement-list", party=party.code),
            ),
            **first_rows(
                "people",
                party.people.all(),
                charts.list_url("person-list", party=party.code),
            ),
            **first_rows(
                "platforms_made",
                party.platforms_made.all(),
                charts.list_url("platform-list", maker=party.code),
            ),
            partners=lazy(
                lambda: cached(
                    f"partners:{party.code}:{fold}",
                    lambda: selectors.party_pairs(
                        deals=selectors.party_deals(party=party, fold=fold)
                    ),
                )
            ),
            fold=fold,
            transfer_panels=lazy(lambda: party_transfer_panels(party=party, fold=fold)),
            predecessors=lazy(lambda: list(party.predecessors.all())),
            cap=COUNT_CAP,
            **kwargs,
        )


def party_transfer_panels(*, party: Party, fold: bool) -> list[dict]:
    """The party's transfers charts that have something to draw: a supplier's recipients, say."""
    transfers = cached(
        f"party-transfers:{party.code}:{fold}",
        lambda: selectors.party_transfers(party=party, fold=fold),
    )
    panels = [
        charts.period_shares_panel(
            transfers["suppliers_by_period"], party=party, side="recipient", fold=fold
        ),
        charts.recipients_panel(transfers["recipients"], party=party, fold=fold),
        charts.imports_exports_panel(transfers["by_year"], party=party, fold=fold),
    ]
    return [chart for chart in panels if chart["rows"]]


class PlatformDetailView(RecordDetailView):
    # Its aliases and makers are read by the template, when its content is not cached.
    model = Platform

    def get_context_data(self, **kwargs):
        platform = self.object
        return super().get_context_data(
            **first_rows(
                "deals",
                platform.deals.select_related(*DEAL_ROW).order_by("-signed", "pk"),
                charts.list_url("deal-list", platform=platform.slug),
            ),
            **first_rows(
                "statements",
                platform.statements.select_related(*STATEMENT_ROW),
                charts.list_url("statement-list", platform=platform.slug),
                counted=Statement.platforms.through.objects.filter(platform=platform),
            ),
            cap=COUNT_CAP,
            **kwargs,
        )


# A source longer than this (SIPRI's register export, megabytes) is not read whole to show a
# citation's context or to highlight its passages: its excerpts are shown as they are.
LONG_SOURCE = 200_000


def citations_with_context(deal: Deal) -> list[dict]:
    """A deal's citations, each with the passage in its context where the source is short
    enough to read whole; in two queries, however many sources."""
    citations = list(
        deal.citations.select_related("source")
        .defer("source__text")
        .annotate(text_length=Length("source__text"))
    )
    short = [c.source_id for c in citations if c.text_length <= LONG_SOURCE]
    texts = dict(Source.objects.filter(pk__in=short).values_list("pk", "text")) if short else {}
    return [
        {
            "citation": c,
            "long_source": c.source_id not in texts,
            "context": context_around(texts[c.source_id], c.excerpt, 300)
            if c.source_id in texts
            else None,
            "passage_url": citation_passage_url(c, long_source=c.source_id not in texts),
        }
        for c in citations
    ]


def citation_passage_url(citation: DealCitation, *, long_source: bool) -> str:
    """The address of the citation's passage on its source's page; for a long source, on the
    page of its citations that lists it (a hundred to a page, in the order recorded)."""
    url = citation.source.get_absolute_url()
    if long_source:
        before = DealCitation.objects.filter(source=citation.source_id, pk__lt=citation.pk)
        page = before.count() // SourceDetailView.citations_shown + 1
        url += f"?page={page}" if page > 1 else ""
    return f"{url}#{passage_anchor('deal', citation.deal.slug)}"


def with_years(deal: Deal) -> Deal:
    """`deal` with its years of delivery read, once however often they are asked for."""
    prefetch_related_objects([deal], "deliveries")
    return deal


class DealDetailView(RecordDetailView):
    # Its years of delivery are read when its content is rendered, not on a cached view.
    queryset = Deal.objects.select_related(*DEAL_ROW)

    def get_context_data(self, **kwargs):
        deal = self.object
        citations = lazy(lambda: citations_with_context(deal))
        return super().get_context_data(
            citations=citations,
            years=lazy(lambda: with_years(deal).deliveries.all()),
            compared=lazy(
                lambda: deal_sources_compared(
                    deal=with_years(deal), citations=[item["citation"] for item in citations()]
                )
            ),
            **first_rows(
                "statements",
                deal.statements.select_related(*STATEMENT_ROW),
                charts.list_url("statement-list", deal=deal.slug),
                counted=Statement.deals.through.objects.filter(deal=deal),
            ),
            pair_url=reverse("dashboard:pair", args=sorted([deal.buyer.code, deal.seller.code])),
            cap=COUNT_CAP,
            **kwargs,
        )


class StatementDetailView(RecordDetailView):
    # Its platforms and deals are read by the template, when its content is not cached.
    queryset = Statement.objects.select_related("speaker__party", "source")

    def get_context_data(self, **kwargs):
        statement = self.object
        return super().get_context_data(
            context=lazy(lambda: context_around(statement.source.text, statement.evidence)),
            **kwargs,
        )


class SourceDetailView(RecordDetailView):
    """A source's text with every cited passage highlighted. A long source, or one cited by
    many records (SIPRI's register export: megabytes, one excerpt per deal), shows instead the
    beginning of its text, with the whole at its own address, and its citations a page at a
    time, each excerpt as it is: highlighting would make a page of megabytes."""

    # The page reads the text only when it highlights it.
    queryset = Source.objects.defer("text").annotate(
        text_length=Length("text"), text_start=Substr("text", 1, 3000)
    )
    citations_shown = 100  # a page of citations of a long source
    most_highlighted = 200  # records citing a source whose passages are highlighted

    def get_context_data(self, **kwargs):
        source = self.object
        keys = ["long", "citation_page", "statements", "statements_count"]
        keys += ["segments", "cited", "unlocated"]
        return super().get_context_data(
            **lazy_items(lambda: self.parts(source), keys),
            cap=COUNT_CAP,
            **kwargs,
        )

    def parts(self, source: Source) -> dict:
        """What the page shows of a long or much-cited source, or of a short one."""
        cited = source.citations.count() + source.statements.count()
        if source.text_length > LONG_SOURCE or cited > self.most_highlighted:
            return {
                **dict.fromkeys(["segments", "cited", "unlocated"]),
                **self.long_source(source),
            }
        return {
            **dict.fromkeys(["citation_page", "statements", "statements_count"]),
            "long": False,
            **self.passages(source),
        }

    @staticmethod
    def passages(source) -> dict:
        """The source's text cut at every cited passage, and the citations found and not."""
        citations = [
            {
                "passage": c.excerpt,
                "url": c.deal.get_absolute_url(),
                "label": str(c.deal),
                "kind": "deal",
                "anchor": passage_anchor("deal", c.deal.slug),
            }
            for c in source.citations.select_related("deal")
        ] + [
            {
                "passage": s.evidence,
                "url": s.get_absolute_url(),
                "label": str(s),
                "kind": "statement",
                "anchor": passage_anchor("statement", s.slug),
            }
            for s in source.statements.select_related("speaker")
        ]
        segments = highlight(source.text, citations)
        return {
            "segments": segments,
            "cited": [c for segment in segments for c in segment["ends"]],
            "unlocated": [c for c in citations if "number" not in c],
        }

    def long_source(self, source: Source) -> dict:
        citations = source.citations.select_related("deal").only(
            "excerpt", "deal__slug", "deal__title"
        )
        page = Paginator(citations.order_by("pk"), self.citations_shown).get_page(
            self.request.GET.get("page")
        )
        return {
            "long": True,
            "citation_page": page,
            "statements": selectors.first_records(
                source.statements.select_related(*STATEMENT_ROW), SHOWN
            ),
            "statements_count": capped_count(source.statements.all()),
        }


def source_text(request, slug):
    """A source's whole text, as plain text: for a long source, which its page shows in part."""
    text = get_object_or_404(Source.objects.only("text"), slug=slug).text
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


class PersonDetailView(RecordDetailView):
    queryset = Person.objects.select_related("party")

    def get_context_data(self, **kwargs):
        person = self.object
        return super().get_context_data(
            **first_rows(
                "statements",
                person.statements.select_related("source")
                .defer("source__text")
                .prefetch_related("platforms"),
                charts.list_url("statement-list", speaker=person.slug),
            ),
            **first_rows(
                "participations",
                person.participations.select_related("engagement").order_by(
                    "-engagement__start", "pk"
                ),
                charts.list_url("engagement-list", participant=person.slug),
            ),
            cap=COUNT_CAP,
            **kwargs,
        )


def cited_passages(citations) -> list[dict]:
    """Each citation with the passage around its excerpt in the source."""
    return [
        {"citation": c, "context": context_around(c.source.text, c.excerpt, 300)}
        for c in citations
    ]


class EngagementDetailView(RecordDetailView):
    queryset = Engagement.objects.select_related("country", "body__parent").prefetch_related(
        "parties",
        "deals",
        "platforms",
        Prefetch("statements", Statement.objects.select_related(*STATEMENT_ROW)),
        Prefetch("participations", EngagementParticipant.objects.select_related("person")),
        "agreements",
    )

    def get_context_data(self, **kwargs):
        record = self.object
        return super().get_context_data(
            citations=lazy(lambda: cited_passages(record.citations.select_related("source"))),
            **kwargs,
        )


class StandingBodyDetailView(RecordDetailView):
    queryset = StandingBody.objects.select_related("parent").prefetch_related(
        "parties", "children"
    )

    def get_context_data(self, **kwargs):
        body = self.object
        # Every session, in order, with who chaired it: a body meets a few times a year.
        sessions = body.sessions.order_by(
            F("session_number").asc(nulls_last=True), "start", "pk"
        ).prefetch_related(
            Prefetch("participations", EngagementParticipant.objects.select_related("person"))
        )
        return super().get_context_data(
            sessions=sessions,
            citations=lazy(lambda: cited_passages(body.citations.select_related("source"))),
            **kwargs,
        )


class AgreementDetailView(RecordDetailView):
    queryset = Agreement.objects.select_related("engagement").prefetch_related(
        "parties", Prefetch("deals", Deal.objects.select_related(*DEAL_ROW))
    )

    def get_context_data(self, **kwargs):
        record = self.object
        return super().get_context_data(
            citations=lazy(lambda: cited_passages(record.citations.select_related("source"))),
            **kwargs,
        )


# --- Party pairs -----------------------------------------------------------------------------


def all_pairs() -> list[dict]:
    return cached("pairs", lambda: selectors.party_pairs(deals=Deal.objects.all()))


class PairListView(TemplateView):
    template_name = "dashboard/pair_list.html"

    def get_context_data(self, **kwargs):
        page = self.request.GET.get("page")
        pairs = lazy(lambda: Paginator(all_pairs(), 100).get_page(page))
        return super().get_context_data(pairs=pairs, **kwargs)


PAIR_FIGURES = [
    "deal_count",
    "statement_count",
    "by_stage",
    "value_totals",
    "value_usd",
    "value_rows",
    "mix_rows",
]


def timeline_year(text: str) -> int | None:
    """The timeline's year from the address; None when there is none, or no year."""
    text = text.strip()
    return int(text) if text.isdigit() and 1000 <= int(text) <= 9999 else None


class PairView(TemplateView):
    template_name = "dashboard/pair.html"

    def get(self, request, *args, **kwargs):
        parties = selectors.pair_parties(kwargs["first"], kwargs["second"])
        if parties is None:
            raise Http404("No party has this code.")
        codes = [party.code for party in parties]
        if codes[0] == codes[1]:
            raise Http404("A party pair needs two different parties.")
        if [kwargs["first"], kwargs["second"]] != sorted(codes):
            # One page per pair, whichever order the parties are given in.
            return redirect("dashboard:pair", *sorted(codes), permanent=True)
        self.parties = parties
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        del kwargs["first"], kwargs["second"]  # the codes: self.parties holds their parties
        first, second = self.parties
        # With the switch on, every table, figure and link counts the predecessors too.
        fold = folded(self.request)
        return super().get_context_data(
            first=first,
            second=second,
            fold=fold,
            cap=COUNT_CAP,
            **self.content(first, second, fold),
            **kwargs,
        )

    def content(self, first: Party, second: Party, fold: bool) -> dict:
        """What the page's cached content shows, each value lazy: a repeat view builds no
        query."""
        pair = {"first": first, "second": second, "fold": fold}
        scope = {"party": first.code, "counterpart": second.code, "fold": "on" if fold else ""}
        figures = lazy_items(
            lambda: cached(
                f"pair:{first.code}:{second.code}:{fold}", lambda: selectors.pair_figures(**pair)
            ),
            PAIR_FIGURES,
        )
        # The timeline shows a deal's title and stage only: no joins to its parties.
        deals = lazy(lambda: selectors.pair_deals(**pair).order_by("-signed", "pk"))
        query = self.request.GET

        def transfer_panel():
            transfers = cached(
                f"pair-transfers:{first.code}:{second.code}:{fold}",
                lambda: selectors.pair_transfers_by_year(**pair),
            )
            return charts.pair_transfers_panel(transfers, **pair)

        def timeline():
            return selectors.pair_timeline(
                deals=deals(),
                statements=selectors.pair_statements(**pair).select_related(*STATEMENT_ROW),
                engagements=selectors.pair_engagements(**pair),
                agreements=selectors.pair_agreements(**pair),
                kind=query.get("timeline", ""),
                year=timeline_year(query.get("timeline_year", "")),
                after=query.get("after", "")[:300],
            )

        return {
            **figures,
            **first_rows(
                "deals",
                lambda: deals().select_related(*DEAL_ROW),
                lazy(lambda: charts.list_url("deal-list", **scope)),
                counted=deals,
            ),
            "transfer_panel": lazy(transfer_panel),
            "timeline": lazy(timeline),
            "chart_value_by_year": lazy(
                lambda: charts.value_by_year(figures["value_rows"](), **scope)
            ),
            "value_note": lazy(lambda: charts.value_note(figures["value_usd"](), **scope)),
            "chart_mix": lazy(lambda: charts.deals_by_category(figures["mix_rows"](), **scope)),
        }


# --- Search ------------------------------------------------------------------------------------


class SearchView(TemplateView):
    template_name = "dashboard/search.html"
    limit = 10

    def query(self) -> str:
        return self.request.GET.get("q", "").strip()[:200]

    def get_context_data(self, **kwargs):
        query = self.query()
        groups = lazy(lambda: self.groups(query) if query else [])
        return super().get_context_data(
            query=query,
            groups=groups,
            total=lazy(lambda: sum(g["count"] for g in groups())),
            total_capped=lazy(lambda: any(g["capped"] for g in groups())),
            cap=COUNT_CAP,
            **kwargs,
        )

    def groups(self, query: str) -> list[dict]:
        searched = [
            ("Platforms", "platform-list", filters.PlatformFilterSet, Platform.objects.all()),
            (
                "Deals",
                "deal-list",
                filters.DealFilterSet,
                Deal.objects.select_related("buyer", "seller"),
            ),
            (
                "Statements",
                "statement-list",
                filters.StatementFilterSet,
                Statement.objects.select_related(*STATEMENT_ROW),
            ),
            ("People", "person-list", filters.PersonFilterSet, Person.objects.all()),
            ("Sources", "source-list", filters.SourceFilterSet, Source.objects.defer("text")),
            (
                "Engagements",
                "engagement-list",
                filters.EngagementFilterSet,
                Engagement.objects.all(),
            ),
            (
                "Standing bodies",
                "standingbody-list",
                filters.StandingBodyFilterSet,
                StandingBody.objects.all(),
            ),
            ("Agreements", "agreement-list", filters.AgreementFilterSet, Agreement.objects.all()),
        ]
        matches = [
            filterset_class({"q": query}, queryset=queryset).qs
            for _title, _list, filterset_class, queryset in searched
        ]
        # How many match in each table, and which come first, in one cache entry per search:
        # a common word matches a hundred thousand statements.
        found = cached(
            "search:" + sha256(query.encode()).hexdigest(),
            lambda: [
                (count_up_to(rows), list(rows.values_list("pk", flat=True)[: self.limit]))
                for rows in matches
            ],
        )
        return [
            {
                "title": title,
                "results": selectors.records_in_order(rows, pks),
                "count": min(count, COUNT_CAP),
                "capped": count > COUNT_CAP,
                "more_url": charts.list_url(list_name, q=query),
            }
            for (title, list_name, _filters, _queryset), rows, (count, pks) in zip(
                searched, matches, found, strict=True
            )
        ]
