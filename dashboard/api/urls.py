"""The API's addresses, under /api/: one router for every model, then the analyses and the
schema. A new model is one `register` line; names follow "<model>-list" and "<model>-detail"."""

from django.urls import path, re_path
from rest_framework import routers

from dashboard.api import views


class APIRootView(views.APIViewMixin, routers.APIRootView):
    """The API's front door: the address of every list and analysis."""

    analyses = {"overview": "api:overview", "ties": "api:pair-list"}

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for name, url_name in self.analyses.items():
            response.data[name] = request.build_absolute_uri(views.reverse(url_name))
        response.data["schema"] = request.build_absolute_uri(views.reverse("api:schema"))
        response.data["docs"] = request.build_absolute_uri(views.reverse("api:docs"))
        return response


class Router(routers.DefaultRouter):
    APIRootView = APIRootView
    include_format_suffixes = False


router = Router()
for prefix, viewset in [
    ("parties", views.PartyViewSet),
    ("platforms", views.PlatformViewSet),
    ("platform-aliases", views.PlatformAliasViewSet),
    ("deals", views.DealViewSet),
    ("citations", views.DealCitationViewSet),
    ("deliveries", views.DeliveryViewSet),
    ("statements", views.StatementViewSet),
    ("sources", views.SourceViewSet),
    ("people", views.PersonViewSet),
    ("engagements", views.EngagementViewSet),
    ("participants", views.EngagementParticipantViewSet),
    ("engagement-citations", views.EngagementCitationViewSet),
    ("standing-bodies", views.StandingBodyViewSet),
    ("standing-body-citations", views.StandingBodyCitationViewSet),
    ("agreements", views.AgreementViewSet),
    ("agreement-citations", views.AgreementCitationViewSet),
]:
    router.register(prefix, viewset, basename=viewset.serializer_class.basename())

app_name = "api"

urlpatterns = [
    *router.urls,
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("ties/", views.PairListView.as_view(), name="pair-list"),
    re_path(
        rf"^ties/(?P<first>{views.KEY_PATTERN})/(?P<second>{views.KEY_PATTERN})/$",
        views.PairView.as_view(),
        name="pair",
    ),
    path("transfers/", views.TransferListView.as_view(), name="transfer-list"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    re_path(r"", views.not_found),
]
