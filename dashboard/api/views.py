"""The API's views: a viewset per model, declared from the model's list page (its queryset,
filter set and table), and the analyses, from the selectors the charts use.

Every read carries an ETag made from the data version (dashboard.cache.data_version()) and
the address, and a request that names the current one gets 304 Not Modified. Every write
runs in one transaction and is kept in the record's history with its user and the reason in
the X-Change-Reason header. A change or a delete names, in If-Match, the ETag of the read it
started from (dashboard/edits.py): 428 without one, 412 when the record changed since.
"""

import re
from contextlib import suppress
from hashlib import sha256

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import transaction
from django.db.models import Subquery
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, quote_etag
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import filters as dashboard_filters
from dashboard import selectors, views
from dashboard.api import serializers
from dashboard.api.fields import brief
from dashboard.api.paging import CursorPagination, TableSort
from dashboard.api.permissions import SiteReaders, may_read
from dashboard.cache import cached, data_version
from dashboard.edits import edit_conflict
from dashboard.models import (
    AgreementCitation,
    Deal,
    DealCitation,
    Delivery,
    EngagementCitation,
    EngagementParticipant,
    Platform,
    PlatformAlias,
    StandingBodyCitation,
)
from dashboard.services import delivery_delete, delivery_tiv_update

REASON_HEADER = "X-Change-Reason"
REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column
# Keys in addresses: slugs and party codes. Nothing else (a NUL, say, which PostgreSQL refuses
# in a string) ever reaches a query.
KEY_PATTERN = "[-A-Za-z0-9_]+"
ID_PATTERN = "[0-9]+"
# Larger answers (a thousand sources with their text) are made anew each time.
CACHED_ANSWER_MAX_BYTES = 2 * 1024 * 1024

REASON_PARAMETER = OpenApiParameter(
    REASON_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=f"Why the change is made (at most {REASON_MAX_LENGTH} characters); kept in "
    "the record's history with the user.",
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag a read of the record gave (`GET` its address): the write is made only "
    "if nobody changed the record since (412 otherwise, with what changed). Without it the "
    "answer is 428. `*` writes over whatever version is there.",
)


# The record's version in an ETag a read gave: "<digest>.v<version>".
IF_MATCH_VERSION = re.compile(r'\.v(\d+)"')


def change_reason(request) -> str | None:
    """The reason the request gives in its X-Change-Reason header, read as UTF-8."""
    value = request.headers.get(REASON_HEADER, "")
    with suppress(UnicodeError):  # not UTF-8: kept as the server read it
        value = value.encode("latin-1").decode("utf-8")
    value = value.strip()
    if len(value) > REASON_MAX_LENGTH or "\x00" in value:
        raise ValidationError(
            {REASON_HEADER: [f"Give at most {REASON_MAX_LENGTH} characters, with no NUL."]}
        )
    return value or None


class APIViewMixin:
    """Reads that are conditional and cached: the answer for an address is cached under the
    data version, as the pages cache their content (DASHBOARD_PAGE_CACHE_SECONDS),
    so that asking again costs no query. (When a login is needed, the API answers for itself,
    401 with how to authenticate rather than a redirect to the sign-in page: DRF marks its views
    login_not_required, as LoginRequiredMiddleware would look before any token is read.)"""

    answer_key = None

    def conditional(self, request, respond, *, version: int | None = None):
        """`respond()`, or 304 when the client already holds what it would say, or the answer
        cached for this address. A record's read gives its `version` in the ETag too, for
        writes to name in If-Match (dashboard/edits.py)."""
        address = request.build_absolute_uri()
        digest = sha256(f"{data_version()}|{address}".encode()).hexdigest()[:40]
        etag = quote_etag(digest if version is None else f"{digest}.v{version}")
        response = get_conditional_response(request, etag=etag)
        if response is None and settings.DASHBOARD_PAGE_CACHE_SECONDS:
            self.answer_key = f"dashboard:api-answer:{digest}"
            answer = cache.get(self.answer_key)
            if answer is not None:
                response = HttpResponse(answer, content_type="application/json")
        if response is None:
            response = respond()
        if 200 <= response.status_code < 300 or response.status_code == 304:
            response["ETag"] = etag
        # Caches may keep the answer, but must ask whether it still holds before using it.
        if settings.DASHBOARD_LOGIN_REQUIRED:
            patch_cache_control(response, no_cache=True, private=True)
        else:
            patch_cache_control(response, no_cache=True)
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.answer_key and isinstance(response, Response) and response.status_code == 200:
            response.render()
            if len(response.content) <= CACHED_ANSWER_MAX_BYTES:
                cache.set(self.answer_key, response.content, settings.DASHBOARD_PAGE_CACHE_SECONDS)
        return response


