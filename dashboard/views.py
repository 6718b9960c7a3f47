"""Thin views: each list view states its queryset, filter set and table; pages take their
figures from the selectors."""

import datetime
import gzip
import re
from hashlib import sha256

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.text import compress_string
from django.views.generic import DetailView, TemplateView, View
from django.views.generic.base import ContextMixin
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from dashboard import charts, filters, selectors, tables
from dashboard.cache import cached, kept_content, page_variant
from dashboard.models import (
    Agreement,
    AgreementCitation,
    Deal,
    DealCitation,
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
from dashboard.passages import context_around, highlight

EXPORT_FORMATS = ("csv", "xlsx", "json")
# Larger export files are written anew each time rather than kept in the cache.
EXPORT_CACHE_MAX_BYTES = 8 * 1024 * 1024
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def export_file(content_type, body):
    """An export file as kept: (content type, body, encoding). Text is kept gzip-compressed,
    a fifth of its size, so that less of it moves from the cache and over the network."""
    if content_type.startswith(("text/", "application/json")):
        return content_type, compress_string(body), "gzip"
    return content_type, body, ""


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


def renamed_redirect(path: str, query: QueryDict) -> HttpResponsePermanentRedirect:
    query = renamed_query(query) or query
    return HttpResponsePermanentRedirect(f"{path}?{query.urlencode()}" if query else path)


class RenamedAddressView(View):
    """An address from before deals and parties had their names, sent on to today's."""

    pattern_name = ""

    def get(self, request, **kwargs):
        return renamed_redirect(reverse(self.pattern_name, kwargs=kwargs), request.GET)


class RecordListView(ExportMixin, SingleTableMixin, FilterView):
    """A filterable, sortable, paginated table that exports its filtered rows."""

    template_name = "dashboard/record_list.html"
    export_formats = EXPORT_FORMATS
    table_pagination = {"per_page": 25, "paginator_class": CappedPaginator}
    intro = ""
    title = ""
    # Whether the list's addresses may hold parameters renamed in migration 0009; lists added
    # since have their own `status`.
    old_parameters = True

    def get_export_filename(self, export_format):
        name = self.model._meta.verbose_name_plural.replace(" ", "-")
        return f"{name}-{datetime.date.today().isoformat()}.{export_format}"

    def get(self, request, *args, **kwargs):
        if self.old_parameters and renamed_query(request.GET) is not None:
            return renamed_redirect(request.path, request.GET)
        # A kept export file answers before the filter form is even built.
        if kept := self.kept_export():
            return self.export_response(*kept)
        return super().get(request, *args, **kwargs)

    def export_key(self):
        # Named apart from the plain files kept before: a deployment may find those still kept.
        return "dashboard:export-file:" + sha256(page_variant(self.request).encode()).hexdigest()

    def kept_export(self):
        """The export file this address asked for before, on the same data, if kept."""
        wanted = self.request.GET.get(self.export_trigger_param)
        if not (wanted and settings.DASHBOARD_PAGE_CACHE_SECONDS):
            return None
        return cache.get(self.export_key())

    def create_export(self, export_format):
        """The export file, kept like the page's table: the same address and data give the
        same file, and ten thousand rows take seconds to write out. Text formats are kept
        compressed."""
        made = super().create_export(export_format)
        kept = export_file(made["Content-Type"], made.content)
        seconds = settings.DASHBOARD_PAGE_CACHE_SECONDS
        if seconds and len(kept[1]) <= EXPORT_CACHE_MAX_BYTES:
            cache.set(self.export_key(), kept, seconds)
        return self.export_response(*kept)

    def export_response(self, content_type, body, encoding):
        """The file as a download, gzip-encoded for clients that accept it (browsers do)."""
        accepted = ACCEPTS_GZIP.search(self.request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if encoding and not accepted:
            body = gzip.decompress(body)
        response = HttpResponse(body, content_type=content_type)
        if encoding:
            patch_vary_headers(response, ["Accept-Encoding"])
            if accepted:
                response["Content-Encoding"] = encoding
        filename = self.get_export_filename(self.request.GET[self.export_trigger_param])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_context_data(self, **kwargs):
        # Past SingleTableMixin, which builds the table (and counts its rows) straight away:
        # the template renders the table only when its cached HTML is missing.
        context = super(SingleTableMixin, self).get_context_data(**kwargs)
        context["table"] = SimpleLazyObject(lambda: self.get_table(**self.get_table_kwargs()))
        context["title"] = self.title or self.model._meta.verbose_name_plural.capitalize()
        context["intro"] = self.intro
        context["filtered"] = any(value for value in self.request.GET.dict().values())
        return context


class DealListView(RecordListView):
    model = Deal
    table_class = tables.DealTable
    filterset_class = filters.DealFilterSet
    title = "Deals"
    intro = "Deals at every stage, from talks to completed deliveries."
    # The table names each citation's source: its whole text stays in the database.
    queryset = Deal.objects.select_related("buyer", "seller", "platform").prefetch_related(
        Prefetch("citations", DealCitation.objects.select_related("source").defer("source__text"))
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
    queryset = selectors.with_counts(
        Platform.objects.prefetch_related("aliases", "makers"),
        deal_count=(Deal, "platform"),
        statement_count=(Statement.platforms.through, "platform"),
    )


class PartyListView(RecordListView):
    model = Party
    table_class = tables.PartyTable
    filterset_class = filters.PartyFilterSet
    queryset = selectors.with_counts(
        Party.objects.all(),
        buyer_count=(Deal, "buyer"),
        seller_count=(Deal, "seller"),
        people_count=(Person, "party"),
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
    queryset = selectors.with_counts(
        Person.objects.select_related("party"), statement_count=(Statement, "speaker")
    )


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
        ),
        session_count=(Engagement, "body"),
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
            signed_deals_url=charts.list_url("deal-list", stage=Deal.Stage.signed_stages()),
            **kwargs,
        )


# --- Detail pages ------------------------------------------------------------------------------

DEAL_ROW = ("buyer", "seller", "platform")
# A statement's row shows its speaker only; its source would bring the source's whole text.
STATEMENT_ROW = ("speaker",)
SHOWN = 50  # rows a detail page lists before pointing to the full table


def first_rows(name: str, queryset, url: str, counted=None) -> dict:
    """Context for a detail page's list: its first rows, how many there are, the full table.
    `counted` is the same rows in a form cheaper to count, such as a record's link rows rather
    than the records they link."""
    return {
        name: selectors.first_records(queryset, SHOWN),
        f"{name}_count": capped_count(queryset if counted is None else counted),
        f"{name}_url": url,
    }


class KeptContentMixin:
    """A page whose template keeps its content block in the cache. When the block is there,
    the view hands it to the template and skips working out what the block shows (most of
    the page's queries); `frame_context()` gives what the rest of the page needs."""

    def get(self, request, *args, **kwargs):
        kept = kept_content(request)
        if kept is None:
            return super().get(request, *args, **kwargs)
        return self.render_to_response(self.frame_context(kept_content=kept, **kwargs))

    def frame_context(self, **kwargs):
        return ContextMixin.get_context_data(self, **kwargs)


class RecordDetailView(KeptContentMixin, DetailView):
    """A record's page, saying when the record was last changed (one query)."""

    def frame_context(self, **kwargs):
        # The title and breadcrumbs need the record alone, not the lists it prefetches.
        self.object = self.get_object(self.get_queryset().prefetch_related(None))
        return SingleObjectMixin.get_context_data(self, **kwargs)

    def get_context_data(self, **kwargs):
        last_changed = selectors.record_last_changed(record=self.object)
        return super().get_context_data(last_changed=last_changed, **kwargs)


class PartyDetailView(RecordDetailView):
    model = Party
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_object(self, queryset=None):
        return get_object_or_404(Party, code=self.kwargs["code"].upper())

    def get_context_data(self, **kwargs):
        party = self.object
        deals = Deal.objects.select_related(*DEAL_ROW).order_by("-signed", "pk")
        statements = Statement.objects.filter(speaker__party=party)
        return super().get_context_data(
            **first_rows(
                "as_buyer",
                deals.filter(buyer=party),
                charts.list_url("deal-list", buyer=party.code),
            ),
            **first_rows(
                "as_seller",
                deals.filter(seller=party),
                charts.list_url("deal-list", seller=party.code),
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
            partners=cached(
                f"partners:{party.code}",
                lambda: selectors.party_pairs(
                    deals=Deal.objects.filter(Q(buyer=party) | Q(seller=party))
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


class DealDetailView(RecordDetailView):
    queryset = Deal.objects.select_related(*DEAL_ROW)

    def get_context_data(self, **kwargs):
        deal = self.object
        citations = deal.citations.select_related("source")
        return super().get_context_data(
            citations=[
                {"citation": c, "context": context_around(c.source.text, c.excerpt, 300)}
                for c in citations
            ],
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
    queryset = Statement.objects.select_related("speaker__party", "source").prefetch_related(
        "platforms", "deals"
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
                "url": c.deal.get_absolute_url(),
                "label": str(c.deal),
                "kind": "deal",
            }
            for c in source.citations.select_related("deal")
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
        return super().get_context_data(
            citations=cited_passages(self.object.citations.select_related("source")), **kwargs
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
            citations=cited_passages(body.citations.select_related("source")),
            **kwargs,
        )


class AgreementDetailView(RecordDetailView):
    queryset = Agreement.objects.select_related("engagement").prefetch_related(
        "parties", Prefetch("deals", Deal.objects.select_related(*DEAL_ROW))
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            citations=cited_passages(self.object.citations.select_related("source")), **kwargs
        )


# --- Party pairs -----------------------------------------------------------------------------


def all_pairs() -> list[dict]:
    return cached("pairs", lambda: selectors.party_pairs(deals=Deal.objects.all()))


class PairListView(TemplateView):
    template_name = "dashboard/pair_list.html"

    def get_context_data(self, **kwargs):
        pairs = Paginator(all_pairs(), 100).get_page(self.request.GET.get("page"))
        return super().get_context_data(pairs=pairs, **kwargs)


class PairView(KeptContentMixin, TemplateView):
    template_name = "dashboard/pair.html"

    def get(self, request, *args, **kwargs):
        first, second = kwargs["first"].upper(), kwargs["second"].upper()
        if first == second:
            raise Http404("A party pair needs two different parties.")
        if [kwargs["first"], kwargs["second"]] != sorted([first, second]):
            # One page per pair, whichever order the parties are given in.
            return redirect("dashboard:pair", *sorted([first, second]), permanent=True)
        return super().get(request, *args, **kwargs)

    def parties(self, kwargs) -> tuple[Party, Party]:
        first = get_object_or_404(Party, code=kwargs.pop("first"))
        return first, get_object_or_404(Party, code=kwargs.pop("second"))

    def frame_context(self, **kwargs):
        first, second = self.parties(kwargs)
        return super().frame_context(first=first, second=second, **kwargs)

    def get_context_data(self, **kwargs):
        first, second = self.parties(kwargs)
        scope = {"party": first.code, "counterpart": second.code}
        figures = cached(
            f"pair:{first.code}:{second.code}",
            lambda: selectors.pair_figures(first=first, second=second),
        )
        # The timeline shows a deal's title and stage only: no joins to its parties.
        deals = selectors.pair_deals(first=first, second=second).order_by("-signed", "pk")
        statements = selectors.pair_statements(first=first, second=second).select_related(
            *STATEMENT_ROW
        )
        return super().get_context_data(
            first=first,
            second=second,
            **figures,
            **first_rows(
                "deals",
                deals.select_related(*DEAL_ROW),
                charts.list_url("deal-list", **scope),
            ),
            timeline=selectors.pair_timeline(
                deals=deals,
                statements=statements,
                engagements=selectors.pair_engagements(first=first, second=second),
                agreements=selectors.pair_agreements(first=first, second=second),
                kind=self.request.GET.get("timeline", ""),
            ),
            chart_value_by_year=charts.value_by_year(figures["value_rows"], **scope),
            chart_mix=charts.deals_by_category(figures["mix_rows"], **scope),
            cap=COUNT_CAP,
            **kwargs,
        )


# --- Search ------------------------------------------------------------------------------------


class SearchView(KeptContentMixin, TemplateView):
    template_name = "dashboard/search.html"
    limit = 10

    def query(self) -> str:
        return self.request.GET.get("q", "").strip()[:200]

    def frame_context(self, **kwargs):
        return super().frame_context(query=self.query(), **kwargs)

    def get_context_data(self, **kwargs):
        query = self.query()
        groups = self.groups(query) if query else []
        return super().get_context_data(
            query=query,
            groups=groups,
            total=sum(g["count"] for g in groups),
            total_capped=any(g["capped"] for g in groups),
            cap=COUNT_CAP,
            **kwargs,
        )

    def groups(self, query: str) -> list[dict]:
        searched = [
            ("Platforms", "platform-list", filters.PlatformFilterSet, Platform.objects.all()),
            ("Deals", "deal-list", filters.DealFilterSet, Deal.objects.all()),
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