@extend_schema_view(
    create=extend_schema(parameters=[REASON_PARAMETER]),
    update=extend_schema(parameters=[IF_MATCH_PARAMETER, REASON_PARAMETER]),
    partial_update=extend_schema(parameters=[IF_MATCH_PARAMETER, REASON_PARAMETER]),
    destroy=extend_schema(parameters=[IF_MATCH_PARAMETER, REASON_PARAMETER]),
)
class RecordViewSet(APIViewMixin, viewsets.ModelViewSet):
    # A model's list, detail, create, update and delete. A subclass names its serializer and
    # the page it mirrors (`list_view`), whose queryset, filter set and table it takes. (Its
    # docstring is the operations' description in the schema.)

    list_view = None
    table_class = None
    filterset_class = None
    filter_backends = [DjangoFilterBackend, TableSort]
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        spec = cls.serializer_class
        cls.lookup_field, cls.lookup_url_kwarg = spec.key_field, spec.key_name
        cls.lookup_value_regex = ID_PATTERN if spec.key_field == "id" else KEY_PATTERN
        if cls.list_view is not None:
            cls.queryset = cls.queryset if cls.queryset is not None else cls.list_view.queryset
            cls.filterset_class = cls.list_view.filterset_class
            cls.table_class = cls.list_view.table_class

    def list(self, request, *args, **kwargs):
        return self.conditional(request, lambda: super(RecordViewSet, self).list(request))

    def retrieve(self, request, *args, **kwargs):
        return self.conditional(
            request,
            lambda: super(RecordViewSet, self).retrieve(request, *args, **kwargs),
            version=self.version_now(),
        )

    def version_now(self) -> int:
        """The record's version (its latest history row's id) in one query, by its key."""
        model = self.get_queryset().model
        key = {self.lookup_field: self.kwargs[self.lookup_url_kwarg]}
        record = model._default_manager.filter(**key).values("pk")[:1]
        latest = model.history.filter(id=Subquery(record)).order_by("-history_id")
        return latest.values_list("history_id", flat=True).first() or 0

    def update(self, request, *args, **kwargs):
        return self.unless_changed(request) or super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        return self.unless_changed(request) or super().destroy(request, *args, **kwargs)

    def unless_changed(self, request) -> Response | None:
        """None (go ahead) when If-Match names the record's version now, or is `*`; 412 with
        what changed when it names another; 428 when the request has none, so that no write
        overwrites a change it never saw."""
        record = self.get_object()  # 404 first, for a record that is not there
        given = request.headers.get("If-Match", "").strip()
        if not given:
            return Response(
                {
                    "detail": "Send the record's ETag in an If-Match header: read the record "
                    "(GET its address), then send the ETag that read gave, so that a change "
                    "made in between is not overwritten. Nothing was saved."
                },
                status=status.HTTP_428_PRECONDITION_REQUIRED,
            )
        if given == "*":
            return None
        found = IF_MATCH_VERSION.search(given)
        conflict = edit_conflict(record, found.group(1) if found else None)
        if conflict is None:
            return None
        return Response(
            {
                "detail": "The record changed since you read it: nothing was saved. Read it "
                "again, apply your change to it, and send it with the new ETag.",
                **conflict.as_json(),
            },
            status=status.HTTP_412_PRECONDITION_FAILED,
        )

    def perform_create(self, serializer):
        self.save(serializer)

    def perform_update(self, serializer):
        self.save(serializer)

    def save(self, serializer):
        saved = serializer.save(
            history_user=self.request.user, change_reason=change_reason(self.request)
        )
        # Answered as a read of it would be, counts and all.
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_destroy(self, instance):
        instance._history_user = self.request.user
        instance._change_reason = change_reason(self.request)
        with transaction.atomic():
            instance.delete()


class PartyViewSet(RecordViewSet):
    """Parties: the states on either side of a deal, named by their code."""

    serializer_class = serializers.PartySerializer
    list_view = views.PartyListView


class SourceViewSet(RecordViewSet):
    """Sources: the articles and documents every record cites, with their full text."""

    serializer_class = serializers.SourceSerializer
    list_view = views.SourceListView
    # The page leaves out each source's text; the API gives it.
    queryset = views.SourceListView.queryset.defer(None)


class PersonViewSet(RecordViewSet):
    """People: officials and institutions quoted in the sources."""

    serializer_class = serializers.PersonSerializer
    list_view = views.PersonListView


class PlatformViewSet(RecordViewSet):
    """Platforms: weapon systems, with the names they also go by."""

    serializer_class = serializers.PlatformSerializer
    list_view = views.PlatformListView


class PlatformAliasViewSet(RecordViewSet):
    """Platform aliases: the other names a platform goes by."""

    serializer_class = serializers.PlatformAliasSerializer
    queryset = PlatformAlias.objects.select_related("platform")


class DealViewSet(RecordViewSet):
    """Deals at every stage, from talks to completed deliveries, with their citations."""

    serializer_class = serializers.DealSerializer
    list_view = views.DealListView

    def save(self, serializer):
        with transaction.atomic():
            super().save(serializer)
            delivery_tiv_update(deal_ids=[serializer.instance.pk])  # its TIV may have changed


class DealCitationViewSet(RecordViewSet):
    """Citations: the sources a deal rests on, each with its excerpt, word for word."""

    serializer_class = serializers.DealCitationSerializer
    queryset = DealCitation.objects.select_related("deal", "source").defer("source__text")
    ordering = ["id"]


class DeliveryViewSet(RecordViewSet):
    """Deliveries: the years in which a deal delivered weapons, as SIPRI's register lists them."""

    serializer_class = serializers.DeliverySerializer
    queryset = Delivery.objects.select_related("deal")
    ordering = ["id"]

    # A year added, moved to another deal or deleted changes the shares of its deals' years:
    # its serializer saves it through services.delivery_save(), and a delete goes through
    # services.delivery_delete().
    def perform_destroy(self, instance):
        delivery_delete(
            delivery=instance, user=self.request.user, reason=change_reason(self.request)
        )


class StatementViewSet(RecordViewSet):
    """Statements: what officials said, with speaker, date and source."""

    serializer_class = serializers.StatementSerializer
    list_view = views.StatementListView


class StandingBodyViewSet(RecordViewSet):
    """Standing bodies: commissions, working groups and dialogues, each under its parent."""

    serializer_class = serializers.StandingBodySerializer
    list_view = views.StandingBodyListView


class EngagementViewSet(RecordViewSet):
    """Engagements: visits, meetings, sessions of standing bodies, exercises and operations,
    with who took part and the sources."""

    serializer_class = serializers.EngagementSerializer
    list_view = views.EngagementListView
    queryset = views.EngagementListView.queryset.prefetch_related(
        "deals", "platforms", "statements"
    )


class EngagementParticipantViewSet(RecordViewSet):
    """Participants: who took part in an engagement, with the role the source gives them."""

    serializer_class = serializers.EngagementParticipantSerializer
    queryset = EngagementParticipant.objects.select_related("engagement", "person")
    ordering = ["id"]


class AgreementViewSet(RecordViewSet):
    """Agreements: treaties, frameworks, memoranda, at their status, with their sources."""

    serializer_class = serializers.AgreementSerializer
    list_view = views.AgreementListView
    queryset = views.AgreementListView.queryset.prefetch_related("deals")


class StandingBodyCitationViewSet(RecordViewSet):
    """A standing body's sources, each with its excerpt, word for word."""

    serializer_class = serializers.StandingBodyCitationSerializer
    queryset = StandingBodyCitation.objects.select_related("body", "source").defer("source__text")
    ordering = ["id"]


class EngagementCitationViewSet(RecordViewSet):
    """An engagement's sources, each with its excerpt, word for word."""

    serializer_class = serializers.EngagementCitationSerializer
    queryset = EngagementCitation.objects.select_related("engagement", "source").defer(
        "source__text"
    )
    ordering = ["id"]


class AgreementCitationViewSet(RecordViewSet):
    """An agreement's sources, each with its excerpt, word for word."""

    serializer_class = serializers.AgreementCitationSerializer
    queryset = AgreementCitation.objects.select_related("agreement", "source").defer(
        "source__text"
    )
    ordering = ["id"]


# --- Analyses ----------------------------------------------------------------------------------
# The same numbers the charts draw, from the same selectors.


class AnalysisView(APIViewMixin, APIView):
    permission_classes = [SiteReaders]

    def get(self, request, *args, **kwargs):
        return self.conditional(request, lambda: Response(self.figures(request, **kwargs)))


class OverviewView(AnalysisView):
    """The overview's key figures and chart rows over the whole data set."""

    @extend_schema(responses=serializers.OverviewSerializer, operation_id="overview")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def figures(self, request):
        return cached("api-overview", selectors.overview_data)


class PairListView(AnalysisView):
    """Every pair of parties with deals between them, busiest first."""

    @extend_schema(responses=serializers.PairSerializer(many=True), operation_id="ties_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def figures(self, request):
        pairs = cached("api-pairs", lambda: selectors.party_pairs(deals=Deal.objects.all()))
        # A pair's address is ties/FIRST/SECOND/ (urls.py): reversed once, not per pair.
        ties = request.build_absolute_uri(reverse("api:pair-list"))
        return [{**pair, "api_url": f"{ties}{pair['first']}/{pair['second']}/"} for pair in pairs]


class PairView(AnalysisView):
    """A pair's figures, as its page charts them; the parties in either order."""

    @extend_schema(responses=serializers.PairFiguresSerializer, operation_id="ties_retrieve")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def figures(self, request, first, second):
        # Codes in either case, as on the pages: in is IN, NATO is nato.
        codes = selectors.party_codes(first, second)
        first, second = sorted(
            code or given for code, given in zip(codes, (first, second), strict=True)
        )
        if first == second:
            raise ValidationError({"second": ["A pair needs two different parties."]})
        parties = selectors.pair_parties(first, second)  # as the pair's page reads them
        if parties is None:
            missing = next(code for code in (first, second) if code not in codes)
            raise NotFound(f"No party has the code “{missing}”.")
        figures = cached(
            f"api-pair:{first}:{second}",
            lambda: selectors.pair_figures(first=parties[0], second=parties[1]),
        )
        return {
            "first": brief(parties[0], request),
            "second": brief(parties[1], request),
            **figures,
            "page_url": request.build_absolute_uri(
                reverse("dashboard:pair", args=[first, second])
            ),
        }


TRANSFER_PARAMETERS = [
    OpenApiParameter(
        "recipient", OpenApiTypes.STR, description="The recipient's code: IN, SUHH, nato."
    ),
    OpenApiParameter("supplier", OpenApiTypes.STR, description="The supplier's code."),
    OpenApiParameter("year_min", OpenApiTypes.INT, description="Deliveries from this year."),
    OpenApiParameter("year_max", OpenApiTypes.INT, description="Deliveries up to this year."),
    OpenApiParameter(
        "category",
        OpenApiTypes.STR,
        enum=Platform.Category.values,
        description="The weapons' platform category.",
    ),
    OpenApiParameter(
        "group",
        OpenApiTypes.STR,
        enum=list(selectors.TRANSFER_GROUPS),
        description="What each row is (supplier by default).",
    ),
    OpenApiParameter(
        "fold",
        OpenApiTypes.BOOL,
        description="Count a former state with its successor (the Soviet Union as Russia), "
        "in the filters and the rows.",
    ),
]


class TransferListView(AnalysisView):
    """Transfers of major conventional arms, as SIPRI's register lists their deliveries: the
    TIV of delivered weapons per supplier, recipient, year or category, with each row's share
    of the total. A deal's delivered TIV is spread evenly over its years of delivery. The same
    selector and filters as the /transfers/ page."""

    @extend_schema(
        parameters=TRANSFER_PARAMETERS,
        responses=serializers.TransfersSerializer,
        operation_id="transfers_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def figures(self, request):
        filterset = dashboard_filters.TransferFilterSet(
            request.GET, queryset=Delivery.objects.all()
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        deliveries, group, fold = filterset.qs, filterset.rows_per, filterset.folded
        rows = cached(
            f"transfers:{selectors.query_key(deliveries)}:{group}:{fold}",
            lambda: selectors.transfer_totals(
                deliveries=deliveries, group=group, fold=fold, whole_deals=filterset.every_year
            ),
        )
        page = reverse("dashboard:transfer-list")
        query = request.GET.urlencode()
        return {
            "group": group,
            "fold": fold,
            "total_tiv": round(sum(row["tiv"] for row in rows), 3),
            "rows": [
                {**row, "code": "" if row["code"] is None else str(row["code"])} for row in rows
            ],
            "page_url": request.build_absolute_uri(f"{page}?{query}" if query else page),
        }


@csrf_exempt
@login_not_required
def not_found(request, *args, **kwargs):
    """Any other address under /api/: a 404 in JSON, as the API's own are."""
    return JsonResponse({"detail": "Nothing is at this address: see /api/."}, status=404)


# --- The schema and its page -------------------------------------------------------------------


class SchemaView(SpectacularAPIView):
    permission_classes = [SiteReaders]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI, from the site's own static files, with its start-up script at an address of
    its own: no inline script or style, so the strict CSP holds. With a login required, the
    page sends visitors to sign in, as every page does."""

    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    http_method_names = ["get", "head"]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not may_read(request.user):
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)
